"""Known answers for GAD-7, from the published key (Spitzer et al. 2006).

Items are scored 0–3, the total is their sum (0–21); 0–4 minimal, 5–9 mild,
10–14 moderate, 15–21 severe. No item is reversed; the total needs all 7 items (the paper
gives no rule for missing items, so nothing is prorated). Every expected value is worked
out here by hand.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from surveys.core.definitions import Profile
from surveys.core.loader import load_instrument
from surveys.core.question_types import built_in_types
from surveys.core.scoring import score_instrument

FILE = Path(__file__).resolve().parents[1] / "gad7.yaml"
ITEMS = [f"gad7_{n}" for n in range(1, 8)]


@pytest.fixture(scope="module")
def gad7():
    return load_instrument(FILE, built_in_types())


def total(instrument, answers, profile=None):
    (result,) = score_instrument(instrument, answers, profile)
    assert result.scale == "total"
    return result


def answers_from(values):
    return dict(zip(ITEMS, values, strict=True))


def test_file_has_seven_items_scored_zero_to_three(gad7):
    assert list(gad7.answer_keys) == ITEMS
    assert all(gad7.item_ranges[k] == (0, 3) for k in ITEMS)
    assert gad7.licence.bundle_texts is True
    assert "Arch" in gad7.licence.citation or "Archives" in gad7.licence.citation
    assert gad7.scoring_version == "1"


def test_key_is_a_plain_sum_of_all_seven_items(gad7):
    scale = gad7.scale("total")
    assert (scale.method, list(scale.items), scale.reverse) == ("sum", ITEMS, ())
    assert scale.min_answered == 7 and scale.higher_is == "worse"
    assert [(b.id, b.min, b.max) for b in scale.bands] == [
        ("minimal", 0, 4),
        ("mild", 5, 9),
        ("moderate", 10, 14),
        ("severe", 15, 21),
    ]
    for band in scale.bands:
        assert band.label.ru and band.label.en


def test_all_twos_sum_to_fourteen_which_is_moderate(gad7):
    # 2 + 2 + 2 + 2 + 2 + 2 + 2 = 14 → moderate (10–14)
    result = total(gad7, answers_from([2] * 7))
    assert result.value == 2 * 7 == 14
    assert result.band == "moderate"
    assert result.n_answered == 7


def test_extremes_are_zero_minimal_and_twenty_one_severe(gad7):
    # all 0: 7 × 0 = 0 → minimal; all 3: 7 × 3 = 21 → severe
    lowest, highest = total(gad7, answers_from([0] * 7)), total(gad7, answers_from([3] * 7))
    assert (lowest.value, lowest.band) == (0, "minimal")
    assert (highest.value, highest.band) == (3 * 7, "severe")


@pytest.mark.parametrize(
    ("values", "expected_total", "expected_band"),
    [
        ([1, 1, 1, 1, 0, 0, 0], 4, "minimal"),  # last point of minimal
        ([1, 1, 1, 1, 1, 0, 0], 5, "mild"),  # first cut point (5)
        ([3, 3, 3, 0, 0, 0, 0], 9, "mild"),  # last point of mild
        ([3, 3, 3, 1, 0, 0, 0], 10, "moderate"),  # second cut point (10)
        ([2, 2, 2, 2, 2, 2, 2], 14, "moderate"),  # last point of moderate
        ([3, 3, 3, 3, 3, 0, 0], 15, "severe"),  # third cut point (15)
        ([0, 1, 2, 3, 0, 1, 2], 9, "mild"),  # a mixed pattern
    ],
)
def test_band_edges_follow_the_published_cut_points(gad7, values, expected_total, expected_band):
    assert sum(values) == expected_total  # the hand-worked total
    result = total(gad7, answers_from(values))
    assert result.value == expected_total
    assert result.raw == expected_total
    assert result.band == expected_band


def test_a_missing_item_leaves_the_total_missing_with_a_reason(gad7):
    # 6 answered 2s would prorate to 12 / 6 × 7 = 14, but GAD-7 is never prorated.
    answers = answers_from([2] * 7)
    del answers["gad7_4"]
    result = total(gad7, answers)
    assert result.missing
    assert result.value is None and result.raw is None and result.band is None
    assert result.n_answered == 6
    assert result.missing_reason == "6 of 7 items answered; at least 7 needed"


def test_an_empty_answer_counts_as_missing(gad7):
    answers = {**answers_from([1] * 7), "gad7_7": None, "gad7_6": ""}
    result = total(gad7, answers)
    assert result.missing and result.n_answered == 5
    assert result.missing_reason == "5 of 7 items answered; at least 7 needed"


def test_no_answers_at_all_is_missing(gad7):
    result = total(gad7, {})
    assert result.missing
    assert result.missing_reason == "no items answered"


# Norms: the GAD-7 has cut points, not norm tables, so the shipped file has none. A test-only
# copy gets a small MADE-UP table to check that the conversion works for this scale.
FAKE_NORMS = [
    {
        "kind": "t",
        "sex": "m",
        "age": [15, 19],
        "source": "made up for this test",
        "table": [{"min": 0, "max": 4, "value": 45}, {"min": 5, "max": 21, "value": 60}],
    },
    {"kind": "t", "table": [{"min": 0, "max": 9, "value": 50}, {"min": 10, "max": 21, "value": 65}]},
]


@pytest.fixture(scope="module")
def gad7_with_norms():
    data = yaml.safe_load(FILE.read_text(encoding="utf-8"))
    data["scales"][0]["norms"] = FAKE_NORMS
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    return load_instrument("gad7_with_norms.yaml", built_in_types(), text=text)


@pytest.mark.parametrize(
    ("profile", "expected"),
    [
        (Profile(age=16, sex="m"), 60),  # boy of 16: the m 15–19 table; 0+1+2+3+0+1+2 = 9 in 5–21 → 60
        (Profile(age=16, sex="f"), 50),  # a girl: the general table; 9 in 0–9 → 50
        (None, 50),  # nothing known: the general table → 50
    ],
)
def test_norm_table_converts_the_total(gad7_with_norms, profile, expected):
    result = total(gad7_with_norms, answers_from([0, 1, 2, 3, 0, 1, 2]), profile)
    assert (result.value, result.band) == (9, "mild")
    assert (result.norm, result.norm_kind) == (expected, "t")
