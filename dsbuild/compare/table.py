"""The comparison as rows of text, one cell per version: what the terminal table and the HTML tables show.

Sections: rows per stage and split, rejects per rule, LLM calls, tokens and cost, judge score, mean
field lengths, pilot fine-tune losses. A version without a stage, rule or task shows `-` (or 0 rejects),
so columns line up.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import mean

from ..record import TEXT_FIELDS
from .measures import Measures

MISSING = "-"
SPLIT_ORDER = ("train", "validation", "test", "pilot")
PILOT_METRICS = (("eval_loss", "{:.4f}"), ("train_loss", "{:.4f}"), ("epoch", "{:g}"), ("train_runtime", "{:.0f} s"))
NOT_RUN = "not run"


@dataclass
class Section:
    """A titled block of rows; each row is a name and one cell per version."""

    title: str
    rows: list[tuple[str, list[str]]]


def sections(measures: list[Measures]) -> list[Section]:
    """Every section that has rows (LLM and judge sections only when some version has them)."""
    found = [stage_section(measures), split_section(measures), reject_section(measures), llm_section(measures),
             judge_section(measures), length_section(measures), pilot_section(measures)]
    return [section for section in found if section.rows]


def stage_section(measures: list[Measures]) -> Section:
    stages = _merged([list(m.stages) for m in measures])

    def cell(m: Measures, stage: str) -> str:
        s = m.stages.get(stage)
        if s is None:
            return MISSING
        added = f" +{s['added']}" if s["added"] else ""
        return f"{s['rows_in']}{added} → {s['kept']}"

    return Section("Rows per stage (in → kept)", [(stage, [cell(m, stage) for m in measures]) for stage in stages])


def split_section(measures: list[Measures]) -> Section:
    names = sorted({n for m in measures for n in m.splits}, key=lambda n: (_rank(n, SPLIT_ORDER), n))
    return Section("Rows per split", [(n, [_count(m.splits.get(n)) for m in measures]) for n in names])


def reject_section(measures: list[Measures]) -> Section:
    rules = _merged([list(m.rejects) for m in measures])
    rows = [(f"{stage}: {rule}", [str(m.rejects.get((stage, rule), 0)) for m in measures]) for stage, rule in rules]
    if rows:
        rows.append(("total", [str(sum(m.rejects.values())) for m in measures]))
    return Section("Rejects per rule", rows)


def llm_section(measures: list[Measures]) -> Section:
    tasks = sorted({task for m in measures for task in m.llm})
    rows = []
    for task in tasks:
        infos = [m.llm.get(task) for m in measures]
        rows += [(f"{task}: model", [(i["model"] or MISSING) if i else MISSING for i in infos]),
                 (f"{task}: calls sent / cached", [f"{i['sent']} / {i['cached']}" if i else MISSING for i in infos]),
                 (f"{task}: tokens", [str(i["tokens"]) if i else MISSING for i in infos]),
                 (f"{task}: cost (USD)", [f"{i['cost_usd']:.4f}" if i else MISSING for i in infos])]
    if tasks:
        rows += [("total tokens", [str(sum(i["tokens"] for i in m.llm.values())) for m in measures]),
                 ("total cost (USD)", [f"{sum(i['cost_usd'] for i in m.llm.values()):.4f}" for m in measures])]
    return Section("LLM calls, tokens and cost", rows)


def judge_section(measures: list[Measures]) -> Section:
    if not any(m.judge_scores for m in measures):
        return Section("Judge score", [])
    return Section("Judge score", [
        ("mean", [f"{mean(m.judge_scores):.2f}" if m.judge_scores else MISSING for m in measures]),
        ("rows scored", [str(len(m.judge_scores)) for m in measures])])


def length_section(measures: list[Measures]) -> Section:
    fields = [f for f in TEXT_FIELDS if any(f in m.lengths for m in measures)]
    return Section("Mean length (characters)", [
        (f, [f"{mean(m.lengths[f]):.0f}" if m.lengths.get(f) else MISSING for m in measures]) for f in fields])


def pilot_section(measures: list[Measures]) -> Section:
    """The pilot fine-tunes' losses (lower eval_loss on the same validation split: the better set to grow)."""
    if all(m.pilot is None for m in measures):
        return Section("Pilot fine-tune (llamafactory/pilot_sft.yaml)", [])

    def cell(m: Measures, key: str, pattern: str) -> str:
        if m.pilot is None:
            return MISSING
        return pattern.format(m.pilot[key]) if key in m.pilot else (NOT_RUN if not m.pilot else MISSING)

    return Section("Pilot fine-tune (llamafactory/pilot_sft.yaml)",
                   [(key, [cell(m, key, pattern) for m in measures]) for key, pattern in PILOT_METRICS])


def _merged(sequences: list[list]) -> list:
    """The items of every sequence once, each new one right after its predecessor in its own sequence.

    Versions list stages in build order; a stage only one version has (say `judge`) lands where it ran.
    """
    merged: list = []
    for sequence in sequences:
        previous = None
        for item in sequence:
            if item not in merged:
                merged.insert(merged.index(previous) + 1 if previous is not None else 0, item)
            previous = item
    return merged


def _rank(name: str, order: tuple[str, ...]) -> int:
    return order.index(name) if name in order else len(order)


def _count(value: int | None) -> str:
    return MISSING if value is None else str(value)
