"""Known answers for the satisfaction and expectations indices (our own key), computed by hand.

Each index is the mean of the six 1–10 ratings, over the answered ones, scored when at least
4 of the 6 are answered. Open questions and yes/no answers do not count.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from surveys.core.loader import load_instrument
from surveys.core.question_types import built_in_types
from surveys.core.scoring import score_instrument

HERE = Path(__file__).resolve().parents[1]
ITEMS = ["sat_comfort", "sat_individual", "sat_group", "sat_support", "sat_goals", "sat_organisation"]
REAL = {"satisfaction_mentee": "satisfaction", "satisfaction_mentor": "satisfaction"}
EXPECTED = {"satisfaction_exp_mentee": "expectations", "satisfaction_exp_mentor": "expectations"}
SCALES = {**REAL, **EXPECTED}


@pytest.fixture(scope="module")
def instruments():
    return {p.stem: load_instrument(p, built_in_types()) for p in sorted(HERE.glob("*.yaml"))}


def score(instrument, answers):
    (result,) = score_instrument(instrument, answers)
    assert result.scale == SCALES[instrument.id]
    return result


def test_the_folder_holds_exactly_the_four_questionnaires(instruments):
    assert set(instruments) == set(SCALES)
    assert all(instrument.id == stem for stem, instrument in instruments.items())


@pytest.mark.parametrize("instrument_id", sorted(SCALES))
def test_index_is_a_mean_of_the_six_ratings_with_at_least_four_answered(instruments, instrument_id):
    instrument = instruments[instrument_id]
    (scale,) = instrument.scales
    assert scale.id == SCALES[instrument_id]
    assert list(scale.items) == ITEMS
    assert scale.method == "mean" and scale.min_answered == 4 and not scale.reverse
    assert scale.higher_is == ("better" if instrument_id in REAL else None)
    assert all(instrument.item_ranges[item] == (1, 10) for item in ITEMS)
    assert all(instrument.question(item).type == "rating" for item in ITEMS)
    # Group meetings may not exist in a programme: the only rating that may be skipped on the web.
    assert [item for item in ITEMS if not instrument.question(item).required] == ["sat_group"]


@pytest.mark.parametrize("role", ["mentee", "mentor"])
def test_expectations_and_reality_share_item_ids_and_ranges_but_not_wording(instruments, role):
    expected, real = instruments[f"satisfaction_exp_{role}"], instruments[f"satisfaction_{role}"]
    assert expected.audience == real.audience == (role,)
    for item in ITEMS:
        assert expected.item_ranges[item] == real.item_ranges[item] == (1, 10)
        assert expected.question(item).text.ru.startswith("Как вы думаете")
        assert expected.question(item).text.ru != real.question(item).text.ru
    for key in ("sat_valuable", "sat_missing"):
        assert real.question(key).type == "text"
    for key in ("sat_continue", "sat_mentor"):
        assert real.question(key).type == "yes_no"
    assert {q.type for q in expected.questions()} == {"rating", "text"}


def test_ordinary_answers(instruments):
    answers = {
        "sat_comfort": 8,
        "sat_individual": 7,
        "sat_group": 5,
        "sat_support": 9,
        "sat_goals": 6,
        "sat_organisation": 10,
        "sat_valuable": "Разговоры о профессии",
        "sat_missing": "",
        "sat_continue": True,
        "sat_mentor": False,
    }
    result = score(instruments["satisfaction_mentee"], answers)
    # (8 + 7 + 5 + 9 + 6 + 10) / 6 = 45 / 6
    assert result.value == 7.5 and result.raw == 45 and result.n_answered == 6


def test_ordinary_expectations(instruments):
    answers = {"sat_comfort": 9, "sat_individual": 8, "sat_group": 6, "sat_support": 7, "sat_goals": 4}
    answers |= {"sat_organisation": 8, "sat_hopes": "Научиться выступать"}
    result = score(instruments["satisfaction_exp_mentor"], answers)
    # (9 + 8 + 6 + 7 + 4 + 8) / 6 = 42 / 6
    assert result.value == 7 and result.n_answered == 6


def test_group_meetings_skipped(instruments):
    answers = {"sat_comfort": 8, "sat_individual": 7, "sat_support": 9, "sat_goals": 6, "sat_organisation": 10}
    result = score(instruments["satisfaction_mentor"], answers)
    # (8 + 7 + 9 + 6 + 10) / 5 = 40 / 5: the mean of the answered ratings, not prorated
    assert result.value == 8 and result.n_answered == 5


def test_four_answered_is_enough(instruments):
    answers = {"sat_comfort": 3, "sat_individual": 4, "sat_support": 9, "sat_goals": 10}
    result = score(instruments["satisfaction_mentee"], answers)
    # (3 + 4 + 9 + 10) / 4 = 26 / 4
    assert result.value == 6.5 and result.n_answered == 4


@pytest.mark.parametrize("instrument_id", sorted(SCALES))
def test_all_one_and_all_ten(instruments, instrument_id):
    assert score(instruments[instrument_id], dict.fromkeys(ITEMS, 1)).value == 1
    assert score(instruments[instrument_id], dict.fromkeys(ITEMS, 10)).value == 10


@pytest.mark.parametrize("instrument_id", sorted(SCALES))
def test_too_many_missing(instruments, instrument_id):
    answers = {"sat_comfort": 10, "sat_support": 10, "sat_goals": 10, "sat_hopes": "—", "sat_continue": True}
    result = score(instruments[instrument_id], answers)
    assert result.missing and result.value is None and result.n_answered == 3
    assert result.missing_reason == "3 of 6 items answered; at least 4 needed"
    empty = score(instruments[instrument_id], {"sat_continue": True, "sat_mentor": True})
    assert empty.missing and empty.missing_reason == "no items answered"
