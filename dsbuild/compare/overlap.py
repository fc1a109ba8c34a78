"""How much the versions share: rows in common by id, by id within the same split, and by question text.

Ids hash a row's source content, so two builds of the same input share them; a text hash catches the
same question under different ids (another source, or a generated question). Each matrix cell (i, j)
counts what versions i and j have in common; the diagonal is what version i has.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

from .measures import Measures
from .rows import SPLIT_COLUMN, strings

KEY_TEXT_FIELDS = ("question", "instruction", "text")  # the first one present names "the same input"


@dataclass
class Overlap:
    """Three square matrices in version order (the text one None when no version has a question-like field)."""

    by_id: list[list[int]]
    same_split: list[list[int]]
    text_field: str | None
    by_text: list[list[int]] | None


def overlap(measures: list[Measures]) -> Overlap:
    """The overlap matrices of the versions' rows (every split but the pilot)."""
    ids = [set(strings(m.rows, "id")) for m in measures]
    placed = [_placements(m) for m in measures]
    field = key_text_field(measures)
    texts = [{text_key(t) for t in strings(m.rows, field)} for m in measures] if field else None
    return Overlap(by_id=_matrix(ids), same_split=_matrix(placed), text_field=field,
                   by_text=_matrix(texts) if texts else None)


def key_text_field(measures: list[Measures]) -> str | None:
    """The field that says which input a row answers: question, else instruction, else text."""
    return next((f for f in KEY_TEXT_FIELDS if any(strings(m.rows, f) for m in measures)), None)


def text_key(text: str) -> str:
    """A hash of the text that ignores width, case and spacing differences."""
    normal = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip().casefold()
    return hashlib.sha256(normal.encode("utf-8")).hexdigest()


def _placements(m: Measures) -> set[tuple[str, str]]:
    """(id, split) of every row that has an id."""
    if "id" not in m.rows.column_names:
        return set()
    return {(i, split) for i, split in zip(m.rows.column("id").to_pylist(), m.rows.column(SPLIT_COLUMN).to_pylist())
            if isinstance(i, str) and i}


def _matrix(sets: list[set]) -> list[list[int]]:
    return [[len(a & b) for b in sets] for a in sets]
