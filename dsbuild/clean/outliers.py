"""Length outliers by IQR or z-score, computed on log length (text lengths are heavily skewed)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import UserError
from .base import Rule, Verdicts, as_list


class LengthOutliers(Rule):
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

    def run(self, table: pa.Table) -> Verdicts:
        reasons: list[str | None] = [None] * table.num_rows
        for name in self.resolve_fields(table):
            lengths = pc.fill_null(pc.utf8_length(table.column(name)), 0).to_numpy(zero_copy_only=False)
            present = lengths > 0
            if present.sum() < self.min_rows:
                continue
            logs = np.log1p(lengths.astype(np.float64))
            low, high = self._fences(logs[present])
            for i in np.flatnonzero(present & ((logs < low) | (logs > high))):
                if reasons[i] is None:
                    side = "above" if logs[i] > high else "below"
                    fence = math.expm1(high if side == "above" else low)
                    reasons[i] = (
                        f"{name} length {lengths[i]} is {side} the {self.method} fence "
                        f"{max(fence, 0):.0f} chars (k={self.k:g})"
                    )
        return Verdicts(table, reasons)

    def _fences(self, values: np.ndarray) -> tuple[float, float]:
        if self.method == "iqr":
            q1, q3 = np.percentile(values, [25, 75])
            spread = max(q3 - q1, self.min_spread)
            return q1 - self.k * spread, q3 + self.k * spread
        mean, std = float(values.mean()), max(float(values.std()), self.min_spread)
        return mean - self.k * std, mean + self.k * std
