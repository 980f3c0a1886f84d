"""Known answers for the MBI key (Vodopyanova–Starchenkova adaptation), key only.

Items are answered 0–6. Emotional exhaustion (EE) is the sum of items 1, 2, 3, 6, 8, 13,
14, 16, 20 (0–54); depersonalisation (DP) of 5, 10, 11, 15, 22 (0–30); personal
accomplishment (PA) of 4, 7, 9, 12, 17, 18, 19, 21 (0–48), where a low sum means strong
reduction. Bands: EE 0–15 / 16–24 / 25–54, DP 0–5 / 6–10 / 11–30, PA reduction high 0–30 /
medium 31–36 / low 37–48. Every item of a scale must be answered. The lists and sums below
are written out by hand, not taken from the file or from a second run of the engine.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from surveys.core.definitions import Profile
from surveys.core.loader import load_instrument
from surveys.core.question_types import built_in_types
from surveys.core.scoring import score_instrument
from surveys.instruments import read_pack, text_ids, with_texts

FILE = Path(__file__).resolve().parents[1] / "mbi_vodopyanova.yaml"
ALL = [f"mbi_{n:02d}" for n in range(1, 23)]
EE = ["mbi_01", "mbi_02", "mbi_03", "mbi_06", "mbi_08", "mbi_13", "mbi_14", "mbi_16", "mbi_20"]
DP = ["mbi_05", "mbi_10", "mbi_11", "mbi_15", "mbi_22"]
PA = ["mbi_04", "mbi_07", "mbi_09", "mbi_12", "mbi_17", "mbi_18", "mbi_19", "mbi_21"]


@pytest.fixture(scope="module")
def mbi():
    return load_instrument(FILE, built_in_types())


def scores(instrument, answers, profile=None):
    return {r.scale: r for r in score_instrument(instrument, answers, profile)}


def on(items, values):
    return dict(zip(items, values, strict=True))


# --- the file ------------------------------------------------------------------------------


def test_twenty_two_items_answered_zero_to_six(mbi):
    assert list(mbi.answer_keys) == ALL
    assert all(mbi.item_ranges[k] == (0, 6) for k in ALL)
    (question,) = mbi.questions()
    assert [c["value"] for c in question.options["choices"]] == [0, 1, 2, 3, 4, 5, 6]
    assert question.required is True


def test_key_of_the_adaptation(mbi):
    assert {s.id: list(s.items) for s in mbi.scales} == {"ee": EE, "dp": DP, "pa": PA}
    assert (len(EE), len(DP), len(PA)) == (9, 5, 8)
    assert sorted(EE + DP + PA) == ALL  # every item in exactly one scale
    assert all(s.reverse == () for s in mbi.scales)  # no item is mirrored
    assert {s.id: s.method for s in mbi.scales} == {"ee": "sum", "dp": "sum", "pa": "sum"}
    assert {s.id: s.higher_is for s in mbi.scales} == {"ee": "worse", "dp": "worse", "pa": "better"}
    assert all(s.min_answered is None for s in mbi.scales)  # every item needed


def test_bands_as_written_in_the_key(mbi):
    def bands(scale_id):
        return [(b.id, b.min, b.max) for b in mbi.scale(scale_id).bands]

    assert bands("ee") == [("low", 0, 15), ("medium", 16, 24), ("high", 25, 54)]
    assert bands("dp") == [("low", 0, 5), ("medium", 6, 10), ("high", 11, 30)]
    assert bands("pa") == [("high", 0, 30), ("medium", 31, 36), ("low", 37, 48)]
    for scale in mbi.scales:
        assert all(b.label.ru and b.label.en for b in scale.bands)


def test_key_only_no_item_texts_are_shipped(mbi):
    assert mbi.key_only and mbi.licence.bundle_texts is False
    assert mbi.scoring_version == "1"
    assert set(mbi.audience) == {"teacher", "mentor"}
    (question,) = mbi.questions()
    assert question.text.ru == "[mbi_items]" and question.text.en is None
    assert [(row["text"].ru, row["text"].en) for row in question.options["items"]] == [(f"[{k}]", None) for k in ALL]
    source = FILE.read_text(encoding="utf-8")
    assert "text:" not in source  # ids only: no stem, no item wording


def test_a_school_text_pack_fills_every_item(mbi):
    assert text_ids(mbi) == ["mbi_items", *ALL]
    dummy = {"instrument": "mbi_vodopyanova", "version": 1, "texts": {k: f"Тестовый текст {k}" for k in text_ids(mbi)}}
    texts = read_pack("pack.yaml", mbi, yaml.safe_dump(dummy, allow_unicode=True))
    shown = with_texts(mbi, texts)
    (question,) = shown.questions()
    assert question.options["items"][0]["text"].ru == "Тестовый текст mbi_01"
    assert scores(shown, dict.fromkeys(ALL, 1))["ee"].value == 9  # texts do not touch the key


# --- ordinary answers ----------------------------------------------------------------------

# item:    1  2  3  4  5  6  7  8  9 10 11 12 13 14 15 16 17 18 19 20 21 22
ORDINARY = [3, 4, 2, 5, 1, 3, 6, 2, 4, 0, 1, 5, 2, 3, 2, 4, 5, 6, 3, 1, 4, 2]


def test_ordinary_answers(mbi):
    result = scores(mbi, on(ALL, ORDINARY))
    # EE: items 1,2,3,6,8,13,14,16,20 = 3+4+2+3+2+2+3+4+1 = 24 -> medium (16–24)
    assert (result["ee"].raw, result["ee"].value, result["ee"].band) == (24, 24, "medium")
    # DP: items 5,10,11,15,22 = 1+0+1+2+2 = 6 -> medium (6–10)
    assert (result["dp"].raw, result["dp"].value, result["dp"].band) == (6, 6, "medium")
    # PA: items 4,7,9,12,17,18,19,21 = 5+6+4+5+5+6+3+4 = 38 -> low reduction (37–48)
    assert (result["pa"].raw, result["pa"].value, result["pa"].band) == (38, 38, "low")
    assert [result[s].n_answered for s in ("ee", "dp", "pa")] == [9, 5, 8]


def test_all_minimum_answers(mbi):
    result = scores(mbi, dict.fromkeys(ALL, 0))
    assert (result["ee"].value, result["ee"].band) == (0, "low")  # 0 * 9
    assert (result["dp"].value, result["dp"].band) == (0, "low")  # 0 * 5
    assert (result["pa"].value, result["pa"].band) == (0, "high")  # 0 * 8: no accomplishment, high reduction


def test_all_maximum_answers(mbi):
    result = scores(mbi, dict.fromkeys(ALL, 6))
    assert (result["ee"].value, result["ee"].band) == (54, "high")  # 6 * 9
    assert (result["dp"].value, result["dp"].band) == (30, "high")  # 6 * 5
    assert (result["pa"].value, result["pa"].band) == (48, "low")  # 6 * 8: low reduction


# --- band boundaries -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "total", "band"),
    [
        ([6, 6, 3, 0, 0, 0, 0, 0, 0], 15, "low"),  # 6+6+3 = 15, top of low
        ([6, 6, 4, 0, 0, 0, 0, 0, 0], 16, "medium"),  # 6+6+4 = 16, bottom of medium
        ([6, 6, 6, 6, 0, 0, 0, 0, 0], 24, "medium"),  # 6*4 = 24, top of medium
        ([6, 6, 6, 6, 1, 0, 0, 0, 0], 25, "high"),  # 6*4+1 = 25, bottom of high
    ],
)
def test_emotional_exhaustion_band_edges(mbi, values, total, band):
    result = scores(mbi, on(EE, values))["ee"]
    assert (result.value, result.band) == (total, band)


@pytest.mark.parametrize(
    ("values", "total", "band"),
    [
        ([1, 1, 1, 1, 1], 5, "low"),  # 1*5 = 5, top of low
        ([2, 1, 1, 1, 1], 6, "medium"),  # 2+1*4 = 6, bottom of medium
        ([2, 2, 2, 2, 2], 10, "medium"),  # 2*5 = 10, top of medium
        ([3, 2, 2, 2, 2], 11, "high"),  # 3+2*4 = 11, bottom of high
    ],
)
def test_depersonalisation_band_edges(mbi, values, total, band):
    result = scores(mbi, on(DP, values))["dp"]
    assert (result.value, result.band) == (total, band)


@pytest.mark.parametrize(
    ("values", "total", "band"),
    [
        ([6, 6, 6, 6, 6, 0, 0, 0], 30, "high"),  # 6*5 = 30: high reduction (≤ 30)
        ([6, 6, 6, 6, 6, 1, 0, 0], 31, "medium"),  # 6*5+1 = 31: medium (31–36)
        ([6, 6, 6, 6, 6, 6, 0, 0], 36, "medium"),  # 6*6 = 36: medium
        ([6, 6, 6, 6, 6, 6, 1, 0], 37, "low"),  # 6*6+1 = 37: low reduction (≥ 37)
    ],
)
def test_personal_accomplishment_band_edges(mbi, values, total, band):
    result = scores(mbi, on(PA, values))["pa"]
    assert (result.value, result.band) == (total, band)


# --- missing answers: no prorating ---------------------------------------------------------


def test_one_missing_item_makes_only_its_scale_missing(mbi):
    answers = on(ALL, ORDINARY)
    del answers["mbi_20"]  # an EE item
    result = scores(mbi, answers)
    assert result["ee"].missing
    assert result["ee"].missing_reason == "8 of 9 items answered; at least 9 needed"
    assert result["ee"].n_answered == 8 and result["ee"].band is None
    assert (result["dp"].value, result["pa"].value) == (6, 38)  # as in test_ordinary_answers


def test_missing_pa_and_dp_items(mbi):
    answers = dict.fromkeys(ALL, 3) | {"mbi_04": None, "mbi_22": ""}
    result = scores(mbi, answers)
    assert result["pa"].missing_reason == "7 of 8 items answered; at least 8 needed"
    assert result["dp"].missing_reason == "4 of 5 items answered; at least 5 needed"
    assert result["ee"].value == 27  # 3 * 9, high


def test_nothing_answered(mbi):
    result = scores(mbi, {})
    assert all(result[s].missing_reason == "no items answered" for s in ("ee", "dp", "pa"))


# --- norm conversion (no published sten table found: a test-only table on a copy) ------------

TEST_EE_NORMS = [  # invented for the test, not a real norm
    {
        "kind": "sten",
        "sex": "f",
        "age": [20, 39],
        "source": "test only",
        "table": [
            {"min": 0, "max": 15, "value": 3},
            {"min": 16, "max": 24, "value": 6},
            {"min": 25, "max": 54, "value": 9},
        ],
    },
    {
        "kind": "sten",
        "source": "test only",
        "table": [
            {"min": 0, "max": 20, "value": 4},
            {"min": 21, "max": 54, "value": 7},
        ],
    },
]


@pytest.fixture(scope="module")
def mbi_with_test_norms():
    data = yaml.safe_load(FILE.read_text(encoding="utf-8"))
    ee = next(s for s in data["scales"] if s["id"] == "ee")
    ee["norms"] = TEST_EE_NORMS
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    return load_instrument(FILE, built_in_types(), text=text)


def test_shipped_file_has_no_norms(mbi):
    assert all(not s.norms for s in mbi.scales)


@pytest.mark.parametrize(
    ("profile", "sten"),
    [
        (Profile(age=30, sex="f"), 6),  # f, 20–39: EE 24 is in 16–24 -> 6
        (Profile(age=20, sex="f"), 6),  # age edges are inclusive
        (Profile(age=45, sex="f"), 7),  # outside 20–39: the table for anyone, 24 in 21–54 -> 7
        (Profile(age=30, sex="m"), 7),  # another sex: the table for anyone
        (Profile(), 7),  # age unknown: only the table without an age band applies
        (None, 7),
    ],
)
def test_norm_table_chosen_by_sex_and_age(mbi_with_test_norms, profile, sten):
    result = scores(mbi_with_test_norms, on(ALL, ORDINARY), profile)
    assert result["ee"].value == 24  # 3+4+2+3+2+2+3+4+1
    assert (result["ee"].norm, result["ee"].norm_kind) == (sten, "sten")
    assert (result["dp"].norm, result["dp"].norm_kind) == (None, None)  # no table for DP


def test_no_norm_for_a_missing_score(mbi_with_test_norms):
    result = scores(mbi_with_test_norms, {"mbi_01": 6}, Profile(age=30, sex="f"))["ee"]
    assert result.missing and result.norm is None and result.norm_kind is None
