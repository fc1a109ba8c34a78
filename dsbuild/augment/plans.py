"""Which copies the augment stage makes, and what a copy must not equal, as numpy arrays over a split.

A plan holds, per copy, its original's position in the split (int64, ascending) and the index of its
copy key ("1", "2", ... or "noisy"): a few bytes per copy, however many rows. The `max_fraction` cap and
the noisy draw keep the copies of lowest hash of the seed, the id (and the copy key), hashed batch by
batch, so the same copies come out every build and for any batch size. `HeldOut` keeps each split's
rows as sorted 16-byte content digests, so a copy is checked against the other splits without a Python
object per row.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from ..execute.spill import Spill, batches
from ..record import normalized_for_id, row_digests
from ..split import unit_hashes

DIGEST = np.dtype("S16")  # a 16-byte digest; fixed width, so equal and ordered exactly as its bytes


@dataclass
class Plan:
    """The copies one split gets: which rows, which copy of each, and where they go."""

    source: str  # the split the originals are in
    target: str  # the split the copies join (the same, or `<split>_noisy`)
    rows: np.ndarray  # int64 positions of the originals in `source`, ascending (a row repeats once per copy)
    keys: list[str]  # the copy keys: "1", "2", ... or "noisy", part of each copy's id and seed
    key_index: np.ndarray  # per copy, its key's index in `keys`
    capped: int = 0

    def copy_keys(self, start: int, stop: int) -> list[str]:
        """The copy keys of copies [start, stop)."""
        return [self.keys[k] for k in self.key_index[start:stop].tolist()]


def copies_plan(rows: pa.Table | Spill, source: str, keys: list[str], max_fraction: float, seed: int,
                batch_rows: int) -> Plan:
    """Every row times `keys`, cut to the `max_fraction` cap by lowest hash (the same copies every build)."""
    n, per_row = rows.num_rows, len(keys)
    made = n * per_row
    limit = made if max_fraction >= 1.0 else int(np.floor(max_fraction * n / (1.0 - max_fraction) + 1e-9))
    if made <= limit:
        return Plan(source, source, np.repeat(np.arange(n, dtype=np.int64), per_row), keys,
                    np.tile(np.arange(per_row, dtype=np.int32), n))
    hashes = np.concatenate([unit_hashes(seed, [f"{i}\x1f{k}" for i in ids for k in keys], salt="augment:")
                             for ids in _ids(rows, batch_rows)])
    picked = np.sort(np.argsort(hashes, kind="stable")[:limit]).astype(np.int64)
    return Plan(source, source, picked // per_row, keys, (picked % per_row).astype(np.int32), capped=made - limit)


def noisy_plan(rows: pa.Table | Spill, source: str, target: str, fraction: float, seed: int, batch_rows: int) -> Plan:
    """One noisy copy for a `fraction` of the rows (lowest hashes), for a robustness split."""
    count = int(round(fraction * rows.num_rows))
    hashes = np.concatenate([unit_hashes(seed, ids, salt="noisy:") for ids in _ids(rows, batch_rows)])
    picked = np.sort(np.argsort(hashes, kind="stable")[:count]).astype(np.int64)
    return Plan(source, target, picked, ["noisy"], np.zeros(len(picked), dtype=np.int32))


def _ids(rows: pa.Table | Spill, batch_rows: int):
    for batch in batches(rows, batch_rows):
        yield batch.column("id").to_pylist()


class HeldOut:
    """Each named split's rows as sorted content digests of `fields`: does a copy repeat a row of another split?"""

    def __init__(self, splits: dict[str, pa.Table | Spill], names: set[str], fields: list[str], batch_rows: int):
        self.fields = fields
        self._digests = {name: np.unique(np.concatenate([self._of(b) for b in batches(splits[name], batch_rows)]))
                         for name in splits if name in names}

    def repeats(self, copies: pa.Table, source: str) -> np.ndarray:
        """True for a copy whose content equals a row of a split other than `source` (its original's)."""
        mine = self._of(copies)
        found = np.zeros(len(mine), dtype=bool)
        for name, known in self._digests.items():
            if name != source and len(known):
                at = np.minimum(np.searchsorted(known, mine), len(known) - 1)
                found |= known[at] == mine
        return found

    def _of(self, table: pa.Table) -> np.ndarray:
        digests = row_digests(table, self.fields, normalized_for_id)
        if not len(digests):
            return np.empty(0, dtype=DIGEST)
        width = DIGEST.itemsize
        raw = np.frombuffer(digests.buffers()[1], dtype=np.uint8)
        return raw[digests.offset * width:(digests.offset + len(digests)) * width].view(DIGEST)
