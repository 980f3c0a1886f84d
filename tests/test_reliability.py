"""Reliability: Cronbach's alpha, KR-20 and corrected item–total correlations, checked against
numpy/scipy computed independently, a published worked example, and the campaign workbook."""

from __future__ import annotations

import io
import math
from types import SimpleNamespace

import numpy as np
import openpyxl
import pytest
from scipy import stats

from surveys.core.contracts import CampaignTables, WaveInfo
from surveys.core.definitions import Instrument, Page, Question, Scale
from surveys.core.reliability import (
    complete_cases,
    cronbach_alpha,
    item_total_correlations,
    keyed_row,
    kr20,
    scale_alpha,
    scale_reliability,
)
from surveys.core.reliability_sheet import reliability_rows, reliability_sheet
from surveys.core.text import Text
from tests.conftest import FIXTURES

# Six respondents, four 1–5 items: made by hand.
HAND = [
    [4, 3, 4, 2],
    [2, 2, 3, 1],
    [3, 3, 3, 3],
    [5, 4, 4, 4],
    [1, 2, 1, 2],
    [4, 4, 5, 3],
]


def alpha_numpy(matrix, ddof: int = 1) -> float:
    """The textbook variance formula: k/(k−1) · (1 − Σ var(item) / var(total))."""
    x = np.asarray(matrix, dtype=float)
    k = x.shape[1]
    return k / (k - 1) * (1 - x.var(axis=0, ddof=ddof).sum() / x.sum(axis=1).var(ddof=ddof))


def kr20_textbook(matrix) -> float:
    """KR-20 = k/(k−1) · (1 − Σ p_i q_i / σ²_total), σ²_total the population variance of the totals."""
    x = np.asarray(matrix, dtype=float)
    k = x.shape[1]
    p = x.mean(axis=0)
    return k / (k - 1) * (1 - (p * (1 - p)).sum() / np.var(x.sum(axis=1)))


def correlated_matrix(seed: int, n: int, k: int, levels: int = 5) -> np.ndarray:
    """Likert-like answers driven by one common factor, so that alpha is clearly positive."""
    rng = np.random.default_rng(seed)
    trait = rng.normal(size=(n, 1))
    raw = trait + rng.normal(scale=0.9, size=(n, k))
    return np.clip(np.round(raw + (levels + 1) / 2), 1, levels)


# --- the statistics ---------------------------------------------------------------------------


def test_alpha_matches_the_variance_formula_on_a_hand_made_matrix():
    expected = alpha_numpy(HAND)
    assert cronbach_alpha(HAND) == pytest.approx(expected, abs=1e-12)
    # Population or sample variances in both places: the ratio, and so alpha, is the same.
    assert alpha_numpy(HAND, ddof=0) == pytest.approx(expected, abs=1e-12)
    # Worked by hand (ddof=1): item variances 13/6, 4/5, 28/15, 11/10, together 89/15; totals 13, 8, 12, 17,
    # 6, 16 have variance 94/5; alpha = 4/3 · (1 − (89/15) / (94/5)) = 4/3 · 193/282 = 0.9125.
    assert cronbach_alpha(HAND) == pytest.approx(4 / 3 * 193 / 282, abs=1e-12)


@pytest.mark.parametrize("seed", range(5))
def test_alpha_and_item_total_match_numpy_and_scipy_on_random_matrices(seed):
    x = correlated_matrix(seed, n=40, k=6)
    assert cronbach_alpha(x.tolist()) == pytest.approx(alpha_numpy(x), abs=1e-10)
    totals = x.sum(axis=1)
    for i, r in enumerate(item_total_correlations(x.tolist())):
        assert r == pytest.approx(stats.pearsonr(x[:, i], totals - x[:, i]).statistic, abs=1e-10)


def test_item_total_correlation_leaves_the_item_out_of_the_total():
    corrected = item_total_correlations(HAND)
    x = np.asarray(HAND, dtype=float)
    uncorrected = [stats.pearsonr(x[:, i], x.sum(axis=1)).statistic for i in range(4)]
    assert all(c < u for c, u in zip(corrected, uncorrected, strict=True))  # the item inflates its own total
    assert corrected[0] == pytest.approx(stats.pearsonr(x[:, 0], x[:, 1:].sum(axis=1)).statistic)


def test_kr20_matches_the_textbook_formula_and_equals_alpha_on_0_1_items():
    x = (correlated_matrix(11, n=30, k=8, levels=2) - 1).tolist()  # 0/1 answers
    assert kr20(x) == pytest.approx(kr20_textbook(x), abs=1e-12)
    assert kr20(x) == pytest.approx(cronbach_alpha(x), abs=1e-12)
    with pytest.raises(ValueError, match="0 or 1"):
        kr20([[0, 1], [2, 1]])


# Published worked example: K. L. Wuensch, "The Kuder-Richardson 20", East Carolina University,
# https://core.ecu.edu/wuenschk/StatHelp/KR20.txt — ten students, a ten-item 0/1 quiz. The page prints
# each item's p, q and p·q (Σ p·q = 2.18), the variance of the totals as 5.84 (the population variance:
# Σ(x − 6.6)² / 10), and notes that p·q equals each item's variance, so KR-20 is alpha on 0/1 items.
WUENSCH = [
    [1, 1, 1, 1, 1, 1, 0, 1, 1, 0],  # A, total 8
    [1, 0, 1, 1, 0, 1, 1, 1, 0, 1],  # B, 7
    [1, 1, 1, 1, 0, 1, 1, 0, 0, 1],  # C, 7
    [0, 0, 1, 0, 0, 0, 1, 0, 0, 0],  # D, 2
    [0, 0, 0, 0, 0, 1, 0, 0, 1, 0],  # E, 2
    [1, 1, 1, 0, 1, 1, 1, 1, 1, 1],  # F, 9
    [1, 1, 0, 1, 1, 1, 0, 1, 1, 1],  # G, 8
    [1, 1, 1, 1, 1, 1, 1, 1, 0, 1],  # H, 9
    [0, 1, 0, 1, 1, 1, 1, 1, 0, 1],  # I, 7
    [1, 1, 0, 1, 1, 0, 1, 1, 1, 0],  # J, 7
]
WUENSCH_P = [0.7, 0.7, 0.6, 0.7, 0.6, 0.8, 0.7, 0.7, 0.5, 0.6]
WUENSCH_PQ = [0.21, 0.21, 0.24, 0.21, 0.24, 0.16, 0.21, 0.21, 0.25, 0.24]


def test_kr20_on_a_published_worked_example():
    x = np.asarray(WUENSCH, dtype=float)
    assert x.sum(axis=1).tolist() == [8, 7, 7, 2, 2, 9, 8, 9, 7, 7]  # the page's "tot" column
    assert x.mean(axis=0) == pytest.approx(WUENSCH_P)
    assert x.var(axis=0) == pytest.approx(WUENSCH_PQ)  # "p * q" and "variance" rows agree
    assert np.var(x.sum(axis=1)) == pytest.approx(5.84)
    published = 10 / 9 * (1 - sum(WUENSCH_PQ) / 5.84)
    assert kr20(WUENSCH) == pytest.approx(published, abs=1e-12)
    assert cronbach_alpha(WUENSCH) == pytest.approx(published, abs=1e-12)
    assert round(published, 3) == 0.696


def test_missing_answers_are_deleted_listwise():
    with_gaps = [*HAND, [None, 2, 3, 4], [1, math.nan, 1, 1], [5, 5, 5, None]]
    assert complete_cases(with_gaps) == [[float(v) for v in row] for row in HAND]
    assert cronbach_alpha(with_gaps) == pytest.approx(alpha_numpy(HAND))
    assert item_total_correlations(with_gaps) == pytest.approx(item_total_correlations(HAND))
    zero_one = [[1, 0, 1], [0, 0, 1], [1, 1, 1], [0, 0, 0], [None, 1, 1]]
    assert kr20(zero_one) == pytest.approx(kr20_textbook(zero_one[:4]))


def test_a_constant_item_adds_no_variance_and_has_no_item_total_correlation():
    constant = [[*row, 3] for row in HAND]
    assert cronbach_alpha(constant) == pytest.approx(alpha_numpy(constant))
    r = item_total_correlations(constant)
    assert r[4] is None and all(v is not None for v in r[:4])
    assert r[0] == pytest.approx(stats.pearsonr([row[0] for row in HAND], [sum(row[1:]) for row in HAND]).statistic)


def test_not_computable_cases_give_none():
    assert cronbach_alpha([]) is None and kr20([]) is None and item_total_correlations([]) == []
    assert cronbach_alpha([[1], [2], [3]]) is None  # one item
    assert item_total_correlations([[1], [2], [3]]) == [None]
    assert cronbach_alpha([[1, 2], [None, 3]]) is None  # one complete case
    assert cronbach_alpha([[1, 2], [2, 1], [3, 0]]) is None  # totals all 3: no variance
    assert kr20([[1, 1], [1, 1], [1, 1]]) is None
    with pytest.raises(ValueError, match="different numbers of items"):
        cronbach_alpha([[1, 2], [1, 2, 3]])


def test_alpha_can_be_negative():
    disagreeing = [[1, 4], [2, 2], [3, 3], [4, 1]]
    assert cronbach_alpha(disagreeing) == pytest.approx(alpha_numpy(disagreeing))
    assert cronbach_alpha(disagreeing) < 0


# --- scales keyed like the scoring engine -----------------------------------------------------

RANGES = {f"i{n}": (1, 5) for n in range(1, 5)}


def instrument(*scales: Scale, questions: tuple[Question, ...] = (), ranges=None) -> Instrument:
    return Instrument(
        id="t",
        version="1",
        title=Text("T"),
        description=None,
        audience=("mentee",),
        pages=(Page("p", None, questions),) if questions else (),
        scales=scales,
        item_ranges=RANGES if ranges is None else ranges,
    )


def answers_of(matrix, items=("i1", "i2", "i3", "i4")) -> list[dict]:
    return [dict(zip(items, row, strict=True)) for row in matrix]


def test_sum_and_mean_scales_apply_reverse_keys_on_the_items_own_range():
    scale = Scale("s", Text("S"), ("i1", "i2", "i3", "i4"), reverse=("i2",))
    answers = answers_of([[a, 6 - b, c, d] for a, b, c, d in HAND])  # i2 answered reversed: 1 + 5 − x
    assert keyed_row(instrument(scale), scale, answers[0]) == [4, 3, 4, 2]
    result = scale_reliability(instrument(scale), scale, answers)
    assert (result.scale, result.n, result.k, result.method, result.reason) == ("s", 6, 4, "alpha", None)
    assert result.coefficient == pytest.approx(alpha_numpy(HAND))
    assert list(result.item_total) == ["i1", "i2", "i3", "i4"]
    assert list(result.item_total.values()) == pytest.approx(item_total_correlations(HAND))
    mean = Scale("m", Text("M"), ("i1", "i2", "i3", "i4"), method="mean", reverse=("i2",))
    assert scale_reliability(instrument(mean), mean, answers).coefficient == pytest.approx(result.coefficient)
    unkeyed = Scale("u", Text("U"), ("i1", "i2", "i3", "i4"))
    assert scale_reliability(instrument(unkeyed), unkeyed, answers).coefficient < result.coefficient


def test_linear_scales_mirror_their_reversed_items_so_all_point_the_same_way():
    answers = answers_of([[a, 6 - b, c, d] for a, b, c, d in HAND])
    linear = Scale("l", Text("L"), ("i1", "i2", "i3", "i4"), method="linear", reverse=("i2",), constant=35)
    result = scale_reliability(instrument(linear), linear, answers)
    assert result.method == "alpha" and result.coefficient == pytest.approx(alpha_numpy(HAND))
    assert result.item_total["i2"] > 0


def test_incomplete_and_unanswerable_responses_are_left_out():
    scale = Scale("s", Text("S"), ("i1", "i2", "i3", "i4"), min_answered=3)  # scored, but not complete
    answers = [*answers_of(HAND), {"i1": 2, "i2": 3, "i3": 4}, {"i1": 2, "i2": "", "i3": 1, "i4": 1}, {}]
    result = scale_reliability(instrument(scale), scale, answers)
    assert result.n == 6 and result.coefficient == pytest.approx(alpha_numpy(HAND))


def test_key_match_scales_use_kr20_on_answers_scored_by_the_key():
    key = {"y1": (True,), "y2": (False,), "y3": (True,), "y4": ("a", "b")}
    scale = Scale("lie", Text("L"), ("y1", "y2", "y3", "y4"), method="key_match", key=key)
    raw = [
        [True, False, True, "a"],
        [True, True, True, "c"],
        [False, True, False, "c"],
        [True, False, False, "b"],
        [False, True, False, "a"],
        [True, False, True, "b"],
        [False, False, True, "c"],
    ]
    scored = [[1, 1, 1, 1], [1, 0, 1, 0], [0, 0, 0, 0], [1, 1, 0, 1], [0, 0, 0, 1], [1, 1, 1, 1], [0, 1, 1, 0]]
    answers = answers_of(raw, ("y1", "y2", "y3", "y4"))
    result = scale_reliability(instrument(scale, ranges={}), scale, answers)
    assert result.method == "kr20" and result.n == 7
    assert result.coefficient == pytest.approx(kr20_textbook(scored), abs=1e-12)
    x = np.asarray(scored, dtype=float)
    for i, item in enumerate(scale.items):
        expected = stats.pearsonr(x[:, i], x.sum(axis=1) - x[:, i]).statistic
        assert result.item_total[item] == pytest.approx(expected)


def test_weighted_scales_use_the_points_and_0_1_single_choices_use_kr20():
    choice = {"choices": []}
    questions = tuple(Question(f"c{n}", "single_choice", Text("?"), options=choice) for n in (1, 2, 3))
    weights = {"c1": {"a": 0, "b": 2, "c": 3}, "c2": {"a": 1, "b": 0, "c": 2}, "c3": {"a": 3, "b": 1, "c": 0}}
    scale = Scale("w", Text("W"), ("c1", "c2", "c3"), method="weighted", weights=weights)
    raw = [["b", "a", "a"], ["c", "c", "a"], ["a", "b", "c"], ["b", "a", "b"], ["c", "c", "a"], ["a", "a", "c"]]
    points = [[weights[f"c{i + 1}"][v] for i, v in enumerate(row)] for row in raw]
    answers = answers_of(raw, ("c1", "c2", "c3"))
    result = scale_reliability(instrument(scale, questions=questions, ranges={}), scale, answers)
    assert result.method == "alpha" and result.coefficient == pytest.approx(alpha_numpy(points))
    binary = {"c1": {"a": 1, "b": 0, "c": 0}, "c2": {"a": 1, "b": 0, "c": 0}, "c3": {"a": 0, "b": 0, "c": 1}}
    scale01 = Scale("w01", Text("W"), ("c1", "c2", "c3"), method="weighted", weights=binary)
    result01 = scale_reliability(instrument(scale01, questions=questions, ranges={}), scale01, answers)
    scored = [[binary[f"c{i + 1}"][v] for i, v in enumerate(row)] for row in raw]
    assert result01.method == "kr20" and result01.coefficient == pytest.approx(kr20_textbook(scored))


def test_0_1_rating_items_are_dichotomous():
    scale = Scale("s", Text("S"), ("i1", "i2", "i3"), reverse=("i3",))
    ranges = {"i1": (0, 1), "i2": (0, 1), "i3": (0, 1)}
    raw = [[1, 1, 0], [0, 0, 1], [1, 0, 0], [1, 1, 1], [0, 1, 1]]
    result = scale_reliability(instrument(scale, ranges=ranges), scale, answers_of(raw, ("i1", "i2", "i3")))
    keyed = [[a, b, 1 - c] for a, b, c in raw]
    assert result.method == "kr20" and result.coefficient == pytest.approx(kr20_textbook(keyed))


def test_the_array_alpha_agrees_with_scale_reliability_on_every_kind_of_answer():
    """scale_alpha is the comparison's fast path: same coefficient and n as scale_reliability."""
    reversed_scale = Scale("s", Text("S"), ("i1", "i2", "i3", "i4"), reverse=("i2",))
    odd = [*answers_of([[a, 6 - b, c, d] for a, b, c, d in HAND]), {"i1": 2, "i2": "", "i3": 1, "i4": 1}]
    odd += [{"i1": "3", "i2": 2, "i3": 4, "i4": 5}, {"i1": True, "i2": 2, "i3": 4, "i4": 5}, {"i1": 1.5}, {}]
    odd += [{"i1": "x", "i2": 2, "i3": 4, "i4": 5}, {"i1": float("nan"), "i2": 1, "i3": 1, "i4": 1}]
    cases = [(instrument(reversed_scale), reversed_scale, odd)]
    big = correlated_matrix(7, 500, 4)
    plain = Scale("p", Text("P"), ("i1", "i2", "i3", "i4"), method="mean")
    cases.append((instrument(plain), plain, answers_of(big.tolist())))
    binary = Scale("b", Text("B"), ("i1", "i2", "i3"), reverse=("i3",))
    raw01 = [[1, 1, 0], [0, 0, 1], [1, 0, 0], [1, 1, 1], [0, 1, 1]]
    ranges01 = {"i1": (0, 1), "i2": (0, 1), "i3": (0, 1)}
    cases.append((instrument(binary, ranges=ranges01), binary, answers_of(raw01, ("i1", "i2", "i3"))))
    key = {"y1": (True,), "y2": (False,)}
    lie = Scale("lie", Text("L"), ("y1", "y2"), method="key_match", key=key)
    cases.append((instrument(lie, ranges={}), lie, answers_of([[True, False], [False, False], [True, True]], key)))
    constant = Scale("c", Text("C"), ("i1", "i2"))
    cases.append((instrument(constant), constant, answers_of([[2, 2], [2, 2], [2, 2]], ("i1", "i2"))))
    cases.append((instrument(constant), constant, []))
    for inst, scale, answers in cases:
        full = scale_reliability(inst, scale, answers)
        coefficient, n = scale_alpha(inst, scale, answers)
        assert n == full.n, scale.id
        assert coefficient == (None if full.coefficient is None else pytest.approx(full.coefficient)), scale.id
    assert scale_alpha(*cases[0])[1] == 7  # the six hand rows and the "3" row; True, "", "x" and nan are missing


def test_single_item_custom_and_constant_scales_say_why_there_is_no_coefficient():
    single = Scale("one", Text("O"), ("i1",))
    result = scale_reliability(instrument(single), single, answers_of(HAND))
    assert (result.n, result.k, result.coefficient, result.item_total) == (6, 1, None, {"i1": None})
    assert result.reason == "fewer than 2 items"
    custom = Scale("c", Text("C"), ("i1", "i2"), method="custom")
    result = scale_reliability(instrument(custom), custom, answers_of(HAND))
    assert result.method is None and result.coefficient is None and result.reason.startswith("custom scale")
    scale = Scale("s", Text("S"), ("i1", "i2"))
    flat = [{"i1": 3, "i2": 3}] * 6
    result = scale_reliability(instrument(scale), scale, flat)
    assert result.n == 6 and result.coefficient is None and result.reason == "total scores do not vary"
    result = scale_reliability(instrument(scale), scale, [{"i1": 3, "i2": 4}])
    assert result.coefficient is None and result.reason == "fewer than 2 complete answers"


# --- a campaign's tables ----------------------------------------------------------------------


def tables_for(by_wave: dict[str, list[list[int]]]) -> CampaignTables:
    waves = [WaveInfo(20, "Выход", "output", 1), WaveInfo(10, "Вход", "input", 0)]
    tables = CampaignTables(campaign="К", waves=waves)
    for wave, matrix in by_wave.items():
        for n, answers in enumerate(answers_of(matrix)):
            kind = "input" if wave == "Вход" else "output"
            row = {"participant": f"P{n}", "wave": wave, "wave_kind": kind, "instrument": "t", "answers": answers}
            tables.answers.append(row)
    gone = {"participant": "Z", "wave": "Вход", "wave_kind": "input", "instrument": "gone", "answers": {}}
    tables.answers.append(gone)
    return tables


def test_reliability_rows_cover_every_scale_and_wave_and_hide_groups_under_five():
    total = Scale("total", Text("T"), ("i1", "i2", "i3", "i4"))
    pair = Scale("pair", Text("P"), ("i1", "i3"))
    registry = SimpleNamespace(instruments={"t": instrument(total, pair)})
    rows = reliability_rows(tables_for({"Выход": HAND[:4], "Вход": HAND}), registry)
    assert [(r["instrument"], r["scale"], r["wave"]) for r in rows] == [
        ("t", "total", "Вход"),
        ("t", "total", "Выход"),
        ("t", "pair", "Вход"),
        ("t", "pair", "Выход"),
    ]  # "gone" is no longer loaded: skipped; waves by position
    first, hidden = rows[0], rows[1]
    assert (first["method"], first["k"], first["n"], first["wave_kind"]) == ("alpha", 4, 6, "input")
    assert first["coefficient"] == pytest.approx(alpha_numpy(HAND)) and first["reason"] is None
    # under the threshold not even the number of complete answers is shown (issue 20: it gave a small wave away)
    assert (hidden["n"], hidden["coefficient"], hidden["reason"]) == (None, None, "fewer than 5 complete answers")
    assert hidden["item_total"] == {"i1": None, "i2": None, "i3": None, "i4": None}
    assert rows[2]["coefficient"] == pytest.approx(alpha_numpy([[r[0], r[2]] for r in HAND]))


def test_reliability_sheet_has_a_row_per_item_with_rounded_numbers():
    total = Scale("total", Text("T"), ("i1", "i2", "i3", "i4"))
    registry = SimpleNamespace(instruments={"t": instrument(total)})
    sheet = reliability_sheet(tables_for({"Вход": HAND, "Выход": HAND[:3]}), registry)  # no app: English
    assert (sheet.name, sheet.key) == ("Reliability", "reliability")
    assert sheet.keys[:9] == [
        "instrument",
        "instrument_id",
        "scale",
        "scale_id",
        "wave",
        "method",
        "k",
        "n",
        "coefficient",
    ]
    assert sheet.columns[:4] == ["Questionnaire", "Questionnaire id", "Scale", "Scale id"]
    assert len(sheet.rows) == 8
    alpha = round(alpha_numpy(HAND), 3)
    r = [round(v, 3) for v in item_total_correlations(HAND)]
    title = registry.instruments["t"].title.get()
    assert sheet.rows[0] == [title, "t", "T", "total", "Вход", "Cronbach's alpha", 4, 6, alpha, "i1", r[0], None]
    assert [row[9:11] for row in sheet.rows[:4]] == [[f"i{n + 1}", r[n]] for n in range(4)]
    hidden = [title, "t", "T", "total", "Выход", "Cronbach's alpha", 4, None, None, "i1", None]
    assert sheet.rows[4] == [*hidden, "fewer than 5 complete answers"]
    assert sheet.number_formats[sheet.keys.index("coefficient")] == "0.000"


# --- the campaign workbook, through the real submit path --------------------------------------

WAVE_IN = [  # wb_calm, wb_tense (reverse-keyed on 1–4), wb_happy
    (4, 1, 4),
    (3, 2, 3),
    (2, 3, 2),
    (1, 4, 2),
    (3, 1, 4),
    (2, 2, 1),
]


@pytest.fixture
def app(make_app):
    return make_app(SURVEYS_PLUGINS_PATH=str(FIXTURES / "plugins"))


def test_campaign_workbook_has_a_reliability_sheet(app):
    from surveys.core.models import Invitation, Organisation, Participant
    from surveys.exports.files import campaign_workbook
    from surveys.extensions import db
    from surveys.participation.links import generate_links
    from surveys.participation.responses import save_answers, start_response, submit
    from surveys.state import get_state
    from surveys.workspace.campaigns import add_wave, create_campaign

    with app.test_request_context():
        organisation = Organisation(name="Школа № 7")
        db.session.add(organisation)
        db.session.flush()
        for n in range(8):
            db.session.add(Participant(organisation_id=organisation.id, code=f"P{n}", role="mentee", tags=[]))
        db.session.commit()
        campaign = create_campaign(organisation, "Мониторинг", ["wellbeing_check"], "Вход")
        output = add_wave(campaign, "output", "Выход")
        wellbeing = get_state().registry.instruments["wellbeing_check"]

        def answer(wave, code, answers):
            participant = db.session.execute(db.select(Participant).filter_by(code=code)).scalar_one()
            invitation = db.session.execute(
                db.select(Invitation).filter_by(wave_id=wave.id, participant_id=participant.id)
            ).scalar_one()
            response = start_response(invitation, wellbeing)
            save_answers(response, answers, 1)
            assert submit(response, wellbeing)

        generate_links(campaign.waves[0])
        generate_links(output)
        for n, (calm, tense, happy) in enumerate(WAVE_IN):
            answer(campaign.waves[0], f"P{n}", {"wb_calm": calm, "wb_tense": tense, "wb_happy": happy})
        answer(campaign.waves[0], "P6", {"wb_calm": 4, "wb_tense": 1})  # incomplete: left out
        for n in range(3):  # three answers at the output wave: too few to show
            answer(output, f"P{n}", {"wb_calm": 3, "wb_tense": n + 1, "wb_happy": 2})
        data = campaign_workbook(campaign)

    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames.index("Надёжность") == book.sheetnames.index("Сводка") + 1
    rows = list(book["Надёжность"].iter_rows(values_only=True))
    header = ("Анкета", "id анкеты", "Шкала", "id шкалы", "Волна", "Метод", "Пунктов (k)", "n", "Коэффициент")
    header += ("id пункта", "Корреляция пункт–шкала (r)", "Почему нет коэффициента")
    assert rows[0] == header
    with app.app_context():
        title = get_state().registry.instruments["wellbeing_check"].title.get("ru")
        scale = get_state().registry.instruments["wellbeing_check"].scale("wellbeing").title.get("ru")
    keyed = [[calm, 5 - tense, happy] for calm, tense, happy in WAVE_IN]
    alpha = round(alpha_numpy(keyed), 3)
    x = np.asarray(keyed, dtype=float)
    r = [round(stats.pearsonr(x[:, i], x.sum(axis=1) - x[:, i]).statistic, 3) for i in range(3)]
    assert rows[1:4] == [
        (title, "wellbeing_check", scale, "wellbeing", "Вход", "альфа Кронбаха", 3, 6, alpha, item, r[i], None)
        for i, item in enumerate(["wb_calm", "wb_tense", "wb_happy"])
    ]
    assert alpha > 0.7
    hidden = (title, "wellbeing_check", scale, "wellbeing", "Выход", "альфа Кронбаха", 3, None, None)
    assert rows[4:] == [
        (*hidden, item, None, "меньше 5 полных ответов") for item in ["wb_calm", "wb_tense", "wb_happy"]
    ]
