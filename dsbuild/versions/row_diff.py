"""Rows added, removed, changed and moved between two versions, matched by row id.

A row is identified by its `id` (kept in the split file or its lineage file). In the train /
validation / test splits:
- **moved**: the id is in both versions but in another split (`train -> test`); reported once, under
  `moved`, not as removed from one split and added to another;
- **added** / **removed**: the id is in only one of the versions; counted in the split it is in;
- **changed**: the id is in both, and any field differs (the format's fields or the lineage); counted
  in the split it is in in the second version (a row can be moved and changed).
The `pilot` split (rows of train) is compared on its own: added, removed and changed within it.
"""

from __future__ import annotations

from collections.abc import Mapping

import pyarrow as pa

from ..errors import UserError
from ..split_order import split_rank

PILOT = "pilot"
EXAMPLES = 3


def rows_by_id(table: pa.Table, label: str) -> dict[str, dict]:
    """id -> row of a split read back (the first row of an id that repeats)."""
    if table.num_rows and "id" not in table.column_names:
        raise UserError(f"{label}: rows have no id (neither in the split file nor a lineage file); they cannot be "
                        "matched across versions")
    rows: dict[str, dict] = {}
    for row in table.to_pylist():
        rows.setdefault(row.get("id"), row)
    return rows


def row_changes(a: Mapping[str, pa.Table], b: Mapping[str, pa.Table], examples: int = EXAMPLES) -> dict:
    """{splits: {name: counts and example ids}, moved: [{from, to, rows, examples}]} between versions a and b."""
    rows_a = {name: rows_by_id(t, f"first version, split {name}") for name, t in a.items()}
    rows_b = {name: rows_by_id(t, f"second version, split {name}") for name, t in b.items()}
    main_a = {i: s for s, rows in rows_a.items() if s != PILOT for i in rows}
    main_b = {i: s for s, rows in rows_b.items() if s != PILOT for i in rows}
    splits = {}
    for name in sorted(set(rows_a) | set(rows_b), key=split_rank):
        here_a, here_b = rows_a.get(name, {}), rows_b.get(name, {})
        elsewhere_a, elsewhere_b = (here_a, here_b) if name == PILOT else (main_a, main_b)
        added = [i for i in here_b if i not in elsewhere_a]
        removed = [i for i in here_a if i not in elsewhere_b]
        previous = rows_a.get(name, {}) if name == PILOT else {i: rows_a[main_a[i]][i] for i in here_b if i in main_a}
        changed = [i for i in here_b if i in previous and previous[i] != here_b[i]]
        splits[name] = {"rows_a": len(here_a), "rows_b": len(here_b), "added": len(added), "removed": len(removed),
                        "changed": len(changed), "examples": {"added": added[:examples], "removed": removed[:examples],
                                                              "changed": changed[:examples]}}
    moves: dict[tuple[str, str], list[str]] = {}
    for row_id, split_b in main_b.items():
        split_a = main_a.get(row_id)
        if split_a is not None and split_a != split_b:
            moves.setdefault((split_a, split_b), []).append(row_id)
    moved = [{"from": src, "to": dst, "rows": len(ids), "examples": ids[:examples]}
             for (src, dst), ids in sorted(moves.items())]
    return {"splits": splits, "moved": moved}
