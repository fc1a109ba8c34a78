"""The error rate of a whole dataset estimated from a reviewed random sample, with a Wilson interval.

Wilson's score interval stays inside [0, 1] and keeps close to its stated coverage for small samples
and rates near 0, where the usual p ± z·sqrt(p(1-p)/n) collapses to a width of zero.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

Z_95 = 1.959963984540054  # two-sided 95% normal quantile


@dataclass(frozen=True)
class Estimate:
    """rejected / reviewed with its interval, and what that means for a dataset of `rows` rows."""

    reviewed: int
    rejected: int
    rows: int
    rate: float
    low: float
    high: float

    def bad_rows(self) -> tuple[int, int, int]:
        """Estimated bad rows in the dataset: (estimate, low, high), rounded."""
        return round(self.rate * self.rows), round(self.low * self.rows), round(self.high * self.rows)


def wilson_interval(successes: int, n: int, z: float = Z_95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion successes / n (n > 0)."""
    p = successes / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def estimate_errors(rejected: int, reviewed: int, rows: int) -> Estimate:
    """The dataset's error rate from `rejected` of `reviewed` sampled rows, for `rows` rows in all."""
    low, high = wilson_interval(rejected, reviewed)
    return Estimate(reviewed=reviewed, rejected=rejected, rows=rows, rate=rejected / reviewed, low=low, high=high)
