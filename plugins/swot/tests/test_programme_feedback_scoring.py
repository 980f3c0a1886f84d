"""Known answers for the programme-feedback questionnaire's `overall` scale: the mean of five
1–5 ratings (pf_organisation, pf_usefulness, pf_comfort, pf_curator, pf_goals), at least 3 answered."""

from __future__ import annotations

from pathlib import Path

import pytest

from surveys.core.loader import load_instrument
from surveys.core.question_types import built_in_types
from surveys.core.scoring import score_instrument

FILE = Path(__file__).parents[1] / "programme_feedback.yaml"
ITEMS = ["pf_organisation", "pf_usefulness", "pf_comfort", "pf_curator", "pf_goals"]


@pytest.fixture(scope="module")
def instrument():
    return load_instrument(FILE, built_in_types())


def overall(instrument, answers):
    return {r.scale: r for r in score_instrument(instrument, answers)}["overall"]


def test_the_scale_takes_the_five_ratings(instrument):
    scale = instrument.scale("overall")
    assert list(scale.items) == ITEMS and scale.method == "mean" and scale.reverse == ()
    assert all(instrument.item_ranges[i] == (1, 5) for i in ITEMS)


def test_ordinary_answers(instrument):
    # (4 + 5 + 3 + 4 + 2) / 5 = 18 / 5 = 3.6
    result = overall(instrument, dict(zip(ITEMS, [4, 5, 3, 4, 2], strict=True)))
    assert (result.raw, result.value, result.n_answered) == (18, 3.6, 5)


def test_all_minimum_and_all_maximum(instrument):
    assert overall(instrument, dict.fromkeys(ITEMS, 1)).value == 1
    assert overall(instrument, dict.fromkeys(ITEMS, 5)).value == 5


def test_missing_items(instrument):
    # three answered is enough: (5 + 4 + 3) / 3 = 4
    assert overall(instrument, {"pf_organisation": 5, "pf_usefulness": 4, "pf_goals": 3}).value == 4
    short = overall(instrument, {"pf_organisation": 5, "pf_goals": 3})
    assert short.value is None and short.missing_reason == "2 of 5 items answered; at least 3 needed"
