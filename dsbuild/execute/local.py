"""`executor=local`: row-wise steps over slices of the table in this process (the default)."""

from __future__ import annotations

import pyarrow as pa

from ..clean.groups import GroupOutcome, apply_group, merge_outcomes

BATCH_ROWS = 200_000


class LocalExecutor:
    """Runs a group of row-wise steps over `batch_rows`-row slices: temporaries stay batch-sized."""

    name = "local"

    def __init__(self, batch_rows: int = BATCH_ROWS):
        self.batch_rows = int(batch_rows)

    def __enter__(self) -> LocalExecutor:
        return self

    def __exit__(self, *exc) -> None:
        return None

    def run_row_wise(self, table: pa.Table, group: list, stage: str, key: str) -> tuple[pa.Table, dict]:
        """(kept rows, per step name: (rejected rows or None, counts by kind)), as one pass would give."""
        outcomes: list[GroupOutcome] = []
        for start in range(0, max(table.num_rows, 1), self.batch_rows):
            outcomes.append(apply_group(table.slice(start, self.batch_rows), group, stage, key))
        del table
        return merge_outcomes(outcomes, [name for name, _ in group])
