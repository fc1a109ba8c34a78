"""What a build dropped, said before it publishes: no empty version, and a warning for a stage that dropped most rows.

A build whose splits end with no row publishes nothing (unless `allow_empty=true`): it ends with one line
naming the stage that dropped the most rows and its top reasons, e.g. "all 18 rows rejected at validate:
format:cot_sft 18 (Complex-CoT is missing (field cot)) - use format=alpaca, or add an LLM task that writes
cot". A stage that drops more than `warn_share` of the rows it saw prints one warning line naming its top
rule and an example reason. The reasons come from the rejects themselves (their `_stage`, `_rule`,
`_reason` columns, read batch by batch).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

import pyarrow as pa

from .errors import UserError
from .execute.spill import Spill, batches
from .record import TEXT_FIELDS
from .stage import StageReport

log = logging.getLogger("dsbuild")
TOP_RULES = 3
REASON_CHARS = 120
DEFAULT_WARN_SHARE = 0.5


def drop_settings(plain: dict) -> tuple[bool, float]:
    """(allow_empty, warn_share) from the top level of the config, checked."""
    allow = plain.get("allow_empty", False)
    if not isinstance(allow, bool):
        raise UserError(f"allow_empty={allow!r}: give true or false")
    share = plain.get("warn_share", DEFAULT_WARN_SHARE)
    if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 <= share <= 1:  # NaN fails too
        raise UserError(f"warn_share={share!r}: give a share of rows between 0 and 1, e.g. warn_share=0.5")
    return allow, float(share)


def first_reasons(rejects: Iterable[pa.Table | Spill | None], wanted: set[tuple[str, str]]) -> dict:
    """{(stage, rule): the first reject's reason} for the `wanted` pairs, reading until each has one."""
    found: dict[tuple[str, str], str] = {}
    for rows in rejects:
        if rows is None or rows.num_rows == 0 or len(found) == len(wanted):
            continue
        for batch in batches(rows):
            if "_stage" not in batch.column_names:
                continue
            for stage, rule, reason in zip(*(batch.column(c).to_pylist() for c in ("_stage", "_rule", "_reason"))):
                if (stage, rule) in wanted:
                    found.setdefault((stage, rule), str(reason or ""))
            if len(found) == len(wanted):
                break
    return found


def _top_rules(report: StageReport, count: int) -> list[tuple[str, int]]:
    return sorted(report.by_rule.items(), key=lambda item: -item[1])[:count]


def warn_heavy_stages(stages: Sequence[StageReport], rejects: Sequence, warn_share: float) -> None:
    """One warning line per stage that dropped more than `warn_share` of its rows."""
    heavy = [r for r in stages if r.rows_in + r.added and r.kept  # kept nothing: the empty-build error's
             and r.rejected / (r.rows_in + r.added) > warn_share]
    tops = {r.stage: _top_rules(r, 1) for r in heavy}
    reasons = first_reasons(rejects, {(stage, rule) for stage, top in tops.items() for rule, _ in top})
    for report in heavy:
        seen = report.rows_in + report.added
        why = "".join(f": mostly {rule} ({_short(reasons.get((report.stage, rule), ''))})"
                      for rule, _ in tops[report.stage])
        log.warning("stage %s dropped %d of %d rows (%.0f%%)%s; see rejects.jsonl", report.stage, report.rejected,
                    seen, 100 * report.rejected / seen, why)


def refuse_empty(stages: Sequence[StageReport], rejects: Sequence, loaded_columns: Sequence[str]) -> None:
    """Raise the one-line error of a build that kept no row."""
    loaded = stages[0].rows_in + stages[0].added if stages else 0
    if loaded == 0 or (stages and stages[0].kept == 0 and stages[0].rejected == 0):
        raise UserError("the build produced no rows: the source gave none; check source.path (or the query), "
                        "or set allow_empty=true to publish an empty version")
    worst = max(stages, key=lambda s: s.rejected)
    top = _top_rules(worst, TOP_RULES)
    found = first_reasons(rejects, {(worst.stage, rule) for rule, _ in top})
    top = [(rule, n, found.get((worst.stage, rule), "")) for rule, n in top]
    reasons = "; ".join(f"{rule} {n} ({_short(reason)})" for rule, n, reason in top)
    hint = _hint(worst.stage, top, loaded_columns)
    raise UserError(f"all {loaded} rows rejected, most at {worst.stage} ({worst.rejected}): {reasons} - {hint}; "
                    "nothing published (allow_empty=true publishes it anyway)")


def _hint(stage: str, top: list[tuple[str, int, str]], columns: Sequence[str]) -> str:
    if not set(TEXT_FIELDS) & set(columns):
        return ("no column was mapped to question / response: map them, e.g. "
                "source.columns='{question: <column>, response: <column>}'")
    if any("missing (field cot)" in reason for _, _, reason in top):
        return "use format=alpaca, or add an LLM task that writes cot (prompt=doctor_cot)"
    if stage.startswith("clean"):
        return (f"change that rule (cleaning.rules.{top[0][0]}.<option>=..., or cleaning.rules.{top[0][0]}=null "
                "to switch it off) or fix the data")
    return "fix the data, or the setting that rule checks"


def _short(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= REASON_CHARS else text[: REASON_CHARS - 1] + "…"
