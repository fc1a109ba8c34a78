"""Verdicts checked against the version they are applied to, before anything is written.

Each id must be a row of train, validation or test; each edit must name a text field the row has
(see `verdict.EDITABLE_FIELDS`), and the edited row must still fit the version's format. A verdicts
file exported for another version is refused. Lookups are vectorized: the version can be large, the
verdicts are few.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from ..errors import UserError
from ..split_order import SPLITS
from .verdict import EDITABLE_FIELDS
from .verdict_files import VerdictFile
from .version_reader import Version


def check_verdicts(found: VerdictFile, version: Version) -> dict[str, str]:
    """id -> split for every verdict; UserError naming the file and row for the first mistake."""
    file = found.path.name
    if found.version_id and found.version_id != version.id:
        raise UserError(f"{file} holds verdicts for version {found.version_id}, not {version.id}; "
                        f"apply it to version {found.version_id}")
    ids = pa.array([v.id for v in found.verdicts], pa.string())
    split_of: dict[str, str] = {}
    rows: dict[str, dict] = {}
    edited = pa.array([v.id for v in found.verdicts if v.edits], pa.string())
    for name in SPLITS:
        table = version.splits.get(name)
        if table is None or table.num_rows == 0:
            continue
        column = pc.cast(table.column("id"), pa.string())
        split_of.update(dict.fromkeys(column.filter(pc.is_in(column, value_set=ids)).to_pylist(), name))
        if len(edited):
            hits = table.filter(pc.is_in(column, value_set=edited)).to_pylist()
            rows.update({str(row["id"]): row for row in hits})
    for v in found.verdicts:
        if v.id not in split_of:
            raise UserError(f"{file}: {v.where}: id {v.id} is not a row of version {version.id} "
                            "(train, validation or test); fix the id or remove that verdict")
        if v.edits:
            _check_edit(v, rows[v.id], version, file)
    return split_of


def _check_edit(verdict, row: dict, version: Version, file: str) -> None:
    for name in verdict.edits:
        if name not in EDITABLE_FIELDS or name not in row:
            have = [f for f in EDITABLE_FIELDS if f in row]
            raise UserError(f"{file}: {verdict.where}: id {verdict.id}: {name!r} is not a text field of this row; "
                            f"edit only {', '.join(have)}")
        if row[name] is not None and not isinstance(row[name], str):
            raise UserError(f"{file}: {verdict.where}: id {verdict.id}: {name} holds {type(row[name]).__name__}, "
                            "not text; it cannot be edited")
    problem = version.exporter.validate({**row, **verdict.edits})
    if problem:
        raise UserError(f"{file}: {verdict.where}: id {verdict.id}: after the edit, {problem}; fix the edit or "
                        "reject the item")
