"""The `annotate` stage: run one task over every row and account for each row.

Rows whose call failed for good are rejected with the reason (status, attempts, last error), never
kept with an empty field. With `llm.require_all`, any failure fails the build instead. A budget stop
ends the build with a message saying how to resume: paid answers are in the cache and replay free.
"""

from __future__ import annotations

import pyarrow as pa

from ..clean.dedup import ExactDedup
from ..errors import UserError
from ..llm.client import Call, LLMClient
from ..record import content_ids
from ..stage import StageReport, concat, mark_rejected, partition
from .base import Task


def run_task(
    table: pa.Table, task: Task, client: LLMClient, name: str | None = None, progress=None
) -> tuple[pa.Table, pa.Table, StageReport]:
    """(kept rows with the task's fields, rejected rows, report of stage `annotate:<name>`).

    A task may turn one row into several (generate_qa); the report counts the difference as `added`.
    """
    name = name or task.name
    stage = f"annotate:{name}"
    task.check_inputs(table.column_names)
    rows = table.to_pylist()
    calls = [Call(None, task.schema_for_row(row), task.check, prompt=task.prompt, context=task.context(row))
             for row in rows]  # rendered only if the cache has no answer
    outcomes = client.run(calls, progress)
    stats = client.stats
    if stats.budget_stopped:
        raise UserError(
            f"llm.max_cost_usd={client.settings.max_cost_usd} reached after {stats.sent} paid calls "
            f"(${stats.cost_usd:.4f}); their answers are in the cache: raise llm.max_cost_usd and rerun to resume"
        )
    kept_rows, dropped_rows, reasons = [], [], []
    for row, outcome in zip(rows, outcomes):
        if outcome.output is None:
            dropped_rows.append(row)
            reasons.append(f"{name} failed: {outcome.error}")
            continue
        results = task.results(row, outcome.output, outcome.reasoning)
        verdict = task.verdict(outcome.output)
        if verdict is None:
            kept_rows += results
        else:
            dropped_rows += results
            reasons += [verdict] * len(results)
    failed = [r for r in reasons if r.startswith(f"{name} failed: ")]
    if failed and client.settings.require_all:
        raise UserError(
            f"{len(failed)} of {len(rows)} rows failed {name} and llm.require_all is set; first: {failed[0]}"
        )
    kept = _table(kept_rows, table.schema)
    rejected = mark_rejected(_table(dropped_rows, table.schema), stage=stage, rule=name, reasons=reasons)
    by_rule = {name: rejected.num_rows} if rejected.num_rows else {}
    if task.dedup_fields and kept.num_rows:
        kept = kept.add_column(0, "id", content_ids(kept))  # hashes the task fields, not the lineage
        verdicts = ExactDedup(fields=list(task.dedup_fields)).run(kept)
        kept, repeats = partition(kept, verdicts.reasons, stage=stage, rule=f"{name}:dedup",
                                  duplicate_of=verdicts.duplicate_of)
        if repeats.num_rows:
            by_rule[f"{name}:dedup"] = repeats.num_rows
            rejected = concat([rejected, repeats])
    report = StageReport(stage, rows_in=table.num_rows, kept=kept.num_rows, rejected=rejected.num_rows,
                         added=kept.num_rows + rejected.num_rows - table.num_rows, by_rule=by_rule)
    report.check()
    return kept, rejected, report


def _table(rows: list[dict], schema: pa.Schema) -> pa.Table:
    return pa.Table.from_pylist(rows) if rows else schema.empty_table()
