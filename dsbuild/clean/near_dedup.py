"""Near-duplicate rows by MinHash + LSH: drop all but one row of each cluster, or label the clusters.

Rows are compared on their shingle sets (see dsbuild.clean.shingles): two rows are near-duplicates
when their estimated Jaccard similarity, from MinHash signatures, reaches `threshold`. Candidate pairs
come from LSH banding and are each verified on the signatures; clusters are the connected components
of the verified pairs. Observing keeps only each row's band hashes; the rows in a candidate pair are
read again for their signatures (see `PairedRule`). One row per cluster survives (`keep`): the first
in input order, the one with the most text, or the one with the highest `score_field` (e.g. a judge
score); ties go to the first.

`action: drop` rejects the others with the survivor as `duplicate_of`. `action: group` drops nothing
and writes the survivor's id into `near_dup_cluster` for every row of a cluster of two or more (null
for the rest), so that `split.group_by=near_dup_cluster` keeps each cluster inside one split.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import UserError
from ..record import NEAR_DUP_CLUSTER, text_fields
from .base import POSITION, Drops, PairedRule, Verdicts, as_list, rows_only
from .clusters import connected_components
from .minhash import (
    band_entries,
    band_keys,
    check_bands,
    estimated_jaccard,
    pairs_by_band,
    pairs_of_equal_keys,
    signatures,
)
from .shingles import ShingleSpec, joined_text

CLUSTER_COLUMN = NEAR_DUP_CLUSTER
KEEP = ("first", "longest", "highest")
ACTIONS = ("drop", "group")


class NearDedup(PairedRule):
    """Reject (or group) rows whose estimated Jaccard similarity to another row reaches `threshold`."""

    def __init__(
        self,
        fields: str | Sequence[str] | None = None,
        threshold: float = 0.8,
        shingle: str = "auto",
        ngram=None,
        num_perm: int = 128,
        bands: int | None = None,
        rows: int | None = None,
        seed: int = 0,
        keep: str = "first",
        score_field: str | None = None,
        action: str = "drop",
    ):
        if keep not in KEEP:
            raise UserError(f"NearDedup.keep must be one of {', '.join(KEEP)}, not {keep!r}")
        if keep == "highest" and not score_field:
            raise UserError("NearDedup.keep is 'highest' but score_field is not set; name the score column")
        if action not in ACTIONS:
            raise UserError(f"NearDedup.action must be 'drop' or 'group', not {action!r}")
        self.fields, self.threshold, self.num_perm = as_list(fields), float(threshold), num_perm
        self.bands, self.rows = check_bands(bands, rows, self.threshold, num_perm, "NearDedup")
        self.spec = ShingleSpec.configured(shingle, ngram, (5, 3), seed, "NearDedup")
        self.keep, self.score_field, self.action = keep, score_field, action
        self.begin()

    def begin(self) -> None:
        self._keys: list[str] | None = None
        self._band_keys: list[np.ndarray] = []  # per batch observed: (bands, rows with shingles) band hashes
        self._active: list[np.ndarray] = []  # per batch observed: the positions of its rows with shingles
        self._rows = 0
        self._left = self._right = np.zeros(0, np.int64)  # the candidate pairs (positions, left < right)
        self._drops = Drops(duplicate_of=[])  # action drop: the rows not kept
        self._labels = Labels()  # action group: the survivor id of each row in a cluster

    def measure(self, batch: pa.Table) -> pa.Table:
        if self._keys is None:
            self._keys = self.resolve_fields(batch)
        if not self._keys or not batch.num_rows:
            return rows_only(batch.num_rows)
        sig, counts = signatures(joined_text(batch, self._keys), self.spec, self.num_perm)
        columns = {"_signature": pa.FixedSizeListArray.from_arrays(pa.array(sig.reshape(-1)), self.num_perm),
                   "_shingles": counts, "id": batch.column("id")}
        if self.keep != "first":
            columns["_merit"] = self._merit(batch)
        return pa.table(columns)

    def take(self, measured: pa.Table) -> None:
        """Keep only the band hashes of the rows (16 x 8 bytes at the default threshold, not the signature)."""
        start, self._rows = self._rows, self._rows + measured.num_rows
        if "_signature" not in measured.column_names:
            return
        active = np.flatnonzero(measured.column("_shingles").to_numpy() > 0)
        self._band_keys.append(band_keys(_signature_rows(measured, self.num_perm), active, self.bands, self.rows))
        self._active.append(active + start)

    def settle(self) -> None:
        """The candidate pairs: rows equal on a band (the clusters are formed in `adopt_rows`)."""
        if self._band_keys:
            self._left, self._right = pairs_by_band(np.concatenate(self._band_keys, axis=1),
                                                    np.concatenate(self._active))
        self._band_keys, self._active = [], []

    def entries(self, measured: pa.Table) -> pa.Table:
        if "_signature" not in measured.column_names:
            return pa.table({"_band": pa.array([], pa.int16()), "_key": pa.array([], pa.uint64()),
                             POSITION: pa.array([], pa.int64())})
        active = measured.column("_shingles").to_numpy() > 0
        band, keys, row = band_entries(_signature_rows(measured, self.num_perm), active, self.bands, self.rows)
        positions = measured.column(POSITION).to_numpy()
        return pa.table({"_band": band, "_key": keys, POSITION: positions[row]})

    def pairs_among(self, entries: pa.Table) -> pa.Table:
        pairs = pairs_of_equal_keys(entries.column("_band").to_numpy(), entries.column("_key").to_numpy(),
                                    entries.column(POSITION).to_numpy())
        return pa.table({"_pair": pairs})

    def adopt_pairs(self, pairs: list[pa.Table]) -> None:
        found = [t.column("_pair").to_numpy() for t in pairs if t.num_rows]
        packed = np.unique(np.concatenate(found)) if found else np.zeros(0, np.int64)
        self._left, self._right = packed >> np.int64(32), packed & np.int64(0xFFFFFFFF)

    def paired(self) -> np.ndarray:
        return np.unique(np.concatenate([self._left, self._right]))

    def adopt_rows(self, measured: list[pa.Table]) -> None:
        measured = [t for t in measured if t.num_rows]
        if measured and len(self._left):
            rows = pa.concat_tables(measured)
            merit = rows.column("_merit").to_numpy() if self.keep != "first" else None
            self._settle_among(rows.column(POSITION).to_numpy(), _signature_rows(rows, self.num_perm), merit,
                               rows.column("id"), self._left, self._right)
        self._left = self._right = np.zeros(0, np.int64)

    def _settle_among(self, positions: np.ndarray, sig: np.ndarray, merit: np.ndarray | None, ids: pa.ChunkedArray,
                      left: np.ndarray, right: np.ndarray) -> None:
        """Decide from the paired rows alone (ascending `positions`, their signatures, merits and ids) and the
        candidate pairs (positions): a row in no pair is in no cluster, so it is kept and unlabelled."""
        if not len(positions):
            return
        clusters = self.clusters(sig, np.searchsorted(positions, left), np.searchsorted(positions, right), merit)
        if self.action == "group":
            grouped = clusters.grouped()
            survivors = pc.cast(ids.take(pa.array(clusters.survivor[grouped])), pa.string())
            self._labels = Labels(positions[grouped], survivors.combine_chunks())
        else:
            self._explain(clusters, positions, ids)

    def decide(self, batch: pa.Table) -> Verdicts:
        if self.action != "group":
            return self._drops.next_verdicts(batch)
        labels = self._labels.next_labels(batch.num_rows)
        if CLUSTER_COLUMN in batch.column_names:
            return Verdicts(batch.set_column(batch.schema.get_field_index(CLUSTER_COLUMN), CLUSTER_COLUMN, labels))
        return Verdicts(batch.append_column(CLUSTER_COLUMN, labels))

    def _explain(self, clusters: Clusters, positions: np.ndarray, ids: pa.ChunkedArray) -> None:
        """The reason and survivor id of every dropped row (only their ids become Python strings)."""
        explained = list(clusters.explanations())
        if not explained:
            return
        rows, kept, via, jaccard = (list(column) for column in zip(*explained))
        names = ids.take(pa.array(kept + via)).to_pylist()
        kept_ids, via_ids = names[:len(kept)], names[len(kept):]
        on = ", ".join(self._keys)
        self._drops = Drops(positions[rows], [
            f"near-duplicate of {k}{'' if o == s else f' via {v}'} (estimated Jaccard {j:.2f}"
            f"{'' if o == s else f' with {v}'} >= {self.threshold:g} on {on})"
            for k, v, o, s, j in zip(kept_ids, via_ids, via, kept, jaccard)
        ], kept_ids)

    def clusters(self, sig: np.ndarray, left: np.ndarray, right: np.ndarray, merit: np.ndarray | None) -> Clusters:
        """Candidate pairs (rows of `sig`) -> verified pairs -> components -> survivor of each."""
        jaccard = estimated_jaccard(sig, left, right)
        similar = jaccard >= self.threshold
        left, right, jaccard = left[similar], right[similar], jaccard[similar]
        root = connected_components(len(sig), left, right)
        return Clusters(sig, root, self._survivors(root, merit), left, right, jaccard, self.threshold)

    def _survivors(self, root: np.ndarray, merit: np.ndarray | None) -> np.ndarray:
        """Per row, the row that stays for its cluster (roots are each cluster's first row)."""
        if self.keep == "first":
            return root
        order = np.lexsort((np.arange(len(root)), -merit, root))  # by cluster, best, then first
        starts = np.r_[True, root[order][1:] != root[order][:-1]]
        best = np.empty(len(root), dtype=np.int64)
        best[root[order][starts]] = order[starts]
        return best[root]

    def _merit(self, batch: pa.Table) -> np.ndarray:
        """What `keep` ranks a cluster's rows by: the most text in the whole row, or the score field."""
        if self.keep == "highest":
            return self._scores(batch)
        merit = np.zeros(batch.num_rows, dtype=np.float64)
        for name in text_fields(batch):  # the most text in the whole row, as in ExactDedup
            lengths = pc.utf8_length(pc.cast(batch.column(name), pa.large_string()))
            merit += pc.fill_null(lengths, 0).to_numpy(zero_copy_only=False)
        return merit

    def _scores(self, table: pa.Table) -> np.ndarray:
        name = self.score_field
        if name not in table.column_names:
            raise UserError(
                f"score_field {name!r} is not in the data (fields: {', '.join(table.column_names)}); "
                "set score_field to a numeric column, e.g. judge_score"
            )
        try:
            scores = pc.cast(table.column(name), pa.float64())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            raise UserError(
                f"score_field {name!r} holds {table.schema.field(name).type} values, not numbers; "
                "name a numeric column"
            ) from None
        return pc.fill_null(scores, -np.inf).to_numpy(zero_copy_only=False)


def _signature_rows(measured: pa.Table, num_perm: int) -> np.ndarray:
    """The `_signature` column of measures as a (rows, num_perm) uint32 array."""
    return measured.column("_signature").combine_chunks().flatten().to_numpy().reshape(-1, num_perm)


class Labels:
    """The cluster label of the rows in clusters (ascending positions, each with its survivor's id), handed
    out batch by batch as a column that is null for every other row."""

    def __init__(self, rows: np.ndarray | None = None, labels: pa.Array | None = None):
        self.rows = np.zeros(0, np.int64) if rows is None else rows
        self.labels = pa.array([], pa.string()) if labels is None else labels
        self._cursor = 0

    def next_labels(self, n: int) -> pa.Array:
        """The labels of the next `n` rows."""
        start, self._cursor = self._cursor, self._cursor + n
        lo, hi = np.searchsorted(self.rows, [start, start + n])
        picks = np.full(n, -1, dtype=np.int64)
        picks[self.rows[lo:hi] - start] = np.arange(lo, hi)
        return self.labels.take(pa.array(picks, mask=picks < 0))


class Clusters:
    """The clusters found in a table: per row its component root and survivor, and the verified pairs."""

    def __init__(self, sig, root, survivor, left, right, jaccard, threshold):
        self.sig, self.root, self.survivor = sig, root, survivor
        self.left, self.right, self.jaccard, self.threshold = left, right, jaccard, threshold

    def grouped(self) -> np.ndarray:
        """True for rows in a cluster of two or more."""
        return np.bincount(self.root, minlength=len(self.root))[self.root] >= 2

    def explanations(self):
        """(row, survivor, row it is linked through, estimated Jaccard) for every row that is not kept.

        The Jaccard is the row's own with the survivor when that reaches the threshold; otherwise the
        cluster holds the row through a chain of pairs, and its most similar verified partner is named.
        """
        dropped = np.flatnonzero(self.survivor != np.arange(len(self.survivor)))
        if len(dropped) == 0:
            return []
        kept = self.survivor[dropped]
        direct = estimated_jaccard(self.sig, dropped, kept)
        partner, partner_jaccard = self._best_partners(len(self.survivor))
        via = np.where(direct >= self.threshold, kept, partner[dropped])
        shown = np.where(direct >= self.threshold, direct, partner_jaccard[dropped])
        return zip(dropped.tolist(), kept.tolist(), via.tolist(), shown.tolist())

    def _best_partners(self, size: int) -> tuple[np.ndarray, np.ndarray]:
        """Per row, its most similar verified partner and their estimated Jaccard."""
        ends = np.concatenate([self.left, self.right])
        others = np.concatenate([self.right, self.left])
        scores = np.concatenate([self.jaccard, self.jaccard])
        order = np.lexsort((others, -scores, ends))
        firsts = order[np.r_[True, ends[order][1:] != ends[order][:-1]]] if len(order) else order
        partner = np.arange(size)
        best = np.zeros(size, dtype=np.float64)
        partner[ends[firsts]], best[ends[firsts]] = others[firsts], scores[firsts]
        return partner, best
