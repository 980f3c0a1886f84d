"""Known answers for the Copenhagen Burnout Inventory, from the published key.

Kristensen et al. (2005) and the authors' CBI questionnaire: responses score
100/75/50/25/0, a scale is the mean of its answered items, work-related item 7
is reversed (100 - x); fewer than 3 answered items (personal, client-related) or
fewer than 4 (work-related) give no score. Expected values are worked out by hand.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from surveys.core.loader import load_instrument
from surveys.core.question_types import built_in_types
from surveys.core.scoring import score_instrument

FILE = Path(__file__).resolve().parents[1] / "cbi.yaml"
PERSONAL = [f"cbi_p{n}" for n in range(1, 7)]
WORK = [f"cbi_w{n}" for n in range(1, 8)]
CLIENT = [f"cbi_c{n}" for n in range(1, 7)]
POINTS = {100, 75, 50, 25, 0}


@pytest.fixture(scope="module")
def cbi():
    return load_instrument(FILE, built_in_types())


def scores(instrument, answers):
    return {r.scale: r for r in score_instrument(instrument, answers)}


def test_file_has_nineteen_items_in_three_scales(cbi):
    assert list(cbi.answer_keys) == PERSONAL + WORK + CLIENT
    assert {s.id: list(s.items) for s in cbi.scales} == {
        "personal": PERSONAL,
        "work": WORK,
        "client": CLIENT,
    }
    assert cbi.scale("work").reverse == ("cbi_w7",)
    assert cbi.scale("personal").reverse == cbi.scale("client").reverse == ()
    assert all(cbi.item_ranges[k] == (0, 100) for k in PERSONAL + WORK + CLIENT)


def test_choice_values_are_the_cbi_points(cbi):
    for question in cbi.questions():
        assert {c["value"] for c in question.options["choices"]} == POINTS


def test_response_formats_follow_the_source(cbi):
    """Work items 1–3 and client items 1–4 use the degree format, the rest frequency."""
    degree = {"В очень большой степени", "В большой степени", "Отчасти", "В малой степени", "В очень малой степени"}
    by_item = {}
    for question in cbi.questions():
        labels = {c["label"].ru for c in question.options["choices"]}
        for item in question.options["items"]:
            by_item[item["id"]] = "degree" if labels == degree else "frequency"
    expected_degree = {"cbi_w1", "cbi_w2", "cbi_w3", "cbi_c1", "cbi_c2", "cbi_c3", "cbi_c4"}
    assert {k for k, kind in by_item.items() if kind == "degree"} == expected_degree


def test_personal_burnout_is_the_mean_of_its_items(cbi):
    values = [100, 75, 75, 50, 25, 0]
    expected = (100 + 75 + 75 + 50 + 25 + 0) / 6  # 325 / 6 = 54.1666...
    result = scores(cbi, dict(zip(PERSONAL, values, strict=True)))["personal"]
    assert result.value == pytest.approx(expected)
    assert result.value == pytest.approx(54.1667, abs=1e-4)
    assert result.band is None  # the CBI has no official bands


def test_work_item_seven_is_reverse_scored(cbi):
    # "Always" having enough energy for family and friends (100) counts as 0 burnout.
    answers = dict(zip(WORK, [75, 50, 25, 75, 50, 25, 100], strict=True))
    keyed_w7 = 0 + 100 - 100
    expected = (75 + 50 + 25 + 75 + 50 + 25 + keyed_w7) / 7  # 300 / 7 = 42.857...
    result = scores(cbi, answers)["work"]
    assert result.value == pytest.approx(expected)
    assert result.raw == pytest.approx(300)


def test_work_item_seven_never_counts_as_full_burnout(cbi):
    answers = dict.fromkeys(WORK, 100) | {"cbi_w7": 0}  # never enough energy: 100 - 0 = 100
    assert scores(cbi, answers)["work"].value == pytest.approx(100)
    answers = dict.fromkeys(WORK, 0) | {"cbi_w7": 100}
    assert scores(cbi, answers)["work"].value == pytest.approx(0)


def test_client_burnout_is_the_mean_of_its_items(cbi):
    values = [50, 75, 25, 100, 0, 50]
    expected = (50 + 75 + 25 + 100 + 0 + 50) / 6  # 300 / 6 = 50
    result = scores(cbi, dict(zip(CLIENT, values, strict=True)))["client"]
    assert result.value == pytest.approx(expected) == 50


def test_mean_uses_answered_items_only_when_enough_are_answered(cbi):
    answers = {"cbi_p1": 100, "cbi_p3": 50, "cbi_p6": 25}  # 3 of 6 answered
    result = scores(cbi, answers)["personal"]
    assert result.value == pytest.approx((100 + 50 + 25) / 3)
    assert result.n_answered == 3


def test_fewer_than_three_answered_is_missing(cbi):
    result = scores(cbi, {"cbi_p1": 100, "cbi_p2": 75, "cbi_c1": 50, "cbi_c2": 50})
    assert result["personal"].missing
    assert "2 of 6" in result["personal"].missing_reason
    assert result["client"].missing
    assert "at least 3" in result["client"].missing_reason


def test_work_needs_four_of_seven_answered(cbi):
    three = {"cbi_w1": 75, "cbi_w2": 75, "cbi_w7": 25}
    result = scores(cbi, three)["work"]
    assert result.missing
    assert "3 of 7" in result.missing_reason
    four = three | {"cbi_w4": 50}
    expected = (75 + 75 + (100 - 25) + 50) / 4  # 275 / 4 = 68.75
    assert scores(cbi, four)["work"].value == pytest.approx(expected) == 68.75


def test_scales_are_scored_independently(cbi):
    answers = dict.fromkeys(PERSONAL, 25)
    result = scores(cbi, answers)
    assert result["personal"].value == pytest.approx(25)
    assert result["work"].missing and result["client"].missing
    assert result["work"].missing_reason == "no items answered"
