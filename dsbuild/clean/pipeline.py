"""Runs the configured cleaning steps in order and accounts for every dropped row.

Steps come from `cleaning.rules` (before the LLM tasks) and `cleaning.after_llm` (after them: rules
that need the LLM's fields, such as near-duplicates kept by judge score). Each is either a mapping
(name -> step; the name labels its rejects and can be overridden from the command line as
`cleaning.rules.<name>.<key>=…` or removed with `cleaning.rules.<name>=null`) or a plain list
(names derived from the class).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pyarrow as pa

from ..errors import UserError
from ..execute.local import LocalExecutor
from ..stage import StageReport
from .base import Step, snake_name
from .groups import apply_step

STAGE = "clean"
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
    executor=None,
) -> tuple[pa.Table, list[pa.Table], StageReport]:
    """Apply steps in order; return kept rows, the rejected tables (one per step) and the report.

    `stage` names the stage in reports and rejects (`clean`, or `quality` for the steps that run after
    the LLM tasks); `key` is the config key errors name (`cleaning.rules`, `cleaning.after_llm`).
    Pass the table inside a one-element list to hand it over: the list is emptied, so the caller
    does not pin the uncleaned rows in memory while the steps make their copies. Consecutive row-wise
    steps run together on `executor` (default: `LocalExecutor`, batch by batch in this process).
    """
    if isinstance(table, list):
        table = table.pop()
    report = StageReport(stage, rows_in=table.num_rows)
    rejected_tables = []
    executor = executor or LocalExecutor()
    for group in _groups(steps):
        if len(group) == 1 and not group[0][1].row_wise:  # compares rows (dedup, outliers): the whole table
            table, rejected, counts = apply_step(table, group[0], stage, key)
            outcomes = {group[0][0]: (rejected, counts)}
        else:
            table, outcomes = executor.run_row_wise(table, group, stage, key)
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
