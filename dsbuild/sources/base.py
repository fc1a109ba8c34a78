"""Turning a source's own table into canonical records: column mapping, ids, lineage.

Every source reads its data as an Arrow table with its own column names, then calls `to_records`,
which renames columns to canonical names (`source.columns`), assigns ids (the user's id column or a
content hash) and adds `source` / `source_ref`. Rows that cannot become records (a missing or
repeated user id) are returned as rejects of stage `load`, never dropped silently.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc

from ..errors import UserError
from ..record import LINEAGE_FIELDS, content_ids
from ..stage import concat, mark_rejected, partition

LOAD_STAGE = "load"
INPUT_ID_PREFIX = "input:"  # the id of a reject that stands for a whole unreadable input


@dataclass
class Loaded:
    """What a source hands to the build."""

    table: pa.Table
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
        mapped = {canonical: table.column(src) for canonical, src in columns.items()}
        if keep_columns:
            used = set(columns.values())
            for name in available:
                if name not in used and name not in mapped:
                    mapped[name] = table.column(name)
        records = pa.table(mapped)
    else:
        records = table
    if id_column is not None and id_column not in available:
        raise UserError(
            f"{where}: source.id_column {id_column!r} is not a column (columns: {', '.join(available)}); "
            "fix source.id_column or set it to null"
        )
    clash = [c for c in records.column_names if c in LINEAGE_FIELDS]
    if clash:
        raise UserError(
            f"{where}: column {clash[0]!r} collides with a lineage field; map it to another name "
            f"in source.columns (e.g. source.columns.orig_{clash[0]}={clash[0]})"
        )
    n = records.num_rows
    records = records.append_column("source", pa.array([source_name] * n, pa.string()))
    refs = refs if isinstance(refs, pa.Array | pa.ChunkedArray) else pa.array(list(refs), pa.string())
    records = records.append_column("source_ref", pc.cast(refs, pa.string()))
    if id_column is None:
        fields = None if id_fields is None else list(id_fields)
        ids = content_ids(records.drop_columns(["source", "source_ref"]), fields)
        return records.add_column(0, "id", pc.cast(ids, pa.string())), None
    return _with_user_ids(records, table.column(id_column))


def _with_user_ids(records: pa.Table, id_values: pa.ChunkedArray) -> tuple[pa.Table, pa.Table | None]:
    ids = pc.cast(id_values, pa.string()).to_pylist()
    ids = [None if v is None or not v.strip() else v.strip() for v in ids]
    records = records.add_column(0, "id", pa.array(ids, pa.string()))
    first: dict[str, int] = {}
    reasons: list[str | None] = []
    for i, value in enumerate(ids):
        if value is None:
            reasons.append("id column is empty")
        elif value in first:
            reasons.append(f"id {value!r} repeats the row at {records.column('source_ref')[first[value]]}")
        else:
            first[value] = i
            reasons.append(None)
    kept, rejected = partition(records, reasons, stage=LOAD_STAGE, rule="id_column")
    return kept, (rejected if rejected.num_rows else None)


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
