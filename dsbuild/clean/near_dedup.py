"""Near-duplicate rows by MinHash + LSH: drop all but one row of each cluster, or label the clusters.

Rows are compared on their shingle sets (see dsbuild.clean.shingles): two rows are near-duplicates
when their estimated Jaccard similarity, from MinHash signatures, reaches `threshold`. Candidate pairs
come from LSH banding and are each verified on the signatures; clusters are the connected components
of the verified pairs. One row per cluster survives (`keep`): the first in input order, the one with
the most text, or the one with the highest `score_field` (e.g. a judge score); ties go to the first.

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
from .base import Rule, Verdicts, as_list
from .clusters import connected_components
from .minhash import candidate_pairs, check_bands, estimated_jaccard, signatures
from .shingles import ShingleSpec, joined_text

CLUSTER_COLUMN = NEAR_DUP_CLUSTER
KEEP = ("first", "longest", "highest")
ACTIONS = ("drop", "group")


class NearDedup(Rule):
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

    def run(self, table: pa.Table) -> Verdicts:
        fields = self.resolve_fields(table)
        n = table.num_rows
        clusters = self.clusters(table, fields) if n and fields else None
        if self.action == "group":
            return Verdicts(self._with_cluster_column(table, clusters))
        reasons: list[str | None] = [None] * n
        duplicate_of: list[str | None] = [None] * n
        if clusters is not None:
            ids = table.column("id").to_pylist()
            on = ", ".join(fields)
            for row, kept, other, jaccard in clusters.explanations():
                via = "" if other == kept else f" via {ids[other]}"
                with_other = "" if other == kept else f" with {ids[other]}"
                reasons[row] = (
                    f"near-duplicate of {ids[kept]}{via} (estimated Jaccard {jaccard:.2f}{with_other} "
                    f">= {self.threshold:g} on {on})"
                )
                duplicate_of[row] = ids[kept]
        return Verdicts(table, reasons, duplicate_of)

    def clusters(self, table: pa.Table, fields: list[str]) -> Clusters:
        """Signatures -> LSH candidates -> verified pairs -> components -> survivor of each."""
        sig, counts = signatures(joined_text(table, fields), self.spec, self.num_perm)
        left, right = candidate_pairs(sig, counts > 0, self.bands, self.rows)
        jaccard = estimated_jaccard(sig, left, right)
        similar = jaccard >= self.threshold
        left, right, jaccard = left[similar], right[similar], jaccard[similar]
        root = connected_components(table.num_rows, left, right)
        survivor = self._survivors(table, root)
        return Clusters(sig, root, survivor, left, right, jaccard, self.threshold)

    def _survivors(self, table: pa.Table, root: np.ndarray) -> np.ndarray:
        """Per row, the row that stays for its cluster (roots are each cluster's first row)."""
        if self.keep == "first":
            return root
        if self.keep == "longest":
            merit = np.zeros(table.num_rows, dtype=np.float64)
            for name in text_fields(table):  # the most text in the whole row, as in ExactDedup
                lengths = pc.utf8_length(pc.cast(table.column(name), pa.large_string()))
                merit += pc.fill_null(lengths, 0).to_numpy(zero_copy_only=False)
        else:
            merit = self._scores(table)
        order = np.lexsort((np.arange(table.num_rows), -merit, root))  # by cluster, best, then first
        starts = np.r_[True, root[order][1:] != root[order][:-1]]
        best = np.empty(table.num_rows, dtype=np.int64)
        best[root[order][starts]] = order[starts]
        return best[root]

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

    def _with_cluster_column(self, table: pa.Table, clusters: Clusters | None) -> pa.Table:
        labels = pa.nulls(table.num_rows, pa.string())
        if clusters is not None:
            grouped = clusters.grouped()
            if grouped.any():
                kept_ids = table.column("id").take(pa.array(clusters.survivor))
                labels = pc.if_else(pa.array(grouped), kept_ids, pa.scalar(None, pa.string()))
        labels = pc.cast(labels, pa.string())
        if CLUSTER_COLUMN in table.column_names:
            return table.set_column(table.schema.get_field_index(CLUSTER_COLUMN), CLUSTER_COLUMN, labels)
        return table.append_column(CLUSTER_COLUMN, labels)


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
