"""Drop training rows that overlap an evaluation set, so a benchmark score is not inflated by leakage.

`method: ngram` follows the GPT-3 / Llama decontamination practice: a row is contaminated when it
shares any n-gram with an eval item (13 words, or 20 characters for CJK-heavy text). Eval items are
cut both ways (characters and words), so a Chinese eval question is found inside a mostly English row
too. An eval item shorter than n is one n-gram and matches only a row of the same text.
`method: minhash` drops rows whose estimated Jaccard similarity to an eval item reaches `threshold`
(5-character / 3-word shingles, as NearDedup), catching paraphrase-level copies of whole items.

Each reason names the eval item (`eval.jsonl:line 12`) with the start of its text, and for n-grams the
shared n-gram itself, so a reviewer can check the match without opening either file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import pyarrow as pa

from ..errors import UserError
from .base import Rule, Verdicts, as_list
from .eval_sets import EvalSet, load_eval_set
from .minhash import candidate_pairs, check_bands, estimated_jaccard, signatures
from .shingles import ShingleSpec, first_shared, joined_text, normalized, shingle_hashes, tokens, unit_of

METHODS = ("ngram", "minhash")
QUOTE_CHARS = 40


class Decontaminate(Rule):
    """Reject rows that share an n-gram with (or are MinHash-similar to) an item of an evaluation set."""

    row_wise = True  # each row is judged against the eval set alone, so batches give the same verdicts

    def __init__(
        self,
        eval_path: str | None = None,
        eval_hf: str | None = None,
        eval_split: str = "test",
        eval_config: str | None = None,
        eval_fields: str | Sequence[str] | None = None,
        fields: str | Sequence[str] | None = None,
        method: str = "ngram",
        shingle: str = "auto",
        ngram=None,
        threshold: float = 0.8,
        num_perm: int = 128,
        bands: int | None = None,
        rows: int | None = None,
        seed: int = 0,
    ):
        if method not in METHODS:
            raise UserError(f"Decontaminate.method must be 'ngram' or 'minhash', not {method!r}")
        if (eval_path is None) == (eval_hf is None):
            raise UserError("Decontaminate needs exactly one of eval_path (a local file) and eval_hf (a dataset id)")
        self.eval_path, self.eval_hf, self.eval_split, self.eval_config = eval_path, eval_hf, eval_split, eval_config
        self.eval_fields, self.fields, self.method = as_list(eval_fields), as_list(fields), method
        defaults = (20, 13) if method == "ngram" else (5, 3)
        self.spec = ShingleSpec.configured(shingle, ngram, defaults, seed, "Decontaminate")
        self.threshold, self.num_perm = float(threshold), num_perm
        self.bands, self.rows = check_bands(bands, rows, self.threshold, num_perm, "Decontaminate")
        self._eval: EvalSet | None = None

    def eval_set(self) -> EvalSet:
        """The evaluation set, read once."""
        if self._eval is None:
            self._eval = load_eval_set(self.eval_path, self.eval_hf, self.eval_split, self.eval_config)
        return self._eval

    def fingerprint(self) -> list[dict]:
        """The eval set as a build input (file sha256, or hub id, split and datasets fingerprint)."""
        return [self.eval_set().fingerprint]

    def run(self, table: pa.Table) -> Verdicts:
        fields = self.resolve_fields(table)
        reasons: list[str | None] = [None] * table.num_rows
        if table.num_rows == 0 or not fields:
            return Verdicts(table, reasons)
        evals = self.eval_set()
        eval_text = joined_text(evals.table, self._eval_fields(evals, fields))
        rows_text = joined_text(table, fields)
        find = self._ngram_overlaps if self.method == "ngram" else self._minhash_overlaps
        for row, reason in find(rows_text, eval_text, evals, fields):
            reasons[row] = reason
        return Verdicts(table, reasons)

    def _eval_fields(self, evals: EvalSet, fields: list[str]) -> list[str]:
        columns = evals.table.column_names
        if self.eval_fields is None:
            present = [f for f in fields if f in columns]
            if not present:
                raise UserError(
                    f"eval set {evals.prefix} has none of the fields {', '.join(fields)} (its columns: "
                    f"{', '.join(columns)}); set eval_fields to the columns to compare"
                )
            return present
        missing = [f for f in self.eval_fields if f not in columns]
        if missing:
            raise UserError(
                f"eval_fields names {missing[0]!r}, which is not in the eval set {evals.prefix} "
                f"(its columns: {', '.join(columns)}); fix eval_fields"
            )
        return self.eval_fields

    def _ngram_overlaps(self, rows_text, eval_text, evals: EvalSet, fields: list[str]):
        """(row, reason) for each row holding an n-gram of an eval item."""
        specs = [self.spec] if self.spec.mode != "auto" else [replace(self.spec, mode=m) for m in ("chars", "words")]
        hashes, owners = [], []
        for spec in specs:
            found, offsets = shingle_hashes(eval_text, spec)
            hashes.append(found)
            owners.append(np.repeat(np.arange(len(eval_text)), np.diff(offsets)))
        hashes, owners = np.concatenate(hashes), np.concatenate(owners)
        order = np.lexsort((owners, hashes))  # by hash, then first eval item
        first = np.r_[True, hashes[order][1:] != hashes[order][:-1]] if len(order) else np.zeros(0, bool)
        known, known_owner = hashes[order][first], owners[order][first]
        where, starts, ends = first_shared(rows_text, self.spec, known)
        for row in np.flatnonzero(where >= 0).tolist():
            item = int(known_owner[where[row]])
            text = normalized(rows_text[row].as_py())
            gram = text[starts[row]:ends[row]]
            yield row, (
                f"overlaps eval item {evals.ref(item)} ('{_quote(eval_text[item].as_py())}'): "
                f"shared {self._what(text, gram)} '{_quote(gram, 2 * QUOTE_CHARS)}'"
            )

    def _what(self, text: str, gram: str) -> str:
        """"13-word n-gram", "20-character n-gram", or "text" when the whole row is shorter than n."""
        if unit_of(text, self.spec) == "chars":
            n, size, unit = self.spec.char_n, len(gram), "character"
        else:
            n, size, unit = self.spec.word_n, len(tokens(gram)), "word"
        return f"{n}-{unit} n-gram" if size >= n else "text"

    def _minhash_overlaps(self, rows_text, eval_text, evals: EvalSet, fields: list[str]):
        """(row, reason) for each row whose estimated Jaccard with an eval item reaches the threshold."""
        sig_rows, count_rows = signatures(rows_text, self.spec, self.num_perm)
        sig_eval, count_eval = signatures(eval_text, self.spec, self.num_perm)
        n = len(sig_rows)
        sig = np.concatenate([sig_rows, sig_eval])
        left, right = candidate_pairs(sig, np.concatenate([count_rows, count_eval]) > 0, self.bands, self.rows)
        across = (left < n) & (right >= n)
        left, right = left[across], right[across]
        jaccard = estimated_jaccard(sig, left, right)
        similar = jaccard >= self.threshold
        left, right, jaccard = left[similar], right[similar] - n, jaccard[similar]
        order = np.lexsort((right, -jaccard, left))  # per row: most similar item, then first
        best = order[np.r_[True, left[order][1:] != left[order][:-1]]] if len(order) else order
        on = ", ".join(fields)
        for k in best.tolist():
            item = int(right[k])
            yield int(left[k]), (
                f"near-duplicate of eval item {evals.ref(item)} ('{_quote(eval_text[item].as_py())}') "
                f"(estimated Jaccard {jaccard[k]:.2f} >= {self.threshold:g} on {on})"
            )


def _quote(text: str, limit: int = QUOTE_CHARS) -> str:
    """The start of a text on one line, cut at `limit` characters with an ellipsis."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"
