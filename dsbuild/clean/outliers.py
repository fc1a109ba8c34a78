"""Length outliers by IQR or z-score, computed on log length (text lengths are heavily skewed)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import UserError
from .base import TwoPassRule, Verdicts, as_list, rows_only


class LengthOutliers(TwoPassRule):
    """Drop rows whose field length is far from the rest: beyond `k` IQRs (or `k` std devs).

    Fences are computed on log(1 + chars) over the non-empty values of each field, and reported in
    characters. Fields with fewer than `min_rows` values are left alone: too few to call anything
    an outlier. The spread (IQR or std) never counts as less than `min_spread` log units, so a field
    whose lengths are nearly all equal does not turn every small difference into an outlier.
    """

    def __init__(
        self,
        fields: str | Sequence[str] | None = None,
        method: str = "iqr",
        k: float = 3.0,
        min_rows: int = 20,
        min_spread: float = 0.5,
    ):
        if method not in ("iqr", "zscore"):
            raise UserError(f"LengthOutliers.method must be 'iqr' or 'zscore', not {method!r}")
        self.fields, self.method, self.k, self.min_rows = as_list(fields), method, k, min_rows
        self.min_spread = min_spread
        self.begin()

    def begin(self) -> None:
        self._lengths: dict[str, list[np.ndarray]] = {}
        self._fences_by_field: dict[str, tuple[float, float]] = {}

    def measure(self, batch: pa.Table) -> pa.Table:
        fields = self.resolve_fields(batch)
        return pa.table({name: _lengths(batch, name) for name in fields}) if fields else rows_only(batch.num_rows)

    def take(self, measured: pa.Table) -> None:
        for name in measured.column_names:
            if name != "_row":
                self._lengths.setdefault(name, []).append(measured.column(name).to_numpy())

    def settle(self) -> None:
        for name, parts in self._lengths.items():
            lengths = np.concatenate(parts)
            present = lengths[lengths > 0]
            if len(present) >= self.min_rows:  # too few values to call anything an outlier
                self._fences_by_field[name] = self._fences(np.log1p(present.astype(np.float64)))
        self._lengths = {}

    def decide(self, batch: pa.Table) -> Verdicts:
        reasons: list[str | None] = [None] * batch.num_rows
        for name, (low, high) in self._fences_by_field.items():
            lengths = _lengths(batch, name)
            logs = np.log1p(lengths.astype(np.float64))
            for i in np.flatnonzero((lengths > 0) & ((logs < low) | (logs > high))):
                if reasons[i] is None:
                    side = "above" if logs[i] > high else "below"
                    fence = math.expm1(high if side == "above" else low)
                    reasons[i] = (
                        f"{name} length {lengths[i]} is {side} the {self.method} fence "
                        f"{max(fence, 0):.0f} chars (k={self.k:g})"
                    )
        return Verdicts(batch, reasons)

    def _fences(self, values: np.ndarray) -> tuple[float, float]:
        if self.method == "iqr":
            q1, q3 = np.percentile(values, [25, 75])
            spread = max(q3 - q1, self.min_spread)
            return q1 - self.k * spread, q3 + self.k * spread
        mean, std = float(values.mean()), max(float(values.std()), self.min_spread)
        return mean - self.k * std, mean + self.k * std


def _lengths(batch: pa.Table, name: str) -> np.ndarray:
    """Characters of each value of `name` (0 for null)."""
    return pc.fill_null(pc.utf8_length(batch.column(name)), 0).to_numpy(zero_copy_only=False)
