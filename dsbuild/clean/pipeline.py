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
from functools import partial

import pyarrow as pa

from ..errors import UserError
from ..execute.local import LocalExecutor
from ..execute.spill import InMemory, Spill, WorkFolder, batches
from ..stage import StageReport
from .base import Step, snake_name

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
    rows: pa.Table | Spill | list,
    steps: list[tuple[str, Step]],
    progress=None,
    *,
    stage: str = STAGE,
    key: str = "cleaning.rules",
    executor=None,
    work: WorkFolder | None = None,
) -> tuple[pa.Table | Spill, list[pa.Table | Spill], StageReport]:
    """Apply steps in order; return kept rows, the rejected rows (one table or spill per step) and the report.

    `stage` names the stage in reports and rejects (`clean`, or `quality` for the steps that run after
    the LLM tasks); `key` is the config key errors name (`cleaning.rules`, `cleaning.after_llm`).
    Pass the rows inside a one-element list to hand them over: the list is emptied, so the caller does not
    pin the uncleaned rows, and a handed-over spill's files are deleted once read. Consecutive row-wise
    steps run together on `executor` (default: `LocalExecutor`, batch by batch in this process); a step
    that compares rows reads all rows twice (observe, then decide). With `work`, every step's output goes
    to spill files there, so only a batch of rows is in memory at a time; without it, to tables.
    """
    owned = isinstance(rows, list)
    if owned:
        rows = rows.pop()
    report = StageReport(stage, rows_in=rows.num_rows)
    rejected_rows: list[pa.Table | Spill] = []
    executor = executor or LocalExecutor()
    work = work or InMemory()
    for group in _groups(steps):
        if len(group) == 1 and not group[0][1].row_wise:  # compares rows (dedup, outliers): two passes
            outcomes = executor.two_pass(partial(batches, rows, executor.batch_rows), group[0], stage, key)
        else:
            outcomes = executor.map_group(batches(rows, executor.batch_rows), group, stage, key)
        kept, rejected, counts = _collected(outcomes, [name for name, _ in group], work, stage)
        if owned and isinstance(rows, Spill):
            rows.delete()  # read for the last time: its disk space goes back before the next group writes
        rows, owned = kept, True
        for name, _ in group:
            if counts.get(name):  # steps that rewrite by kind (PII) say how much, for the card
                report.changes[name] = counts[name]
            if rejected.get(name) is not None:
                rejected_rows.append(rejected[name])
                report.by_rule[name] = rejected[name].num_rows
            if progress is not None:
                progress(name)
        pa.default_memory_pool().release_unused()  # hand the steps' temporaries back to the OS
    report.kept = rows.num_rows
    report.rejected = sum(t.num_rows for t in rejected_rows)
    report.check()
    return rows, rejected_rows, report


def _collected(outcomes, names: list[str], work, stage: str):
    """The outcomes joined in order: (kept rows, per step its rejects or None, per step its summed counts)."""
    kept_writer = work.writer(f"{stage}-{names[0]}")
    reject_writers: dict[str, object] = {}
    counts: dict[str, Counter] = {}
    for outcome in outcomes:
        kept_writer.add(outcome.kept)
        for name, table in outcome.rejected.items():
            if name not in reject_writers:
                reject_writers[name] = work.writer(f"{stage}-{name}-rejects")
            reject_writers[name].add(table)
        for name, found in outcome.counts.items():
            if found:
                counts.setdefault(name, Counter()).update(found)
    rejected = {name: reject_writers[name].close() for name in names if name in reject_writers}
    return kept_writer.close(), rejected, {name: {k: int(n) for k, n in c.items()} for name, c in counts.items()}


def _groups(steps: list[tuple[str, Step]]) -> list[list[tuple[str, Step]]]:
    """Consecutive row-wise steps together (they run batch by batch), every other step on its own."""
    groups: list[list[tuple[str, Step]]] = []
    for pair in steps:
        if pair[1].row_wise and groups and groups[-1][-1][1].row_wise:
            groups[-1].append(pair)
        else:
            groups.append([pair])
    return groups
