"""MinHash signatures by one-permutation hashing, LSH banding, and Jaccard estimates between rows.

A signature has `num_perm` slots. Rather than hashing every shingle `num_perm` times (k-permutation
MinHash), each shingle hash is sent to one slot by its high bits and the slot keeps the smallest low
32 bits it receives (one-permutation hashing, Li, Owen & Zhang 2012): one pass over the shingles,
whatever `num_perm`. A slot no shingle reached borrows the value of another slot, tried in a fixed
pseudo-random order per slot that is the same for every row (optimal densification, Shrivastava
2017), so two rows agree on a slot with probability close to their Jaccard similarity. The share of
equal slots estimates it.

LSH cuts the signature into `bands` of `rows` slots; rows equal on a whole band become candidate
pairs. Equal bands are found by sorting band hashes, never with Python dicts.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache

import numba
import numpy as np
import pyarrow as pa

from ..errors import UserError
from .shingles import ShingleSpec, fmix64, in_slices
from .shingles import _normalize as normalize_row
from .shingles import _shingles as row_shingles

EMPTY = np.uint32(0xFFFFFFFF)
# Candidates are verified on their signatures, so a false positive of the banding costs one
# comparison while a false negative is a duplicate missed: the band choice weighs misses more.
FALSE_POSITIVE_WEIGHT, FALSE_NEGATIVE_WEIGHT = 0.05, 0.95
BUCKET_ALL_PAIRS = 32


def signatures(column: pa.LargeStringArray, spec: ShingleSpec, num_perm: int) -> tuple[np.ndarray, np.ndarray]:
    """(uint32 signatures, one row per text; shingles per text). Texts without shingles are all EMPTY."""

    donors = donor_orders(num_perm, spec.seed)

    def sign(data, offsets):
        return _signatures(data, offsets, *spec.kernel_args(), num_perm, donors)

    pieces = in_slices(sign, column)
    if not pieces:
        return np.zeros((0, num_perm), np.uint32), np.zeros(0, np.int64)
    return np.concatenate([p[0] for p in pieces]), np.concatenate([p[1] for p in pieces])


@lru_cache(maxsize=8)
def donor_orders(num_perm: int, seed: int) -> np.ndarray:
    """Per slot, the order in which an empty slot tries the others: a permutation fixed by the seed."""
    rng = np.random.default_rng([seed % 2**63, num_perm])
    return rng.permuted(np.tile(np.arange(num_perm, dtype=np.int32), (num_perm, 1)), axis=1)


@lru_cache(maxsize=32)
def lsh_params(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows) with bands * rows <= num_perm minimizing the weighted areas of false positives
    (candidate probability below `threshold`) and false negatives (its complement above it)."""
    s = np.linspace(0.0, 1.0, 1001)
    below, above = s <= threshold, s >= threshold
    best, best_cost = (1, num_perm), np.inf
    for bands in range(1, num_perm + 1):
        for rows in range(1, num_perm // bands + 1):
            p = 1.0 - (1.0 - s**rows) ** bands
            cost = FALSE_POSITIVE_WEIGHT * np.trapezoid(np.where(below, p, 0.0), s) + FALSE_NEGATIVE_WEIGHT * (
                np.trapezoid(np.where(above, 1.0 - p, 0.0), s)
            )
            if cost < best_cost:
                best, best_cost = (bands, rows), cost
    return best


def check_bands(bands: int | None, rows: int | None, threshold: float, num_perm: int, owner: str) -> tuple[int, int]:
    """The configured (bands, rows), or the best pair for `threshold`; a UserError if they do not fit."""
    if not 0.0 < threshold <= 1.0:
        raise UserError(f"{owner}.threshold must be in (0, 1], not {threshold!r}")
    if not isinstance(num_perm, int) or num_perm < 2:
        raise UserError(f"{owner}.num_perm must be a whole number >= 2, not {num_perm!r}")
    if bands is None and rows is None:
        return lsh_params(threshold, num_perm)
    if bands is None or rows is None or bands < 1 or rows < 1 or bands * rows > num_perm:
        raise UserError(
            f"{owner}.bands ({bands}) and rows ({rows}) must both be set, >= 1, with bands * rows <= num_perm "
            f"({num_perm}); or leave both null to choose them from the threshold"
        )
    return int(bands), int(rows)


def candidate_pairs(sig: np.ndarray, active: np.ndarray, bands: int, rows: int) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (left < right) of active rows equal on at least one band, each pair once.

    In a bucket of up to BUCKET_ALL_PAIRS rows every pair is a candidate; a bigger bucket (rows equal
    on a band by the thousands, e.g. boilerplate) pairs each row with the bucket's first and previous
    row, keeping the work linear.
    """
    index = np.flatnonzero(active)
    return pairs_by_band(band_keys(sig, index, bands, rows), index)


def band_keys(sig: np.ndarray, index: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """A 64-bit hash of each band of the rows `index` of `sig`: shape (bands, len(index))."""
    return _band_keys(sig, np.asarray(index, np.int64), bands, rows)


def pairs_by_band(keys: np.ndarray, index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`candidate_pairs` from the band keys (bands, rows) of the rows `index`: (left, right) taken from `index`."""
    if len(index) < 2:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        found = [p for p in pool.map(_bucket_pairs, keys) if len(p)]
    if not found:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    pairs = np.unique(np.concatenate(found))
    return index[pairs >> np.int64(32)], index[pairs & np.int64(0xFFFFFFFF)]


def band_entries(sig: np.ndarray, active: np.ndarray, bands: int, rows: int) -> tuple[np.ndarray, ...]:
    """(band, band key, row) of every band of every active row: what `candidate_pairs` compares, as rows
    that can be shuffled by key so that each machine finds the pairs of its keys (`pairs_of_equal_keys`)."""
    index = np.flatnonzero(active)
    keys = band_keys(sig, index, bands, rows)
    band = np.repeat(np.arange(bands, dtype=np.int16), len(index))
    return band, keys.reshape(-1), np.tile(index.astype(np.int64), bands)


def pairs_of_equal_keys(band: np.ndarray, keys: np.ndarray, row: np.ndarray) -> np.ndarray:
    """The candidate pairs (packed left << 32 | right) among entries holding every entry of their
    (band, key): the pairs `candidate_pairs` finds for those keys, by the same bucket rule."""
    order = np.lexsort((row, keys, band))
    band, keys, row = band[order], keys[order], row[order]
    starts = np.r_[True, (band[1:] != band[:-1]) | (keys[1:] != keys[:-1])] if len(row) else np.zeros(0, bool)
    bucket = np.cumsum(starts) - 1
    sizes = np.bincount(bucket)
    shared = sizes[bucket] >= 2
    return _pairs_in_buckets(row[shared], bucket[shared], BUCKET_ALL_PAIRS)


def estimated_jaccard(sig: np.ndarray, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Share of equal slots between the signatures of rows left[i] and right[i]."""
    return _agreement(sig, np.asarray(left, np.int64), np.asarray(right, np.int64))


def _bucket_pairs(keys: np.ndarray) -> np.ndarray:
    """Pairs (packed left << 32 | right, positions in keys) of rows with equal keys."""
    ordered = np.sort(keys)
    repeated = ordered[1:][ordered[1:] == ordered[:-1]]
    if len(repeated) == 0:
        return np.zeros(0, np.int64)
    repeated = np.unique(repeated)
    at = np.minimum(np.searchsorted(repeated, keys), len(repeated) - 1)
    members = np.flatnonzero(repeated[at] == keys)
    members = members[np.argsort(at[members], kind="stable")]
    bucket = at[members]
    return _pairs_in_buckets(members, bucket, BUCKET_ALL_PAIRS)


@numba.njit(nogil=True, cache=True)
def _pairs_in_buckets(members, bucket, all_pairs_up_to):
    count = 0
    start = 0
    n = len(members)
    while start < n:
        end = start
        while end < n and bucket[end] == bucket[start]:
            end += 1
        size = end - start
        count += size * (size - 1) // 2 if size <= all_pairs_up_to else 2 * size - 3
        start = end
    out = np.empty(count, dtype=np.int64)
    k = 0
    start = 0
    while start < n:
        end = start
        while end < n and bucket[end] == bucket[start]:
            end += 1
        size = end - start
        for i in range(start + 1, end):
            if size <= all_pairs_up_to:
                for j in range(start, i):
                    out[k] = (members[j] << 32) | members[i]
                    k += 1
            else:
                out[k] = (members[i - 1] << 32) | members[i]
                k += 1
                if i > start + 1:
                    out[k] = (members[start] << 32) | members[i]
                    k += 1
        start = end
    return out


@numba.njit(nogil=True, cache=True)
def _band_keys(sig, index, bands, rows):
    """A 64-bit hash of each band of each listed row, band by band (one contiguous array per band)."""
    keys = np.empty((bands, len(index)), dtype=np.uint64)
    for i in range(len(index)):
        r = index[i]
        for b in range(bands):
            h = np.uint64(b)
            for j in range(b * rows, (b + 1) * rows):
                h = h * np.uint64(0x9E3779B97F4A7C15) + np.uint64(sig[r, j])
            keys[b, i] = fmix64(h)
    return keys


@numba.njit(nogil=True, cache=True)
def _agreement(sig, left, right):
    out = np.empty(len(left), dtype=np.float64)
    width = sig.shape[1]
    for p in range(len(left)):
        same = 0
        for j in range(width):
            same += sig[left[p], j] == sig[right[p], j]
        out[p] = same / width
    return out


@numba.njit(nogil=True, cache=True)
def _signatures(data, offsets, lower, space, mode, char_n, word_n, seed, num_perm, donors):
    rows = len(offsets) - 1
    sig = np.full((rows, num_perm), EMPTY, dtype=np.uint32)
    counts = np.zeros(rows, dtype=np.int64)
    filled = np.zeros(num_perm, dtype=np.bool_)
    text = np.empty(1, dtype=np.int64)
    hashes = np.empty(1, dtype=np.uint64)
    starts = np.empty(1, dtype=np.int64)
    ends = np.empty(1, dtype=np.int64)
    slots = np.uint64(num_perm)
    for r in range(rows):
        size = offsets[r + 1] - offsets[r] + 1
        if len(text) < size:
            text = np.empty(2 * size, dtype=np.int64)
            hashes = np.empty(2 * size, dtype=np.uint64)
            starts = np.empty(2 * size, dtype=np.int64)
            ends = np.empty(2 * size, dtype=np.int64)
        length = normalize_row(data, offsets[r], offsets[r + 1], lower, space, text)
        found = row_shingles(text, length, mode, char_n, word_n, seed, hashes, starts, ends)
        counts[r] = found
        if found == 0:
            continue
        filled[:] = False
        for i in range(found):
            h = hashes[i]
            slot = ((h >> np.uint64(32)) * slots) >> np.uint64(32)
            value = np.uint32(h & np.uint64(0xFFFFFFFF))
            if value < sig[r, slot] or not filled[slot]:
                sig[r, slot] = value
            filled[slot] = True
        for slot in range(num_perm):
            if not filled[slot]:
                for attempt in range(num_perm):
                    donor = donors[slot, attempt]
                    if filled[donor]:
                        sig[r, slot] = sig[r, donor]
                        break
    return sig, counts
