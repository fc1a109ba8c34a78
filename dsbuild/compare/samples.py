"""A few rows side by side: the same input (same id, else the same question text) in each version.

Candidates are taken in the order of a hash of their key (the same pick on every run, spread over the
data rather than the first rows of train); among the first few hundred, inputs whose text (cot,
response or text) differs between versions come first (that is where a prompt or a model made a
difference), then those found in more versions.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import pyarrow as pa

from .measures import JUDGE_SCORE, Measures
from .overlap import key_text_field, text_key
from .rows import SPLIT_COLUMN

EXAMINED = 500  # inputs looked at, in hash order, to find the ones that differ (bounded for big versions)
TEXT_SHOWN = ("cot", "response", "text")
SHOWN_FIELDS = (*TEXT_SHOWN, JUDGE_SCORE)  # what each version's column shows of the row


@dataclass
class Sample:
    """One input: its question, and per version the row's split and shown fields (None: not in that version)."""

    matched_by: str  # "id" or the text field
    question: str
    cells: list[dict | None]


def pick_samples(measures: list[Measures], count: int) -> list[Sample]:
    """Up to `count` inputs found in at least two versions (or in the only one), each version's row beside."""
    text_field = key_text_field(measures)
    by, index = "id", [_index(m.rows, "id", str) for m in measures]
    if len(measures) > 1 and not _shared(index) and text_field:
        by, index = text_field, [_index(m.rows, text_field, text_key) for m in measures]
    candidates = _shared(index) if len(measures) > 1 else set(index[0])
    ranked = []
    for key in sorted(candidates, key=_spread)[:EXAMINED]:
        rows = [m.rows.slice(idx[key], 1).to_pylist()[0] if key in idx else None for m, idx in zip(measures, index)]
        cells = [{f: row[f] for f in (SPLIT_COLUMN, *SHOWN_FIELDS) if row.get(f) is not None} if row else None
                 for row in rows]
        question = next((row[text_field] for row in rows if row and text_field and row.get(text_field)), key)
        sample = Sample(matched_by=by, question=question, cells=cells)
        ranked.append(((_all_alike(sample), -sum(c is not None for c in cells)), sample))
    return [sample for _, sample in sorted(ranked, key=lambda pair: pair[0])[:count]]  # stable: spread order kept


def _index(rows: pa.Table, column: str, key_of) -> dict[str, int]:
    """key_of(value of `column`) -> position of the first row with that key (rows without a value left out)."""
    found: dict[str, int] = {}
    if column in rows.column_names:
        for position, value in enumerate(rows.column(column).to_pylist()):
            if isinstance(value, str) and value:
                found.setdefault(key_of(value), position)
    return found


def _shared(index: list[dict[str, int]]) -> set[str]:
    """Keys found in at least two versions."""
    seen: dict[str, int] = {}
    for keys in index:
        for key in keys:
            seen[key] = seen.get(key, 0) + 1
    return {key for key, n in seen.items() if n > 1}


def _all_alike(sample: Sample) -> bool:
    """Whether every version has the same text (scores and splits aside) for this input."""
    texts = [{k: v for k, v in cell.items() if k in TEXT_SHOWN} for cell in sample.cells if cell is not None]
    return all(text == texts[0] for text in texts)


def _spread(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()
