"""Paired statistics, each checked against scipy computed independently in the test, or by hand."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy import stats

from plugins.comparison.stats_paired import (
    ALL_ZERO,
    NO_VARIANCE,
    ONE_PAIR,
    cohens_dz,
    holm,
    mean_difference,
    paired_summary,
    paired_t,
    pratt_null_counts,
    rank_biserial,
    wilcoxon_pratt,
)

# 15 pairs with a known effect (scores mostly fall), ties in |d| and two zero differences.
BEFORE = np.array([14, 12, 15, 9, 11, 13, 10, 16, 12, 8, 13, 15, 11, 10, 14], dtype=float)
AFTER = np.array([10, 11, 12, 9, 8, 10, 10, 12, 9, 9, 11, 11, 7, 8, 13], dtype=float)


def scipy_exact_pratt(d):
    """scipy's own permutation version of the Pratt test: exact when it enumerates all 2^n sign patterns."""
    return stats.wilcoxon(d, zero_method="pratt", method=stats.PermutationMethod(n_resamples=2 ** len(d) + 1))


def test_descriptives_and_mean_difference_interval_match_numpy_and_scipy():
    result = paired_summary(BEFORE, AFTER)
    d = AFTER - BEFORE
    assert result["n_pairs"] == 15 and not result["hidden"] and result["reason"] is None
    assert result["before"] == {"mean": pytest.approx(BEFORE.mean()), "median": np.median(BEFORE), "n": 15}
    assert result["after"] == {"mean": pytest.approx(AFTER.mean()), "median": np.median(AFTER), "n": 15}
    low, high = stats.t.interval(0.95, df=14, loc=d.mean(), scale=stats.sem(d))
    assert result["difference"] == {
        "mean": pytest.approx(d.mean()),
        "ci_low": pytest.approx(low),
        "ci_high": pytest.approx(high),
    }
    assert result["difference"]["ci_high"] < 0  # the known effect: a clear fall


def test_paired_t_matches_scipy_ttest_rel():
    expected = stats.ttest_rel(AFTER, BEFORE)
    result = paired_t(AFTER - BEFORE)
    assert result["t"] == pytest.approx(expected.statistic)
    assert result["p"] == pytest.approx(expected.pvalue)
    assert result["df"] == 14 == expected.df


def test_d_z_is_mean_over_sd_of_differences_and_t_over_root_n():
    d = AFTER - BEFORE
    assert cohens_dz(d) == pytest.approx(d.mean() / d.std(ddof=1))
    assert cohens_dz(d) == pytest.approx(stats.ttest_rel(AFTER, BEFORE).statistic / math.sqrt(15))


def test_wilcoxon_with_ties_and_zeros_is_exact_and_matches_scipy_permutation():
    d = AFTER - BEFORE
    assert np.sum(d == 0) == 2 and len(set(np.abs(d))) < len(d)
    expected = scipy_exact_pratt(d)
    result = wilcoxon_pratt(d)
    assert result["method"] == "exact"
    assert result["statistic"] == pytest.approx(expected.statistic)
    assert result["p"] == pytest.approx(expected.pvalue, rel=1e-9)
    assert result["p"] < 0.01


@pytest.mark.parametrize("seed", range(6))
def test_wilcoxon_small_samples_with_ties_match_scipy_default(seed):
    # scipy's default for n ≤ 13 with ties or zeros is the exact permutation distribution.
    rng = np.random.default_rng(seed)
    d = rng.integers(-3, 4, size=int(rng.integers(4, 14))).astype(float)
    d[0] = 2.0  # at least one non-zero difference
    expected = stats.wilcoxon(d, zero_method="pratt")
    result = wilcoxon_pratt(d)
    assert result["statistic"] == pytest.approx(expected.statistic)
    assert result["p"] == pytest.approx(expected.pvalue, rel=1e-9)


def test_wilcoxon_without_ties_or_zeros_matches_scipy_exact():
    d = np.array([1.5, -0.5, 2.25, 3.0, -1.25, 4.0, 0.75, 2.5, -2.75, 5.0, 3.5, 1.0, 6.0, 4.5, -0.25, 5.5, 7.0])
    expected = stats.wilcoxon(d, zero_method="pratt", method="exact")
    result = wilcoxon_pratt(d)
    assert result["method"] == "exact"
    assert result["statistic"] == expected.statistic
    assert result["p"] == pytest.approx(expected.pvalue, rel=1e-9)


def enumerated_pratt_p(d):
    """Two-sided p of T+ by listing all 2^n sign patterns with numpy (zeros ranked, then left out; ties averaged)."""
    r = stats.rankdata(np.abs(d))
    nonzero = r[d != 0]
    patterns = np.arange(2 ** len(nonzero))
    t_plus = np.zeros(len(patterns))
    for i, rank in enumerate(nonzero):
        t_plus += ((patterns >> i) & 1) * rank
    observed = r[d > 0].sum()
    return min(1.0, 2 * min(np.mean(t_plus <= observed + 1e-9), np.mean(t_plus >= observed - 1e-9)))


def test_wilcoxon_exact_at_fourteen_pairs_with_ties_matches_scipy_permutation():
    d = np.random.default_rng(14).integers(-4, 5, size=14).astype(float)
    result = wilcoxon_pratt(d)
    assert result["method"] == "exact"
    assert result["p"] == pytest.approx(scipy_exact_pratt(d).pvalue, rel=1e-9)


@pytest.mark.parametrize("n", [17, 20])
def test_wilcoxon_exact_up_to_twenty_pairs_matches_full_enumeration(n):
    # scipy's permutation test takes minutes at n = 20; listing the 2^n patterns with numpy takes a second.
    d = np.random.default_rng(n).integers(-4, 5, size=n).astype(float)
    assert np.any(d == 0) and len(set(np.abs(d))) < n
    result = wilcoxon_pratt(d)
    assert result["method"] == "exact"
    assert result["p"] == pytest.approx(enumerated_pratt_p(d), rel=1e-9)


@pytest.mark.parametrize("seed", range(4))
def test_wilcoxon_normal_approximation_above_twenty_pairs_matches_scipy(seed):
    rng = np.random.default_rng(100 + seed)
    d = rng.integers(-4, 6, size=21 + 7 * seed).astype(float)  # ties and zeros
    assert np.any(d == 0)
    expected = stats.wilcoxon(d, zero_method="pratt", method="asymptotic", correction=False)
    result = wilcoxon_pratt(d)
    assert result["method"] == "normal"
    assert result["statistic"] == pytest.approx(expected.statistic)
    assert result["p"] == pytest.approx(expected.pvalue, rel=1e-9)


def test_exact_null_distribution_counts_every_sign_pattern():
    # Ranks 1, 2.5, 2.5, 4 (doubled 2, 5, 5, 8): the DP must agree with listing all 16 sign patterns.
    doubled = [2, 5, 5, 8]
    counts = pratt_null_counts(doubled)
    listed = np.zeros(sum(doubled) + 1, dtype=int)
    for signs in itertools.product((0, 1), repeat=len(doubled)):
        listed[sum(s * r for s, r in zip(signs, doubled, strict=True))] += 1
    assert counts.tolist() == listed.tolist()
    assert counts.sum() == 16


def test_rank_biserial_by_hand_with_a_zero_difference():
    # d = 2, −1, 0, 3, 3. |d| ranked with the zero: 0 → 1, 1 → 2, 2 → 3, 3 and 3 → 4.5 each (sum 15).
    # T+ = 3 + 4.5 + 4.5 = 12, T− = 2, so r = (12 − 2) / 15 = 2/3; the zero's rank dilutes r.
    assert rank_biserial([2, -1, 0, 3, 3]) == pytest.approx(2 / 3)
    # Without zeros it is (T+ − T−) / (n(n + 1)/2) with T+ = 21 − T−; here T− = rank(−1) + rank(−5) = 1 + 5
    # is the smaller sum, scipy's two-sided statistic.
    d = np.array([2.0, -1.0, 3.0, 4.0, -5.0, 6.0])
    t_minus = stats.wilcoxon(d).statistic
    assert t_minus == 6
    assert rank_biserial(d) == pytest.approx((21 - 2 * t_minus) / 21)


def test_holm_against_a_hand_computed_example():
    # Sorted 0.005, 0.01, 0.03, 0.04 times 4, 3, 2, 1: 0.02, 0.03, 0.06, 0.04 → running max 0.02, 0.03, 0.06, 0.06.
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    # None is skipped and not counted: m = 2.
    assert holm([None, 0.01, None, 0.04]) == [None, pytest.approx(0.02), None, pytest.approx(0.04)]
    assert holm([0.5, 0.6]) == [1.0, 1.0]
    assert holm([]) == [] and holm([None]) == [None]


def test_under_five_pairs_everything_is_hidden_but_n():
    result = paired_summary([10, 12, 9], [8, 11, 9])
    assert result["hidden"] and result["reason"] == "fewer than 5 pairs" and result["n_pairs"] == 3
    assert result["before"] == {"mean": None, "median": None, "n": 3}
    assert result["difference"] == {"mean": None, "ci_low": None, "ci_high": None}
    assert result["wilcoxon"] is result["t_test"] is result["d_z"] is result["rank_biserial"] is None
    assert paired_summary([], [])["reason"] == "no pairs"
    assert paired_summary([1, 2, 3, 4], [1, 2, 3, 5], min_group=4)["hidden"] is False  # configurable


def test_under_ten_pairs_only_descriptives():
    b, a = BEFORE[:7], AFTER[:7]
    result = paired_summary(b, a)
    assert not result["hidden"] and result["reason"] == "fewer than 10 pairs"
    assert result["before"]["median"] == np.median(b) and result["after"]["mean"] == pytest.approx(a.mean())
    assert result["difference"] == {"mean": pytest.approx((a - b).mean()), "ci_low": None, "ci_high": None}
    assert result["wilcoxon"] is result["t_test"] is result["d_z"] is result["rank_biserial"] is None


def test_one_pair():
    result = paired_summary([10], [7], min_group=1, min_pairs=1)
    assert result["n_pairs"] == 1 and result["difference"] == {"mean": -3.0, "ci_low": None, "ci_high": None}
    assert result["t_test"] is None and result["d_z"] is None and ONE_PAIR in result["reason"]
    assert result["wilcoxon"] == {"statistic": 0.0, "p": 1.0, "method": "exact"}  # 2 sign patterns: p = 2 · ½
    assert result["rank_biserial"] == -1.0


@pytest.mark.parametrize(("before", "after"), [([10, 12], [7, 11]), ([10, 12, 9], [7, 11, 9.5])])
def test_two_and_three_pairs_match_scipy(before, after):
    b, a = np.array(before, dtype=float), np.array(after, dtype=float)
    result = paired_summary(b, a, min_group=1, min_pairs=1)
    expected_t = stats.ttest_rel(a, b)
    assert result["t_test"]["t"] == pytest.approx(expected_t.statistic)
    assert result["t_test"]["p"] == pytest.approx(expected_t.pvalue)
    low, high = stats.t.interval(0.95, df=len(b) - 1, loc=(a - b).mean(), scale=stats.sem(a - b))
    assert (result["difference"]["ci_low"], result["difference"]["ci_high"]) == (
        pytest.approx(low),
        pytest.approx(high),
    )
    expected_w = stats.wilcoxon(a - b, zero_method="pratt", method="exact")
    assert result["wilcoxon"]["p"] == pytest.approx(expected_w.pvalue)
    assert result["reason"] is None


def test_all_differences_equal_leave_t_and_d_z_undefined():
    b = np.arange(12, dtype=float)
    result = paired_summary(b, b + 2)
    assert result["t_test"] is None and result["d_z"] is None and result["reason"] == NO_VARIANCE
    assert result["difference"] == {"mean": 2.0, "ci_low": None, "ci_high": None}
    # The signed-rank test is still defined: all 12 signs positive, p = 2 / 2^12.
    assert result["wilcoxon"]["p"] == pytest.approx(2 / 2**12)
    assert result["wilcoxon"]["p"] == pytest.approx(stats.wilcoxon(np.full(12, 2.0), zero_method="pratt").pvalue)
    assert result["rank_biserial"] == 1.0
    assert mean_difference([2.0, 2.0, 2.0])["ci_low"] is None


def test_all_differences_zero_leave_every_test_undefined():
    b = np.arange(10, dtype=float)
    result = paired_summary(b, b)
    assert result["wilcoxon"] is None and result["t_test"] is None and result["d_z"] is None
    assert result["reason"] == f"{NO_VARIANCE}; {ALL_ZERO}"
    assert result["rank_biserial"] == 0.0 and result["difference"]["mean"] == 0.0


def test_lengths_must_match():
    with pytest.raises(ValueError):
        paired_summary([1, 2], [1])


def test_equal_changes_tie_despite_floating_point():
    # 0.3 − 0.1 and 0.9 − 0.7 are both 0.2 on paper, but not in binary floating point.
    b = np.array([0.1, 0.7, 1.0, 2.0, 1.5, 0.4, 2.2, 1.1, 0.9, 1.3])
    a = np.array([0.3, 0.9, 0.5, 2.9, 1.5, 1.0, 2.7, 1.2, 1.6, 1.0])
    assert (a - b)[0] != (a - b)[1]
    d = np.round(a - b, 6)  # as scores are stored
    expected = stats.wilcoxon(d, zero_method="pratt")  # n = 10 with ties and a zero: scipy's exact permutation
    result = paired_summary(b, a)
    assert result["wilcoxon"]["statistic"] == pytest.approx(expected.statistic)
    assert result["wilcoxon"]["p"] == pytest.approx(expected.pvalue, rel=1e-9)
    assert result["rank_biserial"] == pytest.approx(rank_biserial(d))
