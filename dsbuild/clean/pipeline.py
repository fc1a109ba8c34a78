"""Runs the configured cleaning steps in order and accounts for every dropped row.

Steps come from `cleaning.rules` (before the LLM tasks) and `cleaning.after_llm` (after them: rules
that need the LLM's fields, such as near-duplicates kept by judge score). Each is either a mapping
(name -> step; the name labels its rejects and can be overridden from the command line as
`cleaning.rules.<name>.<key>=…` or removed with `cleaning.rules.<name>=null`) or a plain list
(names derived from the class).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

import pyarrow as pa

from ..errors import UserError
from ..stage import StageReport, partition
from .base import Step, snake_name

STAGE = "clean"
ROW_BATCH = 200_000  # rows per batch for row-wise steps: bounds their temporaries, not their results
AFTER_LLM_STAGE = "quality"


def named_steps(
    steps: Mapping[str, Step] | Sequence[Step] | None, key: str = "cleaning.rules"
) -> list[tuple[str, Step]]:
    """(name, step) pairs in order; null entries (rules switched off) are skipped. `key` is for errors."""
    if not steps:
        return []
    if isinstance(steps, Mapping):
        pairs = [(str(name), step) for name, step in steps.items() if step is not None]
    else:
        pairs, seen = [], {}
        for step in steps:
            if step is None:
                continue
            base = snake_name(step)
            seen[base] = seen.get(base, 0) + 1
            pairs.append((base if seen[base] == 1 else f"{base}#{seen[base]}", step))
    for name, step in pairs:
        if not isinstance(step, Step):
            raise UserError(
                f"{key}.{name} is not a cleaning step (got {type(step).__name__}); "
                "give it a `_target_` that names a dsbuild.clean Rule or Transform class"
            )
    return pairs


def run_cleaning(
    table: pa.Table | list[pa.Table],
    steps: list[tuple[str, Step]],
    progress=None,
    *,
    stage: str = STAGE,
    key: str = "cleaning.rules",
) -> tuple[pa.Table, list[pa.Table], StageReport]:
    """Apply steps in order; return kept rows, the rejected tables (one per step) and the report.

    `stage` names the stage in reports and rejects (`clean`, or `quality` for the steps that run after
    the LLM tasks); `key` is the config key errors name (`cleaning.rules`, `cleaning.after_llm`).
    Pass the table inside a one-element list to hand it over: the list is emptied, so the caller
    does not pin the uncleaned rows in memory while the steps make their copies.
    """
    if isinstance(table, list):
        table = table.pop()
    report = StageReport(stage, rows_in=table.num_rows)
    rejected_tables = []
    for group in _groups(steps):
        if len(group) == 1 and not group[0][1].row_wise:
            table, outcomes = _whole_table(table, group[0], stage, key)
        else:
            table, outcomes = _in_batches(table, group, stage, key, ROW_BATCH)
        for name, (rejected, counts) in outcomes.items():
            if counts:  # steps that rewrite by kind (PII) say how much, for the card
                report.changes[name] = counts
            if rejected is not None and rejected.num_rows:
                rejected_tables.append(rejected)
                report.by_rule[name] = rejected.num_rows
            if progress is not None:
                progress(name)
        pa.default_memory_pool().release_unused()  # hand the steps' temporaries back to the OS
    report.kept = table.num_rows
    report.rejected = sum(t.num_rows for t in rejected_tables)
    report.check()
    return table, rejected_tables, report


def _groups(steps: list[tuple[str, Step]]) -> list[list[tuple[str, Step]]]:
    """Consecutive row-wise steps together (they run batch by batch), every other step on its own."""
    groups: list[list[tuple[str, Step]]] = []
    for pair in steps:
        if pair[1].row_wise and groups and groups[-1][-1][1].row_wise:
            groups[-1].append(pair)
        else:
            groups.append([pair])
    return groups


def _whole_table(table: pa.Table, pair: tuple[str, Step], stage: str, key: str) -> tuple[pa.Table, dict]:
    """A step that compares rows with each other (dedup, outliers) over the whole table."""
    table, rejected, counts = _apply(table, pair, stage, key)
    return table, {pair[0]: (rejected, counts)}


def _in_batches(table: pa.Table, group: list[tuple[str, Step]], stage: str, key: str,
                rows: int) -> tuple[pa.Table, dict]:
    """Row-wise steps over `rows`-row slices: their temporaries stay batch-sized whatever the table's size.

    Rejects of each step keep table order and counts add up over the batches, so the result equals
    running each step over the whole table.
    """
    kept: list[pa.Table] = []
    rejects: dict[str, list[pa.Table]] = {name: [] for name, _ in group}
    counts: dict[str, Counter] = {name: Counter() for name, _ in group}
    for start in range(0, max(table.num_rows, 1), rows):
        batch = table.slice(start, rows)
        for pair in group:
            batch, rejected, step_counts = _apply(batch, pair, stage, key)
            if rejected is not None and rejected.num_rows:
                rejects[pair[0]].append(rejected)
            counts[pair[0]].update(step_counts)
        kept.append(batch)
    del table
    joined = kept[0] if len(kept) == 1 else pa.concat_tables(kept, promote_options="permissive")
    return joined, {name: (pa.concat_tables(rejects[name], promote_options="permissive") if rejects[name] else None,
                           {kind: int(n) for kind, n in counts[name].items()} if counts[name] else {})
                    for name, _ in group}


def _apply(table: pa.Table, pair: tuple[str, Step], stage: str, key: str) -> tuple[pa.Table, pa.Table | None, dict]:
    """One step over `table`: (kept rows, rejected rows or None, its counts by kind)."""
    name, step = pair
    try:
        verdicts = step.run(table)
    except UserError as exc:
        raise UserError(f"{key}.{name}: {exc}") from None
    counts = dict(getattr(step, "counts", None) or {})
    if verdicts.reasons is None:
        return verdicts.table, None, counts
    kept, rejected = partition(verdicts.table, verdicts.reasons, stage=stage, rule=name,
                               duplicate_of=verdicts.duplicate_of)
    return kept, rejected, counts
