"""Known answers for the Spielberger–Khanin state and trait anxiety scales (key only).

Key (Khanin 1976, as reproduced in Russian handbooks; see stai_khanin.yaml):
state = Σ direct − Σ reversed + 50, reversed 1, 2, 5, 8, 10, 11, 15, 16, 19, 20;
trait = Σ direct − Σ reversed + 35, reversed 21, 26, 27, 30, 33, 36, 39; items 1–4.
Bands: low ≤ 30, moderate 31–44, high ≥ 45. At least 18 of 20 items, then each part
(direct, reversed) is prorated to its full count. Every expected value below is worked out
by hand in the comments and written as plain arithmetic, never by calling the engine.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from surveys.core.definitions import Profile
from surveys.core.loader import load_instrument, placeholder
from surveys.core.question_types import built_in_types
from surveys.core.scoring import score_instrument

FILE = Path(__file__).resolve().parents[1] / "stai_khanin.yaml"

STATE = [f"stai_s{n:02d}" for n in range(1, 21)]
TRAIT = [f"stai_t{n}" for n in range(21, 41)]
STATE_REVERSED = [1, 2, 5, 8, 10, 11, 15, 16, 19, 20]
STATE_DIRECT = [3, 4, 6, 7, 9, 12, 13, 14, 17, 18]
TRAIT_REVERSED = [21, 26, 27, 30, 33, 36, 39]
TRAIT_DIRECT = [22, 23, 24, 25, 28, 29, 31, 32, 34, 35, 37, 38, 40]


@pytest.fixture(scope="module")
def stai():
    return load_instrument(FILE, built_in_types())


def s(n: int) -> str:
    return f"stai_s{n:02d}"


def t(n: int) -> str:
    return f"stai_t{n}"


def state_answers(direct: dict[int, int] | int, reversed_: dict[int, int] | int) -> dict[str, int]:
    """State answers by item number; an int gives every item of that part the same answer."""
    direct = dict.fromkeys(STATE_DIRECT, direct) if isinstance(direct, int) else direct
    reversed_ = dict.fromkeys(STATE_REVERSED, reversed_) if isinstance(reversed_, int) else reversed_
    return {s(n): x for n, x in {**direct, **reversed_}.items()}


def trait_answers(direct: dict[int, int] | int, reversed_: dict[int, int] | int) -> dict[str, int]:
    direct = dict.fromkeys(TRAIT_DIRECT, direct) if isinstance(direct, int) else direct
    reversed_ = dict.fromkeys(TRAIT_REVERSED, reversed_) if isinstance(reversed_, int) else reversed_
    return {t(n): x for n, x in {**direct, **reversed_}.items()}


def scores(instrument, answers, profile=None):
    return {r.scale: r for r in score_instrument(instrument, answers, profile)}


# An ordinary state form, item by item (R = reversed):
#   s01 2 R, s02 3 R, s03 1, s04 2, s05 3 R, s06 2, s07 2, s08 3 R, s09 1, s10 2 R,
#   s11 3 R, s12 2, s13 1, s14 2, s15 3 R, s16 2 R, s17 1, s18 2, s19 3 R, s20 3 R
# Σ direct (3, 4, 6, 7, 9, 12, 13, 14, 17, 18) = 1+2+2+2+1+2+1+2+1+2 = 16
# Σ reversed (1, 2, 5, 8, 10, 11, 15, 16, 19, 20) = 2+3+3+3+2+3+3+2+3+3 = 27
# state = 16 − 27 + 50 = 39 → moderate (31–44)
ORDINARY_STATE = dict(
    zip(STATE, [2, 3, 1, 2, 3, 2, 2, 3, 1, 2, 3, 2, 1, 2, 3, 2, 1, 2, 3, 3], strict=True),
)
ORDINARY_STATE_SCORE = (1 + 2 + 2 + 2 + 1 + 2 + 1 + 2 + 1 + 2) - (2 + 3 + 3 + 3 + 2 + 3 + 3 + 2 + 3 + 3) + 50

# An ordinary trait form:
#   t21 2 R, t22 3, t23 2, t24 3, t25 2, t26 2 R, t27 1 R, t28 3, t29 3, t30 2 R,
#   t31 3, t32 2, t33 2 R, t34 3, t35 2, t36 2 R, t37 3, t38 3, t39 1 R, t40 3
# Σ direct (22–25, 28, 29, 31, 32, 34, 35, 37, 38, 40) = 3+2+3+2+3+3+3+2+3+2+3+3+3 = 35
# Σ reversed (21, 26, 27, 30, 33, 36, 39) = 2+2+1+2+2+2+1 = 12
# trait = 35 − 12 + 35 = 58 → high (≥ 45)
ORDINARY_TRAIT = dict(
    zip(TRAIT, [2, 3, 2, 3, 2, 2, 1, 3, 3, 2, 3, 2, 2, 3, 2, 2, 3, 3, 1, 3], strict=True),
)
ORDINARY_TRAIT_SCORE = (3 + 2 + 3 + 2 + 3 + 3 + 3 + 2 + 3 + 2 + 3 + 3 + 3) - (2 + 2 + 1 + 2 + 2 + 2 + 1) + 35


def test_file_is_key_only_with_forty_items_answered_one_to_four(stai):
    assert stai.id == "stai_khanin" and stai.scoring_version == "1"
    assert set(stai.audience) == {"mentee", "mentor", "teacher"}
    assert stai.key_only and stai.licence.bundle_texts is False
    assert "Ханин" in stai.licence.citation and "ЛНИИФК" in stai.licence.citation
    assert list(stai.answer_keys) == STATE + TRAIT
    assert all(stai.item_ranges[k] == (1, 4) for k in STATE + TRAIT)
    # No item wording is shipped: every matrix and row shows its placeholder until a text pack.
    for question in stai.questions():
        assert question.text.ru == placeholder(question.id)
        for item in question.options["items"]:
            assert item["text"].ru == placeholder(item["id"])
            assert item["text"].en is None


def test_key_matches_the_published_reversed_items_and_constants(stai):
    state, trait = stai.scale("state"), stai.scale("trait")
    assert (state.method, state.constant, list(state.items)) == ("linear", 50, STATE)
    assert (trait.method, trait.constant, list(trait.items)) == ("linear", 35, TRAIT)
    assert list(state.reverse) == [s(n) for n in STATE_REVERSED]
    assert list(trait.reverse) == [t(n) for n in TRAIT_REVERSED]
    assert len(STATE_DIRECT) == 10 and len(TRAIT_DIRECT) == 13
    assert sorted(STATE_DIRECT + STATE_REVERSED) == list(range(1, 21))
    assert sorted(TRAIT_DIRECT + TRAIT_REVERSED) == list(range(21, 41))
    assert state.min_answered == trait.min_answered == 18 and state.prorate and trait.prorate
    assert state.higher_is == trait.higher_is == "worse"
    for scale in (state, trait):
        assert [(b.id, b.min, b.max) for b in scale.bands] == [("low", 20, 30), ("moderate", 30, 44), ("high", 44, 80)]


def test_ordinary_forms(stai):
    result = scores(stai, {**ORDINARY_STATE, **ORDINARY_TRAIT})
    assert ORDINARY_STATE_SCORE == 39 and ORDINARY_TRAIT_SCORE == 58  # the hand-worked totals
    state, trait = result["state"], result["trait"]
    assert (state.value, state.raw, state.band, state.n_answered) == (39, 39, "moderate", 20)
    assert (trait.value, trait.raw, trait.band, trait.n_answered) == (58, 58, "high", 20)
    assert state.missing_reason is None and trait.missing_reason is None


def test_all_minimum_and_all_maximum_answers(stai):
    # Every item 1: state 10·1 − 10·1 + 50 = 50; trait 13·1 − 7·1 + 35 = 41.
    ones = scores(stai, {**state_answers(1, 1), **trait_answers(1, 1)})
    assert (ones["state"].value, ones["state"].band) == (10 - 10 + 50, "high")
    assert (ones["trait"].value, ones["trait"].band) == (13 - 7 + 35, "moderate")
    # Every item 4: state 10·4 − 10·4 + 50 = 50; trait 13·4 − 7·4 + 35 = 52 − 28 + 35 = 59.
    fours = scores(stai, {**state_answers(4, 4), **trait_answers(4, 4)})
    assert (fours["state"].value, fours["state"].band) == (40 - 40 + 50, "high")
    assert (fours["trait"].value, fours["trait"].band) == (52 - 28 + 35, "high")


def test_theoretical_range_is_twenty_to_eighty(stai):
    # Lowest: direct all 1, reversed all 4. State 10 − 40 + 50 = 20; trait 13 − 28 + 35 = 20.
    lowest = scores(stai, {**state_answers(1, 4), **trait_answers(1, 4)})
    assert (lowest["state"].value, lowest["state"].band) == (10 - 40 + 50, "low") == (20, "low")
    assert (lowest["trait"].value, lowest["trait"].band) == (13 - 28 + 35, "low") == (20, "low")
    # Highest: direct all 4, reversed all 1. State 40 − 10 + 50 = 80; trait 52 − 7 + 35 = 80.
    highest = scores(stai, {**state_answers(4, 1), **trait_answers(4, 1)})
    assert (highest["state"].value, highest["state"].band) == (40 - 10 + 50, "high") == (80, "high")
    assert (highest["trait"].value, highest["trait"].band) == (52 - 7 + 35, "high") == (80, "high")


def test_reversed_items_are_subtracted(stai):
    # Two forms that differ only on the reversed items (2 → 3 on each of them).
    # State: all 2 → 20 − 20 + 50 = 50; reversed 3 → 20 − 30 + 50 = 40.
    # Trait: all 2 → 26 − 14 + 35 = 47; reversed 3 → 26 − 21 + 35 = 40.
    base = scores(stai, {**state_answers(2, 2), **trait_answers(2, 2)})
    raised = scores(stai, {**state_answers(2, 3), **trait_answers(2, 3)})
    assert base["state"].value == 10 * 2 - 10 * 2 + 50 == 50
    assert raised["state"].value == 10 * 2 - 10 * 3 + 50 == 40
    assert base["trait"].value == 13 * 2 - 7 * 2 + 35 == 47
    assert raised["trait"].value == 13 * 2 - 7 * 3 + 35 == 40
    # One reversed item (state item 1) from 2 to 4 lowers the score by 2: 50 − 2 = 48;
    # one direct item (state item 3) from 2 to 4 raises it by 2: 50 + 2 = 52.
    one_reversed = state_answers(2, {**dict.fromkeys(STATE_REVERSED, 2), 1: 4})
    one_direct = state_answers({**dict.fromkeys(STATE_DIRECT, 2), 3: 4}, 2)
    assert scores(stai, one_reversed)["state"].value == 48
    assert scores(stai, one_direct)["state"].value == 52


@pytest.mark.parametrize(
    ("direct", "reversed_", "expected", "band"),
    [
        # direct all 1 (Σ 10), reversed all 3 (Σ 30): 10 − 30 + 50 = 30, the top of low
        (1, 3, 30, "low"),
        # one direct item 2 (Σ 11), reversed Σ 30: 11 − 30 + 50 = 31, the bottom of moderate
        ({**dict.fromkeys(STATE_DIRECT, 1), 3: 2}, 3, 31, "moderate"),
        # direct six 1s and four 2s (Σ 6 + 8 = 14), reversed all 2 (Σ 20): 14 − 20 + 50 = 44
        ({**dict.fromkeys(STATE_DIRECT, 1), 3: 2, 4: 2, 6: 2, 7: 2}, 2, 44, "moderate"),
        # direct five 1s and five 2s (Σ 5 + 10 = 15), reversed Σ 20: 15 − 20 + 50 = 45
        ({**dict.fromkeys(STATE_DIRECT, 1), 3: 2, 4: 2, 6: 2, 7: 2, 9: 2}, 2, 45, "high"),
    ],
)
def test_state_band_edges(stai, direct, reversed_, expected, band):
    result = scores(stai, state_answers(direct, reversed_))["state"]
    assert (result.value, result.band, result.n_answered) == (expected, band, 20)


@pytest.mark.parametrize(
    ("direct", "reversed_", "expected", "band"),
    [
        # direct all 1 (Σ 13), reversed four 3s and three 2s (Σ 12 + 6 = 18): 13 − 18 + 35 = 30
        (1, {21: 3, 26: 3, 27: 3, 30: 3, 33: 2, 36: 2, 39: 2}, 30, "low"),
        # one direct item 2 (Σ 14), reversed Σ 18: 14 − 18 + 35 = 31
        ({**dict.fromkeys(TRAIT_DIRECT, 1), 22: 2}, {21: 3, 26: 3, 27: 3, 30: 3, 33: 2, 36: 2, 39: 2}, 31, "moderate"),
        # direct ten 2s and three 1s (Σ 20 + 3 = 23), reversed all 2 (Σ 14): 23 − 14 + 35 = 44
        ({**dict.fromkeys(TRAIT_DIRECT, 2), 22: 1, 23: 1, 24: 1}, 2, 44, "moderate"),
        # direct eleven 2s and two 1s (Σ 22 + 2 = 24), reversed Σ 14: 24 − 14 + 35 = 45
        ({**dict.fromkeys(TRAIT_DIRECT, 2), 22: 1, 23: 1}, 2, 45, "high"),
    ],
)
def test_trait_band_edges(stai, direct, reversed_, expected, band):
    result = scores(stai, trait_answers(direct, reversed_))["trait"]
    assert (result.value, result.band, result.n_answered) == (expected, band, 20)


def test_three_missing_items_leave_the_score_missing_with_the_reason(stai):
    answers = {**ORDINARY_STATE, **ORDINARY_TRAIT}
    for key in (s(1), s(3), s(20), t(21), t(22), t(40)):
        del answers[key]
    result = scores(stai, answers)
    for scale in ("state", "trait"):
        assert result[scale].missing
        assert result[scale].value is None and result[scale].band is None
        assert result[scale].n_answered == 17
        assert result[scale].missing_reason == "17 of 20 items answered; at least 18 needed"


def test_no_answers_at_all_is_missing(stai):
    result = scores(stai, {})
    assert result["state"].missing_reason == result["trait"].missing_reason == "no items answered"
    assert result["state"].n_answered == result["trait"].n_answered == 0


def test_one_missing_direct_state_item_is_prorated_within_the_direct_part(stai):
    answers = dict(ORDINARY_STATE)
    del answers[s(3)]  # a direct item, answered 1 in the ordinary form
    # Direct: 9 answered, Σ 16 − 1 = 15 → prorated 15 / 9 × 10 = 16.666667
    # Reversed: all 10 answered, Σ 27 → 27
    # state = 16.666667 − 27 + 50 = 39.666667 (moderate); raw = 15 − 27 + 50 = 38
    result = scores(stai, answers)["state"]
    assert result.value == pytest.approx(15 / 9 * 10 - 27 + 50) == pytest.approx(39.666667)
    assert result.raw == 15 - 27 + 50 == 38
    assert (result.band, result.n_answered, result.missing_reason) == ("moderate", 19, None)


def test_one_missing_reversed_trait_item_is_prorated_within_the_reversed_part(stai):
    answers = dict(ORDINARY_TRAIT)
    del answers[t(21)]  # a reversed item, answered 2 in the ordinary form
    # Direct: all 13 answered, Σ 35
    # Reversed: 6 answered, Σ 12 − 2 = 10 → prorated 10 / 6 × 7 = 11.666667
    # trait = 35 − 11.666667 + 35 = 58.333333 (high); raw = 35 − 10 + 35 = 60
    result = scores(stai, answers)["trait"]
    assert result.value == pytest.approx(35 - 10 / 6 * 7 + 35) == pytest.approx(58.333333)
    assert result.raw == 35 - 10 + 35 == 60
    assert (result.band, result.n_answered) == ("high", 19)


def test_two_missing_items_are_still_scored(stai):
    answers = state_answers(2, 2)
    del answers[s(1)], answers[s(3)]  # one reversed, one direct
    # Direct 9 × 2 = 18 → 18 / 9 × 10 = 20; reversed 9 × 2 = 18 → 18 / 9 × 10 = 20
    # state = 20 − 20 + 50 = 50; raw = 18 − 18 + 50 = 50
    result = scores(stai, answers)["state"]
    assert (result.value, result.raw, result.n_answered) == (50, 50, 18)


def test_a_fractional_prorated_score_goes_to_the_band_above_the_cut_off(stai):
    # Just above 30. Direct: item 3 missing, the other nine are eight 1s and one 2 (item 4),
    # Σ 10 → 10 / 9 × 10 = 11.111111. Reversed: nine 3s and one 4 (item 1), Σ 31.
    # state = 11.111111 − 31 + 50 = 30.111111 → moderate (rounded up to 31); raw 10 − 31 + 50 = 29.
    direct = {**dict.fromkeys(STATE_DIRECT, 1), 4: 2}
    del direct[3]
    low_edge = scores(stai, state_answers(direct, {**dict.fromkeys(STATE_REVERSED, 3), 1: 4}))["state"]
    assert low_edge.value == pytest.approx(100 / 9 - 31 + 50) == pytest.approx(30.111111)
    assert (low_edge.raw, low_edge.band) == (29, "moderate")
    # Just above 44. Direct: item 3 missing, the other nine are five 1s and four 2s,
    # Σ 5 + 8 = 13 → 13 / 9 × 10 = 14.444444. Reversed all 2, Σ 20.
    # state = 14.444444 − 20 + 50 = 44.444444 → high (rounded up to 45); raw 13 − 20 + 50 = 43.
    direct = {**dict.fromkeys(STATE_DIRECT, 1), 4: 2, 6: 2, 7: 2, 9: 2}
    del direct[3]
    high_edge = scores(stai, state_answers(direct, 2))["state"]
    assert high_edge.value == pytest.approx(130 / 9 - 20 + 50) == pytest.approx(44.444444)
    assert (high_edge.raw, high_edge.band) == (43, "high")


def test_empty_answers_count_as_missing(stai):
    answers = {**ORDINARY_STATE, s(2): None, s(5): ""}
    # Items 2 and 5 (both reversed, both 3 in the ordinary form) are unanswered: 18 answered.
    # Direct: all 10, Σ 16. Reversed: 8 answered, Σ 27 − 3 − 3 = 21 → 21 / 8 × 10 = 26.25.
    # state = 16 − 26.25 + 50 = 39.75; raw = 16 − 21 + 50 = 45.
    result = scores(stai, answers)["state"]
    assert (result.value, result.raw, result.n_answered) == (16 - 26.25 + 50, 45, 18)
    assert result.band == "moderate"


# Norms: Khanin (1976) gives cut-offs, not a norm table we could verify, so the shipped file
# has none. A test-only copy gets a small MADE-UP table to check that conversion works.
FAKE_NORMS = {
    "state": [
        {
            "kind": "sten",
            "sex": "f",
            "age": [10, 14],
            "source": "made up for this test",
            "table": [
                {"min": 20, "max": 30, "value": 3},
                {"min": 31, "max": 44, "value": 5},
                {"min": 45, "max": 80, "value": 8},
            ],
        },
        {"kind": "sten", "table": [{"min": 20, "max": 35, "value": 4}, {"min": 36, "max": 80, "value": 7}]},
    ],
    "trait": [
        {"kind": "percentile", "table": [{"min": 20, "max": 44, "value": 40}, {"min": 45, "max": 80, "value": 90}]},
    ],
}


@pytest.fixture(scope="module")
def stai_with_norms():
    data = yaml.safe_load(FILE.read_text(encoding="utf-8"))
    for scale in data["scales"]:
        scale["norms"] = FAKE_NORMS[scale["id"]]
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    return load_instrument("stai_khanin_with_norms.yaml", built_in_types(), text=text)


@pytest.mark.parametrize(
    ("profile", "expected"),
    [
        (Profile(age=12, sex="f"), 5),  # girl of 12: the f 10–14 table; 39 is in 31–44 → 5
        (Profile(age=16, sex="f"), 7),  # too old for it: the general table; 39 in 36–80 → 7
        (Profile(age=12, sex="m"), 7),  # a boy: the general table → 7
        (None, 7),  # no age or sex known: only the general table fits → 7
    ],
)
def test_norm_table_is_chosen_by_sex_and_age(stai_with_norms, profile, expected):
    result = scores(stai_with_norms, ORDINARY_STATE, profile)["state"]
    assert result.value == 39
    assert (result.norm, result.norm_kind) == (expected, "sten")


def test_a_prorated_score_is_rounded_half_up_before_the_norm_table(stai_with_norms):
    # Trait, item 22 (direct) missing. Direct: the other twelve are six 1s and six 2s,
    # Σ 6 + 12 = 18 → 18 / 12 × 13 = 19.5. Reversed: four 1s and three 2s, Σ 4 + 6 = 10.
    # trait = 19.5 − 10 + 35 = 44.5 → band high (above 44); for the norm table 44.5 rounds
    # half up to 45 → percentile 90 (not 44 → 40).
    direct = {**dict.fromkeys(TRAIT_DIRECT, 1), 23: 2, 24: 2, 25: 2, 28: 2, 29: 2, 31: 2}
    del direct[22]
    reversed_ = {21: 1, 26: 1, 27: 1, 30: 1, 33: 2, 36: 2, 39: 2}
    result = scores(stai_with_norms, trait_answers(direct, reversed_))["trait"]
    assert result.value == 18 / 12 * 13 - 10 + 35 == 44.5
    assert (result.raw, result.band, result.n_answered) == (18 - 10 + 35, "high", 19)
    assert (result.norm, result.norm_kind) == (90, "percentile")


def test_a_missing_score_has_no_norm(stai_with_norms):
    result = scores(stai_with_norms, {}, Profile(age=12, sex="f"))["state"]
    assert result.missing and result.norm is None and result.norm_kind is None
