"""Database rows (Python tuples) to one Arrow table with a type per column, and a hash of that table.

A query result arrives in batches of tuples. Values become what every later stage can hash, clean and
write as JSON: integers, floats, booleans and text stay; decimals become floats (as pandas' read_sql
does); dates, times and timestamps become ISO 8601 text; bytes become base64 text; JSON documents
become JSON text; anything else (UUIDs, intervals) its text. Each batch's columns get Arrow types
inferred from those values; a column whose values do not share a type (SQLite lets one column hold
text in one row and a number in the next) becomes text, so no value is lost. Batches whose inferred
types differ are brought to one type per column at the end (int64 and double -> double).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from decimal import Decimal

import pyarrow as pa

_NATIVE = (str, int, float, bool, type(None))
_ARROW_ERRORS = (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, TypeError, OverflowError)


class ColumnBatches:
    """Collects batches of rows column by column, then joins them into one table."""

    def __init__(self, names: Sequence[str]):
        self.names = list(names)
        self.chunks: list[list[pa.Array]] = [[] for _ in self.names]

    def add(self, rows: Sequence[Sequence]) -> None:
        """Append one batch of rows (tuples in `names` order)."""
        for chunks, values in zip(self.chunks, zip(*rows, strict=True), strict=True):
            chunks.append(_infer(values))

    def table(self) -> pa.Table:
        """All batches as one table; a column's type is the one every batch can be cast to."""
        return pa.table({name: _join(chunks) for name, chunks in zip(self.names, self.chunks, strict=True)})


def table_sha256(table: pa.Table) -> str:
    """sha256 of a table's Arrow IPC bytes, independent of how its rows were chunked."""
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table.combine_chunks())
    return hashlib.sha256(sink.getvalue()).hexdigest()


def _infer(values: list) -> pa.Array:
    values = [v if isinstance(v, _NATIVE) else _plain(v) for v in values]
    try:
        return pa.array(values)
    except _ARROW_ERRORS:
        return pa.array([_as_text(v) for v in values], pa.string())


def _join(chunks: list[pa.Array]) -> pa.ChunkedArray:
    types = {c.type for c in chunks} - {pa.null()}
    if not types:
        return pa.chunked_array(chunks, pa.null())
    target = types.pop() if len(types) == 1 else _common_type(types)
    if target is not None:
        try:
            return pa.chunked_array([c.cast(target) for c in chunks], target)
        except _ARROW_ERRORS:
            pass
    return pa.chunked_array([pa.array([_as_text(v) for v in c.to_pylist()], pa.string()) for c in chunks])


def _common_type(types: set[pa.DataType]) -> pa.DataType | None:
    """The type Arrow would promote `types` to (int64 + double -> double), or None if there is none."""
    try:
        schema = pa.unify_schemas([pa.schema([("c", t)]) for t in types], promote_options="permissive")
    except _ARROW_ERRORS:
        return None
    return schema.field("c").type


def _plain(value) -> str | float:
    """A value of a type the pipeline cannot hold, as a float (decimals) or text."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def _as_text(value) -> str | None:
    return value if value is None or isinstance(value, str) else str(value)
