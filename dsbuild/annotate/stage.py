"""The `annotate` stage: run one task over every row and account for each row.

Rows whose call failed for good are rejected with the reason (status, attempts, last error), never
kept with an empty field. When more than `llm.max_failed_share` of the task's calls fail (any, with
`llm.require_all`), sending stops and the build fails instead: a mostly failed task is never published.
A budget stop ends the build with a message saying how to resume: paid answers are in the cache and
replay free.
"""

from __future__ import annotations

from functools import partial

import pyarrow as pa

from ..clean.dedup import ExactDedup
from ..clean.groups import two_pass
from ..execute.spill import InMemory, Spill, WorkFolder, batches
from ..llm.client import Call, LLMClient
from ..llm.session import budget_reached, check_failures, failure_limit
from ..record import with_content_ids
from ..stage import StageReport, mark_rejected
from .base import Task


def run_task(
    rows: pa.Table | Spill, task: Task, client: LLMClient, name: str | None = None, progress=None,
    work: WorkFolder | None = None,
) -> tuple[pa.Table | Spill, pa.Table | Spill, StageReport]:
    """(kept rows with the task's fields, rejected rows, report of stage `annotate:<name>`).

    Runs batch by batch (only a batch of rows is ever Python objects); with `work` the kept and rejected
    rows are spills there. The budget pre-check covers every batch before the first call is sent.
    A task may turn one row into several (generate_qa); the report counts the difference as `added`.
    """
    name = name or task.name
    stage = f"annotate:{name}"
    task.check_inputs(rows.schema.names)
    work = work or InMemory()
    client.check_budget(_calls(task, batch.to_pylist()) for batch in batches(rows))
    client.failure_limit = failure_limit(client.settings, rows.num_rows)
    kept_writer, rejected_writer = work.writer(f"{stage}-kept"), work.writer(f"{stage}-rejected")
    for batch in batches(rows):
        records = batch.to_pylist()
        outcomes = client.run(_calls(task, records), progress, check_budget=False)
        if client.stats.budget_stopped:
            raise budget_reached(client.stats, client.budget)
        check_failures(name, client.stats, client.settings, rows.num_rows)  # past the share: stop at once
        kept_rows, dropped_rows, reasons = [], [], []
        for row, outcome in zip(records, outcomes):
            if outcome.output is None:
                dropped_rows.append(row)
                reasons.append(f"{name} failed: {outcome.error}")
                continue
            results = task.results(row, outcome.output, outcome.reasoning)
            verdict, score = task.verdict(outcome.output), task.score(outcome.output)
            if score is not None:
                client.stats.scores[score] = client.stats.scores.get(score, 0) + 1
            if verdict is None:
                kept_rows += results
            else:
                dropped_rows += results
                reasons += [verdict] * len(results)
        kept_writer.add(_table(kept_rows, batch.schema))
        rejected_writer.add(mark_rejected(_table(dropped_rows, batch.schema), stage=stage, rule=name,
                                          reasons=reasons))
    kept = kept_writer.close()
    by_rule = {}
    if task.dedup_fields and kept.num_rows:
        kept = with_content_ids(kept, work.writer(f"{stage}-ids"))  # hashes the task fields, not the lineage
        dedup = (f"{name}:dedup", ExactDedup(fields=list(task.dedup_fields)))
        unique = work.writer(f"{stage}-unique")
        for outcome in two_pass(partial(batches, kept), dedup, stage, f"tasks.{name}"):
            unique.add(outcome.kept)
            for repeats in outcome.rejected.values():
                rejected_writer.add(repeats)
                by_rule[dedup[0]] = by_rule.get(dedup[0], 0) + repeats.num_rows
        kept = unique.close()
    rejected = rejected_writer.close()
    if rejected.num_rows - sum(by_rule.values()):
        by_rule = {name: rejected.num_rows - sum(by_rule.values()), **by_rule}
    report = StageReport(stage, rows_in=rows.num_rows, kept=kept.num_rows, rejected=rejected.num_rows,
                         added=kept.num_rows + rejected.num_rows - rows.num_rows, by_rule=by_rule)
    report.check()
    return kept, rejected, report


def _calls(task: Task, records: list[dict]) -> list[Call]:
    """One call per row, rendered only if the cache has no answer."""
    return [Call(None, task.schema_for_row(row), task.check, prompt=task.prompt, context=task.context(row))
            for row in records]


def _table(rows: list[dict], schema: pa.Schema) -> pa.Table:
    return pa.Table.from_pylist(rows) if rows else schema.empty_table()
