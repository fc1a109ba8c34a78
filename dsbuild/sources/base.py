"""Turning a source's own table into canonical records: column mapping, ids, lineage.

Every source reads its data as an Arrow table with its own column names, then calls `to_records`,
which renames columns to canonical names (`source.columns`), assigns ids (the user's id column or a
content hash) and adds `source` / `source_ref`. Rows that cannot become records (a missing or
repeated user id) are returned as rejects of stage `load`, never dropped silently.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import UserError
from ..execute.spill import Spill, WorkFolder
from ..record import LINEAGE_FIELDS, content_ids
from ..stage import concat, mark_rejected

LOAD_STAGE = "load"
INPUT_ID_PREFIX = "input:"  # the id of a reject that stands for a whole unreadable input


@dataclass
class Loaded:
    """What a source hands to the build: its records in memory (`load`) or in a spill on disk (`stream`)."""

    table: pa.Table | Spill
    rows_read: int
    inputs: list[dict] = field(default_factory=list)
    rejected: pa.Table | None = None


class Source:
    """Base for sources. Subclasses implement `fingerprint` (cheap, for the version id) and `load`."""

    name: str

    def fingerprint(self) -> list[dict]:
        raise NotImplementedError

    def load(self) -> Loaded:
        raise NotImplementedError

    def stream(self, work: WorkFolder) -> Loaded:
        """The records of `load`, written to a spill in `work` by sources that can read their input in pieces.

        A source that cannot (this default) loads its table in memory; one that can overrides this so that
        the build holds about one piece of the input at a time.
        """
        return self.load()


def mapped_columns(columns: Mapping[str, str | None] | None) -> dict[str, str] | None:
    """`source.columns` without the entries set to null (a null unmaps a field a preset mapped)."""
    return {k: v for k, v in columns.items() if v is not None} if columns else None


def to_records(
    table: pa.Table,
    refs: pa.Array | Sequence[str],
    *,
    source_name: str,
    columns: Mapping[str, str] | None,
    id_column: str | None,
    where: str,
    keep_columns: bool = False,
    id_fields: Sequence[str] | None = None,
) -> tuple[pa.Table, pa.Table | None]:
    """Map a source table to canonical records; return (records, rejected rows).

    `where` names the input in error messages (a file path or a hub id).
    `columns` maps canonical name -> source column; without it, columns keep their names.
    With `keep_columns`, unmapped source columns are kept next to the mapped ones.
    Content ids hash `id_fields` when given (e.g. a passage's file and text, not its offsets), else all task fields.
    """
    available = table.column_names
    if columns:
        for canonical, src in columns.items():
            if src not in available:
                raise UserError(
                    f"{where}: source.columns.{canonical} names column {src!r}, which is not there "
                    f"(columns: {', '.join(available)}); fix source.columns"
                )
    records = select_columns(table, columns, keep_columns)
    check_id_column(id_column, available, where)
    check_lineage_clash(records.column_names, where)
    records = with_lineage(records, refs, source_name)
    if id_column is None:
        fields = None if id_fields is None else list(id_fields)
        ids = content_ids(records.drop_columns(["source", "source_ref"]), fields)
        return records.add_column(0, "id", pc.cast(ids, pa.string())), None
    return with_user_ids(records, table.column(id_column))


def select_columns(table: pa.Table, columns: Mapping[str, str] | None, keep_columns: bool) -> pa.Table:
    """The source columns under their canonical names (`columns`), plus the unmapped ones with `keep_columns`.

    A mapped column the table lacks is all null: a chunk of a file may lack a column that later rows have.
    """
    if not columns:
        return table
    available = table.column_names
    mapped = {
        canonical: table.column(src) if src in available else pa.nulls(table.num_rows)
        for canonical, src in columns.items()
    }
    if keep_columns:
        used = set(columns.values())
        for name in available:
            if name not in used and name not in mapped:
                mapped[name] = table.column(name)
    return pa.table(mapped)


def check_id_column(id_column: str | None, available: Sequence[str], where: str) -> None:
    """A `UserError` when `source.id_column` names no column of the source."""
    if id_column is not None and id_column not in available:
        raise UserError(
            f"{where}: source.id_column {id_column!r} is not a column (columns: {', '.join(available)}); "
            "fix source.id_column or set it to null"
        )


def check_lineage_clash(names: Sequence[str], where: str) -> None:
    """A `UserError` naming the first record column that is also a lineage field (`source`, `id`, ...)."""
    clash = [c for c in names if c in LINEAGE_FIELDS]
    if clash:
        raise UserError(
            f"{where}: column {clash[0]!r} collides with a lineage field; map it to another name "
            f"in source.columns (e.g. source.columns.orig_{clash[0]}={clash[0]})"
        )


def with_lineage(records: pa.Table, refs: pa.Array | Sequence[str], source_name: str) -> pa.Table:
    """`records` with `source` (the source's name) and `source_ref` (where each row came from) appended."""
    n = records.num_rows
    records = records.append_column("source", pa.array([source_name] * n, pa.string()))
    refs = refs if isinstance(refs, pa.Array | pa.ChunkedArray) else pa.array(list(refs), pa.string())
    return records.append_column("source_ref", pc.cast(refs, pa.string()))


def with_user_ids(records: pa.Table, id_values: pa.ChunkedArray) -> tuple[pa.Table, pa.Table | None]:
    """`records` with the user's ids as column `id`; rows whose id is empty or repeats an earlier row's are
    returned as rejects (stage `load`, rule `id_column`), in row order."""
    ids = user_ids(id_values)
    records = records.add_column(0, "id", ids)
    rows, first = id_rejects(ids)
    if not len(rows):
        return records, None
    first_refs = records.column("source_ref").take(pa.array(first, mask=first < 0)).to_pylist()
    return reject_rows(records, rows, id_reasons(ids.take(pa.array(rows)).to_pylist(), first_refs))


def user_ids(values: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """The id column as text without surrounding whitespace (as `str.strip` trims it); an empty id is null."""
    text = pc.utf8_trim_whitespace(pc.cast(values, pa.string()))
    return pc.if_else(pc.equal(pc.utf8_length(text), 0), pa.scalar(None, pa.string()), text)


def id_rejects(ids: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """The rows to reject for their id, in order, and for each the earlier row with the same id (-1: empty id).

    Vectorized (a dictionary encoding and a sort of its codes), so 10M ids need no Python object per id.
    """
    encoded = pc.dictionary_encode(ids)
    chunks = encoded.chunks if isinstance(encoded, pa.ChunkedArray) else [encoded]
    codes = np.concatenate(
        [np.zeros(0, np.int64)] + [pc.fill_null(chunk.indices, -1).to_numpy().astype(np.int64) for chunk in chunks]
    )
    present = np.flatnonzero(codes >= 0)
    _, first_index, inverse = np.unique(codes[present], return_index=True, return_inverse=True)
    first = np.full(len(codes), -1, np.int64)
    first[present] = present[first_index[inverse]]
    rows = np.flatnonzero((codes < 0) | (first != np.arange(len(codes))))
    return rows, first[rows]


def id_reasons(ids: Sequence[str | None], first_refs: Sequence[str | None]) -> list[str]:
    """Why each rejected row goes: its id is empty, or it repeats the row at `first_refs`."""
    return [
        "id column is empty" if value is None else f"id {value!r} repeats the row at {ref}"
        for value, ref in zip(ids, first_refs, strict=True)
    ]


def reject_rows(records: pa.Table, rows: np.ndarray, reasons: Sequence[str]) -> tuple[pa.Table, pa.Table]:
    """(the rows not in `rows`, the rows in `rows` marked rejected by rule `id_column` with `reasons`)."""
    drop = np.zeros(records.num_rows, dtype=bool)
    drop[rows] = True
    rejected = mark_rejected(records.take(pa.array(rows)), stage=LOAD_STAGE, rule="id_column", reasons=reasons)
    return records.filter(pa.array(~drop)), rejected


def input_rejects(source_name: str, failures: Sequence[tuple[str, str]], *, rule: str) -> pa.Table | None:
    """Reject rows for whole inputs that could not be read: one row per (ref, reason), stage `load`.

    An unreadable file, an unreachable URL or a failed query is not a stopping error: the build goes
    on with the other inputs, and the reject (named by `source_ref`, e.g. the file or URL) says why.
    """
    if not failures:
        return None
    refs = [ref for ref, _ in failures]
    table = pa.table({
        "id": pa.array([f"{INPUT_ID_PREFIX}{ref}" for ref in refs], pa.string()),
        "source": pa.array([source_name] * len(refs), pa.string()),
        "source_ref": pa.array(refs, pa.string()),
    })
    return mark_rejected(table, stage=LOAD_STAGE, rule=rule, reasons=[reason for _, reason in failures])


def merge_rejects(*tables: pa.Table | None) -> pa.Table | None:
    """All load rejects of a source in one table (None when there are none)."""
    return concat([t for t in tables if t is not None and t.num_rows])
