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

import logging
import math
from collections.abc import Iterable, Iterator, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import xxhash

from .errors import UserError
from .execute.local import LocalExecutor
from .execute.spill import InMemory, Spill, batches
from .record import CONTENT_ID_PATTERN
from .split_order import SPLITS
from .stage import StageReport

log = logging.getLogger("dsbuild")

SPLIT_COLUMN = "_split"  # a row's split index while the rows are dealt out
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
    if not all(math.isfinite(v) for v in values):
        raise UserError(f"split.ratios {values} holds a value that is not a number; give three shares, e.g. "
                        "[0.8,0.1,0.1]")
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
        _require_field(table.schema, group_by, "split.group_by")
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
    if stratify_by is None:
        return _hashed_index(table, ratios, seed, group_by)
    return _stratified_index(table, ratios, seed, stratify_by, group_by)


def _hashed_index(batch: pa.Table, ratios: Sequence[float], seed: int, group_by: str | None) -> np.ndarray:
    """Split index of each row from its group's hash alone (no other row needed: batch by batch)."""
    u = unit_hashes(seed, group_keys(batch, group_by).to_pylist())
    return np.searchsorted(np.cumsum(ratios)[:-1], u, side="right").astype(np.int8)


def _stratified_index(rows: pa.Table | Spill, ratios: Sequence[float], seed: int, stratify_by: str,
                      group_by: str | None) -> np.ndarray:
    """Split index of every row, cutting each stratum's groups (ranked by hash) at the ratios.

    Reads only the group key and stratum of each row, batch by batch; the keys stay Arrow strings.
    """
    _require_field(rows.schema, stratify_by, "split.stratify_by")
    keys, strata = [], []
    for batch in batches(rows):
        keys.append(group_keys(batch, group_by))
        strata.append(_strata(batch, stratify_by))
    encoded = pc.dictionary_encode(pa.chunked_array([c for k in keys for c in k.chunks], pa.string())).combine_chunks()
    del keys
    inverse = encoded.indices.to_numpy(zero_copy_only=False)
    dictionary = encoded.dictionary
    u = np.concatenate([unit_hashes(seed, dictionary.slice(at, HASH_SLICE).to_pylist())
                        for at in range(0, max(len(dictionary), 1), HASH_SLICE)])
    stratum_codes = pc.dictionary_encode(pa.chunked_array(strata, pa.string())).combine_chunks()
    names = stratum_codes.dictionary.to_pylist()
    codes = stratum_codes.indices.to_numpy(zero_copy_only=False)
    group_stratum = np.empty(len(dictionary), dtype=codes.dtype)
    group_stratum[inverse[::-1]] = codes[::-1]  # a group's first row decides
    group_split = np.zeros(len(dictionary), dtype=np.int8)
    for code in sorted(range(len(names)), key=lambda c: names[c]):
        members = np.flatnonzero(group_stratum == code)
        ranked = members[np.argsort(u[members], kind="stable")]
        counts = largest_remainder(len(ranked), ratios)
        group_split[ranked] = np.repeat(np.arange(3, dtype=np.int8), counts)
    return group_split[inverse]


HASH_SLICE = 1_000_000  # group keys hashed at a time (Python strings exist only for a slice)


def _strata(table: pa.Table, field: str) -> pa.ChunkedArray:
    """The stratum of each row as text; a null is the stratum "None"."""
    _require_field(table.schema, field, "split.stratify_by")
    return pc.fill_null(pc.cast(table.column(field), pa.string()), "None")


def _require_field(schema: pa.Schema, field: str, key: str) -> None:
    if field not in schema.names:
        raise UserError(f"{key} {field!r} is not a field (fields: {', '.join(schema.names)}); fix it")


def largest_remainder(n: int, weights: Sequence[float]) -> np.ndarray:
    """Integer counts summing to n, proportional to weights (ties go to the earlier weight)."""
    exact = np.asarray(weights, dtype=np.float64) * n / max(sum(weights), 1e-12)
    counts = np.floor(exact).astype(np.int64)
    short = n - int(counts.sum())
    order = np.argsort(-(exact - counts), kind="stable")
    counts[order[:short]] += 1
    return counts


def split_rows(
    rows: pa.Table | Spill, ratios: Sequence[float], seed: int, stratify_by: str | None = None,
    group_by: str | None = None, work=None, executor=None,
) -> tuple[dict[str, pa.Table | Spill], StageReport]:
    """The three splits (rows in input order) and the stage report; with `work`, the splits are spills there.

    Without `stratify_by` each row's split comes from its own hash, batch by batch on `executor` (Ray Data
    `map_batches` under executor=ray); with it, one pass here reads the keys and strata first.
    """
    ratios = check_ratios(ratios)
    if group_by is not None:
        _require_field(rows.schema, group_by, "split.group_by")
    work = work or InMemory()
    writers = [work.writer(f"split-{name}") for name in SPLITS]
    if stratify_by is None:  # each row's split from its own hash: the executor maps the batches
        marked = (executor or LocalExecutor()).map_batches(_with_split, batches(rows), ratios, seed, group_by)
    else:
        index = _stratified_index(rows, ratios, seed, stratify_by, group_by)
        marked = _marked(batches(rows), index)
    for batch in marked:
        part = batch.column(SPLIT_COLUMN).to_numpy()
        batch = batch.drop_columns([SPLIT_COLUMN])
        for i, writer in enumerate(writers):
            writer.add(batch.filter(pa.array(part == i)))
    splits = {name: writer.close() for name, writer in zip(SPLITS, writers)}
    report = StageReport(STAGE, rows_in=rows.num_rows, kept=sum(t.num_rows for t in splits.values()))
    report.check()
    return splits, report


def _with_split(batch: pa.Table, ratios: Sequence[float], seed: int, group_by: str | None) -> pa.Table:
    """`batch` with each row's split index as a column (runs wherever the executor maps batches)."""
    return batch.append_column(SPLIT_COLUMN, pa.array(_hashed_index(batch, ratios, seed, group_by)))


def _marked(tables: Iterable[pa.Table], index: np.ndarray) -> Iterator[pa.Table]:
    """Each table with its rows' entries of `index` (in row order over all tables) as the split column."""
    start = 0
    for table in tables:
        yield table.append_column(SPLIT_COLUMN, pa.array(index[start: start + table.num_rows]))
        start += table.num_rows


def split_table(
    table: pa.Table, ratios: Sequence[float], seed: int, stratify_by: str | None = None, group_by: str | None = None
) -> tuple[dict[str, pa.Table], StageReport]:
    """The three splits of a table in memory (rows in input order) and the stage report."""
    return split_rows(table, ratios, seed, stratify_by, group_by)


def draw_pilot(train: pa.Table | Spill, size: int, seed: int, stratify_by: str | None = None,
               work=None) -> pa.Table | Spill:
    """`size` rows of train (all of it if smaller), stratified when `stratify_by` is set.

    Rows are picked by lowest hash of (seed, "pilot", id), so a bigger pilot contains a smaller one.
    Reads train twice (ids and strata, then the picked rows), so only hashes are held for all rows.
    """
    if size < 0:
        raise UserError(f"pilot.size must be >= 0, got {size}")
    n = train.num_rows
    if size > n:
        log.warning("pilot.size=%d but train has %d rows: the pilot is all of train (a pilot run tells more "
                    "once the set is larger than the pilot)", size, n)
    if size >= n:
        return train
    u, strata = [], []
    for batch in batches(train):
        u.append(unit_hashes(seed, batch.column("id").to_pylist(), salt="pilot:"))
        if stratify_by is not None:
            strata.append(_strata(batch, stratify_by))
    u = np.concatenate(u)
    if stratify_by is None:
        picked = np.argsort(u, kind="stable")[:size]
    else:
        encoded = pc.dictionary_encode(pa.chunked_array(strata, pa.string())).combine_chunks()
        names, codes = encoded.dictionary.to_pylist(), encoded.indices.to_numpy(zero_copy_only=False)
        members = [np.flatnonzero(codes == c) for c in sorted(range(len(names)), key=lambda c: names[c])]
        quotas = largest_remainder(size, [len(m) for m in members])
        picked = np.concatenate([m[np.argsort(u[m], kind="stable")[:q]] for m, q in zip(members, quotas)])
    picked = np.sort(picked)
    writer = (work or InMemory()).writer("pilot")
    start = 0
    for batch in batches(train):
        lo, hi = np.searchsorted(picked, [start, start + batch.num_rows])
        writer.add(batch.take(pa.array(picked[lo:hi] - start)))
        start += batch.num_rows
    return writer.close()
