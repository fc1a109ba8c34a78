"""What one version looks like in numbers: rows per stage and split, rejects per rule, LLM tokens and cost,
judge scores, text field lengths, the values of its categorical fields and its pilot fine-tune's losses.

Stage, split, reject and LLM figures come from manifest.json (what the build counted); scores, lengths
and categories from the rows themselves (every split but the pilot); losses from the pilot run's
all_results.json, once `llamafactory-cli train <version>/llamafactory/pilot_sft.yaml` has run.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from ..export.pilot import pilot_results
from ..record import LINEAGE_FIELDS, TEXT_FIELDS
from ..review.version_reader import Version
from .rows import SPLIT_COLUMN, data_rows, numbers, strings

JUDGE_SCORE = "judge_score"
MAX_CATEGORIES = 20  # a string field with more distinct values is free text, not a label
MAX_CATEGORY_CHARS = 40


@dataclass
class Measures:
    """One version's numbers (see the module docstring)."""

    rows: pa.Table
    stages: dict[str, dict]  # stage -> rows_in, kept, rejected, added
    splits: dict[str, int]  # split -> rows (the pilot included: it is a file of the version)
    rejects: dict[tuple[str, str], int]  # (stage, rule) -> rejected rows
    llm: dict[str, dict]  # task -> model, sent, cached, tokens, cost_usd
    judge_scores: list[float]
    lengths: dict[str, list[int]]  # text field -> characters per row
    categorical: list[str]  # short string fields with few distinct values (labels, departments, languages)
    pilot: dict | None = None  # the pilot run's metrics ({} not run yet, None: no pilot config)


def measure(version: Version) -> Measures:
    """Every number the comparison shows of `version`."""
    manifest, rows = version.manifest, data_rows(version)
    stages = {s["stage"]: {k: s.get(k, 0) for k in ("rows_in", "kept", "rejected", "added")}
              for s in manifest.get("stages") or []}
    rejects = {(s["stage"], rule): n for s in manifest.get("stages") or [] for rule, n in s.get("by_rule", {}).items()}
    llm = {task: {"model": info.get("model"), "sent": info.get("sent", 0), "cached": info.get("cached", 0),
                  "tokens": info.get("prompt_tokens", 0) + info.get("completion_tokens", 0),
                  "cost_usd": info.get("cost_usd", 0.0)}
           for task, info in sorted((manifest.get("llm") or {}).items())}
    lengths = {name: [len(text) for text in strings(rows, name)] for name in TEXT_FIELDS if strings(rows, name)}
    return Measures(rows=rows, stages=stages, splits={n: i["rows"] for n, i in manifest["splits"].items()},
                    rejects=rejects, llm=llm, judge_scores=numbers(rows, JUDGE_SCORE), lengths=lengths,
                    categorical=_categorical(rows), pilot=pilot_results(version.path))


def categorical_fields(measures: list[Measures]) -> list[str]:
    """The fields categorical in any of the versions, sorted."""
    return sorted({name for m in measures for name in m.categorical})


def _categorical(rows: pa.Table) -> list[str]:
    found = []
    for name in sorted(set(rows.column_names) - {*TEXT_FIELDS, *LINEAGE_FIELDS, SPLIT_COLUMN}):
        values = strings(rows, name)
        distinct = set(values)
        if 2 <= len(distinct) <= MAX_CATEGORIES and len(distinct) < len(values) and \
                max(map(len, distinct)) <= MAX_CATEGORY_CHARS:
            found.append(name)
    return found
