"""The rows a comparison measures: every split of a version but the pilot (a sample of train), as one table.

Each row keeps all its fields and gets `_split`, the split it is in, so overlap can tell "the same row"
from "the same row in the same split".
"""

from __future__ import annotations

import pyarrow as pa

from ..review.version_reader import Version

PILOT = "pilot"
SPLIT_COLUMN = "_split"


def data_rows(version: Version) -> pa.Table:
    """The version's train, validation, test (and any other non-pilot split) rows, in split then file order."""
    tables = [table.append_column(SPLIT_COLUMN, pa.array([name] * table.num_rows, pa.string()))
              for name, table in version.splits.items() if name != PILOT]
    if not tables:
        return pa.table({"id": pa.array([], pa.string()), SPLIT_COLUMN: pa.array([], pa.string())})
    return pa.concat_tables(tables, promote_options="permissive")


def strings(table: pa.Table, name: str) -> list[str]:
    """The non-empty string values of column `name` (none when the column is missing or not text)."""
    if name not in table.column_names or not _is_text(table.schema.field(name).type):
        return []
    return [value for value in table.column(name).to_pylist() if isinstance(value, str) and value]


def numbers(table: pa.Table, name: str) -> list[float]:
    """The numeric values of column `name` (none when the column is missing)."""
    if name not in table.column_names:
        return []
    return [float(v) for v in table.column(name).to_pylist() if isinstance(v, (int, float)) and not isinstance(v, bool)]


def _is_text(kind: pa.DataType) -> bool:
    return pa.types.is_string(kind) or pa.types.is_large_string(kind)
