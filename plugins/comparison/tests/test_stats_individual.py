"""Reliable change and band transitions: hand-computed cases, textbook formulas and scipy in the test."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from plugins.comparison.stats_individual import (
    INPUT_ALPHA,
    NO_DIRECTION,
    NO_RELIABILITY,
    NO_SPREAD,
    PUBLISHED,
    band_order,
    band_table,
    bowker,
    choose_reliability,
    classify,
    input_alpha,
    mcnemar,
    normal_band,
    rci_array,
    reliable_change,
    s_diff,
    symmetry_test,
)
from surveys.core.definitions import Band, Instrument, Scale
from surveys.core.text import Text

# SD of 10, 12, 14, 16, 18 (n − 1) is √10. With r = 0.8: SE = √10 · √0.2 = √2, S_diff = √2 · √2 = 2,
# so RCI = (after − before) / 2.
BEFORE = [10, 12, 14, 16, 18]
AFTER = [6, 12, 19, 15, 21]  # differences −4, 0, 5, −1, 3 → RCI −2, 0, 2.5, −0.5, 1.5


def bands(*spec) -> tuple[Band, ...]:
    return tuple(Band(id_, lo, hi, Text(label)) for id_, lo, hi, label in spec)


ANXIETY = Scale(
    "anxiety",
    Text("Тревожность"),
    ("a1", "a2"),
    higher_is="worse",
    bands=bands(("norm", 0, 4, "Норма"), ("raised", 5, 9, "Повышенная"), ("high", 10, 14, "Высокая")),
)
WELLBEING = Scale(
    "wellbeing",
    Text("Благополучие"),
    ("w1", "w2"),
    higher_is="better",
    bands=bands(("low", 0, 8, "Низкое"), ("ok", 9, 15, "Нормальное")),
)


def test_s_diff_and_rci_by_hand():
    assert s_diff(math.sqrt(10), 0.8) == pytest.approx(2.0)
    assert rci_array(BEFORE, AFTER, 0.8).tolist() == pytest.approx([-2.0, 0.0, 2.5, -0.5, 1.5])
    # A given SD overrides the sample's: SD 5, r 0.5 → SE = 5 · √0.5, S_diff = √2 · 5 · √0.5 = 5.
    assert rci_array([0, 0], [10, -4], 0.5, sd_before=5).tolist() == pytest.approx([2.0, -0.8])


def test_classes_follow_the_direction_of_the_scale():
    assert [classify(x, "worse") for x in (-2.0, 0.0, 2.5, -0.5, 1.5)] == [
        "improved",
        "no_change",
        "deteriorated",
        "no_change",
        "no_change",
    ]
    assert classify(2.5, "better") == "improved" and classify(-2.0, "better") == "deteriorated"
    assert classify(1.96, "better") == "no_change" and classify(-1.96, "worse") == "no_change"  # |RCI| > 1.96


def test_reliable_change_counts_and_reliability_source():
    result, reason = reliable_change(BEFORE, AFTER, "worse", 0.8, PUBLISHED)
    assert reason is None
    assert result == {
        "reliability": 0.8,
        "reliability_source": "published",
        "improved": 1,
        "no_change": 3,
        "deteriorated": 1,
    }
    # Near the edge: a rise of 3.9 is RCI 3.9 / 2 = 1.95, not reliable; 3.94 (1.97) is.
    result, _ = reliable_change([10, 12, 14, 16, 18], [13.9, 12, 14, 16, 21.94], "better", 0.8, INPUT_ALPHA)
    assert (result["improved"], result["no_change"], result["deteriorated"]) == (1, 4, 0)
    assert result["reliability_source"] == "input alpha"


def test_reliable_change_undefined_cases_give_reasons():
    assert reliable_change(BEFORE, AFTER, None, 0.8, PUBLISHED) == (None, NO_DIRECTION)
    assert reliable_change(BEFORE, AFTER, "worse", None, None) == (None, NO_RELIABILITY)
    assert reliable_change(BEFORE, AFTER, "worse", 1.0, PUBLISHED) == (None, NO_RELIABILITY)
    assert reliable_change([5, 5, 5, 5, 5], AFTER, "worse", 0.8, PUBLISHED) == (None, NO_SPREAD)


def test_choose_reliability_prefers_the_published_value():
    assert choose_reliability(0.9, 0.7) == (0.9, "published")
    assert choose_reliability(None, 0.7) == (0.7, "input alpha")
    assert choose_reliability(None, None) == (None, None)


def test_input_alpha_is_cronbachs_alpha_of_the_before_answers():
    rows = [[4, 3, 4], [2, 2, 3], [3, 3, 3], [5, 4, 4], [1, 2, 1], [4, 4, 5]]
    scale = Scale("s", Text("S"), ("i1", "i2", "i3"))
    instrument = Instrument(
        "t", "1", Text("T"), None, ("mentee",), (), (scale,), item_ranges={f"i{k}": (1, 5) for k in (1, 2, 3)}
    )
    answers = [dict(zip(scale.items, row, strict=True)) for row in rows]
    x = np.array(rows, dtype=float)
    expected = 3 / 2 * (1 - x.var(axis=0, ddof=1).sum() / x.sum(axis=1).var(ddof=1))
    assert input_alpha(instrument, scale, answers) == pytest.approx(expected)
    assert input_alpha(instrument, scale, answers[:4]) is None  # fewer than 5 complete answers
    assert input_alpha(instrument, scale, answers[:4], min_group=4) is not None


def test_normal_band_is_the_lowest_risk_band_or_the_given_one():
    assert normal_band(ANXIETY) == "norm"  # higher is worse: the first band
    assert normal_band(WELLBEING) == "ok"  # higher is better: the last band
    assert normal_band(ANXIETY, "raised") == "raised"
    assert normal_band(Scale("x", Text("X"), ("a",), bands=ANXIETY.bands)) is None  # no direction
    assert normal_band(Scale("x", Text("X"), ("a",), higher_is="worse")) is None  # no bands


def band_transitions(pairs, scale, normal=None, with_test=True):
    """``band_table`` of pairs of band names, as the report hands them over: indexes into the sorted names."""
    names = tuple(sorted({band for pair in pairs for band in pair if band is not None}))
    before, after = (np.array([names.index(p[i]) if p[i] else -1 for p in pairs], dtype=np.int64) for i in (0, 1))
    return band_table(before, after, names, scale, normal, with_test)


def test_cross_table_in_band_order_and_the_normalisation_count():
    pairs = [
        ("raised", "norm"),
        ("high", "norm"),
        ("norm", "norm"),
        ("raised", "raised"),
        ("norm", "raised"),
        ("high", "raised"),
        (None, "norm"),  # no band before: left out of the table and the count
    ]
    assert band_order(ANXIETY) == ["norm", "raised", "high"]
    result, rows, columns = band_transitions(pairs, ANXIETY)
    assert result["table"] == [[1, 1, 0], [1, 1, 0], [1, 1, 0]]  # rows: before, in band order
    assert rows.tolist() == [1, 2, 0, 1, 0, 2, -1] and columns.tolist() == [0, 0, 0, 1, 1, 1, 0]
    assert result["labels"] == ["Норма", "Повышенная", "Высокая"]
    assert result["normalised"] == 2 and result["test"]["name"] == "Bowker"
    assert band_transitions(pairs, ANXIETY, with_test=False)[0]["test"] is None
    assert band_transitions(pairs, ANXIETY, normal="raised")[0]["normalised"] == 2  # norm → raised, high → raised
    assert band_transitions(pairs, Scale("x", Text("X"), ("a",)))[0] is None
    no_normal = Scale("x", Text("X"), ("a",), bands=ANXIETY.bands)  # no direction: no normal band
    assert band_transitions(pairs, no_normal)[0]["normalised"] is None


def test_a_band_the_scale_no_longer_has_comes_last():
    result = band_transitions([("norm", "old"), ("old", "norm")], ANXIETY)[0]
    assert result["labels"] == ["Норма", "Повышенная", "Высокая", "old"]
    assert result["table"][0][3] == 1 and result["table"][3][0] == 1


def test_mcnemar_exact_binomial_by_hand():
    # b = 3, c = 9, 12 discordant (< 25): p = 2 · Σ_{k ≤ 3} C(12, k) / 2^12 = 2 · (1 + 12 + 66 + 220) / 4096.
    result = mcnemar([[5, 3], [9, 4]])
    assert result == {"name": "McNemar", "statistic": 3.0, "df": None, "p": pytest.approx(299 / 2048)}
    assert result["p"] == pytest.approx(stats.binomtest(3, 12, 0.5).pvalue)
    assert mcnemar([[5, 0], [0, 4]])["p"] == 1.0


def test_mcnemar_chi_square_with_continuity_correction():
    # b = 30, c = 12: χ² = (|30 − 12| − 1)² / 42 = 289 / 42, df 1.
    result = mcnemar([[10, 30], [12, 8]])
    assert result["statistic"] == pytest.approx(289 / 42) and result["df"] == 1
    assert result["p"] == pytest.approx(stats.chi2.sf(289 / 42, 1))
    assert symmetry_test([[10, 30], [12, 8]]) == result


def bowker_textbook(table):
    """Σ_{i<j} (n_ij − n_ji)² / (n_ij + n_ji) over the pairs with any count; df the number of those pairs."""
    x = np.asarray(table, dtype=float)
    upper, lower = x[np.triu_indices(len(x), 1)], x.T[np.triu_indices(len(x), 1)]
    used = upper + lower > 0
    statistic = ((upper - lower)[used] ** 2 / (upper + lower)[used]).sum()
    return statistic, int(used.sum())


def test_bowker_against_the_textbook_formula():
    table = [[10, 4, 1], [2, 8, 3], [0, 1, 5]]
    # By hand: (4 − 2)²/6 + (1 − 0)²/1 + (3 − 1)²/4 = 2/3 + 1 + 1 = 8/3, df 3.
    statistic, df = bowker_textbook(table)
    assert statistic == pytest.approx(8 / 3) and df == 3
    result = bowker(table)
    assert result == {
        "name": "Bowker",
        "statistic": pytest.approx(8 / 3),
        "df": 3,
        "p": pytest.approx(stats.chi2.sf(8 / 3, 3)),
    }
    assert symmetry_test(table) == result


def test_bowker_counts_only_pairs_of_bands_with_movement():
    result = bowker([[5, 0, 0], [2, 3, 0], [0, 0, 4]])
    assert result["statistic"] == pytest.approx(2.0) and result["df"] == 1
    assert result["p"] == pytest.approx(stats.chi2.sf(2.0, 1))
    assert bowker([[5, 0, 0], [0, 3, 0], [0, 0, 4]]) == {"name": "Bowker", "statistic": 0.0, "df": 0, "p": 1.0}
    assert symmetry_test([[4]]) is None
