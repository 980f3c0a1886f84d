"""Independent-groups comparison, Spearman correlations and the rank tests between a factor's
categories, checked against scipy (called in the test on groups laid out by hand) and by counting."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from plugins.comparison.stats_groups import between_categories, cliffs_delta, mann_whitney, spearman

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


# ---- categorical factors: rank tests between the categories, checked against scipy called here -------

changes = st.lists(st.integers(-6, 6).map(float), min_size=5, max_size=12)


def _data(groups: dict[str, list[float]]) -> tuple[dict[str, float], dict[str, str]]:
    """Participant → change and participant → category from the groups as the test lays them out."""
    change, category = {}, {}
    for name, values in groups.items():
        for i, value in enumerate(values):
            change[f"{name}-{i}"], category[f"{name}-{i}"] = value, name
    return change, category


@settings(max_examples=60, deadline=None)
@given(st.lists(changes, min_size=3, max_size=5))
def test_kruskal_wallis_matches_scipy_and_epsilon_squared_by_its_formula(samples):
    names = [f"c{i}" for i in range(len(samples))]
    result = between_categories(*_data(dict(zip(names, samples, strict=True))))
    assert result["test"] == "kruskal_wallis" and result["df"] == len(samples) - 1
    assert result["n"] == sum(map(len, samples)) and result["left_out"] == [] and result["reason"] is None
    assert result["categories"] == [{"name": name, "n": len(s)} for name, s in zip(names, samples, strict=True)]
    if len({v for s in samples for v in s}) == 1:  # nothing varies: no test
        assert result["h"] is result["p"] is result["epsilon_squared"] is None
        return
    expected = stats.kruskal(*samples)
    n = sum(map(len, samples))
    assert result["h"] == pytest.approx(expected.statistic, abs=1e-12)
    assert result["p"] == pytest.approx(expected.pvalue, abs=1e-12)
    assert result["epsilon_squared"] == pytest.approx(expected.statistic / ((n**2 - 1) / (n + 1)), abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(changes, changes)
def test_mann_whitney_matches_scipy_and_names_the_category_with_larger_changes_first(one, other):
    result = between_categories(*_data({"a": one, "b": other}))
    assert result["test"] == "mann_whitney" and result["n"] == len(one) + len(other)
    if len(set(one + other)) == 1:
        assert result["u"] is result["p"] is result["rank_biserial"] is None
        return
    samples = {"a": one, "b": other}
    first, second = samples[result["first"]], samples[result["second"]]
    assert {result["first"], result["second"]} == {"a", "b"}
    expected = stats.mannwhitneyu(first, second, alternative="two-sided")
    assert result["u"] == pytest.approx(expected.statistic, abs=1e-12)
    assert result["p"] == pytest.approx(expected.pvalue, abs=1e-12)
    # r = 2U/(n1·n2) − 1 = P(first > second) − P(first < second): Cliff's delta counted pair by pair
    assert result["rank_biserial"] == pytest.approx(2 * expected.statistic / (len(one) * len(other)) - 1, abs=1e-12)
    assert result["rank_biserial"] == pytest.approx(cliffs_delta(first, second), abs=1e-12)
    assert result["rank_biserial"] >= 0


@settings(max_examples=40, deadline=None)
@given(changes, changes, changes)
def test_renaming_the_categories_against_their_alphabet_changes_nothing_but_the_names(one, other, third):
    # «a» < «b» < «c» in the alphabet, «я» > «ю» > «б»: the order of the names is reversed
    rename = {"a": "я", "b": "ю", "c": "б"}
    for groups in ({"a": one, "b": other}, {"a": one, "b": other, "c": third}):
        before = between_categories(*_data(groups))
        after = between_categories(*_data({rename[k]: v for k, v in groups.items()}))
        for key in ("test", "n", "p", "u", "rank_biserial", "h", "df", "epsilon_squared"):
            if before.get(key) is None:
                assert after.get(key) is None, key
            else:
                assert after.get(key) == pytest.approx(before.get(key), abs=1e-12), key
        if before["test"] == "mann_whitney" and before["u"] is not None and before["rank_biserial"] > 0:
            # the effect reads the same with the names: the same category is ahead, by the same r
            assert (after["first"], after["second"]) == (rename[before["first"]], rename[before["second"]])
        sizes = {rename[c["name"]]: c["n"] for c in before["categories"]}
        assert {c["name"]: c["n"] for c in after["categories"]} == sizes


def test_small_categories_are_left_out_by_name_and_the_rest_is_tested():
    groups = {"очная": [1, 2, 3, 4, 5, 6], "онлайн": [0, -1, 2, 0, 1], "смешанная": [3, 3, 4], "выезд": [9]}
    change, category = _data(groups)
    change["nobody"], change["no-change"], category["no-change"] = 2.0, None, "очная"  # no category; no change
    result = between_categories(change, category)
    assert result["left_out"] == ["выезд", "смешанная"] and result["n"] == 11 and result["small"] is False
    assert [c["name"] for c in result["categories"]] == ["онлайн", "очная"]
    expected = stats.mannwhitneyu(groups[result["first"]], groups[result["second"]], alternative="two-sided")
    assert result["test"] == "mann_whitney" and result["u"] == pytest.approx(expected.statistic, abs=1e-12)
    # with a higher threshold only one category is left: no test, and the reason says why
    none = between_categories(change, category, min_group=6)
    assert none["categories"] == [{"name": "очная", "n": 6}] and none["left_out"] == ["выезд", "онлайн", "смешанная"]
    assert none["test"] == "kruskal_wallis" and none["h"] is none["p"] is none["epsilon_squared"] is none["df"] is None
    assert none["reason"] == "fewer than two categories with at least 6 participants"
    two = between_categories(*_data({"a": [1, 2], "b": [3, 4, 5, 6, 7]}))
    assert two["test"] == "mann_whitney" and two["u"] is two["first"] is None and two["left_out"] == ["a"]
