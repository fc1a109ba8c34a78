"""The `annotate` stage: run one task over every row and account for each row.

Rows whose call failed for good are rejected with the reason (status, attempts, last error), never
kept with an empty field. With `llm.require_all`, any failure fails the build instead. A budget stop
ends the build with a message saying how to resume: paid answers are in the cache and replay free.
"""

from __future__ import annotations

import pyarrow as pa

from ..errors import UserError
from ..llm.client import Call, LLMClient
from ..stage import StageReport, partition
from .base import Task


def run_task(
    table: pa.Table, task: Task, client: LLMClient, name: str | None = None, progress=None
) -> tuple[pa.Table, pa.Table, StageReport]:
    """(kept rows with the task's fields, rejected rows, report of stage `annotate:<name>`)."""
    name = name or task.name
    stage = f"annotate:{name}"
    task.check_inputs(table.column_names)
    rows = table.to_pylist()
    calls = [Call(task.prompt.messages(task.context(row)), task.schema, task.check) for row in rows]
    outcomes = client.run(calls, progress)
    stats = client.stats
    if stats.budget_stopped:
        raise UserError(
            f"llm.max_cost_usd={client.settings.max_cost_usd} reached after {stats.sent} paid calls "
            f"(${stats.cost_usd:.4f}); their answers are in the cache: raise llm.max_cost_usd and rerun to resume"
        )
    reasons: list[str | None] = []
    for row, outcome in zip(rows, outcomes):
        if outcome.output is None:
            reasons.append(f"{name} failed: {outcome.error}")
        else:
            row.update(task.fields(row, outcome.output, outcome.reasoning))
            reasons.append(task.verdict(outcome.output))
    failed = [r for r, o in zip(reasons, outcomes) if r and o.output is None]
    if failed and client.settings.require_all:
        raise UserError(
            f"{len(failed)} of {len(rows)} rows failed {name} and llm.require_all is set; first: {failed[0]}"
        )
    updated = pa.Table.from_pylist(rows) if rows else table
    kept, rejected = partition(updated, reasons, stage=stage, rule=name)
    report = StageReport(stage, rows_in=table.num_rows, kept=kept.num_rows, rejected=rejected.num_rows,
                         by_rule={name: rejected.num_rows} if rejected.num_rows else {})
    report.check()
    return kept, rejected, report
