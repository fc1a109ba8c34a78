"""Per-row text measurements for quality rules: character classes, words, repetition.

Quality rules look at every row, and Arrow's regexes cost seconds per 100k rows when nearly every
character matches, so text is measured in numpy: the UTF-8 bytes of a column are decoded to code
points, each looked up in a character-class table, and words become 64-bit hashes. A word is a run of
letters and digits, or one CJK character (Han, kana): Chinese and Japanese put no spaces between
words, so their characters play the part of words, and a repeated "n-gram" is made of words in
English and of characters in Chinese. Words compare case-folded. Columns are measured in slices of
`BATCH_ROWS` rows, so memory stays bounded whatever the row count.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import UserError
from ..textops import as_large_string, map_batches, utf8_buffers

BATCH_ROWS = 20_000
WORD_N = 5  # repeated word n-grams: Gopher's shortest duplicate n-gram
CJK_N = 8  # the same span of Chinese text in characters (a Chinese word is 1-2 characters)

# Character classes, the columns of TextStats.counts.
UPPER, LOWER, LETTER, CJK, DIGIT, PUNCT, SPACE, SYMBOL, EMOJI, OTHER = range(10)
N_CLASSES = 10
_TABLE_SIZE = 0x40000  # planes 0-3 hold every letter, CJK ideograph and emoji; beyond is OTHER
_CJK_RANGES = ((0x3005, 0x3007), (0x3040, 0x30FF), (0x31F0, 0x31FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF),
               (0xF900, 0xFAFF), (0x20000, 0x3FFFF))
_EMOJI_RANGES = ((0x2600, 0x27BF), (0x2B00, 0x2BFF), (0x1F000, 0x1FAFF))
_LINE_BREAKS = [0x0A, 0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E, 0x85, 0x2028, 0x2029]

FEATURES: dict[str, str] = {
    "length": "characters",
    "words": "words (a CJK character counts as a word)",
    "letter_ratio": "letters (CJK included) per character",
    "cjk_ratio": "CJK characters (Han, kana) per character",
    "digit_ratio": "digits per character",
    "punctuation_ratio": "punctuation per character",
    "whitespace_ratio": "whitespace per character",
    "symbol_ratio": "symbols and emoji per character",
    "uppercase_ratio": "upper-case letters per cased letter",
    "dup_line_ratio": "lines that repeat an earlier line, per line with a word",
    "repeated_ngram_ratio": f"share of word characters inside {WORD_N}-word ({CJK_N}-CJK-character) sequences "
                            "that occur twice or more",
    "distinct_word_ratio": "distinct words per word",
    "mean_word_length": "characters per word",
}


@dataclass
class TextStats:
    """One column slice, measured: character counts per class, and its words in order."""

    counts: np.ndarray  # (rows, N_CLASSES): characters of each class in each row
    word_row: np.ndarray  # per word: its row
    word_hash: np.ndarray  # per word: a 64-bit hash of the case-folded word
    word_len: np.ndarray  # per word: its characters
    word_cjk: np.ndarray  # per word: True for a CJK character
    word_line: np.ndarray  # per word: its line, numbered across the slice (non-decreasing)

    @property
    def n_rows(self) -> int:
        return len(self.counts)

    def per_row(self, values: np.ndarray | None = None) -> np.ndarray:
        """Sum `values` (one per word; default 1) over each row's words."""
        return np.bincount(self.word_row, weights=values, minlength=self.n_rows)


def text_stats(column: pa.Array | pa.ChunkedArray) -> TextStats:
    """Measure a string column (nulls count as empty text)."""
    column = as_large_string(column)
    if column.null_count:
        column = pc.fill_null(column, "")
    n = len(column)
    lengths = pc.utf8_length(column).to_numpy(zero_copy_only=False).astype(np.int64)
    data, _ = utf8_buffers(column)
    code = _code_points(data)
    row = np.repeat(np.arange(n), lengths)
    kind = _classes()[np.minimum(code, _TABLE_SIZE)]
    counts = np.bincount(row * N_CLASSES + kind, minlength=n * N_CLASSES).reshape(n, N_CLASSES)

    cjk = kind == CJK
    in_word = kind <= DIGIT  # letters, CJK, digits: the classes are numbered so
    new_row = np.ones(len(row), dtype=bool)
    new_row[1:] = row[1:] != row[:-1]
    starts_word = in_word & (new_row | cjk | ~np.r_[False, in_word[:-1]] | np.r_[False, cjk[:-1]])
    chars = np.flatnonzero(in_word)
    firsts = np.flatnonzero(starts_word[chars])  # word starts, as positions in `chars`
    hashed = _mix(_lower_table()[np.minimum(code[chars], _TABLE_SIZE)].astype(np.uint64))
    line = np.cumsum(new_row | np.isin(code, _LINE_BREAKS))
    at = chars[firsts]
    return TextStats(
        counts=counts,
        word_row=row[at],
        word_hash=segment_hash(hashed, firsts),
        word_len=np.diff(np.r_[firsts, len(chars)]),
        word_cjk=cjk[at],
        word_line=line[at],
    )


def features(
    table: pa.Table, fields: Sequence[str], names: Sequence[str] | None = None
) -> dict[str, np.ndarray]:
    """Per-row features of each field, named `field.feature` (e.g. `response.digit_ratio`).

    `names` picks features from FEATURES (default: all). Ratios are 0 for empty or null text.
    """
    names = list(FEATURES) if names is None else list(names)
    unknown = [name for name in names if name not in _MEASURES]
    if unknown:
        raise UserError(f"unknown quality feature {unknown[0]!r}; choose from {', '.join(FEATURES)}")
    result = {}
    for field in fields:
        values = scan(lambda stats: tuple(_MEASURES[name](stats) for name in names), table.column(field))
        result.update({f"{field}.{name}": value for name, value in zip(names, values)})
    return result


def scan(measure: Callable[[TextStats], tuple[np.ndarray, ...]], column: pa.ChunkedArray) -> tuple[np.ndarray, ...]:
    """`measure` over slices of a column, each measured by text_stats; its arrays joined in row order."""
    if len(column) == 0:
        return measure(text_stats(pa.array([], pa.large_string())))
    parts = map_batches(lambda piece: measure(text_stats(piece)), column, BATCH_ROWS)
    return tuple(np.concatenate(arrays) for arrays in zip(*parts))


def repeated_ngram_share(stats: TextStats, n: int = WORD_N, cjk_n: int = CJK_N) -> tuple[np.ndarray, np.ndarray]:
    """(share of word characters inside repeated n-grams, True where the row is mostly CJK) per row.

    A row whose words are mostly CJK characters is measured with `cjk_n`-grams, others with `n`-grams:
    every occurrence of an n-gram found twice or more in the same row covers its words.
    """
    mostly_cjk = 2 * stats.per_row(stats.word_cjk.astype(np.float64)) > stats.per_row()
    inside = np.zeros(stats.n_rows)
    for group, size in ((~mostly_cjk, n), (mostly_cjk, cjk_n)):
        words = group[stats.word_row]
        inside += _chars_in_repeats(stats.word_row[words], stats.word_hash[words], stats.word_len[words], size,
                                    stats.n_rows)
    return inside / np.maximum(stats.per_row(stats.word_len), 1), mostly_cjk


def duplicate_lines(stats: TextStats) -> tuple[np.ndarray, np.ndarray]:
    """(lines that repeat an earlier line, lines) per row, counting only lines with a word in them.

    Lines compare by their words, so punctuation, spacing and case do not make two lines differ.
    """
    if len(stats.word_line) == 0:
        zeros = np.zeros(stats.n_rows, dtype=np.int64)
        return zeros, zeros
    firsts = np.flatnonzero(np.r_[True, stats.word_line[1:] != stats.word_line[:-1]])
    line_row = stats.word_row[firsts]
    lines = np.bincount(line_row, minlength=stats.n_rows)
    distinct = _distinct_per_row(segment_hash(stats.word_hash, firsts), line_row, stats.n_rows)
    return lines - distinct, lines


def distinct_words(stats: TextStats) -> np.ndarray:
    """Distinct (case-folded) words per row."""
    return _distinct_per_row(stats.word_hash, stats.word_row, stats.n_rows)


def row_keys(hashes: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """One 64-bit key per (row, hash) pair, the row in the top 24 bits: keys sort by row.

    The 40 hash bits left make a false match within one row of 1,000 words about one in two million.
    Rows are numbered within a slice (at most BATCH_ROWS), far below 2**24.
    """
    return (rows.astype(np.uint64) << np.uint64(40)) | (hashes >> np.uint64(24))


def key_rows(keys: np.ndarray) -> np.ndarray:
    """The row of each key made by row_keys."""
    return (keys >> np.uint64(40)).astype(np.int64)


def occurs_twice(keys: np.ndarray) -> np.ndarray:
    """True for each key that is in `keys` more than once."""
    ordered = np.sort(keys)
    return is_in(keys, sorted_unique(ordered[1:][ordered[1:] == ordered[:-1]]))


def sorted_unique(keys: np.ndarray) -> np.ndarray:
    """The distinct keys, ascending (np.unique, by hashing in numpy 2.3+, is several times slower here)."""
    ordered = np.sort(keys)
    return ordered[np.r_[True, ordered[1:] != ordered[:-1]]] if len(ordered) else ordered


def is_in(keys: np.ndarray, sorted_keys: np.ndarray) -> np.ndarray:
    """True for each key found in `sorted_keys` (ascending); a binary search, no hashing or sorting of `keys`."""
    if len(sorted_keys) == 0:
        return np.zeros(len(keys), dtype=bool)
    at = np.minimum(np.searchsorted(sorted_keys, keys), len(sorted_keys) - 1)
    return sorted_keys[at] == keys


def segment_hash(values: np.ndarray, firsts: np.ndarray) -> np.ndarray:
    """A 64-bit hash of each run of uint64 `values` starting at `firsts` (sorted, firsts[0] == 0)."""
    if len(firsts) == 0:
        return np.zeros(0, dtype=np.uint64)
    sizes = np.diff(np.r_[firsts, len(values)])
    position = np.arange(len(values)) - np.repeat(firsts, sizes)
    powers = np.ones(int(sizes.max()), dtype=np.uint64)
    powers[1:] = np.cumprod(np.full(len(powers) - 1, _PRIME, dtype=np.uint64))  # wraps modulo 2**64
    return _mix(np.add.reduceat(values * powers[position], firsts) ^ sizes.astype(np.uint64))


def _ratio(stats: TextStats, *classes: int) -> np.ndarray:
    return stats.counts[:, list(classes)].sum(axis=1) / np.maximum(stats.counts.sum(axis=1), 1)


def _uppercase_ratio(stats: TextStats) -> np.ndarray:
    cased = stats.counts[:, UPPER] + stats.counts[:, LOWER]
    return stats.counts[:, UPPER] / np.maximum(cased, 1)


def _dup_line_ratio(stats: TextStats) -> np.ndarray:
    dup, lines = duplicate_lines(stats)
    return dup / np.maximum(lines, 1)


def _mean_word_length(stats: TextStats) -> np.ndarray:
    return stats.per_row(stats.word_len) / np.maximum(stats.per_row(), 1)


_MEASURES: dict[str, Callable[[TextStats], np.ndarray]] = {
    "length": lambda s: s.counts.sum(axis=1).astype(np.float64),
    "words": lambda s: s.per_row(),
    "letter_ratio": lambda s: _ratio(s, UPPER, LOWER, LETTER, CJK),
    "cjk_ratio": lambda s: _ratio(s, CJK),
    "digit_ratio": lambda s: _ratio(s, DIGIT),
    "punctuation_ratio": lambda s: _ratio(s, PUNCT),
    "whitespace_ratio": lambda s: _ratio(s, SPACE),
    "symbol_ratio": lambda s: _ratio(s, SYMBOL, EMOJI),
    "uppercase_ratio": _uppercase_ratio,
    "dup_line_ratio": _dup_line_ratio,
    "repeated_ngram_ratio": lambda s: repeated_ngram_share(s)[0],
    "distinct_word_ratio": lambda s: distinct_words(s) / np.maximum(s.per_row(), 1),
    "mean_word_length": _mean_word_length,
}


def _chars_in_repeats(rows: np.ndarray, hashes: np.ndarray, lengths: np.ndarray, n: int, n_rows: int) -> np.ndarray:
    """Characters per row in words covered by an n-gram that occurs twice or more in the same row."""
    m = len(hashes)
    if m < n:
        return np.zeros(n_rows)
    starts = np.flatnonzero(rows[: m - n + 1] == rows[n - 1:])
    gram = hashes[starts] * _POSITION_WEIGHTS[0]
    for k in range(1, n):
        gram += hashes[starts + k] * _POSITION_WEIGHTS[k]  # word hashes are already mixed: a weighted sum will do
    repeated = starts[occurs_twice(row_keys(_mix(gram), rows[starts]))]
    depth = np.zeros(m + 1, dtype=np.int64)  # +1 where a repeated n-gram starts, -1 where it ends
    depth[repeated] += 1
    depth[repeated + n] -= 1
    covered = np.cumsum(depth[:m]) > 0
    return np.bincount(rows[covered], weights=lengths[covered], minlength=n_rows)


def _distinct_per_row(hashes: np.ndarray, rows: np.ndarray, n_rows: int) -> np.ndarray:
    return np.bincount(key_rows(sorted_unique(row_keys(hashes, rows))), minlength=n_rows)


def _code_points(data: np.ndarray) -> np.ndarray:
    """The code point of each character in UTF-8 `data`: ASCII as is, only the other characters decoded."""
    lead = np.flatnonzero(data.view(np.int8) >= -64)  # all but the continuation bytes 0x80-0xBF
    code = data[lead].astype(np.int32)
    multi = np.flatnonzero(code >= 0xC0)
    if len(multi) == 0:
        return code
    at, b0, last = lead[multi], code[multi], len(data) - 1
    b1, b2, b3 = ((data[np.minimum(at + k, last)] & 0x3F).astype(np.int32) for k in (1, 2, 3))
    code[multi] = np.where(
        b0 < 0xE0, ((b0 & 0x1F) << 6) | b1,
        np.where(b0 < 0xF0, ((b0 & 0x0F) << 12) | (b1 << 6) | b2, ((b0 & 0x07) << 18) | (b1 << 12) | (b2 << 6) | b3),
    )
    return code


@lru_cache(maxsize=1)
def _classes() -> np.ndarray:
    """Class of each code point below _TABLE_SIZE, and OTHER at index _TABLE_SIZE."""
    by_category = {"Lu": UPPER, "Lt": UPPER, "Ll": LOWER, "L": LETTER, "M": LETTER, "N": DIGIT, "P": PUNCT,
                   "S": SYMBOL}
    table = np.full(_TABLE_SIZE + 1, OTHER, dtype=np.uint8)
    for code in range(_TABLE_SIZE):
        char = chr(code)
        category = unicodedata.category(char)
        table[code] = SPACE if char.isspace() else by_category.get(category, by_category.get(category[0], OTHER))
    for first, last in _CJK_RANGES:
        block = table[first: last + 1]
        block[block == LETTER] = CJK
    table[0x3007] = CJK  # 〇, the ideographic zero, is a number by category but written as a character
    for first, last in _EMOJI_RANGES:
        block = table[first: last + 1]
        block[block == SYMBOL] = EMOJI
    table[0xFE00:0xFE10] = OTHER  # variation selectors (emoji presentation) are marks, not letters
    return table


@lru_cache(maxsize=1)
def _lower_table() -> np.ndarray:
    """Each code point's lower-case form (itself when that is not one character)."""
    table = np.arange(_TABLE_SIZE + 1, dtype=np.int64)
    for code in np.flatnonzero(_classes() == UPPER):
        lower = chr(code).lower()
        if len(lower) == 1:
            table[code] = ord(lower)
    return table


_PRIME = np.uint64(0x100000001B3)
_POSITION_WEIGHTS = np.random.default_rng(0).integers(1, 2**63, 64, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
_M1, _M2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)


def _mix(x: np.ndarray) -> np.ndarray:
    """The splitmix64 finalizer: spreads every input bit over the whole 64-bit output."""
    x = x ^ (x >> np.uint64(30))
    x = x * _M1
    x = x ^ (x >> np.uint64(27))
    x = x * _M2
    return x ^ (x >> np.uint64(31))
