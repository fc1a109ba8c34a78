"""Leakage-safe train / validation / test assignment, and the pilot sample.

A row's split comes from a hash of (split.seed, its group key), so assignment is deterministic and
stable: appending rows never moves an existing row. The group key is `split.group_by` when set (rows
sharing it stay together, e.g. all questions from one document or patient), else the row's content
hash, so exact duplicates never straddle splits even when cleaning keeps them.

With `split.stratify_by`, groups are ranked by the same hash inside each stratum and cut at the
ratios, so every stratum has exact proportions (a rare class still reaches validation and test).
That exactness has a price: adding rows to a stratum can shift its cut points, so a row near a cut
may move. Leave `stratify_by` unset when stability across growing inputs matters more.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import xxhash

from .errors import UserError
from .record import CONTENT_ID_PATTERN
from .stage import StageReport

SPLITS = ("train", "validation", "test")
STAGE = "split"


def check_ratios(ratios: Sequence[float]) -> list[float]:
    """Three non-negative numbers that sum to 1, or a UserError naming split.ratios."""
    try:
        values = [float(r) for r in ratios]
    except (TypeError, ValueError):
        raise UserError(f"split.ratios must be three numbers (train, validation, test), got {ratios!r}") from None
    if len(values) != 3:
        raise UserError(
            f"split.ratios has {len(values)} values {values}; give three (train, validation, test), e.g. [0.8,0.1,0.1]"
        )
    if any(v < 0 for v in values):
        raise UserError(f"split.ratios {values} has a negative value; use 0 to leave a split empty")
    if abs(sum(values) - 1.0) > 1e-6:
        raise UserError(f"split.ratios {values} sums to {sum(values):.6g}, not 1; make them sum to 1")
    return values


def unit_hashes(seed: int, keys: list[str], salt: str = "") -> np.ndarray:
    """Uniform numbers in [0, 1), one per key, from (seed, salt, key): the same on every machine."""
    seed = int(seed) % 2**64
    digest = xxhash.xxh3_64_intdigest
    hashes = [digest(f"{salt}{k}".encode(), seed) for k in keys] if salt else [digest(k.encode(), seed) for k in keys]
    return np.array(hashes, dtype=np.uint64) / 2.0**64


def group_keys(table: pa.Table, group_by: str | None) -> pa.ChunkedArray:
    """Per-row group key: the `group_by` value, or the content hash part of the id."""
    if group_by is not None:
        if group_by not in table.column_names:
            raise UserError(
                f"split.group_by {group_by!r} is not a field (fields: {', '.join(table.column_names)}); fix it"
            )
        values = pc.binary_join_element_wise("g", pc.cast(table.column(group_by), pa.string()), ":")
        return pc.coalesce(values, pc.binary_join_element_wise("id", table.column("id"), ":"))
    return pc.replace_substring_regex(table.column("id"), CONTENT_ID_PATTERN, r"\1")


def assign(
    table: pa.Table,
    ratios: Sequence[float],
    seed: int,
    stratify_by: str | None = None,
    group_by: str | None = None,
) -> np.ndarray:
    """Split index (0 train, 1 validation, 2 test) for every row."""
    ratios = check_ratios(ratios)
    keys = group_keys(table, group_by)
    encoded = pc.dictionary_encode(keys).combine_chunks()
    unique = encoded.dictionary.to_pylist()
    inverse = encoded.indices.to_numpy(zero_copy_only=False)
    u = unit_hashes(seed, unique)
    if stratify_by is None:
        cuts = np.cumsum(ratios)[:-1]
        group_split = np.searchsorted(cuts, u, side="right")
        return group_split[inverse].astype(np.int8)
    strata = _strata(table, stratify_by)
    group_stratum = np.empty(len(unique), dtype=object)
    group_stratum[inverse[::-1]] = np.asarray(strata, dtype=object)[::-1]  # a group's first row decides
    group_split = np.zeros(len(unique), dtype=np.int8)
    for stratum in sorted(set(group_stratum.tolist()), key=str):
        members = np.flatnonzero(group_stratum == stratum)
        ranked = members[np.argsort(u[members], kind="stable")]
        counts = largest_remainder(len(ranked), ratios)
        group_split[ranked] = np.repeat(np.arange(3, dtype=np.int8), counts)
    return group_split[inverse]


def _strata(table: pa.Table, field: str) -> list[str]:
    if field not in table.column_names:
        raise UserError(f"split.stratify_by {field!r} is not a field (fields: {', '.join(table.column_names)}); fix it")
    return [str(v) for v in pc.cast(table.column(field), pa.string()).to_pylist()]


def largest_remainder(n: int, weights: Sequence[float]) -> np.ndarray:
    """Integer counts summing to n, proportional to weights (ties go to the earlier weight)."""
    exact = np.asarray(weights, dtype=np.float64) * n / max(sum(weights), 1e-12)
    counts = np.floor(exact).astype(np.int64)
    short = n - int(counts.sum())
    order = np.argsort(-(exact - counts), kind="stable")
    counts[order[:short]] += 1
    return counts


def split_table(
    table: pa.Table, ratios: Sequence[float], seed: int, stratify_by: str | None = None, group_by: str | None = None
) -> tuple[dict[str, pa.Table], StageReport]:
    """The three splits (rows in input order) and the stage report."""
    index = assign(table, ratios, seed, stratify_by, group_by)
    splits = {name: table.filter(pa.array(index == i)) for i, name in enumerate(SPLITS)}
    report = StageReport(STAGE, rows_in=table.num_rows, kept=sum(t.num_rows for t in splits.values()))
    report.check()
    return splits, report


def draw_pilot(train: pa.Table, size: int, seed: int, stratify_by: str | None = None) -> pa.Table:
    """`size` rows of train (all of it if smaller), stratified when `stratify_by` is set.

    Rows are picked by lowest hash of (seed, "pilot", id), so a bigger pilot contains a smaller one.
    """
    if size < 0:
        raise UserError(f"pilot.size must be >= 0, got {size}")
    n = train.num_rows
    if size >= n:
        return train
    u = unit_hashes(seed, train.column("id").to_pylist(), salt="pilot:")
    if stratify_by is None:
        picked = np.argsort(u, kind="stable")[:size]
    else:
        strata = np.asarray(_strata(train, stratify_by), dtype=object)
        names = sorted(set(strata.tolist()))
        members = [np.flatnonzero(strata == s) for s in names]
        quotas = largest_remainder(size, [len(m) for m in members])
        picked = np.concatenate([m[np.argsort(u[m], kind="stable")[:q]] for m, q in zip(members, quotas)])
    return train.take(pa.array(np.sort(picked)))
