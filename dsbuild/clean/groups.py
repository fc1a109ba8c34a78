"""Applying a group of row-wise steps to one batch, and joining the batches' outcomes in order.

Shared by the executors: each cuts the table into batches (here, or on a Ray cluster), applies the
group to every batch, and joins the outcomes, so the result equals running the steps over the whole
table: kept rows in order, each step's rejects in order, and its counts (PII matches by kind) summed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pyarrow as pa

from ..errors import UserError
from ..stage import partition
from .base import Step


@dataclass
class GroupOutcome:
    """One batch after a group of steps: the kept rows, each step's rejects and counts."""

    kept: pa.Table
    rejected: dict[str, pa.Table] = field(default_factory=dict)
    counts: dict[str, dict[str, int]] = field(default_factory=dict)


def apply_group(batch: pa.Table, group: list[tuple[str, Step]], stage: str, key: str) -> GroupOutcome:
    """The steps of `group` in order over `batch`; a step sees only what the steps before it kept."""
    outcome = GroupOutcome(batch)
    for pair in group:
        outcome.kept, rejected, counts = apply_step(outcome.kept, pair, stage, key)
        if rejected is not None and rejected.num_rows:
            outcome.rejected[pair[0]] = rejected
        outcome.counts[pair[0]] = counts
    return outcome


def apply_step(table: pa.Table, pair: tuple[str, Step], stage: str, key: str) -> tuple[pa.Table, pa.Table | None,
                                                                                       dict]:
    """One step over `table`: (kept rows, rejected rows or None, its counts by kind)."""
    name, step = pair
    try:
        verdicts = step.run(table)
    except UserError as exc:
        raise UserError(f"{key}.{name}: {exc}") from None
    counts = {kind: int(n) for kind, n in (getattr(step, "counts", None) or {}).items()}
    if verdicts.reasons is None:
        return verdicts.table, None, counts
    kept, rejected = partition(verdicts.table, verdicts.reasons, stage=stage, rule=name,
                               duplicate_of=verdicts.duplicate_of)
    return kept, rejected, counts


def merge_outcomes(outcomes: list[GroupOutcome], names: list[str]) -> tuple[pa.Table, dict]:
    """The batches' outcomes joined in order: (kept rows, per step: (rejects or None, summed counts))."""
    kept = [o.kept for o in outcomes]
    joined = kept[0] if len(kept) == 1 else pa.concat_tables(kept, promote_options="permissive")
    merged = {}
    for name in names:
        rejects = [o.rejected[name] for o in outcomes if name in o.rejected]
        total: Counter = Counter()
        seen = False
        for o in outcomes:
            if name in o.counts and o.counts[name]:
                total.update(o.counts[name])
                seen = True
        merged[name] = (pa.concat_tables(rejects, promote_options="permissive") if rejects else None,
                        {kind: int(n) for kind, n in total.items()} if seen else {})
    return joined, merged
