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
from .base import Drops, TwoPassRule, Verdicts, as_list, joined_ids


class ExactDedup(TwoPassRule):
    """Drop rows whose normalized `fields` equal an earlier (or longer) row's; record `duplicate_of`.

    Observing keeps a 16-byte hash per row (and its text length for `keep: longest`); the ids are
    the rows' own id column, so only the survivors' ids of duplicated keys ever become Python strings.
    """

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
        self.begin()

    def begin(self) -> None:
        self._keys: list[str] | None = None
        self._digests: list[pa.Array] = []
        self._totals: list[np.ndarray] = []
        self._ids: list[pa.ChunkedArray] = []
        self._drops = Drops(duplicate_of=[])

    def observe(self, batch: pa.Table) -> None:
        if self._keys is None:
            self._keys = self.resolve_fields(batch)
        if not self._keys:
            self._digests.append(pa.nulls(batch.num_rows, pa.binary(16)))
            return
        self._digests.append(row_digests(batch, self._keys, self._normalize))
        self._ids.append(batch.column("id"))
        if self.keep == "longest":  # longest = most text in the whole row, not only in the key
            total = np.zeros(batch.num_rows, dtype=np.int64)
            for f in text_fields(batch):
                total += pc.fill_null(pc.utf8_length(pc.cast(batch.column(f), pa.large_string())), 0).to_numpy(
                    zero_copy_only=False)
            self._totals.append(total)

    def settle(self) -> None:
        digests = pa.concat_arrays(self._digests) if self._digests else pa.array([], pa.binary(16))
        n = len(digests)
        if n and self._keys:
            codes = pc.dictionary_encode(digests).indices.to_numpy(zero_copy_only=False)
            survivor = self._survivors(codes, np.concatenate(self._totals) if self._totals else None)
            kept_row = survivor[codes]
            duplicates = np.flatnonzero(kept_row != np.arange(n))
            kept_ids = joined_ids(self._ids).take(pa.array(kept_row[duplicates])).to_pylist()
            what = "+".join(self._keys)
            self._drops = Drops(duplicates, [f"duplicate of {k} (same normalized {what})" for k in kept_ids], kept_ids)
        self._digests, self._totals, self._ids = [], [], []

    def decide(self, batch: pa.Table) -> Verdicts:
        return self._drops.next_verdicts(batch)

    def _normalize(self, column: pa.ChunkedArray) -> pa.ChunkedArray:
        text = nfkc(column)
        if self.ignore_case:
            text = pc.utf8_lower(text)
        if self.ignore_punctuation:
            return drop_punctuation_and_space(text)
        text = fold_whitespace(text)
        return pc.utf8_trim_whitespace(text)

    def _survivors(self, codes: np.ndarray, totals: np.ndarray | None) -> np.ndarray:
        """For each key code, the row index that stays."""
        n_codes = int(codes.max()) + 1
        order = np.arange(len(codes))
        if self.keep == "first":
            first = np.full(n_codes, len(codes), dtype=np.int64)
            np.minimum.at(first, codes, order)
            return first
        ranked = np.lexsort((order, -totals, codes))  # by code, then longest, then first
        starts = np.r_[True, codes[ranked][1:] != codes[ranked][:-1]]
        best = np.empty(n_codes, dtype=np.int64)
        best[codes[ranked][starts]] = ranked[starts]
        return best
