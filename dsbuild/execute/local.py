"""`executor=local`: row-wise steps over batches in this process (the default)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

import pyarrow as pa

from ..clean.groups import GroupOutcome, apply_group, two_pass
from .spill import BATCH_ROWS, whole_number


class LocalExecutor:
    """Runs a group of row-wise steps batch by batch (tables are cut into `batch_rows`-row slices)."""

    name = "local"

    def __init__(self, batch_rows: int = BATCH_ROWS):
        self.batch_rows = whole_number(batch_rows, "executor.batch_rows", BATCH_ROWS)

    def __enter__(self) -> LocalExecutor:
        return self

    def __exit__(self, *exc) -> None:
        return None

    def map_batches(self, fn: Callable[..., pa.Table], batches: Iterable[pa.Table], *args) -> Iterator[pa.Table]:
        """`fn(batch, *args)` for each batch, in order."""
        for batch in batches:
            yield fn(batch, *args)

    def two_pass(self, batches: Callable[[], Iterable[pa.Table]], pair: tuple, stage: str,
                 key: str) -> Iterator[GroupOutcome]:
        """A rule that compares rows, observed and decided here (see `clean.groups.two_pass`)."""
        return two_pass(batches, pair, stage, key)

    def llm_pool(self, settings) -> None:
        """None: the LLM client sends from this process (or forks `llm.workers` processes itself)."""
        return None

    def map_group(self, batches: Iterable[pa.Table], group: list, stage: str, key: str) -> Iterator[GroupOutcome]:
        """Each batch's outcome, in order, as it is computed (one batch in memory at a time)."""
        for batch in batches:
            yield apply_group(batch, group, stage, key)
