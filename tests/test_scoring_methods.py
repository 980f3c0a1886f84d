"""Known answers for the scoring methods (linear, key_match, weighted), prorating, norms and
bands, through the engine and through ``surveys instrument score`` on a plugin folder;
and ``surveys scores recompute``."""

from __future__ import annotations

import json

import pytest

from surveys.core.definitions import Profile
from surveys.core.errors import DefinitionError
from surveys.core.loader import load_instrument
from surveys.core.question_types import built_in_types
from surveys.core.scoring import round_half_up, score_instrument
from tests.conftest import FIXTURES

DEMO = FIXTURES / "methods" / "methods_demo" / "methods_demo.yaml"


@pytest.fixture(scope="module")
def demo():
    return load_instrument(DEMO, built_in_types())


def scores(instrument, answers, profile=None):
    return {r.scale: r for r in score_instrument(instrument, answers, profile)}


def test_linear_is_direct_minus_reversed_plus_constant(demo):
    # 4 + 3 − 1 − 2 + 10 = 14
    result = scores(demo, {"r1": 4, "r2": 3, "r3": 1, "r4": 2})["linear_scale"]
    assert (result.raw, result.value, result.band, result.n_answered) == (14, 14, "high", 4)
    # all minimum: 1 + 1 − 1 − 1 + 10 = 10; all maximum: 4 + 4 − 4 − 4 + 10 = 10
    assert scores(demo, dict.fromkeys(("r1", "r2", "r3", "r4"), 1))["linear_scale"].value == 10
    assert scores(demo, dict.fromkeys(("r1", "r2", "r3", "r4"), 4))["linear_scale"].value == 10
    # only the reversed items differ: 4 + 4 − 1 − 1 + 10 = 16 against 4 + 4 − 4 − 4 + 10 = 10
    assert scores(demo, {"r1": 4, "r2": 4, "r3": 1, "r4": 1})["linear_scale"].value == 16
    assert scores(demo, {"r1": 1, "r2": 1, "r3": 4, "r4": 4})["linear_scale"].value == 4


def test_linear_prorates_each_part_and_stops_below_the_minimum(demo):
    # r4 missing: direct 4 + 3 = 7; reversed mean 1 × 2 items = 2; 7 − 2 + 10 = 15 (raw: 4 + 3 − 1 + 10 = 16)
    result = scores(demo, {"r1": 4, "r2": 3, "r3": 1})["linear_scale"]
    assert (result.raw, result.value, result.n_answered) == (16, 15, 3)
    # both reversed items missing would make Σ reversed 0: the score is missing instead
    no_reversed = scores(demo, {"r1": 4, "r2": 3})["linear_scale"]
    assert no_reversed.missing_reason == "2 of 4 items answered; at least 3 needed"
    lone = load_instrument(
        "one.yaml",
        built_in_types(),
        text=DEMO.read_text(encoding="utf-8").replace("min_answered: 3\n    bands", "min_answered: 2\n    bands"),
    )
    gone = scores(lone, {"r1": 4, "r2": 3})["linear_scale"]
    assert gone.value is None and gone.missing_reason == "no reversed items answered: the sum cannot be prorated"
    short = scores(demo, {"r1": 4, "r3": 1})["linear_scale"]
    assert short.value is None and short.missing_reason == "2 of 4 items answered; at least 3 needed"


def test_key_match_counts_answers_that_match_the_key(demo):
    # key y1 yes, y2 no, y3 yes: True ✓, False ✓, False ✗ → 2
    assert scores(demo, {"y1": True, "y2": False, "y3": False})["key_scale"].value == 2
    assert scores(demo, {"y1": False, "y2": True, "y3": False})["key_scale"].value == 0
    assert scores(demo, {"y1": True, "y2": False, "y3": True})["key_scale"].value == 3
    assert scores(demo, {"y1": True, "y2": False})["key_scale"].missing_reason.startswith("2 of 3")


def test_weighted_adds_the_points_of_each_chosen_answer(demo):
    # c1 = c → 3; m1 = x and z → 1 + 5 = 6; total 9
    assert scores(demo, {"c1": "c", "m1": ["x", "z"]})["weighted_scale"].value == 9
    # without prorating, a missing item simply adds nothing: c1 = b → 1
    result = scores(demo, {"c1": "b", "m1": []})["weighted_scale"]
    assert (result.value, result.n_answered) == (1, 1)
    assert scores(demo, {})["weighted_scale"].missing_reason == "no items answered"


def test_norm_tables_follow_sex_and_age(demo):
    answers = {"r1": 4, "r2": 3, "r3": 1, "r4": 2}  # 14
    girl = scores(demo, answers, Profile(age=12, sex="f"))["linear_scale"]
    assert (girl.norm, girl.norm_kind) == (8, "sten")
    # outside the girls' age band, or a boy: the table for anyone (13–16 → 7)
    assert scores(demo, answers, Profile(age=16, sex="f"))["linear_scale"].norm == 7
    assert scores(demo, answers, Profile(age=12, sex="m"))["linear_scale"].norm == 7
    assert scores(demo, answers)["linear_scale"].norm == 7
    # a prorated 15 → the girls' row 14–16 → 8; half-points round up as in a paper table
    assert scores(demo, {"r1": 4, "r2": 3, "r3": 1}, Profile(age=12, sex="f"))["linear_scale"].norm == 8
    assert [round_half_up(x) for x in (12.5, 12.49, 13.5, 0.5)] == [13, 12, 14, 1]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("    key: {y1: yes, y2: no, y3: yes}\n", "no key for: y1, y2, y3"),
        ("    constant: 10\n", None),
        ("      - {min: 10, max: 13, value: 5}\n", "overlap"),
    ],
)
def test_the_loader_checks_each_method_needs(change, message):
    text = DEMO.read_text(encoding="utf-8")
    if message is None:  # a constant on a scale that is not linear
        broken = text.replace("    method: key_match\n", "    method: key_match\n    constant: 3\n")
        message = "only 'linear' scales have a constant"
    elif message == "overlap":
        broken = text.replace(change, "      - {min: 9, max: 13, value: 5}\n")
    else:
        broken = text.replace(change, "")
    with pytest.raises(DefinitionError) as caught:
        load_instrument("broken.yaml", built_in_types(), text=broken)
    assert any(message in str(p) and str(p).startswith("broken.yaml:") for p in caught.value.problems)


def test_a_plugin_folder_instrument_scores_through_the_command_line(make_app, tmp_path):
    app = make_app(SURVEYS_PLUGINS_PATH=str(FIXTURES / "methods"))
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps({"r1": 4, "r2": 3, "r3": 1, "r4": 2, "y1": True, "c1": "c", "m1": ["z"]}))
    result = app.test_cli_runner().invoke(
        args=["instrument", "score", "methods_demo", str(answers), "--age", "12", "--sex", "f"]
    )
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    assert printed["instrument"] == "methods_demo" and printed["scoring_version"] == "3+2"
    by_scale = {s["scale"]: s for s in printed["scales"]}
    assert by_scale["linear_scale"] == {
        "scale": "linear_scale",
        "raw": 14.0,
        "score": 14.0,
        "band": "high",
        "band_label": {"ru": "высокий", "en": "high"},
        "n_answered": 4,
        "missing_reason": None,
        "norm": 8,
        "norm_kind": "sten",
    }
    assert by_scale["key_scale"]["score"] is None and by_scale["key_scale"]["n_answered"] == 1
    assert by_scale["weighted_scale"]["score"] == 8  # c → 3, z → 5
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2")
    broken = app.test_cli_runner().invoke(args=["instrument", "score", "methods_demo", str(bad)])
    assert broken.exit_code == 1 and "bad.json:1:" in broken.output
    unknown = app.test_cli_runner().invoke(args=["instrument", "score", "nope", str(answers)])
    assert unknown.exit_code == 2
