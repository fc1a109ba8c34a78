"""The Wilson interval and the estimated bad rows, against numbers worked out by hand."""

import pytest

from dsbuild.review.estimate import estimate_errors, wilson_interval


def test_wilson_matches_a_hand_computation():
    # 4 of 40, z = 1.96: centre (0.1 + 3.8416/80) / (1 + 3.8416/40) = 0.13505,
    # half-width 1.96·sqrt(0.1·0.9/40 + 3.8416/6400) / 1.09604 = 0.09547
    low, high = wilson_interval(4, 40)
    assert low == pytest.approx(0.03958, abs=5e-5) and high == pytest.approx(0.23052, abs=5e-5)


def test_no_rejects_still_gives_an_upper_bound_and_all_rejects_a_lower_one():
    assert wilson_interval(0, 20) == (0.0, pytest.approx(0.16113, abs=5e-5))  # 1.96²/20 / (1 + 1.96²/20)
    low, high = wilson_interval(20, 20)
    assert high == 1.0 and low == pytest.approx(1 - 0.16113, abs=5e-5)


def test_bad_rows_scale_the_rate_and_interval_to_the_dataset():
    est = estimate_errors(rejected=4, reviewed=40, rows=1000)
    assert est.rate == 0.1 and est.bad_rows() == (100, 40, 231)
