"""A source's records built chunk by chunk into a spill: the rows, ids and rejects `to_records` gives the whole table.

Pass 1 (`RecordStream.add`) maps each chunk's columns, adds `source` / `source_ref` and writes the rows
without ids to an intermediate spill, keeping in memory only what the ids need: a 16-byte content digest
per row, or the user's id values. A content id's occurrence suffix (`-2`, `-3`) depends on every earlier
row, and a digest on the schema all chunks unify to (a column a chunk lacks is null there and hashes as
"\\x00"; an int column another chunk makes double is cast first). So a chunk's digests are computed as it
arrives and recomputed after pass 1 only for chunks whose schema differs from the unified one. Pass 2
(`finish`) reads the intermediate spill part by part, puts `id` first and writes the final spill.

The whole-table path unifies its inputs once; here every chunk is cast to the schema the chunks unify to.
Where Arrow cannot unify them (a number in one chunk, text in another: the whole-file parse makes that
column text) or a cast fails, streaming would not give the same rows, so `Unstreamable` is raised and the
source loads in memory instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa

from ..execute.spill import Spill, SpillWriter, WorkFolder, conform
from ..record import (
    LINEAGE_FIELDS,
    normalized_for_id,
    row_digests,
    task_fields,
    write_with_ids,
)
from .base import (
    check_id_column,
    check_lineage_clash,
    id_reasons,
    id_rejects,
    reject_rows,
    select_columns,
    to_records,
    user_ids,
    with_lineage,
)

_LINEAGE = ("source", "source_ref")  # the columns `with_lineage` appends
DIGEST_BYTES = 16  # record.row_digests: a 128-bit hash per row
# What Arrow raises when schemas do not unify or a value does not survive the cast to the unified type.
UNIFY_ERRORS = (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError)


class Unstreamable(Exception):
    """The chunks cannot give exactly the rows a whole read gives; the source reads in memory instead."""


class RecordStream:
    """Collects a source's chunks (pass 1) and turns them into its records spill (pass 2, `finish`)."""

    def __init__(self, work: WorkFolder, *, source_name: str, columns: dict[str, str] | None,
                 id_column: str | None, keep_columns: bool, where: str):
        self.work, self.source_name, self.where = work, source_name, where
        self.columns, self.id_column, self.keep_columns = columns, id_column, keep_columns
        self.rows = 0
        self._source_names: dict[str, None] = {}  # every source column, in first-seen order
        self._names: dict[str, None] = {}  # every record column, in first-seen order
        self._clash = False
        self._writers: list[SpillWriter] = []
        self._pending = self._writer("rows")
        self._digests: list[np.ndarray] = []  # one (rows, 16) array per chunk
        self._chunks: list[tuple[int, int, tuple]] = []  # (first row, end row, digest schema) per chunk
        self._ids: list[pa.Array] = []  # the user's id values, chunk by chunk

    def add(self, table: pa.Table, refs: pa.Array) -> None:
        """Pass 1 for one chunk of source rows and their `source_ref`s (cut to the work folder's batch size)."""
        n, step = table.num_rows, self.work.batch_rows
        for start in range(0, n, step):
            size = min(step, n - start)  # a table without columns does not clip a slice to its rows
            self._add(table.slice(start, size), refs.slice(start, size))

    def finish(self) -> tuple[Spill, pa.Table | None]:
        """Pass 2: (the records, with `id` first, as a spill; the rejected rows or None).

        The checks `to_records` makes on the whole table come here, after every chunk was read, so a
        broken input reports the same error first as `load()` does.
        """
        check_id_column(self.id_column, list(self._source_names), self.where)
        check_lineage_clash(list(self._names), self.where)
        rows = _unified(self._pending.close)
        schema = _unified(lambda: rows.schema)
        if self.id_column is None:
            return self._with_content_ids(rows, schema), None
        return self._with_user_ids(rows, schema)

    def discard(self) -> None:
        """Remove every part file written so far (the build goes on without this stream)."""
        for writer in self._writers:
            writer.discard()

    def _writer(self, label: str) -> SpillWriter:
        writer = self.work.writer(f"{self.source_name}-{label}")
        self._writers.append(writer)
        return writer

    def _add(self, table: pa.Table, refs: pa.Array) -> None:
        self._source_names.update(dict.fromkeys(table.column_names))
        records = select_columns(table, self.columns, self.keep_columns)
        self._names.update(dict.fromkeys(records.column_names))
        start, self.rows = self.rows, self.rows + table.num_rows
        # A lineage clash is reported by `finish`; until then the rows are only read, for their errors.
        self._clash = self._clash or any(name in LINEAGE_FIELDS for name in records.column_names)
        if self._clash:
            return
        records = with_lineage(records, refs, self.source_name)
        if self.id_column is None:
            self._digests.append(_digest_matrix(records))
            self._chunks.append((start, self.rows, _digest_schema(records.schema)))
        elif self.id_column in table.column_names:
            self._ids.extend(table.column(self.id_column).chunks)
        else:
            self._ids.append(pa.nulls(table.num_rows))
        _unified(self._pending.add, records)

    def _with_content_ids(self, rows: Spill, schema: pa.Schema) -> Spill:
        digests = np.concatenate(self._digests) if self._digests else np.zeros((0, DIGEST_BYTES), np.uint8)
        self._digests = []
        key = _digest_schema(schema)
        stale = [(start, end) for start, end, chunk_key in self._chunks if chunk_key != key]
        if stale:
            _recompute(rows, schema, stale, digests)
        digests = pa.FixedSizeBinaryArray.from_buffers(
            pa.binary(DIGEST_BYTES), len(digests), [None, pa.py_buffer(digests)]
        )
        records = write_with_ids(_parts(rows, schema), digests, self._writer("records"))
        rows.delete()
        return records

    def _with_user_ids(self, rows: Spill, schema: pa.Schema) -> tuple[Spill, pa.Table | None]:
        target = _common_type([a.type for a in self._ids])
        values = pa.chunked_array([_cast(a, target) for a in self._ids], target)
        self._ids = []
        ids = user_ids(values)
        rejects, first = id_rejects(ids)
        wanted = np.unique(first[first >= 0])  # rows whose source_ref a reject reason names
        first_refs: dict[int, str] = {}
        out = self._writer("records")
        rejected: list[pa.Table] = []
        start = 0
        for table in _parts(rows, schema):
            n = table.num_rows
            table = table.add_column(0, "id", ids.slice(start, n))
            lo, hi = np.searchsorted(wanted, [start, start + n])
            at = wanted[lo:hi]
            first_refs.update(zip(at.tolist(), table.column("source_ref").take(pa.array(at - start)).to_pylist()))
            lo, hi = np.searchsorted(rejects, [start, start + n])
            if hi > lo:
                local = rejects[lo:hi] - start
                reasons = id_reasons(table.column("id").take(pa.array(local)).to_pylist(),
                                     [first_refs.get(row) for row in first[lo:hi].tolist()])
                table, dropped = reject_rows(table, local, reasons)
                rejected.append(dropped)
            out.add(table)
            start += n
        rows.delete()
        return out.close(), (pa.concat_tables(rejected) if rejected else None)


def streamed_records(work: WorkFolder, pieces: Iterable[tuple[pa.Table, pa.Array]], *, source_name: str,
                     columns: Mapping[str, str] | None, id_column: str | None, keep_columns: bool,
                     where: str) -> tuple[Spill, pa.Table | None, int]:
    """(records spill, rejects, rows read) of `pieces` ((table, refs) in input order): what `to_records` gives
    the whole input, with its column errors. On `Unstreamable` (or any error) no part file is left behind."""
    stream = RecordStream(work, source_name=source_name, columns=columns, id_column=id_column,
                          keep_columns=keep_columns, where=where)
    names: dict[str, None] = {}  # the input's columns, in the order a whole read gives them
    try:
        for table, refs in pieces:
            names.update(dict.fromkeys(table.column_names))
            stream.add(table, refs)
        check_source_columns(list(names), columns=columns, id_column=id_column, keep_columns=keep_columns,
                             where=where)
        records, rejected = stream.finish()
    except BaseException:
        stream.discard()
        raise
    return records, rejected, stream.rows


def check_source_columns(names: Sequence[str], *, columns: Mapping[str, str] | None, id_column: str | None,
                         keep_columns: bool, where: str) -> None:
    """The `UserError` `to_records` raises for source columns `names` (a `source.columns` entry or the id column
    naming no column, a lineage clash), found on no rows: a stream checks its whole input's columns with it,
    since a chunk that lacks a mapped column reads it as null."""
    empty = pa.table({name: pa.array([], pa.string()) for name in names})
    to_records(empty, pa.array([], pa.string()), source_name="", columns=columns, id_column=id_column, where=where,
               keep_columns=keep_columns)


def _digest_matrix(records: pa.Table) -> np.ndarray:
    """The content digest of each row (as `record.content_ids` hashes it), as a (rows, 16) byte matrix."""
    digests = row_digests(records, sorted(task_fields(records.column_names)), normalized_for_id)
    raw = np.frombuffer(digests.buffers()[1], np.uint8)
    return raw[digests.offset * DIGEST_BYTES:(digests.offset + len(digests)) * DIGEST_BYTES].reshape(-1, DIGEST_BYTES)


def _digest_schema(schema: pa.Schema) -> tuple:
    """What a row's digest depends on besides its values: the task fields and their types."""
    return tuple((name, schema.field(name).type) for name in sorted(task_fields(schema.names)))


def _recompute(rows: Spill, schema: pa.Schema, stale: list[tuple[int, int]], digests: np.ndarray) -> None:
    """Overwrite the digests of the `stale` row ranges with digests of those rows cast to `schema`."""
    part_start = 0
    for path, n in zip(rows.parts, rows.part_rows):
        part_end = part_start + n
        ranges = [(max(a, part_start), min(b, part_end)) for a, b in stale if a < part_end and b > part_start]
        if ranges:
            part = _read_part(path, schema)
            for a, b in ranges:
                digests[a:b] = _digest_matrix(part.slice(a - part_start, b - a))
        part_start = part_end


def _read_part(path: Path, schema: pa.Schema) -> pa.Table:
    """One part file of a spill, cast to the spill's schema (as `Spill.to_batches` reads it)."""
    with pa.OSFile(str(path)) as source:
        table = pa.ipc.open_file(source).read_all()
    return table if table.schema.equals(schema) else _unified(conform, table, schema)


def _parts(rows: Spill, schema: pa.Schema) -> Iterator[pa.Table]:
    """The spill's parts in order, cast to `schema`, with `source` and `source_ref` moved last, where the
    whole table has them: a column first seen in a later chunk comes after them in `schema`."""
    order = [name for name in schema.names if name not in _LINEAGE] + list(_LINEAGE)
    if not rows.parts:
        yield schema.empty_table().select(order)
    for path in rows.parts:
        yield _read_part(path, schema).select(order)


def _common_type(types: list[pa.DataType]) -> pa.DataType:
    """The type the chunks' id columns unify to, as concatenating the whole tables would make it."""
    schemas = [pa.schema([("id", t)]) for t in types] or [pa.schema([("id", pa.null())])]
    return _unified(pa.unify_schemas, schemas, promote_options="permissive").field("id").type


def _cast(values: pa.Array, type_: pa.DataType) -> pa.Array:
    return values if values.type == type_ else _unified(values.cast, type_)


def _unified(func, *args, **kwargs):
    """`func(...)`, where an Arrow unify or cast error means the chunks cannot stream (`Unstreamable`)."""
    try:
        return func(*args, **kwargs)
    except UNIFY_ERRORS as exc:
        raise Unstreamable(f"the chunks' columns do not unify ({str(exc).splitlines()[0]})") from None
