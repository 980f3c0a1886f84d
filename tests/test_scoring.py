"""The declarative scoring engine: reverse keys, sum and mean, missing items, prorating, bands."""

from __future__ import annotations

import pytest

from surveys.core.definitions import Band, Instrument, Scale
from surveys.core.scoring import score_instrument, score_scale
from surveys.core.text import Text

RANGES = {f"i{n}": (1, 4) for n in range(1, 5)}


def scale(**kwargs) -> Scale:
    return Scale(id="s", title=Text("S"), items=("i1", "i2", "i3", "i4"), **kwargs)


def test_sum_with_a_reverse_key_uses_min_plus_max_minus_x():
    result = score_scale(scale(reverse=("i2",)), RANGES, {"i1": 1, "i2": 1, "i3": 3, "i4": 4})
    assert result.value == 1 + (1 + 4 - 1) + 3 + 4 and result.raw == result.value and result.n_answered == 4


def test_mean_averages_the_keyed_items():
    result = score_scale(scale(method="mean", reverse=("i4",)), RANGES, {"i1": 2, "i2": 3, "i3": 4, "i4": 4})
    assert result.value == pytest.approx((2 + 3 + 4 + 1) / 4)


def test_a_missing_item_makes_the_score_missing_unless_min_answered_allows_it():
    answers = {"i1": 2, "i2": 3, "i3": 4}
    strict = score_scale(scale(), RANGES, answers)
    assert strict.value is None and strict.missing_reason == "3 of 4 items answered; at least 4 needed"
    lenient = score_scale(scale(min_answered=3), RANGES, answers)
    assert lenient.value == pytest.approx((2 + 3 + 4) / 3 * 4)  # prorated sum
    assert lenient.raw == 9


def test_no_answers_at_all_is_missing_with_its_reason():
    result = score_scale(scale(), RANGES, {"i1": None, "i2": ""})
    assert result.value is None and result.missing_reason == "no items answered"


def test_bands_are_inclusive_at_both_edges():
    banded = scale(bands=(Band("low", 4, 9, Text("н")), Band("high", 10, 16, Text("в"))))
    assert score_scale(banded, RANGES, {"i1": 4, "i2": 2, "i3": 2, "i4": 2}).band == "high"  # 10
    assert score_scale(banded, RANGES, {"i1": 3, "i2": 2, "i3": 2, "i4": 2}).band == "low"  # 9
    assert score_scale(banded, RANGES, {"i1": 1, "i2": 1, "i3": 1, "i4": 1}).band == "low"  # 4


def test_custom_scales_are_left_to_plugins():
    instrument = Instrument(
        id="x",
        version="1",
        title=Text("X"),
        description=None,
        audience=("mentee",),
        pages=(),
        scales=(scale(), Scale(id="c", title=Text("C"), items=("i1",), method="custom")),
        item_ranges=RANGES,
    )
    results = score_instrument(instrument, {"i1": 1, "i2": 1, "i3": 1, "i4": 1})
    assert [r.scale for r in results] == ["s"] and results[0].value == 4


def test_scoring_is_pure_and_does_not_change_the_answers():
    answers = {"i1": 1, "i2": 2, "i3": 3, "i4": 4}
    copy = dict(answers)
    first = score_scale(scale(reverse=("i1",)), RANGES, answers)
    assert answers == copy and first == score_scale(scale(reverse=("i1",)), RANGES, answers)
