"""Heuristic quality rules in the spirit of Gopher and RedPajama, for English and Chinese text alike.

Each rule measures one thing per row (repeated n-grams, repeated lines, symbols per word, distinct
words, boilerplate phrases, an answer that only echoes its question) and drops the row with a
reason naming the field, the value and the limit. Words are those of quality_features: runs of
letters and digits, and each CJK character on its own.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import UserError
from ..textops import map_batches
from .base import Rule, Verdicts, as_list
from .quality_features import (
    BATCH_ROWS,
    CJK_N,
    EMOJI,
    SPACE,
    WORD_N,
    TextStats,
    distinct_words,
    duplicate_lines,
    is_in,
    key_rows,
    repeated_ngram_share,
    row_keys,
    scan,
    sorted_unique,
    text_stats,
)

DEFAULT_SYMBOLS = ("#", "...", "…")
DEFAULT_BOILERPLATE = (
    "click here", "all rights reserved", "subscribe to our newsletter", "privacy policy", "terms of use",
    "版权所有", "点击这里", "点击此处", "关注公众号", "扫码关注",
)


class _MeasuredRule(Rule):
    """A rule that measures each field (`measure`), finds failing rows (`fails`) and explains them (`reason`)."""

    row_wise = True

    def run(self, table: pa.Table) -> Verdicts:
        reasons: list[str | None] = [None] * table.num_rows
        for field in self.resolve_fields(table):
            measured = self.measure(table.column(field))
            for i in np.flatnonzero(self.fails(*measured)):
                reasons[i] = reasons[i] or self.reason(field, *(values[i] for values in measured))
        return Verdicts(table, reasons)

    def measure(self, column: pa.ChunkedArray) -> tuple[np.ndarray, ...]:
        raise NotImplementedError

    def fails(self, *measured: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def reason(self, field: str, *values) -> str:
        raise NotImplementedError


class RepeatedNgrams(_MeasuredRule):
    """Drop rows where more than `max_share` of the text lies in n-grams that occur twice or more.

    Word `n`-grams for most text, character `cjk_n`-grams for text that is mostly CJK (as Gopher's
    duplicate n-gram rule, whose shortest n-gram is 5 words).
    """

    def __init__(
        self, fields: str | Sequence[str] | None = None, max_share: float = 0.3, n: int = WORD_N, cjk_n: int = CJK_N
    ):
        _check_share("RepeatedNgrams.max_share", max_share)
        for key, value in (("n", n), ("cjk_n", cjk_n)):
            if not isinstance(value, int) or not 2 <= value <= 64:
                raise UserError(f"RepeatedNgrams.{key} must be a whole number from 2 to 64, not {value!r}")
        self.fields, self.max_share, self.n, self.cjk_n = as_list(fields), max_share, n, cjk_n

    def measure(self, column):
        return scan(lambda stats: repeated_ngram_share(stats, self.n, self.cjk_n), column)

    def fails(self, share, mostly_cjk):
        return share > self.max_share

    def reason(self, field, share, mostly_cjk):
        unit = f"{self.cjk_n}-character" if mostly_cjk else f"{self.n}-word"
        return f"{field}: {share:.0%} of the text is in repeated {unit} sequences (max {self.max_share:.0%})"


class RepeatedLines(_MeasuredRule):
    """Drop rows where more than `max_share` of the lines repeat an earlier line of the same text.

    Lines compare by their words (case, punctuation and spacing aside); lines without a word, such
    as blank lines, `---` or code fences, are not counted.
    """

    def __init__(self, fields: str | Sequence[str] | None = None, max_share: float = 0.3):
        _check_share("RepeatedLines.max_share", max_share)
        self.fields, self.max_share = as_list(fields), max_share

    def measure(self, column):
        return scan(duplicate_lines, column)

    def fails(self, repeated, lines):
        return repeated > self.max_share * lines

    def reason(self, field, repeated, lines):
        return (
            f"{field}: {repeated} of {lines} lines repeat an earlier line "
            f"({repeated / lines:.0%} > max {self.max_share:.0%})"
        )


class SymbolRatio(_MeasuredRule):
    """Drop rows with more than `max_ratio` symbols per word (Gopher: "#" and ellipses, max 0.1).

    `symbols` are counted as substrings ("...." holds one "..."); `emoji: true` counts emoji too.
    A CJK character counts as a word.
    """

    def __init__(
        self,
        fields: str | Sequence[str] | None = None,
        max_ratio: float = 0.1,
        symbols: Sequence[str] = DEFAULT_SYMBOLS,
        emoji: bool = True,
    ):
        symbols = as_list(symbols) or []
        if not symbols and not emoji:
            raise UserError("SymbolRatio has nothing to count: give `symbols` or set `emoji: true`")
        if any(not isinstance(s, str) or not s for s in symbols):
            raise UserError(f"SymbolRatio.symbols must be non-empty strings, not {symbols!r}")
        self.fields, self.max_ratio, self.symbols, self.emoji = as_list(fields), max_ratio, symbols, emoji

    def measure(self, column):
        """(occurrences per row of each symbol, then of emoji; words per row)."""
        emoji, words = scan(lambda stats: (stats.counts[:, EMOJI], stats.per_row()), column)
        counts = [pc.fill_null(pc.count_substring(column, s), 0).to_numpy(zero_copy_only=False) for s in self.symbols]
        return np.column_stack(counts + ([emoji] if self.emoji else [])), words

    def fails(self, counts, words):
        return counts.sum(axis=1) > self.max_ratio * words

    def reason(self, field, counts, words):
        names = [repr(s) for s in self.symbols] + (["emoji"] if self.emoji else [])
        found = ", ".join(f"{name} x{count}" for name, count in zip(names, counts) if count)
        total = int(counts.sum())
        if not words:
            return f"{field}: {total} symbols ({found}) and no words"
        return f"{field}: {total / words:.2f} symbols per word > max {self.max_ratio:g} ({found} in {words:.0f} words)"


class FewDistinctWords(_MeasuredRule):
    """Drop rows whose field has fewer than `min_distinct` distinct words (case-folded).

    A CJK character counts as a word, so "好的好的" has 2. Null and blank fields are left to the
    missing-values rule.
    """

    def __init__(self, fields: str | Sequence[str] | None = None, min_distinct: int = 3):
        if not isinstance(min_distinct, int) or min_distinct < 1:
            raise UserError(f"FewDistinctWords.min_distinct must be a whole number >= 1, not {min_distinct!r}")
        self.fields, self.min_distinct = as_list(fields), min_distinct

    def measure(self, column):
        return scan(_distinct_and_present, column)

    def fails(self, distinct, present):
        return present & (distinct < self.min_distinct)

    def reason(self, field, distinct, present):
        word = "word" if distinct == 1 else "words"
        return f"{field} has {distinct} distinct {word} (min {self.min_distinct})"


def _distinct_and_present(stats: TextStats) -> tuple[np.ndarray, np.ndarray]:
    return distinct_words(stats), stats.counts.sum(axis=1) > stats.counts[:, SPACE]


class Boilerplate(Rule):
    """Drop rows containing one of `phrases` (case-insensitive, as plain text), naming the phrase."""

    row_wise = True

    def __init__(self, fields: str | Sequence[str] | None = None, phrases: Sequence[str] = DEFAULT_BOILERPLATE):
        phrases = as_list(phrases) or []
        if not phrases or any(not isinstance(p, str) or not p.strip() for p in phrases):
            raise UserError(
                "Boilerplate.phrases must be a list of non-empty phrases; give at least one or remove the rule"
            )
        self.fields, self.phrases = as_list(fields), phrases

    def run(self, table: pa.Table) -> Verdicts:
        reasons: list[str | None] = [None] * table.num_rows
        for field in self.resolve_fields(table):
            lowered = pc.utf8_lower(table.column(field))
            for phrase in self.phrases:
                found = pc.fill_null(pc.match_substring(lowered, phrase.lower()), False)
                for i in np.flatnonzero(found.to_numpy(zero_copy_only=False)):
                    reasons[i] = reasons[i] or f"{field} contains boilerplate {phrase!r}"
        return Verdicts(table, reasons)


class AnswerRepeatsQuestion(Rule):
    """Drop rows whose answer only repeats the question.

    The share of the answer's distinct words (case-folded; CJK characters one by one) that also occur
    in the question: above `max_overlap`, the answer adds nothing, e.g. an answer that restates or
    copies the question, or is a piece of it.
    """

    row_wise = True

    def __init__(self, question_field: str = "question", answer_field: str = "response", max_overlap: float = 0.8):
        _check_share("AnswerRepeatsQuestion.max_overlap", max_overlap)
        self.question_field, self.answer_field, self.max_overlap = question_field, answer_field, max_overlap

    def run(self, table: pa.Table) -> Verdicts:
        for key, field in (("question_field", self.question_field), ("answer_field", self.answer_field)):
            if field not in table.column_names:
                raise UserError(
                    f"AnswerRepeatsQuestion.{key}: field {field!r} is not in the data "
                    f"(fields: {', '.join(table.column_names)}); set {key} or map the column with source.columns"
                )
        pair = table.select([self.question_field, self.answer_field])
        parts = map_batches(_overlap, pair, BATCH_ROWS)
        shared, distinct = (np.concatenate(p) for p in zip(*parts)) if parts else (np.zeros(0), np.zeros(0))
        reasons: list[str | None] = [None] * table.num_rows
        for i in np.flatnonzero((distinct > 0) & (shared > self.max_overlap * distinct)):
            reasons[i] = (
                f"{self.answer_field} repeats the {self.question_field}: {shared[i] / distinct[i]:.0%} of its "
                f"{distinct[i]} distinct words are in the {self.question_field} (max {self.max_overlap:.0%})"
            )
        return Verdicts(table, reasons)


def _overlap(pair: pa.Table) -> tuple[np.ndarray, np.ndarray]:
    """(distinct answer words also in the question, distinct answer words) per row."""
    question, answer = (text_stats(pair.column(i)) for i in (0, 1))
    keys = sorted_unique(row_keys(answer.word_hash, answer.word_row))
    in_question = is_in(keys, sorted_unique(row_keys(question.word_hash, question.word_row)))
    rows = key_rows(keys)
    n = pair.num_rows
    return np.bincount(rows[in_question], minlength=n), np.bincount(rows, minlength=n)


def _check_share(key: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise UserError(f"{key} must be a share between 0 and 1, not {value!r}")
