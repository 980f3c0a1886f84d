"""Known answers for the satisfaction questionnaire (our own key).

The scale is the mean of four 1–10 ratings (real usefulness, meetings, relationship,
results), scored when at least 3 are answered; expected usefulness stays out of it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from surveys.core.loader import load_instrument
from surveys.core.question_types import built_in_types
from surveys.core.scoring import score_instrument

FILE = Path(__file__).resolve().parents[1] / "satisfaction.yaml"
ITEMS = ["sat_use_real", "sat_meetings", "sat_relationship", "sat_results"]


@pytest.fixture(scope="module")
def satisfaction():
    return load_instrument(FILE, built_in_types())


def score(instrument, answers):
    (result,) = score_instrument(instrument, answers)
    assert result.scale == "satisfaction"
    return result


def test_scale_takes_the_four_satisfaction_ratings(satisfaction):
    scale = satisfaction.scale("satisfaction")
    assert list(scale.items) == ITEMS
    assert scale.method == "mean" and scale.min_answered == 3 and scale.higher_is == "better"
    assert all(satisfaction.item_ranges[k] == (1, 10) for k in ITEMS)
    assert satisfaction.item_ranges["sat_use_expected"] == (1, 10)
    assert satisfaction.question("sat_continue").type == "yes_no"
    assert satisfaction.question("sat_change").text.ru == "Что бы вы изменили?"


def test_mean_of_all_four(satisfaction):
    answers = {"sat_use_real": 8, "sat_meetings": 7, "sat_relationship": 10, "sat_results": 6}
    result = score(satisfaction, answers)
    assert result.value == pytest.approx((8 + 7 + 10 + 6) / 4) == 7.75
    assert result.n_answered == 4


def test_expected_usefulness_and_other_answers_do_not_count(satisfaction):
    answers = {
        "sat_use_expected": 1,
        "sat_use_real": 9,
        "sat_meetings": 9,
        "sat_relationship": 9,
        "sat_results": 9,
        "sat_continue": True,
        "sat_change": "Больше встреч",
    }
    assert score(satisfaction, answers).value == pytest.approx(9)


def test_three_of_four_answered_is_enough(satisfaction):
    answers = {"sat_meetings": 4, "sat_relationship": 5, "sat_results": 9}
    result = score(satisfaction, answers)
    assert result.value == pytest.approx((4 + 5 + 9) / 3) == 6
    assert result.n_answered == 3


def test_two_answered_is_missing_with_a_reason(satisfaction):
    result = score(satisfaction, {"sat_use_real": 10, "sat_results": 10, "sat_use_expected": 10})
    assert result.missing
    assert result.n_answered == 2
    assert "2 of 4" in result.missing_reason and "at least 3" in result.missing_reason


def test_extremes(satisfaction):
    assert score(satisfaction, dict.fromkeys(ITEMS, 1)).value == 1
    assert score(satisfaction, dict.fromkeys(ITEMS, 10)).value == 10
