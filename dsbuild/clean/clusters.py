"""Clusters of rows from verified duplicate pairs: connected components by union-find.

Near-duplicates are not transitive (A ~ B and B ~ C while A and C differ more), but a cluster must
hold every row linked to it by a chain of pairs, so that a split grouped by cluster never puts two
near-duplicates on different sides.
"""

from __future__ import annotations

import numba
import numpy as np


def connected_components(size: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Per row, the smallest row index of its component (its own index when it pairs with none)."""
    return _components(size, np.asarray(left, np.int64), np.asarray(right, np.int64))


@numba.njit(nogil=True, cache=True)
def _find(parent, i):
    while parent[i] != i:
        parent[i] = parent[parent[i]]  # path halving
        i = parent[i]
    return i


@numba.njit(nogil=True, cache=True)
def _components(size, left, right):
    parent = np.arange(size)
    for p in range(len(left)):
        a = _find(parent, left[p])
        b = _find(parent, right[p])
        if a < b:
            parent[b] = a
        elif b < a:
            parent[a] = b
    for i in range(size):
        parent[i] = _find(parent, i)
    return parent
