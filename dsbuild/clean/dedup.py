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
from .base import POSITION, KeyedRule, as_list


class ExactDedup(KeyedRule):
    """Drop rows whose normalized `fields` equal an earlier (or longer) row's; record `duplicate_of`.

    Observing keeps a 16-byte hash and the id per row (and its text length for `keep: longest`); only the
    dropped rows' reasons become Python strings. Under executor=ray the rows are shuffled by hash bucket.
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
        super().begin()
        self._keys: list[str] | None = None

    def measure(self, batch: pa.Table) -> pa.Table:
        if self._keys is None:
            self._keys = self.resolve_fields(batch)
        if not self._keys:
            return pa.table({"_key": pa.nulls(batch.num_rows, pa.binary(16)), "id": batch.column("id")})
        columns = {"_key": row_digests(batch, self._keys, self._normalize), "id": batch.column("id")}
        if self.keep == "longest":  # longest = most text in the whole row, not only in the key
            total = np.zeros(batch.num_rows, dtype=np.int64)
            for f in text_fields(batch):
                total += pc.fill_null(pc.utf8_length(pc.cast(batch.column(f), pa.large_string())), 0).to_numpy(
                    zero_copy_only=False)
            columns["_total"] = total
        return pa.table(columns)

    def drops_among(self, rows: pa.Table) -> pa.Table:
        n = rows.num_rows
        keys = rows.column("_key").combine_chunks()
        if n == 0 or not self._keys or keys.null_count == n:
            return pa.table({POSITION: pa.array([], pa.int64()), "_reason": pa.array([], pa.string()),
                             "_duplicate_of": pa.array([], pa.string())})
        codes = pc.dictionary_encode(keys).indices.to_numpy(zero_copy_only=False)
        totals = rows.column("_total").to_numpy() if self.keep == "longest" else None
        kept_row = self._survivors(codes, totals)[codes]
        duplicates = pa.array(np.flatnonzero(kept_row != np.arange(n)))
        kept_ids = pc.cast(rows.column("id").take(pa.array(kept_row[duplicates.to_numpy()])), pa.string())
        what = "+".join(self._keys)
        reasons = pc.binary_join_element_wise("duplicate of ", kept_ids, f" (same normalized {what})", "")
        return pa.table({POSITION: rows.column(POSITION).take(duplicates), "_reason": reasons,
                         "_duplicate_of": kept_ids})

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
