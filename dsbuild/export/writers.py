"""Deterministic, streaming writers for JSON lists, JSON Lines and Parquet.

Output depends only on the rows: same rows in, same bytes out (UTF-8, `\\n` line endings, keys in
column order, no timestamps), however they are cut into record batches. Each writer takes a table or
a sequence of batches and reads it one batch at a time, so a split larger than memory can stream
through. Rows are encoded to JSON with Arrow compute kernels (byte-identical to `json.dumps(row,
ensure_ascii=False)`) on a small thread pool, because a per-row Python encoder cannot keep up with
million-row exports. NaN and infinite floats, which JSON cannot hold, become null. Parquet row
groups have a fixed number of rows, whatever the batches. Files appear atomically: written next to
the target, then renamed.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from itertools import chain
from pathlib import Path
from typing import TypeAlias

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ..errors import UserError

BATCH_ROWS = 10_000
PARQUET_COMPRESSION = "zstd"
PARQUET_COMPRESSION_LEVEL = 3
PARQUET_ROW_GROUP_ROWS = 100_000

_STR = pa.large_string()
# Order matters: backslashes first, so the escapes added after them are not doubled.
_SHORT_ESCAPES = (("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t"),
                  ("\b", "\\b"), ("\f", "\\f"))
_SHORT_ESCAPE_BYTES = frozenset(ord(char) for char, _ in _SHORT_ESCAPES)
_NO_SHORT_ESCAPE = np.array([b < 0x20 and b not in _SHORT_ESCAPE_BYTES for b in range(256)])
_WORKERS = max(1, min(4, os.cpu_count() or 1))

# A table, or a sequence of record batches / tables with one schema (Parquet requires it; JSON writes each
# batch's own columns).
Batches: TypeAlias = pa.Table | Iterable[pa.RecordBatch | pa.Table]


def _default(value: object) -> str:
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    raise TypeError(f"a {type(value).__name__} value")


# One shared encoder: json.dumps with options builds a new encoder per call, which is slow.
# Output equals json.dumps(value, ensure_ascii=False); dates become ISO strings; nested NaN is refused.
_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False, default=_default)


def _lit(text: str) -> pa.Scalar:
    return pa.scalar(text, _STR)


class BatchStream:
    """The record batches of `batches`, iterated once, counting rows and noting column names as they pass.

    A table gives its own batches, at least one (maybe empty), so its columns reach the writer even
    when it has no rows.
    """

    def __init__(self, batches: Batches):
        self._batches = batches
        self.rows = 0
        self.columns: dict[str, None] = {}  # the column names seen, in order (a dict as an ordered set)

    def __iter__(self) -> Iterator[pa.RecordBatch]:
        items = (self._batches,) if isinstance(self._batches, pa.Table) else self._batches
        for item in items:
            for batch in _batches_of(item):
                self.rows += batch.num_rows
                self.columns.update(dict.fromkeys(batch.schema.names))
                yield batch


def row_batches(batches: Batches, columns: Iterable[str] | None = None) -> Iterator[list[dict]]:
    """The rows of `batches` (only `columns` that exist, if given) as dicts, at most BATCH_ROWS at a time."""
    wanted = None if columns is None else list(columns)
    for batch in _slices(batches):
        if wanted is not None:
            batch = batch.select([c for c in wanted if c in batch.schema.names])
        yield batch.to_pylist()


def write_records(batches: Iterable[list[dict]], path: Path, *, json_lines: bool) -> None:
    """Write dict records as JSON Lines, or as a JSON list (one record per line) if not `json_lines`."""
    sep = "\n" if json_lines else ",\n"
    chunks = (sep.join(map(_ENCODER.encode, records)).encode("utf-8") for records in batches if records)
    _write_chunks(chunks, Path(path), json_lines=json_lines)


def write_jsonl_batches(batches: Batches, path: Path) -> int:
    """Write each row of `batches` as a JSON object on its own line, columns as keys, nulls as null, one
    batch at a time; return the number of rows. Same bytes as `write_jsonl` of the rows as one table."""
    return _write_json(batches, Path(path), json_lines=True)


def write_jsonl(table: pa.Table, path: Path) -> None:
    """Write each row of `table` as a JSON object on its own line, columns as keys, nulls as null."""
    write_jsonl_batches(table, path)


def write_json_list_batches(batches: Batches, path: Path) -> int:
    """Write the rows of `batches` as a JSON list of objects, one object per line, one batch at a time;
    return the number of rows."""
    return _write_json(batches, Path(path), json_lines=False)


def write_json_list(table: pa.Table, path: Path) -> None:
    """Write the rows of `table` as a JSON list of objects, one object per line."""
    write_json_list_batches(table, path)


def write_parquet_batches(batches: Batches, path: Path) -> int:
    """Write the rows of `batches` as Parquet with fixed settings; return the number of rows.

    Rows are regrouped into contiguous row groups of PARQUET_ROW_GROUP_ROWS rows (the last one
    shorter), so equal rows give byte-identical files however they are cut into batches; at most one
    row group and one batch are held. A file with no rows has one empty row group, as
    `pq.write_table` writes it; with no batch at all it also has no columns.
    """
    path = Path(path)
    stream = BatchStream(batches)
    with _atomic(path) as tmp:
        groups = _row_groups(stream)
        first = next(groups)
        with pq.ParquetWriter(
            tmp, first.schema, compression=PARQUET_COMPRESSION, compression_level=PARQUET_COMPRESSION_LEVEL,
            write_statistics=True, use_dictionary=True,
        ) as writer:
            for group in chain([first], groups):
                writer.write_table(group, row_group_size=PARQUET_ROW_GROUP_ROWS)
    return stream.rows


def write_parquet(table: pa.Table, path: Path) -> None:
    """Write `table` as Parquet with fixed settings, so equal tables give byte-identical files."""
    write_parquet_batches(table, path)


def _batches_of(item: pa.RecordBatch | pa.Table) -> list[pa.RecordBatch]:
    if not isinstance(item, pa.Table):
        return [item]
    return item.to_batches() or [pa.RecordBatch.from_pylist([], schema=item.schema)]


def _slices(batches: Batches) -> Iterator[pa.RecordBatch]:
    """The non-empty slices of at most BATCH_ROWS rows of each batch, in order (zero-copy)."""
    for batch in BatchStream(batches):
        for start in range(0, batch.num_rows, BATCH_ROWS):
            yield batch.slice(start, BATCH_ROWS)


def _row_groups(stream: BatchStream) -> Iterator[pa.Table]:
    """Single-chunk tables of PARQUET_ROW_GROUP_ROWS rows from the batches (the last one shorter); one
    empty table if there are no rows, with the first batch's schema (no columns if there is no batch)."""
    schema, held, count = None, [], 0
    for batch in stream:
        schema = batch.schema if schema is None else schema
        held.append(batch)
        count += batch.num_rows
        while count >= PARQUET_ROW_GROUP_ROWS:
            pending = pa.Table.from_batches(held, schema)
            yield pending.slice(0, PARQUET_ROW_GROUP_ROWS).combine_chunks()
            rest = pending.slice(PARQUET_ROW_GROUP_ROWS)
            held, count = rest.to_batches(), rest.num_rows
    if count or stream.rows == 0:
        yield pa.Table.from_batches(held, pa.schema([]) if schema is None else schema).combine_chunks()


def _write_json(batches: Batches, path: Path, *, json_lines: bool) -> int:
    """Encode the rows slice by slice on the thread pool and write them in order; return the number of rows."""
    sep = _lit("\n" if json_lines else ",\n")

    def encode(batch: pa.RecordBatch) -> pa.Buffer:
        objects = _json_objects(batch, [_ENCODER.encode(name) for name in batch.schema.names])
        one_list = pa.LargeListArray.from_arrays(pa.array([0, len(objects)], pa.int64()), objects)
        return pc.binary_join(one_list, sep)[0].as_buffer()

    stream = BatchStream(batches)
    _write_chunks(_ordered_map(encode, _slices(stream)), path, json_lines=json_lines)
    return stream.rows


def _json_objects(batch: pa.RecordBatch, keys: list[str]) -> pa.Array:
    """One JSON object string per row, built column-wise from literal pieces and encoded values."""
    if batch.num_columns == 0:
        return pa.array(["{}"] * batch.num_rows, _STR)
    pieces: list[str | pa.Array] = []
    for i, (name, key, column) in enumerate(zip(batch.schema.names, keys, batch.columns, strict=True)):
        pieces.append(("{" if i == 0 else ", ") + key + ": ")
        pieces.extend(_json_values(column, name))
    pieces.append("}")
    merged: list[str | pa.Array] = []
    for piece in pieces:
        if isinstance(piece, str) and merged and isinstance(merged[-1], str):
            merged[-1] += piece
        else:
            merged.append(piece)
    args = [_lit(p) if isinstance(p, str) else p for p in merged]
    return pc.binary_join_element_wise(*args, _lit(""))


def _json_values(column: pa.Array, name: str) -> list[str | pa.Array]:
    """Pieces that spell one column's values as JSON: literal strings around a string array."""
    type_ = column.type
    if pa.types.is_dictionary(type_):
        return _json_values(column.dictionary_decode(), name)
    if pa.types.is_string(type_) or pa.types.is_large_string(type_) or pa.types.is_string_view(type_):
        escaped = _escape(column.cast(_STR))
        if escaped.null_count == 0:
            return ['"', escaped, '"']
        quoted = pc.binary_join_element_wise(_lit('"'), escaped, _lit('"'), _lit(""))
        return [pc.fill_null(quoted, _lit("null"))]
    if pa.types.is_integer(type_) or pa.types.is_boolean(type_):
        return [pc.fill_null(column.cast(_STR), _lit("null"))]
    if pa.types.is_null(type_):
        return ["null"]
    if pa.types.is_floating(type_):
        column = pc.if_else(pc.is_finite(column), column, pa.scalar(None, type_))
    try:
        return [pa.array([_ENCODER.encode(v) for v in column.to_pylist()], _STR)]
    except (TypeError, ValueError) as exc:
        raise UserError(
            f"column {name!r} ({type_}) has a value JSON cannot hold ({exc}); drop or convert the "
            f"column, or export with the parquet format"
        ) from None


def _escape(strings: pa.Array) -> pa.Array:
    """JSON string escapes (without quotes), as json.dumps(ensure_ascii=False) writes them.

    One numpy pass over the bytes finds the rows that need escapes and which escapes occur; only
    those rows are touched, one replace kernel per escape present. Control characters without a
    short escape (written as \\u00XX) are rare and left to Python's own encoder.
    """
    if len(strings) == 0:
        return strings
    data, offsets = _string_bytes(strings)
    flagged = (data < 0x20) | (data == 0x22) | (data == 0x5C)
    present = set(np.flatnonzero(np.bincount(data[flagged], minlength=256)).tolist())
    if not present:
        return strings
    special = _rows_with(flagged, offsets, strings)
    # When most rows need escapes, running the kernels on all rows beats picking rows out and back.
    subset = special.mean() <= 0.5
    originals = strings.filter(pa.array(special)) if subset else strings
    escaped = originals
    for char, escape in _SHORT_ESCAPES:
        if ord(char) in present:
            escaped = pc.replace_substring(escaped, char, escape)
    if present - _SHORT_ESCAPE_BYTES:
        rare = _rows_with(_NO_SHORT_ESCAPE[data], offsets, strings)
        rare = pa.array(rare[special] if subset else rare)
        by_python = [json.encoder.encode_basestring(s)[1:-1] for s in originals.filter(rare).to_pylist()]
        escaped = pc.replace_with_mask(escaped, rare, pa.array(by_python, _STR))
    return pc.replace_with_mask(strings, pa.array(special), escaped) if subset else escaped


def _string_bytes(strings: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """The UTF-8 bytes of a large_string array's rows, and the len + 1 row offsets into them."""
    _, offsets_buf, data_buf = strings.buffers()
    offsets = np.frombuffer(offsets_buf, np.int64)[strings.offset : strings.offset + len(strings) + 1]
    start, end = int(offsets[0]), int(offsets[-1])
    data = np.frombuffer(data_buf, np.uint8)[start:end] if end > start else np.zeros(0, np.uint8)
    return data, offsets - start


def _rows_with(flags: np.ndarray, offsets: np.ndarray, strings: pa.Array) -> np.ndarray:
    """Per row: whether any of its bytes is flagged (False for null rows)."""
    rows = np.zeros(len(offsets) - 1, bool)
    nonempty = offsets[1:] > offsets[:-1]
    if nonempty.any():
        # Each segment runs to the next non-empty row's start: its own end, as rows between are empty.
        rows[nonempty] = np.logical_or.reduceat(flags, offsets[:-1][nonempty])
    if strings.null_count:
        rows &= strings.is_valid().to_numpy(zero_copy_only=False)
    return rows


def _ordered_map(fn: Callable, items: Iterable) -> Iterator:
    """`map(fn, items)` on a thread pool, in input order, with a bounded number in flight."""
    with ThreadPoolExecutor(max_workers=_WORKERS) as pool:
        pending: deque = deque()
        for item in items:
            pending.append(pool.submit(fn, item))
            if len(pending) > 2 * _WORKERS:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def _write_chunks(chunks: Iterable, path: Path, *, json_lines: bool) -> None:
    """Write pre-joined record chunks: one per line (JSON Lines) or as one JSON list."""
    with _atomic(path) as tmp, open(tmp, "wb") as out:
        first = True
        for chunk in chunks:
            if json_lines:
                out.write(chunk)
                out.write(b"\n")
            else:
                out.write(b"[\n" if first else b",\n")
                out.write(chunk)
            first = False
        if not json_lines:
            out.write(b"[]\n" if first else b"\n]\n")


@contextmanager
def _atomic(path: Path) -> Iterator[Path]:
    """A temporary path next to `path`, renamed onto `path` if the block succeeds, else removed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        yield tmp
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, path)
