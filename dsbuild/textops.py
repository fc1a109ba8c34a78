"""Fast text kernels over Arrow string columns, for the steps that touch every row.

Per-row Python costs microseconds a row, Arrow's regex replace seconds per million rows; these work
on the UTF-8 bytes of a whole column in numpy instead, or run regexes only on the rows that need
them. They rely on two UTF-8 facts: an ASCII byte is always a whole character, and a lead byte
(0xC0 and up) is never a continuation byte, so a byte pattern found at a lead byte is a character.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import xxhash

_WHITESPACE = "".join(chr(c) for c in range(0x3001) if chr(c).isspace())


def space_class(excluding: str = "") -> str:
    """Python's whitespace (str.isspace, what `\\s` means in `re`) as the inside of an RE2 [...] class.

    Arrow's RE2 `\\s` is ASCII only; this spells every whitespace character out, minus `excluding`.
    """
    return "".join(f"\\x{{{ord(c):x}}}" for c in _WHITESPACE if c not in excluding)


# ASCII bytes that are not letters or digits (punctuation, symbols, spaces, controls).
_ASCII_DROP = np.zeros(256, dtype=bool)
_ASCII_DROP[[b for b in range(128) if not chr(b).isalnum()]] = True

# Full-width punctuation U+FF01-FF0F, FF1A-FF20, FF3B-FF40, FF5B-FF65 is EF BC xx / EF BD xx in
# UTF-8. Swapped for the private-use U+E0xx (EE 80 xx / EE 81 xx: same length), NFKC leaves it alone.
_PUNCT_CODEPOINTS = [*range(0xFF01, 0xFF10), *range(0xFF1A, 0xFF21), *range(0xFF3B, 0xFF41), *range(0xFF5B, 0xFF66)]
_PUNCT_CLASS = re.escape("".join(map(chr, _PUNCT_CODEPOINTS)))
_PROTECTED = np.zeros((2, 256), dtype=bool)  # [second byte - 0xBC][third byte]
for _cp in _PUNCT_CODEPOINTS:
    _utf8 = chr(_cp).encode()
    _PROTECTED[_utf8[1] - 0xBC, _utf8[2]] = True


def as_large_string(column: pa.ChunkedArray | pa.Array) -> pa.LargeStringArray:
    """One contiguous large_string array (64-bit offsets), whatever came in."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks() if column.num_chunks else pa.array([], pa.large_string())
    if column.type != pa.large_string():
        column = column.cast(pa.large_string())
    return column


BATCH_ROWS = 100_000


def map_batches(func, data: pa.Table | pa.ChunkedArray | pa.Array, rows: int = BATCH_ROWS) -> list:
    """`func` over slices of `rows` rows, in order, on one thread per core.

    Arrow's string kernels and numpy release the GIL, so slices run in parallel; temporaries stay a
    few slices big instead of a whole column.
    """
    slices = [data.slice(start, rows) for start in range(0, len(data), rows)]
    if len(slices) < 2:
        return [func(s) for s in slices]
    with ThreadPoolExecutor(max_workers=min(os.cpu_count() or 1, 4)) as pool:
        return list(pool.map(func, slices))


def in_batches(func, column: pa.ChunkedArray | pa.Array, rows: int = BATCH_ROWS) -> pa.ChunkedArray:
    """`func` applied to slices of a column (see `map_batches`), as one chunked column."""
    pieces = map_batches(func, column, rows)
    return pa.chunked_array(pieces, type=pieces[0].type) if pieces else pa.chunked_array([], pa.large_string())


def replace_where(
    column: pa.ChunkedArray | pa.Array, trigger: str, replacements: Sequence[tuple[str, str]]
) -> pa.LargeStringArray:
    """Apply regex `replacements` in order, but only to rows that match `trigger`."""
    column = as_large_string(column)
    needs = pc.fill_null(pc.match_substring_regex(column, trigger), False)
    if not pc.any(needs).as_py():
        return column
    subset = column.filter(needs)
    for pattern, replacement in replacements:
        subset = pc.replace_substring_regex(subset, pattern, replacement)
    return pc.replace_with_mask(column, needs, subset)


def nfkc(column: pa.ChunkedArray | pa.Array) -> pa.LargeStringArray:
    """Unicode NFKC, the same result as `unicodedata.normalize("NFKC", …)`, several times faster on CJK.

    Arrow's NFKC costs ~1 s per million Chinese rows, though most of that text is already normal.
    So: fold full-width ASCII forms and the ideographic space in the UTF-8 bytes (what NFKC does to
    them), then run NFKC only on the rows that still hold a character NFKC could change.
    """
    column = as_large_string(column)
    if pc.all(pc.string_is_ascii(column)).as_py() is not False:
        return column  # ASCII is already NFKC (also true of an empty or all-null column)
    column = _fold_fullwidth_ascii(column)
    rows = _rows_with(column, _nfkc_unsafe())
    if len(rows) == 0:
        return column
    mask = np.zeros(len(column), dtype=bool)
    mask[rows] = True
    mask = pa.array(mask)
    return pc.replace_with_mask(column, mask, pc.utf8_normalize(column.filter(mask), "NFKC"))


@lru_cache(maxsize=1)
def _nfkc_unsafe() -> np.ndarray:
    """Per BMP code point: True if a string holding it may change under NFKC."""
    unsafe = np.zeros(0x10000, dtype=bool)
    unsafe[0xD800:0xE000] = True
    for code in range(0x80, 0x10000):
        char = chr(code)
        if unsafe[code]:
            continue
        if unicodedata.combining(char) or unicodedata.normalize("NFKC", char) != char:
            unsafe[code] = True
        decomposition = unicodedata.decomposition(char).split()
        if len(decomposition) == 2 and not decomposition[0].startswith("<"):
            unsafe[int(decomposition[1], 16)] = True  # it may compose with the character before it
    unsafe[0x1161:0x1176] = unsafe[0x11A8:0x11C3] = True  # Hangul vowel and final jamo compose too
    assert not unsafe[0x4000:0xA000].any(), "the E4-E9 shortcut in _rows_with relies on this"
    return unsafe


def _fold_fullwidth_ascii(column: pa.LargeStringArray) -> pa.LargeStringArray:
    """U+FF01-FF5E to U+0021-007E and U+3000 to a space, in place of their three UTF-8 bytes."""
    data, offsets = utf8_buffers(column)
    wide = _lead_positions(data, 0xEF, (0xBC, 0xBD))
    wide = wide[np.where(data[wide + 1] == 0xBC, data[wide + 2] >= 0x81, data[wide + 2] <= 0x9E)]
    space = _lead_positions(data, 0xE3, (0x80,))
    space = space[data[space + 2] == 0x80]
    if len(wide) == 0 and len(space) == 0:
        return column
    data = data.copy()
    data[wide] = np.where(data[wide + 1] == 0xBC, data[wide + 2] - 0x60, data[wide + 2] - 0x20)
    data[space] = 0x20
    gone = np.sort(np.concatenate([wide + 1, wide + 2, space + 1, space + 2]))
    return _with_bytes(column, *_delete(data, offsets, gone))


def _rows_with(column: pa.LargeStringArray, flagged: np.ndarray) -> np.ndarray:
    """Rows holding a code point flagged in a BMP table (any 4-byte character counts as flagged).

    Lead bytes E4-E9 start CJK ideographs U+4000-9FFF, which no table here flags, so only the other
    lead bytes are decoded: in Chinese text that is a few punctuation marks per row, not every char.
    """
    data, offsets = utf8_buffers(column)
    leads = np.flatnonzero((data >= 0xC2) & ((data < 0xE4) | (data > 0xE9)))
    if len(leads) == 0:
        return leads
    last = len(data) - 1
    b0 = data[leads].astype(np.uint32)
    b1 = data[np.minimum(leads + 1, last)].astype(np.uint32) & 0x3F
    b2 = data[np.minimum(leads + 2, last)].astype(np.uint32) & 0x3F
    code = np.where(b0 < 0xE0, ((b0 & 0x1F) << 6) | b1, ((b0 & 0x0F) << 12) | (b1 << 6) | b2)
    hit = (b0 >= 0xF0) | flagged[np.minimum(code, 0xFFFF)]
    return np.unique(np.searchsorted(offsets, leads[hit], side="right") - 1)


def fold_whitespace(column: pa.ChunkedArray | pa.Array) -> pa.LargeStringArray:
    """Every run of whitespace (any kind, line breaks too) becomes one space."""
    return replace_where(column, f"[{space_class(' ')}]|  ", [(f"[{space_class()}]+", " ")])


def normalize_keeping_fullwidth_punctuation(column: pa.ChunkedArray | pa.Array, form: str) -> pa.LargeStringArray:
    """Unicode `form` (NFKC, NFKD) everywhere except full-width punctuation such as ，：？（）.

    Rows that already hold the private-use characters used as stand-ins are normalized one by one.
    """
    column = as_large_string(column)
    data, offsets = utf8_buffers(column)
    stand_ins = _lead_positions(data, 0xEE, (0x80, 0x81))
    fallback = np.unique(np.searchsorted(offsets, stand_ins, side="right") - 1) if len(stand_ins) else []
    swapped = data.copy()
    leads = _lead_positions(data, 0xEF, (0xBC, 0xBD))
    leads = leads[_PROTECTED[data[leads + 1] - 0xBC, data[leads + 2]]]
    swapped[leads], swapped[leads + 1] = 0xEE, data[leads + 1] - (0xBC - 0x80)
    protected = _with_bytes(column, swapped, offsets)
    normalized = nfkc(protected) if form == "NFKC" else pc.utf8_normalize(protected, form)
    out, out_offsets = utf8_buffers(normalized)
    back = _lead_positions(out, 0xEE, (0x80, 0x81))
    restored = out.copy()
    restored[back], restored[back + 1] = 0xEF, out[back + 1] + (0xBC - 0x80)
    result = _with_bytes(normalized, restored, out_offsets)
    if len(fallback):
        originals = column.take(pa.array(fallback)).to_pylist()
        exact = [None if s is None else _normalize_between_punctuation(s, form) for s in originals]
        mask = np.zeros(len(column), dtype=bool)
        mask[fallback] = True
        result = pc.replace_with_mask(result, pa.array(mask), pa.array(exact, pa.large_string()))
    return result


def _normalize_between_punctuation(text: str, form: str) -> str:
    """The slow, exact path: normalize the runs between full-width punctuation characters."""
    parts = re.split(f"([{_PUNCT_CLASS}])", text)
    return "".join(p if i % 2 else unicodedata.normalize(form, p) for i, p in enumerate(parts))


def drop_punctuation_and_space(column: pa.ChunkedArray | pa.Array) -> pa.LargeStringArray:
    """Remove punctuation, symbols and whitespace from already NFKC-normalized text.

    Dropped: ASCII non-alphanumerics, the General Punctuation block (U+2000-205F: dashes, curly
    quotes, …, thin spaces) and CJK Symbols and Punctuation (U+3000-303F: 、。「」【】…). NFKC has
    already folded full-width forms to ASCII. Other symbols (rare in text) stay.
    """
    column = as_large_string(column)
    data, offsets = utf8_buffers(column)
    if len(data) == 0:
        return column
    drop = _ASCII_DROP[data]
    for lead, seconds in ((0xE2, (0x80, 0x81)), (0xE3, (0x80,))):
        at = _lead_positions(data, lead, seconds)
        if lead == 0xE2:
            at = at[(data[at + 1] == 0x80) | (data[at + 2] <= 0x9F)]
        drop[at], drop[at + 1], drop[at + 2] = True, True, True
    return _with_bytes(column, *_delete(data, offsets, np.flatnonzero(drop)))


def row_digests(column: pa.ChunkedArray | pa.Array) -> pa.FixedSizeBinaryArray:
    """A 128-bit xxh3 digest of each row's UTF-8 bytes (nulls hash as the empty string)."""
    column = as_large_string(column)
    data, offsets = utf8_buffers(column)
    view = memoryview(data)
    digest = xxhash.xxh3_128_digest
    bounds = offsets.tolist()
    return pa.array([digest(view[a:b]) for a, b in zip(bounds[:-1], bounds[1:])], pa.binary(16))


def utf8_buffers(column: pa.LargeStringArray) -> tuple[np.ndarray, np.ndarray]:
    """(the bytes the rows span, their offsets rebased to start at 0)."""
    _, offsets_buf, data_buf = column.buffers()
    offsets = np.frombuffer(offsets_buf, dtype=np.int64)[column.offset: column.offset + len(column) + 1]
    start, stop = (int(offsets[0]), int(offsets[-1])) if len(offsets) else (0, 0)
    data = np.frombuffer(data_buf, dtype=np.uint8)[start:stop] if data_buf is not None else np.zeros(0, np.uint8)
    return data, offsets - start


def _with_bytes(like: pa.LargeStringArray, data: np.ndarray, offsets: np.ndarray) -> pa.LargeStringArray:
    """A large_string array with `like`'s nulls over new bytes and offsets."""
    validity = pc.is_valid(like).buffers()[1] if like.null_count else None
    return pa.LargeStringArray.from_buffers(
        len(like), pa.py_buffer(np.ascontiguousarray(offsets, dtype=np.int64)), pa.py_buffer(data),
        validity, like.null_count,
    )


def _delete(data: np.ndarray, offsets: np.ndarray, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(bytes without the sorted `positions`, offsets shifted by the deletions before each)."""
    return np.delete(data, positions), offsets - np.searchsorted(positions, offsets)


def _lead_positions(data: np.ndarray, lead: int, seconds: tuple[int, ...]) -> np.ndarray:
    """Positions of 3-byte characters starting `lead` followed by one of `seconds`."""
    at = np.flatnonzero(data[:-2] == lead) if len(data) >= 3 else np.zeros(0, dtype=np.int64)
    return at[np.isin(data[at + 1], seconds)]
