"""Normalized text cut into shingles (character or word n-grams), each hashed to 64 bits, in compiled loops.

Near-duplicate detection and decontamination compare rows by their sets of shingles. Text is first
NFKC-normalized (dsbuild.textops, slice by slice), then, per row, lower-cased, with every run of
whitespace folded to one space and the ends trimmed. The shingles of a row are then:

- `chars`: every run of `char_n` consecutive characters (spaces included);
- `words`: every run of `word_n` consecutive tokens, a token being a run of non-space characters or a
  single CJK character (so Chinese inside English text still gives tokens);
- `auto`: `chars` for a row whose non-space characters are at least 30% CJK, `words` otherwise.

A row with fewer characters or tokens than n is one shingle; an empty row has none. The loops run in
numba (`nogil`), on one thread per core over slices of rows: per character they cost nanoseconds,
where numpy temporaries over every character of a million rows cost tens of seconds.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache

import numba
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import UserError
from ..record import as_text
from ..textops import as_large_string, nfkc, utf8_buffers

MODES = {"auto": 0, "chars": 1, "words": 2}
CJK_SHARE = 0.3
CJK_RANGES = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f"
_TOKEN = re.compile(f"[{CJK_RANGES}]|[^ {CJK_RANGES}]+")
SPACE = 32
_BASE = np.uint64(0x9E3779B97F4A7C15)
_SLICE_ROWS = 20_000


@dataclass(frozen=True)
class ShingleSpec:
    """How rows become shingles: `mode` (auto, chars, words), the n of each, and the hash seed."""

    mode: str = "auto"
    char_n: int = 5
    word_n: int = 3
    seed: int = 0

    def __post_init__(self):
        if self.mode not in MODES:
            raise UserError(f"shingle must be one of {', '.join(MODES)}, not {self.mode!r}")
        for unit, n in (("chars", self.char_n), ("words", self.word_n)):
            if isinstance(n, bool) or not isinstance(n, int) or n < 1:
                raise UserError(f"ngram for {unit} must be a whole number >= 1, not {n!r}")

    @classmethod
    def configured(cls, shingle: str, ngram, defaults: tuple[int, int], seed: int, owner: str) -> ShingleSpec:
        """From a rule's options: `ngram` null (the `defaults`, chars then words), one number for
        both, or a mapping {chars: n, words: n}; a UserError naming `owner` otherwise."""
        char_n, word_n = defaults
        if isinstance(ngram, Mapping):
            unknown = sorted(set(ngram) - {"chars", "words"})
            if unknown:
                raise UserError(f"{owner}.ngram has an unknown key {unknown[0]!r}; use chars and words")
            char_n, word_n = ngram.get("chars", char_n), ngram.get("words", word_n)
        elif ngram is not None:
            char_n = word_n = ngram
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise UserError(f"{owner}.seed must be a whole number, not {seed!r}")
        try:
            return cls(shingle, char_n, word_n, seed)
        except UserError as exc:
            raise UserError(f"{owner}.{exc}") from None

    def kernel_args(self) -> tuple:
        """The spec as the plain values the compiled loops take."""
        return (
            case_folding(), space_table(), MODES[self.mode], self.char_n, self.word_n,
            np.uint64(self.seed % 2**64),
        )


def joined_text(table: pa.Table, fields: list[str]) -> pa.LargeStringArray:
    """The fields of each row joined by a line break, nulls as empty (numbers as text, other values as JSON)."""
    parts = [pc.fill_null(as_large_string(as_text(table.column(f))), "") for f in fields]
    return parts[0] if len(parts) == 1 else pc.binary_join_element_wise(*parts, pa.scalar("\n", pa.large_string()))


def in_slices(func, column: pa.LargeStringArray, rows: int = _SLICE_ROWS) -> list:
    """`func(data, offsets)` over the UTF-8 bytes of NFKC-normalized slices of `rows` rows, on one
    thread per core (numpy, Arrow and the compiled loops release the GIL); results in order."""
    column = as_large_string(column)

    def run(start: int):
        return func(*utf8_buffers(nfkc(column.slice(start, rows))))

    starts = range(0, len(column), rows)
    if len(starts) < 2:
        return [run(start) for start in starts]
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        return list(pool.map(run, starts))


def normalized(text: str) -> str:
    """One text as the shingler sees it (NFKC, lower case, whitespace folded): for quoting in reasons."""
    data = np.frombuffer(unicodedata.normalize("NFKC", text).encode(), dtype=np.uint8)
    buffer = np.empty(len(data) + 1, dtype=np.int64)
    length = _normalize(data, 0, len(data), case_folding(), space_table(), buffer)
    return buffer[:length].astype(np.uint32).tobytes().decode("utf-32-le")


def unit_of(text: str, spec: ShingleSpec) -> str:
    """"chars" or "words": how a normalized text is shingled under `spec` (the compiled rule, in Python)."""
    if spec.mode != "auto":
        return spec.mode
    letters = text.replace(" ", "")
    cjk = len(re.findall(f"[{CJK_RANGES}]", letters))
    return "chars" if letters and cjk >= CJK_SHARE * len(letters) else "words"


def tokens(text: str) -> list[str]:
    """The word tokens of a normalized text: runs of non-space characters, each CJK character alone."""
    return _TOKEN.findall(text)


def shingle_hashes(column: pa.LargeStringArray, spec: ShingleSpec) -> tuple[np.ndarray, np.ndarray]:
    """Every shingle hash of every row, concatenated in row order, and the row offsets into them."""
    pieces = in_slices(lambda data, offsets: _all_shingles(data, offsets, *spec.kernel_args()), column)
    if not pieces:
        return np.zeros(0, np.uint64), np.zeros(1, np.int64)
    counts = np.concatenate([np.diff(offsets) for _, offsets in pieces])
    offsets = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    return np.concatenate([hashes for hashes, _ in pieces]), offsets


def first_shared(
    column: pa.LargeStringArray, spec: ShingleSpec, known: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row, the first shingle found in the sorted array `known`: (index into known or -1, start, end).

    start / end are character positions in the row's normalized text (see `normalized`).
    """

    def find(data, offsets):
        return _first_shared(data, offsets, *spec.kernel_args(), known)

    pieces = in_slices(find, column)
    if not pieces:
        empty = np.zeros(0, np.int64)
        return empty, empty, empty
    return tuple(np.concatenate([p[i] for p in pieces]) for i in range(3))


@lru_cache(maxsize=1)
def case_folding() -> np.ndarray:
    """Per BMP code point, its one-character lower case (str.casefold, else str.lower, else itself)."""
    table = np.arange(0x10000, dtype=np.int64)
    for code in range(0x10000):
        char = chr(code)
        for folded in (char.casefold(), char.lower()):
            if len(folded) == 1 and folded != char:
                table[code] = ord(folded)
                break
    return table


@lru_cache(maxsize=1)
def space_table() -> np.ndarray:
    """Per BMP code point, True for whitespace (str.isspace)."""
    return np.array([chr(c).isspace() for c in range(0x10000)], dtype=np.bool_)


@numba.njit(nogil=True, cache=True)
def fmix64(x):
    """MurmurHash3's 64-bit finalizer: every input bit flips about half of the output bits."""
    x ^= x >> np.uint64(33)
    x *= np.uint64(0xFF51AFD7ED558CCD)
    x ^= x >> np.uint64(33)
    x *= np.uint64(0xC4CEB9FE1A85EC53)
    x ^= x >> np.uint64(33)
    return x


@numba.njit(nogil=True, cache=True)
def _is_cjk(code):
    return (
        (0x4E00 <= code <= 0x9FFF) or (0x3400 <= code <= 0x4DBF) or (0x3040 <= code <= 0x30FF)
        or (0xAC00 <= code <= 0xD7AF) or (0xF900 <= code <= 0xFAFF) or (0x20000 <= code <= 0x3134F)
    )


@numba.njit(nogil=True, cache=True)
def _normalize(data, start, end, lower, space, out):
    """Decode UTF-8 bytes data[start:end] into out: lower case, whitespace runs as one space, trimmed."""
    length = 0
    pending_space = False
    p = start
    while p < end:
        b0 = np.int64(data[p])
        if b0 < 0x80:
            code = b0
            p += 1
        elif b0 < 0xE0:
            code = ((b0 & 0x1F) << 6) | (np.int64(data[p + 1]) & 0x3F)
            p += 2
        elif b0 < 0xF0:
            code = ((b0 & 0x0F) << 12) | ((np.int64(data[p + 1]) & 0x3F) << 6) | (np.int64(data[p + 2]) & 0x3F)
            p += 3
        else:
            code = (
                ((b0 & 0x07) << 18) | ((np.int64(data[p + 1]) & 0x3F) << 12)
                | ((np.int64(data[p + 2]) & 0x3F) << 6) | (np.int64(data[p + 3]) & 0x3F)
            )
            p += 4
        if code < 0x10000:
            if space[code]:
                pending_space = length > 0
                continue
            code = lower[code]
        if pending_space:
            out[length] = SPACE
            length += 1
            pending_space = False
        out[length] = code
        length += 1
    return length


@numba.njit(nogil=True, cache=True)
def _shingles(text, length, mode, char_n, word_n, seed, hashes, starts, ends):
    """Hash the shingles of text[:length] into hashes, with their character spans; return how many."""
    if length == 0:
        return 0
    if mode == 0:
        cjk = 0
        other = 0
        for i in range(length):
            if _is_cjk(text[i]):
                cjk += 1
            elif text[i] != SPACE:
                other += 1
        mode = 1 if cjk >= CJK_SHARE * (cjk + other) else 2
    if mode == 1:
        return _char_shingles(text, length, char_n, seed, hashes, starts, ends)
    return _word_shingles(text, length, word_n, seed, hashes, starts, ends)


@numba.njit(nogil=True, cache=True)
def _unit(code, seed):
    return fmix64(np.uint64(code) ^ seed) | np.uint64(1)


@numba.njit(nogil=True, cache=True)
def _char_shingles(text, length, n, seed, hashes, starts, ends):
    """Polynomial hash of each window, rolled along: h(i+1) = (h(i) - B^(n-1) u[i]) * B + u[i+n]."""
    width = min(n, length)
    top = np.uint64(1)
    for _ in range(width - 1):
        top *= _BASE
    h = np.uint64(0)
    for j in range(width):
        h = h * _BASE + _unit(text[j], seed)
    count = length - width + 1
    for i in range(count):
        if i:
            h = (h - top * _unit(text[i - 1], seed)) * _BASE + _unit(text[i + width - 1], seed)
        hashes[i] = fmix64(h ^ np.uint64(width))
        starts[i] = i
        ends[i] = i + width
    return count


@numba.njit(nogil=True, cache=True)
def _word_shingles(text, length, n, seed, hashes, starts, ends):
    """Tokens go into hashes/starts/ends first, then are combined n at a time in place."""
    tokens = 0
    i = 0
    while i < length:
        if text[i] == SPACE:
            i += 1
            continue
        h = np.uint64(0x2545F4914F6CDD1D)
        start = i
        if _is_cjk(text[i]):
            h = h * np.uint64(0x100000001B3) ^ _unit(text[i], seed)
            i += 1
        else:
            while i < length and text[i] != SPACE and not _is_cjk(text[i]):
                h = (h ^ _unit(text[i], seed)) * np.uint64(0x100000001B3)
                i += 1
        hashes[tokens] = fmix64(h)
        starts[tokens] = start
        ends[tokens] = i
        tokens += 1
    count = max(tokens - n + 1, 1)
    width = min(n, tokens)
    for k in range(count):
        h = np.uint64(0)
        for j in range(width):
            h = h * _BASE + hashes[k + j]
        hashes[k] = fmix64(h ^ np.uint64(0x5BD1E995 + width))
        ends[k] = ends[k + width - 1]
    return count


@numba.njit(nogil=True, cache=True)
def _all_shingles(data, offsets, lower, space, mode, char_n, word_n, seed):
    rows = len(offsets) - 1
    counts = np.zeros(rows + 1, dtype=np.int64)
    out = np.empty(len(data) + rows, dtype=np.uint64)
    text = np.empty(1, dtype=np.int64)
    starts = np.empty(1, dtype=np.int64)
    ends = np.empty(1, dtype=np.int64)
    total = 0
    for r in range(rows):
        size = offsets[r + 1] - offsets[r] + 1
        if len(text) < size:
            text = np.empty(2 * size, dtype=np.int64)
            starts = np.empty(2 * size, dtype=np.int64)
            ends = np.empty(2 * size, dtype=np.int64)
        length = _normalize(data, offsets[r], offsets[r + 1], lower, space, text)
        found = _shingles(text, length, mode, char_n, word_n, seed, out[total:], starts, ends)
        total += found
        counts[r + 1] = total
    return out[:total].copy(), counts


@numba.njit(nogil=True, cache=True)
def _first_shared(data, offsets, lower, space, mode, char_n, word_n, seed, known):
    rows = len(offsets) - 1
    where = np.full(rows, -1, dtype=np.int64)
    span_start = np.zeros(rows, dtype=np.int64)
    span_end = np.zeros(rows, dtype=np.int64)
    text = np.empty(1, dtype=np.int64)
    hashes = np.empty(1, dtype=np.uint64)
    starts = np.empty(1, dtype=np.int64)
    ends = np.empty(1, dtype=np.int64)
    if len(known) == 0:
        return where, span_start, span_end
    for r in range(rows):
        size = offsets[r + 1] - offsets[r] + 1
        if len(text) < size:
            text = np.empty(2 * size, dtype=np.int64)
            hashes = np.empty(2 * size, dtype=np.uint64)
            starts = np.empty(2 * size, dtype=np.int64)
            ends = np.empty(2 * size, dtype=np.int64)
        length = _normalize(data, offsets[r], offsets[r + 1], lower, space, text)
        found = _shingles(text, length, mode, char_n, word_n, seed, hashes, starts, ends)
        for i in range(found):
            at = np.searchsorted(known, hashes[i])
            if at < len(known) and known[at] == hashes[i]:
                where[r], span_start[r], span_end[r] = at, starts[i], ends[i]
                break
    return where, span_start, span_end
