"""Exact deduplication on normalized fields, with a deterministic survivor.

Two rows are duplicates when the chosen fields are equal after NFKC, case folding and (by default)
dropping punctuation and whitespace, so "头痛怎么办？" and "头痛怎么办?" collide. Only a 128-bit
hash of each row's normalized key is kept (16 bytes a row, whatever the text length). The survivor is
the first row in input order (`keep: first`) or the one with the most text in all its fields
(`keep: longest`, ties go to the first), e.g. the fullest answer when deduplicating on the question.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import UserError
from ..record import row_digests, text_fields
from ..textops import drop_punctuation_and_space, fold_whitespace, nfkc
from .base import Rule, Verdicts, as_list


class ExactDedup(Rule):
    """Drop rows whose normalized `fields` equal an earlier (or longer) row's; record `duplicate_of`."""

    def __init__(
        self,
        fields: str | Sequence[str] | None = None,
        keep: str = "first",
        ignore_case: bool = True,
        ignore_punctuation: bool = True,
    ):
        if keep not in ("first", "longest"):
            raise UserError(f"ExactDedup.keep must be 'first' or 'longest', not {keep!r}")
        self.fields, self.keep = as_list(fields), keep
        self.ignore_case, self.ignore_punctuation = ignore_case, ignore_punctuation

    def run(self, table: pa.Table) -> Verdicts:
        fields = self.resolve_fields(table)
        n = table.num_rows
        if n == 0 or not fields:
            return Verdicts(table, [None] * n)
        digests = row_digests(table, fields, self._normalize)
        codes = pc.dictionary_encode(digests).indices.to_numpy(zero_copy_only=False)
        survivor = self._survivors(table, codes)
        dup_rows = np.flatnonzero(survivor[codes] != np.arange(n))
        reasons: list[str | None] = [None] * n
        duplicate_of: list[str | None] = [None] * n
        if len(dup_rows):
            ids = table.column("id").to_pylist()
            what = "+".join(fields)
            for i in dup_rows:
                kept_id = ids[survivor[codes[i]]]
                reasons[i] = f"duplicate of {kept_id} (same normalized {what})"
                duplicate_of[i] = kept_id
        return Verdicts(table, reasons, duplicate_of)

    def _normalize(self, column: pa.ChunkedArray) -> pa.ChunkedArray:
        text = nfkc(column)
        if self.ignore_case:
            text = pc.utf8_lower(text)
        if self.ignore_punctuation:
            return drop_punctuation_and_space(text)
        text = fold_whitespace(text)
        return pc.utf8_trim_whitespace(text)

    def _survivors(self, table: pa.Table, codes: np.ndarray) -> np.ndarray:
        """For each key code, the row index that stays."""
        n_codes = int(codes.max()) + 1
        order = np.arange(len(codes))
        if self.keep == "first":
            first = np.full(n_codes, len(codes), dtype=np.int64)
            np.minimum.at(first, codes, order)
            return first
        total = np.zeros(len(codes), dtype=np.int64)
        for f in text_fields(table):  # longest = most text in the whole row, not only in the key
            total += pc.fill_null(pc.utf8_length(pc.cast(table.column(f), pa.large_string())), 0).to_numpy(
                zero_copy_only=False
            )
        ranked = np.lexsort((order, -total, codes))  # by code, then longest, then first
        starts = np.r_[True, codes[ranked][1:] != codes[ranked][:-1]]
        best = np.empty(n_codes, dtype=np.int64)
        best[codes[ranked][starts]] = ranked[starts]
        return best
