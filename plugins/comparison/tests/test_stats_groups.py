"""Independent-groups comparison and Spearman correlations, checked against scipy and by counting."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from plugins.comparison.stats_groups import category_codes, cliffs_delta, mann_whitney, spearman

BEFORE = [12, 15, 9, 14, 11, 13, 16, 10, 12, 14, 15, 13]
AFTER = [10, 11, 9, 12, 8, 13, 10, 9, 11, 12, 7]


def counted_u(after, before):
    """U of the after sample: pairs with after > before, ties counting ½."""
    return sum(1.0 if a > b else 0.5 if a == b else 0.0 for a in after for b in before)


def test_mann_whitney_matches_scipy_and_counting():
    result = mann_whitney(AFTER, BEFORE)
    expected = stats.mannwhitneyu(np.array(AFTER, float), np.array(BEFORE, float), alternative="two-sided")
    assert result["mann_whitney_u"] == expected.statistic == counted_u(AFTER, BEFORE)
    assert result["p"] == pytest.approx(expected.pvalue)
    assert result["p"] < 0.05


def test_cliffs_delta_by_counting_and_from_u():
    greater = sum(a > b for a in AFTER for b in BEFORE)
    less = sum(a < b for a in AFTER for b in BEFORE)
    n = len(AFTER) * len(BEFORE)
    assert cliffs_delta(AFTER, BEFORE) == pytest.approx((greater - less) / n)
    assert cliffs_delta(AFTER, BEFORE) == pytest.approx(2 * counted_u(AFTER, BEFORE) / n - 1)
    assert cliffs_delta([1, 2], [1, 2]) == 0.0 and cliffs_delta([3, 4], [1, 2]) == 1.0
    assert cliffs_delta([], [1]) is None and mann_whitney([1], []) is None


def test_spearman_matches_scipy_and_pearson_of_ranks():
    change = {f"p{i}": v for i, v in enumerate([-4, -1, -3, 0, -4, -3, -1, 0, -3, -4, 1, -2])}
    satisfaction = {f"p{i}": v for i, v in enumerate([8, 7, 9, 5, 8, 9, 6, 5, 9, 3, 8, 7])}
    result = spearman(change, satisfaction)
    x, y = np.array(list(change.values()), float), np.array(list(satisfaction.values()), float)
    expected = stats.spearmanr(x, y)
    assert result["rho"] == pytest.approx(expected.statistic)
    assert result["p"] == pytest.approx(expected.pvalue)
    assert result["rho"] == pytest.approx(np.corrcoef(stats.rankdata(x), stats.rankdata(y))[0, 1])
    assert result["n"] == 12 and result["small"] is False


def test_spearman_pairs_by_key_flags_small_n_and_hides_tiny_ones():
    x = {"a": 1, "b": 2, "c": 3, "d": 4, "e": 5, "f": 6, "g": None}
    y = {"a": 2, "b": 1, "c": 4, "d": 3, "e": 6, "f": None, "h": 1}
    result = spearman(x, y)
    assert result["n"] == 5 and result["small"] is True
    assert result["rho"] == pytest.approx(stats.spearmanr([1, 2, 3, 4, 5], [2, 1, 4, 3, 6]).statistic)
    assert spearman(x, y, min_group=6) == {"rho": None, "p": None, "n": 5, "small": True}
    assert spearman({"a": 1, "b": 1, "c": 1, "d": 1, "e": 1}, x)["rho"] is None  # a constant


def test_category_codes_sorted_or_in_a_given_order():
    assert category_codes(["учитель–ученик", "ученик–ученик", None, "ученик–ученик"]) == {
        "ученик–ученик": 0,
        "учитель–ученик": 1,
    }
    assert category_codes(["low", "high", "mid"], order=["low", "mid", "high", "extra"]) == {
        "low": 0,
        "mid": 1,
        "high": 2,
    }
