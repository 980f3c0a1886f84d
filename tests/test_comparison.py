"""Paired wave comparison, checked against numpy/scipy computed independently."""

from __future__ import annotations

import random

import numpy as np
import pytest
from scipy import stats

from plugins.comparison.statistics import compare_waves, paired_means
from surveys.core.contracts import ScoreRow


def rows(wave_id, values, scale="total"):
    return [ScoreRow(code, wave_id, f"w{wave_id}", "input", "gad7", scale, value) for code, value in values.items()]


def test_paired_means_match_numpy_and_scipy_on_random_data():
    rng = random.Random(7)
    before = {f"p{n}": rng.randint(0, 21) for n in range(40)}
    after = {f"p{n}": rng.randint(0, 21) for n in range(5, 45)}
    n, mb, ma, md = paired_means(before, after)
    common = sorted(set(before) & set(after))
    b = np.array([before[c] for c in common], dtype=float)
    a = np.array([after[c] for c in common], dtype=float)
    assert n == len(common) == 35
    assert mb == pytest.approx(b.mean()) and ma == pytest.approx(a.mean())
    assert md == pytest.approx((a - b).mean())
    # scipy's paired t statistic is mean difference / (sd / sqrt n): the same mean difference.
    t = stats.ttest_rel(a, b).statistic
    assert md == pytest.approx(t * (a - b).std(ddof=1) / np.sqrt(n))


def test_only_people_with_both_scores_are_paired_and_missing_scores_are_skipped():
    scores = (
        rows(1, {"a": 10, "b": 12, "c": 8, "d": 5, "e": 7, "f": 9})
        + rows(2, {"a": 8, "b": 11, "c": 8, "d": 4, "e": 5, "g": 1})
        + [ScoreRow("f", 2, "w2", "output", "gad7", "total", None)]
    )
    [summary] = compare_waves(scores, 1, 2)
    assert summary.n == 5
    assert summary.mean_before == pytest.approx(np.mean([10, 12, 8, 5, 7]))
    assert summary.mean_difference == pytest.approx(np.mean([-2, -1, 0, -1, -2]))


def test_groups_under_five_are_hidden():
    scores = rows(1, {"a": 1, "b": 2, "c": 3, "d": 4}) + rows(2, {"a": 2, "b": 2, "c": 3, "d": 4})
    [summary] = compare_waves(scores, 1, 2)
    assert summary.n == 4 and summary.hidden and summary.mean_before is None
