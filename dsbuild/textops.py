"""Fast text kernels over Arrow string columns, for the steps that touch every row.

Arrow's regex replace costs seconds per million rows, so these helpers run it only on the rows that
need it (found with a cheap match first), and drop ASCII punctuation and spaces with a byte table in
numpy (ASCII bytes are whole characters in UTF-8, so this never splits a character).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_ASCII_DROP = np.zeros(256, dtype=bool)
for _b in range(128):
    _ASCII_DROP[_b] = not chr(_b).isalnum()


def as_large_string(column: pa.ChunkedArray | pa.Array) -> pa.LargeStringArray:
    """One contiguous large_string array (64-bit offsets), whatever came in."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks() if column.num_chunks else pa.array([], pa.large_string())
    if column.type != pa.large_string():
        column = column.cast(pa.large_string())
    return column


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


def drop_punctuation_and_space(column: pa.ChunkedArray | pa.Array) -> pa.LargeStringArray:
    """Remove punctuation, symbols and whitespace: ASCII by byte table, the rest by regex."""
    column = as_large_string(column)
    non_ascii = pc.invert(pc.fill_null(pc.string_is_ascii(column), True))
    if pc.any(non_ascii).as_py():
        subset = pc.replace_substring_regex(column.filter(non_ascii), r"[\pP\pS\s]+", "")
        column = pc.replace_with_mask(column, non_ascii, subset)
    return _drop_ascii_bytes(column)


def _drop_ascii_bytes(column: pa.LargeStringArray, block_rows: int = 65536) -> pa.LargeStringArray:
    n = len(column)
    validity, offsets_buf, data_buf = column.buffers()
    offsets = np.frombuffer(offsets_buf, dtype=np.int64)[column.offset: column.offset + n + 1]
    if data_buf is None or offsets[-1] == offsets[0]:
        return column
    data = np.frombuffer(data_buf, dtype=np.uint8)
    new_offsets = np.zeros(n + 1, dtype=np.int64)
    kept_parts = []
    for start in range(0, n, block_rows):  # blocks keep the running sums small in memory
        stop = min(start + block_rows, n)
        lo, hi = offsets[start], offsets[stop]
        keep = ~_ASCII_DROP[data[lo:hi]]
        running = np.zeros(hi - lo + 1, dtype=np.int64 if hi - lo >= 2**31 else np.int32)
        np.cumsum(keep.view(np.uint8), out=running[1:])
        new_offsets[start + 1: stop + 1] = new_offsets[start] + running[offsets[start + 1: stop + 1] - lo]
        kept_parts.append(data[lo:hi][keep])
    if validity is not None and column.offset:
        validity = pc.is_valid(column).buffers()[1]
    return pa.LargeStringArray.from_buffers(
        n, pa.py_buffer(new_offsets), pa.py_buffer(np.concatenate(kept_parts)), validity, column.null_count
    )
