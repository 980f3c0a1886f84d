"""Known answers for GAD-7, from the published key (Spitzer et al. 2006).

Items are scored 0–3, the total is their sum (0–21); 0–4 minimal, 5–9 mild,
10–14 moderate, 15–21 severe. Every expected value is worked out here by hand.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from surveys.core.loader import load_instrument
from surveys.core.question_types import built_in_types
from surveys.core.scoring import score_instrument

FILE = Path(__file__).resolve().parents[1] / "gad7.yaml"
ITEMS = [f"gad7_{n}" for n in range(1, 8)]


@pytest.fixture(scope="module")
def gad7():
    return load_instrument(FILE, built_in_types())


def total(instrument, answers):
    (result,) = score_instrument(instrument, answers)
    assert result.scale == "total"
    return result


def answers_from(values):
    return dict(zip(ITEMS, values, strict=True))


def test_file_has_seven_items_scored_zero_to_three(gad7):
    assert list(gad7.answer_keys) == ITEMS
    assert all(gad7.item_ranges[k] == (0, 3) for k in ITEMS)
    assert gad7.licence.bundle_texts is True
    assert "Arch" in gad7.licence.citation or "Archives" in gad7.licence.citation


def test_all_twos_sum_to_fourteen_which_is_moderate(gad7):
    result = total(gad7, answers_from([2] * 7))
    assert result.value == 2 * 7 == 14
    assert result.band == "moderate"
    assert result.n_answered == 7


def test_extremes_are_zero_minimal_and_twenty_one_severe(gad7):
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
    answers = answers_from([2] * 7)
    del answers["gad7_4"]
    result = total(gad7, answers)
    assert result.missing
    assert result.value is None and result.band is None
    assert result.n_answered == 6
    assert "6 of 7" in result.missing_reason


def test_no_answers_at_all_is_missing(gad7):
    result = total(gad7, {})
    assert result.missing
    assert result.missing_reason == "no items answered"
