"""Drop rows whose text is not in the languages the dataset is meant for.

Detection uses py3langid's model (ships in the wheel, works offline), run over whole columns at once
by `langid_batch`. Fields shorter than `min_chars` are not judged (two characters say little about a
language), nor are detections below `min_confidence` unless `unsure: drop`. Short Mandarin is often
taken for Wu or Cantonese, so by default those count as `zh` (`merge`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import UserError
from .base import Rule, Verdicts, as_list
from .langid_batch import shared_identifier

DEFAULT_MERGE = {"wuu": "zh", "yue": "zh"}


class LanguageFilter(Rule):
    """Keep rows whose fields are in `languages` (or the field's own list in `per_field`).

    A field of `min_chars` or more is judged on its first `max_chars` characters; its best guess
    must be a kept language. A guess under `min_confidence` is unsure: `unsure: keep` (default)
    leaves the row alone, `unsure: drop` rejects it.
    """

    row_wise = True

    default_skip = ("label",)

    def __init__(
        self,
        languages: str | Sequence[str] | None = None,
        fields: str | Sequence[str] | None = None,
        per_field: Mapping[str, str | Sequence[str]] | None = None,
        min_chars: int = 10,
        min_confidence: float = 0.5,
        unsure: str = "keep",
        max_chars: int = 1000,
        merge: Mapping[str, str] | None = None,
    ):
        if unsure not in ("keep", "drop"):
            raise UserError(f"LanguageFilter.unsure must be 'keep' or 'drop', not {unsure!r}")
        if not 0 <= min_confidence <= 1:
            raise UserError(f"LanguageFilter.min_confidence must be between 0 and 1, not {min_confidence}")
        self.languages = _codes(as_list(languages), "languages")
        self.per_field = {str(f): _codes(as_list(c), f"per_field.{f}") for f, c in (per_field or {}).items()}
        if self.languages is None and not self.per_field:
            raise UserError("LanguageFilter needs `languages` (e.g. [zh, en]) or `per_field` ({question: [zh]})")
        self.fields = as_list(fields)
        if self.fields is None and self.languages is None:
            self.fields = list(self.per_field)
        self.min_chars, self.min_confidence, self.unsure = min_chars, min_confidence, unsure
        self.max_chars = max_chars
        self.merge = {str(k): str(v) for k, v in (DEFAULT_MERGE if merge is None else merge).items()}
        _codes(list(self.merge) + list(self.merge.values()), "merge")
        for code in {*(self.languages or []), *(c for codes in self.per_field.values() for c in codes)}:
            if code in self.merge:
                raise UserError(
                    f"LanguageFilter: {code!r} counts as {self.merge[code]!r} by `merge`, so it is never detected; "
                    f"keep {self.merge[code]!r} instead or set merge: {{}} to tell them apart"
                )

    def run(self, table: pa.Table) -> Verdicts:
        reasons: list[str | None] = [None] * table.num_rows
        for name in self.resolve_fields(table):
            keep = self.per_field.get(name, self.languages)
            if keep is None:
                raise UserError(
                    f"LanguageFilter: field {name!r} has no languages; add it to per_field or set `languages`"
                )
            self._judge(name, table.column(name), keep, reasons)
        return Verdicts(table, reasons)

    def _judge(self, name: str, column: pa.ChunkedArray, keep: list[str], reasons: list[str | None]) -> None:
        lengths = pc.fill_null(pc.utf8_length(column), 0).to_numpy(zero_copy_only=False)
        judged = np.flatnonzero(lengths >= self.min_chars)
        if len(judged) == 0:
            return
        found = shared_identifier().detect_array(column.take(pa.array(judged)), self.max_chars, self.merge)
        allowed = ", ".join(keep)
        for i, language, confidence in zip(judged.tolist(), found.languages, found.confidences.tolist()):
            if reasons[i] is not None:
                continue
            if language and confidence >= self.min_confidence:
                if language not in keep:
                    reasons[i] = f"{name} is {language} ({confidence:.2f}), not one of {allowed}"
            elif self.unsure == "drop":
                guess = f"{language} ({confidence:.2f})" if language else "no language features"
                reasons[i] = f"{name} language is unsure: {guess} < min_confidence {self.min_confidence:g}"


def _codes(codes: list[str] | None, key: str) -> list[str] | None:
    """The codes, lower-cased, after checking the detector knows each; a UserError names an unknown one."""
    if codes is None:
        return None
    known = set(shared_identifier().labels)
    codes = [str(c).strip().lower() for c in codes]
    for code in codes:
        if code not in known:
            raise UserError(
                f"LanguageFilter.{key}: {code!r} is not a language the detector knows; use ISO 639-1 codes "
                "such as zh, en, ja, ko, fr (zh covers simplified and traditional; convert script with ChineseConvert)"
            )
    return codes
