"""Rows on disk between stages, so a build holds one batch of rows in memory at a time, not the dataset.

A stage reads its input batch by batch (`batches`), works on each batch, and adds its output to a
`SpillWriter`, which gathers about `batch_rows` rows into one Arrow IPC file (a part) in the build's
work folder. Parts are read back whole into memory, never memory-mapped: a mapped file counts in the
process's resident memory once read, which is what the build is bounding. A part's schema may differ
from the others' (a batch without a column, an all-null column); reading casts each to the schema
all parts unify to, as `pa.concat_tables(..., promote_options="permissive")` does, so a spill reads
back as exactly the table the batches would have made in memory.

`batches` also takes a `pa.Table` (cut into zero-copy slices), so a stage runs the same code on a
table in memory (tests, small inputs) and on a spill.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyarrow as pa

from ..errors import UserError

BATCH_ROWS = 200_000  # rows per batch a stage works on, and per part file


class Spill:
    """Rows stored as Arrow IPC part files, in order; read with `batches(spill)` or `read_all()`."""

    def __init__(self, parts: list[Path], rows: list[int], schemas: list[pa.Schema], empty_schema: pa.Schema):
        self.parts, self.part_rows, self._schemas = parts, rows, schemas
        self.num_rows = sum(rows)
        self._empty_schema = empty_schema
        self._schema: pa.Schema | None = None

    @property
    def schema(self) -> pa.Schema:
        """The schema every part is read as: the parts' schemas unified (columns in first-seen order)."""
        if self._schema is None:
            schemas = self._schemas or [self._empty_schema]
            self._schema = schemas[0] if len(schemas) == 1 else pa.unify_schemas(schemas,
                                                                                 promote_options="permissive")
        return self._schema

    def to_batches(self) -> Iterator[pa.Table]:
        """The rows part by part, each as a table of `schema`; one empty table when there are no rows."""
        if not self.parts:
            yield self.schema.empty_table()
            return
        for path, schema in zip(self.parts, self._schemas):
            with pa.OSFile(str(path)) as source:
                table = detached(pa.ipc.open_file(source).read_all())
            yield table if schema.equals(self.schema) else conform(table, self.schema)

    def read_all(self) -> pa.Table:
        """Every row in one table in memory (for the stages that need all rows at once)."""
        tables = list(self.to_batches())
        return tables[0] if len(tables) == 1 else pa.concat_tables(tables)

    def delete(self) -> None:
        """Remove the part files (the stage that read them is done)."""
        for path in self.parts:
            path.unlink(missing_ok=True)

    def read_as(self, schema: pa.Schema) -> Spill:
        """The same parts (no file is rewritten), read as `schema`: a wider schema that several spills share
        (its columns in its order, the ones a part lacks null, types promoted as `conform` does)."""
        missing = [name for name in self.schema.names if name not in schema.names]
        if missing:
            raise ValueError(f"read_as: the schema lacks the spill's columns {missing}")
        spill = Spill(self.parts, self.part_rows, self._schemas, schema)
        spill._schema = schema
        return spill

    @classmethod
    def chain(cls, spills: Iterable[Spill]) -> Spill:
        """The rows of `spills` one after the other, as one spill (no file is copied)."""
        spills = list(spills)
        return cls([p for s in spills for p in s.parts], [n for s in spills for n in s.part_rows],
                   [x for s in spills for x in s._schemas], spills[0]._empty_schema if spills else pa.schema([]))


class SpillWriter:
    """Collects tables in order and writes them as parts of about `batch_rows` rows under `folder`."""

    def __init__(self, folder: Path, prefix: str, batch_rows: int = BATCH_ROWS):
        self.folder, self.prefix, self.batch_rows = Path(folder), prefix, int(batch_rows)
        self.folder.mkdir(parents=True, exist_ok=True)
        self._pending: list[pa.Table] = []
        self._pending_rows = 0
        self._parts: list[Path] = []
        self._rows: list[int] = []
        self._schemas: list[pa.Schema] = []
        self._empty_schema: pa.Schema | None = None

    def add(self, table: pa.Table | pa.RecordBatch) -> None:
        if isinstance(table, pa.RecordBatch):
            table = pa.Table.from_batches([table])
        if self._empty_schema is None:
            self._empty_schema = table.schema  # what an empty spill reads back as
        if table.num_rows == 0:
            return
        self._pending.append(table)
        self._pending_rows += table.num_rows
        if self._pending_rows >= self.batch_rows:
            self._flush()

    def close(self) -> Spill:
        self._flush()
        return Spill(self._parts, self._rows, self._schemas, self._empty_schema or pa.schema([]))

    def discard(self) -> None:
        """Remove the parts written so far and drop the pending tables (the stage gave up on this output)."""
        self._pending, self._pending_rows = [], 0
        for path in self._parts:
            path.unlink(missing_ok=True)

    def _flush(self) -> None:
        if not self._pending:
            return
        table = self._pending[0] if len(self._pending) == 1 else pa.concat_tables(self._pending,
                                                                                   promote_options="permissive")
        self._pending, self._pending_rows = [], 0
        path = self.folder / f"{self.prefix}-{len(self._parts):05d}.arrow"
        with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
            writer.write_table(table)
        self._parts.append(path)
        self._rows.append(table.num_rows)
        self._schemas.append(table.schema)


class WorkFolder:
    """The build's scratch folder: hands out spill writers with unique names."""

    def __init__(self, folder: Path, batch_rows: int = BATCH_ROWS):
        self.folder, self.batch_rows = Path(folder), int(batch_rows)
        self._count = itertools.count()

    def writer(self, label: str) -> SpillWriter:
        safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in label)
        return SpillWriter(self.folder, f"{next(self._count):04d}-{safe}", self.batch_rows)


class TableWriter:
    """SpillWriter's stand-in that keeps the tables in memory and joins them on `close`."""

    def __init__(self):
        self._tables: list[pa.Table] = []

    def add(self, table: pa.Table | pa.RecordBatch) -> None:
        self._tables.append(pa.Table.from_batches([table]) if isinstance(table, pa.RecordBatch) else table)

    def close(self) -> pa.Table:
        tables = [t for t in self._tables if t.num_rows] or self._tables[:1]
        if not tables:
            return pa.table({})
        return tables[0] if len(tables) == 1 else pa.concat_tables(tables, promote_options="permissive")


class InMemory:
    """WorkFolder's stand-in for stages run on tables in memory (tests, direct calls)."""

    def writer(self, label: str) -> TableWriter:
        return TableWriter()


def whole_number(value, key: str, example: int) -> int:
    """`value` as an int >= 1, or a UserError naming the config key (batch sizes, window sizes)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise UserError(f"{key} must be a whole number >= 1, not {value!r}; e.g. {key}={example}")
    return value


def batches(rows: pa.Table | Spill, batch_rows: int | None = None) -> Iterator[pa.Table]:
    """The rows of a table (zero-copy slices of `batch_rows`, default BATCH_ROWS) or of a spill (part by part).

    Always at least one batch, empty when there are no rows, so a stage still sees the columns.
    """
    if isinstance(rows, Spill):
        yield from rows.to_batches()
        return
    batch_rows = batch_rows or BATCH_ROWS
    for start in range(0, max(rows.num_rows, 1), batch_rows):
        yield rows.slice(start, batch_rows)


def as_table(rows: pa.Table | Spill) -> pa.Table:
    """The rows in memory, for a stage that needs all of them at once."""
    return rows.read_all() if isinstance(rows, Spill) else rows


def detached(table: pa.Table) -> pa.Table:
    """`table` with each column copied into its own buffers.

    A part is read as one block of memory that all its columns point into, so a stage that keeps one
    column of every batch (dedup keeps the ids) would keep every batch whole. A copy costs a memcpy.
    """
    return pa.Table.from_arrays([pa.concat_arrays(column.chunks) if column.num_chunks else column
                                 for column in table.columns], schema=table.schema)


def conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """`table` with `schema`'s columns in its order (missing ones null, types promoted), as concat would."""
    return pa.concat_tables([schema.empty_table(), table], promote_options="permissive")
