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
import math
from collections import Counter
from collections.abc import Iterable, Sequence

import pyarrow as pa
import pyarrow.compute as pc

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
    if isinstance(share, bool) or not isinstance(share, (int, float)) or math.isnan(share) or not 0 <= share <= 1:
        raise UserError(f"warn_share={share!r}: give a share of rows between 0 and 1, e.g. warn_share=0.5")
    return allow, float(share)


def rule_reasons(rejects: Iterable[pa.Table | Spill | None], stage: str) -> list[tuple[str, int, str]]:
    """(rule, rows, first reason) of `stage`'s rejects, the most frequent rule first."""
    counts: Counter[str] = Counter()
    examples: dict[str, str] = {}
    for rows in rejects:
        if rows is None or rows.num_rows == 0:
            continue
        for batch in batches(rows):
            if "_stage" not in batch.column_names or batch.num_rows == 0:
                continue
            mine = batch.select(["_rule", "_reason"]).filter(pc.equal(batch.column("_stage"), stage))
            rules, reasons = mine.column("_rule").to_pylist(), mine.column("_reason").to_pylist()
            counts.update(rules)
            for rule, reason in zip(rules, reasons):
                examples.setdefault(rule, str(reason or ""))
    return [(rule, n, examples[rule]) for rule, n in counts.most_common()]


def warn_heavy_stages(stages: Sequence[StageReport], rejects: Sequence, warn_share: float) -> None:
    """One warning line per stage that dropped more than `warn_share` of its rows."""
    for report in stages:
        seen = report.rows_in + report.added
        if not seen or report.rejected / seen <= warn_share or report.kept == 0:
            continue  # a stage that kept nothing is the empty-build error's to report
        top = rule_reasons(rejects, report.stage)[:1]
        why = f": mostly {top[0][0]} ({_short(top[0][2])})" if top else ""
        log.warning("stage %s dropped %d of %d rows (%.0f%%)%s; see rejects.jsonl", report.stage, report.rejected,
                    seen, 100 * report.rejected / seen, why)


def refuse_empty(stages: Sequence[StageReport], rejects: Sequence, loaded_columns: Sequence[str]) -> None:
    """Raise the one-line error of a build that kept no row."""
    loaded = stages[0].rows_in + stages[0].added if stages else 0
    if loaded == 0 or (stages and stages[0].kept == 0 and stages[0].rejected == 0):
        raise UserError("the build produced no rows: the source gave none; check source.path (or the query), "
                        "or set allow_empty=true to publish an empty version")
    worst = max(stages, key=lambda s: s.rejected)
    top = rule_reasons(rejects, worst.stage)[:TOP_RULES]
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
