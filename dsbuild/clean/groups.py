"""Running cleaning steps batch by batch: a group of row-wise steps on one batch, a two-pass rule over all.

Shared by the executors and the pipeline: each batch's `GroupOutcome` holds the rows kept, each step's
rejects and its counts, so joining the outcomes in order equals running the steps over the whole table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import pyarrow as pa

from ..errors import UserError
from ..stage import partition
from .base import Step, TwoPassRule, Verdicts


@dataclass
class GroupOutcome:
    """One batch after a group of steps: the kept rows, each step's rejects and counts."""

    kept: pa.Table
    rejected: dict[str, pa.Table] = field(default_factory=dict)
    counts: dict[str, dict[str, int]] = field(default_factory=dict)


def apply_group(batch: pa.Table, group: list[tuple[str, Step]], stage: str, key: str) -> GroupOutcome:
    """The steps of `group` in order over `batch`; a step sees only what the steps before it kept."""
    outcome = GroupOutcome(batch)
    for name, step in group:
        verdicts = named_call(key, name, step.run, outcome.kept)
        outcome.kept, rejected = _partitioned(verdicts, name, stage)
        if rejected is not None:
            outcome.rejected[name] = rejected
        outcome.counts[name] = step_counts(step)
    return outcome


def two_pass(batches: Callable[[], Iterable[pa.Table]], pair: tuple[str, TwoPassRule], stage: str,
             key: str) -> Iterator[GroupOutcome]:
    """A rule that compares rows: observe every batch of `batches()`, settle, revisit (a paired rule reads
    its paired rows again), then one outcome per batch."""
    name, step = pair
    named_call(key, name, step.begin)
    for batch in batches():
        named_call(key, name, step.observe, batch)
    named_call(key, name, step.settle)
    named_call(key, name, step.revisit, batches())
    yield from decided(batches, pair, stage, key)


def decided(batches: Callable[[], Iterable[pa.Table]], pair: tuple[str, TwoPassRule], stage: str,
            key: str) -> Iterator[GroupOutcome]:
    """The second pass of a settled two-pass rule: one outcome per batch of `batches()`.

    The counts (rules that count what they rewrote) come with the last batch's outcome, once all are decided.
    """
    name, step = pair
    previous = None
    for batch in batches():
        verdicts = named_call(key, name, step.decide, batch)
        kept, rejected = _partitioned(verdicts, name, stage)
        if previous is not None:
            yield previous
        previous = GroupOutcome(kept, {} if rejected is None else {name: rejected})
    previous.counts[name] = step_counts(step)
    yield previous


def step_counts(step: Step) -> dict[str, int]:
    """What a step rewrote, by kind (PII matches), as plain ints; {} for steps that do not count."""
    return {kind: int(n) for kind, n in (getattr(step, "counts", None) or {}).items()}


def _partitioned(verdicts: Verdicts, name: str, stage: str) -> tuple[pa.Table, pa.Table | None]:
    """(kept rows, rejected rows marked with the step's name, or None when it dropped none)."""
    if verdicts.reasons is None:
        return verdicts.table, None
    kept, rejected = partition(verdicts.table, verdicts.reasons, stage=stage, rule=name,
                               duplicate_of=verdicts.duplicate_of)
    return kept, (rejected if rejected.num_rows else None)


def named_call(key: str, name: str, call: Callable, *args):
    """`call(*args)`, with a UserError it raises prefixed by the step's config key."""
    try:
        return call(*args)
    except UserError as exc:
        raise UserError(f"{key}.{name}: {exc}") from None
