"""Rows unlike the rest, found by an IsolationForest over quality features, each with the reason why.

An IsolationForest scores how easily random splits isolate a row; it says "odd", not what is odd. So
the reason names the features on which the row is furthest from typical rows, in robust z-scores
(distance from the median in units of the median absolute deviation), next to the typical value:
"outlier (isolation score -0.21): response.digit_ratio 0.62 (typical 0.01), response.length 3 chars
(typical 180)". Typical values come from rows written in the same script (mostly CJK or not), so a
Chinese row is not explained by being Chinese in mostly English data. Counts (length, words, word
length) enter the forest and the z-scores as log(1 + x): text lengths are heavily skewed.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
from sklearn.ensemble import IsolationForest

from ..errors import UserError
from . import quality_features
from .base import Drops, TwoPassRule, Verdicts, as_list, rows_only
from .quality_features import FEATURES

_COUNTS = {"length": "char", "words": "word", "mean_word_length": "char"}  # unit of each count feature
_NOTABLE_Z = 3.0  # further features are named only when at least this far from typical
_MIN_SPREAD = {"count": 0.1, "ratio": 0.02}  # on log(1 + x) and on ratios: no difference is smaller
_MIN_GROUP = 20  # a script group this small is compared with all rows instead


class IsolationOutliers(TwoPassRule):
    """Drop the rows an IsolationForest isolates, naming the features that set each one apart.

    `features`: names from quality_features.FEATURES (for every field) or `field.name`; default all.
    `contamination`: the share of rows the forest flags, or "auto" (sklearn's score threshold). A
    flagged row is dropped only if some feature is at least `min_z` robust z-scores from typical
    (0 drops every flagged row): a row typical in every feature cannot be explained. Below `min_rows`
    rows nothing is dropped. The same data and `seed` drop the same rows.
    """

    def __init__(
        self,
        fields: str | Sequence[str] | None = None,
        features: Sequence[str] | None = None,
        contamination: float | str = 0.01,
        n_estimators: int = 100,
        seed: int = 0,
        min_rows: int = 100,
        explain: int = 3,
        min_z: float = 3.0,
    ):
        if contamination != "auto" and not (
            isinstance(contamination, (int, float)) and not isinstance(contamination, bool)
            and 0 < contamination <= 0.5
        ):
            raise UserError(
                f"IsolationOutliers.contamination must be a share in (0, 0.5] or 'auto', not {contamination!r}"
            )
        if not isinstance(n_estimators, int) or n_estimators < 1:
            raise UserError(f"IsolationOutliers.n_estimators must be a whole number >= 1, not {n_estimators!r}")
        if not isinstance(explain, int) or explain < 1:
            raise UserError(f"IsolationOutliers.explain must be a whole number >= 1, not {explain!r}")
        if isinstance(min_z, bool) or not isinstance(min_z, (int, float)) or min_z < 0:
            raise UserError(f"IsolationOutliers.min_z must be a number >= 0, not {min_z!r}")
        self.fields, self.features = as_list(fields), as_list(features)
        self.contamination, self.n_estimators, self.seed = contamination, n_estimators, seed
        self.min_rows, self.explain, self.min_z = min_rows, explain, min_z
        for name in self.features or []:
            if name.rpartition(".")[2] not in FEATURES:
                raise UserError(
                    f"IsolationOutliers.features: unknown feature {name!r}; use one of {', '.join(FEATURES)} "
                    "(for every field) or field.feature"
                )
        self.begin()

    def begin(self) -> None:
        self._chosen_names: list[str] | None = None
        self._values: dict[str, list[np.ndarray]] = {}
        self._rows = 0
        self._drops = Drops()

    def measure(self, batch: pa.Table) -> pa.Table:
        fields = self.resolve_fields(batch)
        if fields and self._chosen_names is None:
            self._chosen_names = self._chosen(fields)
        if not fields or not batch.num_rows:
            return rows_only(batch.num_rows)
        wanted = {name.rpartition(".")[2] for name in self._chosen_names} | {"letter_ratio", "cjk_ratio"}
        return pa.table(quality_features.features(batch, fields, [name for name in FEATURES if name in wanted]))

    def take(self, measured: pa.Table) -> None:
        self._rows += measured.num_rows
        for name in measured.column_names:
            if name != "_row":
                self._values.setdefault(name, []).append(measured.column(name).to_numpy())

    def settle(self) -> None:
        chosen, parts = self._chosen_names, self._values
        self._values = {}
        if self._rows < self.min_rows or not chosen:
            return
        values = {name: np.concatenate(columns) for name, columns in parts.items()}
        matrix = np.column_stack([_scaled(name, values[name]) for name in chosen]).astype(np.float32)
        forest = IsolationForest(
            n_estimators=self.n_estimators, contamination=self.contamination, random_state=self.seed
        ).fit(matrix)
        scores = forest.decision_function(matrix)
        explainer = _Explainer(chosen, values, matrix)
        dropped, reasons = [], []
        for i in np.flatnonzero(scores < 0).tolist():
            distances = explainer.distances(i)
            if distances[0][0] >= self.min_z:
                dropped.append(i)
                why = explainer.explain(i, distances, self.explain)
                reasons.append(f"outlier (isolation score {scores[i]:.2f}): {why}")
        self._drops = Drops(dropped, reasons)

    def decide(self, batch: pa.Table) -> Verdicts:
        return self._drops.next_verdicts(batch)

    def _chosen(self, fields: list[str]) -> list[str]:
        """`field.feature` names the forest uses, in field order."""
        if self.features is None:
            return [f"{field}.{name}" for field in fields for name in FEATURES]
        chosen = []
        for name in self.features:
            field, _, feature = name.rpartition(".")
            if field and field not in fields:
                raise UserError(
                    f"IsolationOutliers.features: {name!r} names field {field!r}, which the rule does not read "
                    f"(fields: {', '.join(fields)}); add it to `fields` or drop the feature"
                )
            chosen += [name] if field else [f"{f}.{feature}" for f in fields]
        return list(dict.fromkeys(chosen))


class _Explainer:
    """Median and spread of each feature among rows of each script, to say how far a row is from typical."""

    def __init__(self, names: list[str], values: dict[str, np.ndarray], matrix: np.ndarray):
        self.names, self.values, self.matrix = names, values, matrix
        self.group, self.stats = {}, {}
        for j, name in enumerate(names):
            field = name.rpartition(".")[0]
            if field not in self.group:
                letters = values[f"{field}.letter_ratio"]
                self.group[field] = 2 * values[f"{field}.cjk_ratio"] > letters
            group = self.group[field]
            self.stats[name] = [self._stats(j, name, group == side) for side in (False, True)]

    def _stats(self, j: int, name: str, rows: np.ndarray) -> tuple[float, float, float]:
        """(median on the model's scale, spread there, median raw value) over `rows`, or all if too few."""
        if rows.sum() < _MIN_GROUP:
            rows = np.ones(len(rows), dtype=bool)
        scaled, raw = self.matrix[rows, j].astype(np.float64), self.values[name][rows]
        median = float(np.median(scaled))
        deviation = np.abs(scaled - median)
        spread = 1.4826 * float(np.median(deviation)) or 1.2533 * float(deviation.mean())
        kind = "count" if name.rpartition(".")[2] in _COUNTS else "ratio"
        return median, max(spread, _MIN_SPREAD[kind]), float(np.median(raw))

    def distances(self, i: int) -> list[tuple[float, str, float]]:
        """(robust z-score, feature, typical value) of row `i` for every feature, furthest first."""
        distances = []
        for j, name in enumerate(self.names):
            median, spread, typical = self.stats[name][int(self.group[name.rpartition(".")[0]][i])]
            distances.append((abs(float(self.matrix[i, j]) - median) / spread, name, typical))
        return sorted(distances, key=lambda d: -d[0])

    def explain(self, i: int, distances: list[tuple[float, str, float]], most: int) -> str:
        """The furthest feature, then up to `most` in all that are _NOTABLE_Z or more from typical."""
        notable = [d for d in distances[:most] if d is distances[0] or d[0] >= _NOTABLE_Z]
        return ", ".join(
            f"{name} {_format(name, self.values[name][i])} (typical {_format(name, typical)})"
            for _, name, typical in notable
        )


def _scaled(name: str, values: np.ndarray) -> np.ndarray:
    return np.log1p(values) if name.rpartition(".")[2] in _COUNTS else values


def _format(name: str, value: float) -> str:
    """`0.62` for a ratio, `180 chars` / `1 word` for a count, `4.5 chars` for the mean word length."""
    feature = name.rpartition(".")[2]
    if feature not in _COUNTS:
        return f"{value:.2g}"
    number = f"{value:.1f}" if feature == "mean_word_length" else f"{value:.0f}"
    return f"{number} {_COUNTS[feature]}{'' if number == '1' else 's'}"
