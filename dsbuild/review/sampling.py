"""The review sample: a stratified random draw of kept rows, deterministic by seed.

The sample is shared among the splits in proportion to their rows, then each split's share among its
strata (values of `stratify_by`) in proportion to theirs; largest remainders make the shares sum up.
Inside a stratum the rows with the lowest hash of (seed, id) are drawn, so the same seed draws the
same rows on every machine. Items come out in hash order, which interleaves splits and strata.
The pilot split is left out: its rows are train rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from ..errors import UserError
from ..split import largest_remainder, unit_hashes
from ..split_order import SPLITS

SALT = "review:"
MISSING = "(missing)"


@dataclass
class Item:
    """One row to review: its id, its split and every other field."""

    id: str
    split: str
    fields: dict


@dataclass
class Sample:
    """The drawn items and, per split and stratum, how many rows there were and how many were drawn."""

    items: list[Item]
    seed: int
    stratify_by: str | None
    population: dict[str, dict[str, int]] = field(default_factory=dict)
    drawn: dict[str, dict[str, int]] = field(default_factory=dict)


def draw_sample(splits: dict[str, pa.Table], size: int, seed: int, stratify_by: str | None = None) -> Sample:
    """`size` rows of train, validation and test (all of them if fewer), allocated proportionally to strata."""
    if size < 1:
        raise UserError(f"--size must be at least 1 item, got {size}")
    tables = {name: splits[name] for name in SPLITS if name in splits and splits[name].num_rows}
    if stratify_by is not None and not any(stratify_by in t.column_names for t in tables.values()):
        fields = sorted({c for t in tables.values() for c in t.column_names})
        raise UserError(f"--stratify-by {stratify_by!r} is not a field of this version (fields: {', '.join(fields)})")
    if not tables:
        raise UserError("the version has no rows in train, validation or test; there is nothing to review")
    sample = Sample(items=[], seed=seed, stratify_by=stratify_by)
    split_quotas = largest_remainder(min(size, sum(t.num_rows for t in tables.values())),
                                     [t.num_rows for t in tables.values()])
    picked: list[tuple[float, str, int]] = []
    for (name, table), split_quota in zip(tables.items(), split_quotas):
        u = unit_hashes(seed, [str(i) for i in table.column("id").to_pylist()], salt=SALT)
        strata, stratum_of = np.unique(np.array(_strata(table, stratify_by), dtype=str), return_inverse=True)
        order = np.lexsort((u, stratum_of))  # by stratum, then hash
        sizes = np.bincount(stratum_of, minlength=len(strata))
        starts = np.r_[0, np.cumsum(sizes)[:-1]]
        quotas = largest_remainder(int(split_quota), sizes.tolist())
        for stratum, start, n, q in zip(strata.tolist(), starts, sizes, quotas):
            picked += [(float(u[i]), name, int(i)) for i in order[start:start + q]]
            sample.population.setdefault(name, {})[stratum] = int(n)
            sample.drawn.setdefault(name, {})[stratum] = int(q)
    sample.items = _items(tables, sorted(picked))
    return sample


def _strata(table: pa.Table, stratify_by: str | None) -> list[str]:
    if stratify_by is None:
        return ["all"] * table.num_rows
    if stratify_by not in table.column_names:
        return [MISSING] * table.num_rows
    return [MISSING if v is None else str(v) for v in table.column(stratify_by).to_pylist()]


def _items(tables: dict[str, pa.Table], picked: list[tuple[float, str, int]]) -> list[Item]:
    """The picked (hash, split, row) as Items, in that order; only those rows become Python objects."""
    by_split: dict[str, list[int]] = {}
    for _, name, row in picked:
        by_split.setdefault(name, []).append(row)
    fetched = {name: dict(zip(rows, tables[name].take(pa.array(rows)).to_pylist())) for name, rows in by_split.items()}
    items = []
    for _, name, row in picked:
        fields = dict(fetched[name][row])
        items.append(Item(id=str(fields.pop("id")), split=name, fields=fields))
    return items
