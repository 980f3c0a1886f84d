"""Known answers for the Copenhagen Burnout Inventory, from the published key.

Kristensen et al. (2005) and the authors' PUMA questionnaire (NFA): responses score
100/75/50/25/0, a scale is the mean of its answered items, work-related item 7 is
reversed (100 - x); fewer than 3 answered items (personal, client-related) or fewer
than 4 (work-related) give no score. Every expected value is worked out by hand here,
never by running the engine a second time.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from surveys.core.definitions import Profile
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


def scores(instrument, answers, profile=None):
    return {r.scale: r for r in score_instrument(instrument, answers, profile)}


# --- the file ------------------------------------------------------------------------------


def test_file_has_nineteen_items_in_three_scales(cbi):
    assert list(cbi.answer_keys) == PERSONAL + WORK + CLIENT
    assert {s.id: list(s.items) for s in cbi.scales} == {
        "personal": PERSONAL,  # 6
        "work": WORK,  # 7
        "client": CLIENT,  # 6
    }
    assert len(PERSONAL) + len(WORK) + len(CLIENT) == 19
    assert cbi.scale("work").reverse == ("cbi_w7",)
    assert cbi.scale("personal").reverse == cbi.scale("client").reverse == ()
    assert all(cbi.item_ranges[k] == (0, 100) for k in PERSONAL + WORK + CLIENT)
    assert {s.method for s in cbi.scales} == {"mean"}
    assert {s.higher_is for s in cbi.scales} == {"worse"}


def test_file_is_marked_as_our_unvalidated_translation(cbi):
    assert cbi.scoring_version == "1"
    assert cbi.licence.bundle_texts is True
    assert "not validated" in cbi.licence.citation
    assert "Work & Stress" in cbi.licence.citation and "19(3)" in cbi.licence.citation
    assert "не является валидизированной" in cbi.description.ru
    assert "not a validated" in cbi.description.en


def test_reversed_item_is_the_energy_for_family_and_friends_item(cbi):
    row = next(item for q in cbi.questions() for item in q.options["items"] if item["id"] == "cbi_w7")
    assert row["text"].en == "Do you have enough energy for family and friends during leisure time?"


def test_client_items_name_students_and_mentees(cbi):
    rows = [item for q in cbi.questions() for item in q.options["items"] if item["id"] in CLIENT]
    assert len(rows) == 6
    assert all("учащимися и наставляемыми" in row["text"].ru for row in rows)


def test_minimum_answered_follows_the_cbi_non_responder_rule(cbi):
    # "If less than three questions have been answered …" (personal, client); "less than four" (work).
    assert {s.id: s.min_answered for s in cbi.scales} == {"personal": 3, "work": 4, "client": 3}


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


# --- ordinary answers ----------------------------------------------------------------------


def test_personal_burnout_is_the_mean_of_its_items(cbi):
    values = [100, 75, 75, 50, 25, 0]
    expected = (100 + 75 + 75 + 50 + 25 + 0) / 6  # 325 / 6 = 54.1666...
    result = scores(cbi, dict(zip(PERSONAL, values, strict=True)))["personal"]
    assert result.value == pytest.approx(expected)
    assert result.value == pytest.approx(54.1667, abs=1e-4)
    assert result.band is None  # the CBI has no official bands


def test_client_burnout_is_the_mean_of_its_items(cbi):
    values = [50, 75, 25, 100, 0, 50]
    expected = (50 + 75 + 25 + 100 + 0 + 50) / 6  # 300 / 6 = 50
    result = scores(cbi, dict(zip(CLIENT, values, strict=True)))["client"]
    assert result.value == pytest.approx(expected) == 50


# --- extremes ------------------------------------------------------------------------------


def test_all_minimum_answers(cbi):
    result = scores(cbi, dict.fromkeys(PERSONAL + WORK + CLIENT, 0))
    assert result["personal"].value == 0  # 0 * 6 / 6
    assert result["client"].value == 0  # 0 * 6 / 6
    # Work: six items at 0, and "never/almost never enough energy" (0) reversed: 0 + 100 - 0 = 100.
    assert result["work"].raw == pytest.approx(100)  # 0 * 6 + 100
    assert result["work"].value == pytest.approx(100 / 7)  # 14.2857...
    assert result["work"].value == pytest.approx(14.285714, abs=1e-6)


def test_all_maximum_answers(cbi):
    result = scores(cbi, dict.fromkeys(PERSONAL + WORK + CLIENT, 100))
    assert result["personal"].value == 100  # 100 * 6 / 6
    assert result["client"].value == 100  # 100 * 6 / 6
    # Work: six items at 100, and "always enough energy" (100) reversed: 0 + 100 - 100 = 0.
    assert result["work"].raw == pytest.approx(600)  # 100 * 6 + 0
    assert result["work"].value == pytest.approx(600 / 7)  # 85.714...
    assert result["work"].value == pytest.approx(85.714286, abs=1e-6)


# --- the reversed item ---------------------------------------------------------------------


def test_work_item_seven_is_reverse_scored(cbi):
    # "Always" having enough energy for family and friends (100) counts as 0 burnout.
    answers = dict(zip(WORK, [75, 50, 25, 75, 50, 25, 100], strict=True))
    keyed_w7 = 0 + 100 - 100
    expected = (75 + 50 + 25 + 75 + 50 + 25 + keyed_w7) / 7  # 300 / 7 = 42.857...
    result = scores(cbi, answers)["work"]
    assert result.value == pytest.approx(expected)
    assert result.raw == pytest.approx(300)


@pytest.mark.parametrize(
    ("answer", "keyed"),
    [(100, 0), (75, 25), (50, 50), (25, 75), (0, 100)],  # 0 + 100 - answer
)
def test_each_answer_to_item_seven_is_mirrored(cbi, answer, keyed):
    answers = dict.fromkeys(WORK[:6], 50) | {"cbi_w7": answer}
    expected = (50 * 6 + keyed) / 7
    assert scores(cbi, answers)["work"].value == pytest.approx(expected)


def test_work_item_seven_never_counts_as_full_burnout(cbi):
    answers = dict.fromkeys(WORK, 100) | {"cbi_w7": 0}  # never enough energy: 100 - 0 = 100
    assert scores(cbi, answers)["work"].value == pytest.approx(100)
    answers = dict.fromkeys(WORK, 0) | {"cbi_w7": 100}
    assert scores(cbi, answers)["work"].value == pytest.approx(0)


# --- missing answers -----------------------------------------------------------------------


def test_mean_uses_answered_items_only_when_enough_are_answered(cbi):
    answers = {"cbi_p1": 100, "cbi_p3": 50, "cbi_p6": 25}  # 3 of 6 answered
    result = scores(cbi, answers)["personal"]
    assert result.value == pytest.approx((100 + 50 + 25) / 3)  # 175 / 3 = 58.33...
    assert result.raw == pytest.approx(175)
    assert result.n_answered == 3


def test_client_scored_with_three_of_six(cbi):
    answers = {"cbi_c2": 75, "cbi_c4": 100, "cbi_c6": 25}
    result = scores(cbi, answers)["client"]
    assert result.value == pytest.approx((75 + 100 + 25) / 3)  # 200 / 3 = 66.67
    assert result.n_answered == 3 and result.missing_reason is None


def test_work_with_six_of_seven_keeps_the_reversal(cbi):
    # w3 skipped; w7 answered "seldom" (25) counts 75.
    answers = {"cbi_w1": 50, "cbi_w2": 25, "cbi_w4": 75, "cbi_w5": 50, "cbi_w6": 0, "cbi_w7": 25}
    expected = (50 + 25 + 75 + 50 + 0 + 75) / 6  # 275 / 6 = 45.83...
    result = scores(cbi, answers)["work"]
    assert result.value == pytest.approx(expected)
    assert result.n_answered == 6


def test_fewer_than_three_answered_is_missing(cbi):
    result = scores(cbi, {"cbi_p1": 100, "cbi_p2": 75, "cbi_c1": 50, "cbi_c2": 50})
    assert result["personal"].missing
    assert result["personal"].missing_reason == "2 of 6 items answered; at least 3 needed"
    assert result["client"].missing
    assert result["client"].missing_reason == "2 of 6 items answered; at least 3 needed"


def test_work_needs_four_of_seven_answered(cbi):
    three = {"cbi_w1": 75, "cbi_w2": 75, "cbi_w7": 25}
    result = scores(cbi, three)["work"]
    assert result.missing
    assert result.missing_reason == "3 of 7 items answered; at least 4 needed"
    four = three | {"cbi_w4": 50}
    expected = (75 + 75 + (100 - 25) + 50) / 4  # 275 / 4 = 68.75
    assert scores(cbi, four)["work"].value == pytest.approx(expected) == 68.75


def test_scales_are_scored_independently(cbi):
    answers = dict.fromkeys(PERSONAL, 25)
    result = scores(cbi, answers)
    assert result["personal"].value == pytest.approx(25)
    assert result["work"].missing and result["client"].missing
    assert result["work"].missing_reason == "no items answered"


# --- norm conversion (no published CBI norms: a test-only table on a copy of the file) -----------

TEST_PERCENTILES = [  # invented for the test, not a real norm
    {"min": 0, "max": 49, "value": 40},
    {"min": 50, "max": 62, "value": 60},
    {"min": 63, "max": 100, "value": 85},
]


@pytest.fixture(scope="module")
def cbi_with_test_norms():
    data = yaml.safe_load(FILE.read_text(encoding="utf-8"))
    personal = next(s for s in data["scales"] if s["id"] == "personal")
    personal["norms"] = [{"kind": "percentile", "source": "test only", "table": TEST_PERCENTILES}]
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    return load_instrument(FILE, built_in_types(), text=text)


def test_shipped_file_has_no_norms(cbi):
    assert all(not s.norms for s in cbi.scales)


def test_norm_conversion_rounds_a_fractional_mean_half_up(cbi_with_test_norms):
    answers = dict(zip(PERSONAL, [75, 50, 75, 50, 75, 50], strict=True))
    result = scores(cbi_with_test_norms, answers, Profile(age=40, sex="f"))["personal"]
    assert result.value == pytest.approx(62.5)  # 375 / 6
    # 62.5 rounds half up to 63 (not to 62), which is in the 63–100 row: percentile 85.
    assert (result.norm, result.norm_kind) == (85, "percentile")


def test_norm_conversion_of_a_whole_mean(cbi_with_test_norms):
    answers = dict.fromkeys(PERSONAL, 50)  # mean 50 -> row 50–62
    result = scores(cbi_with_test_norms, answers)["personal"]
    assert (result.value, result.norm, result.norm_kind) == (50, 60, "percentile")
    other = scores(cbi_with_test_norms, dict.fromkeys(CLIENT, 50))["client"]
    assert (other.norm, other.norm_kind) == (None, None)  # no table for the client scale
