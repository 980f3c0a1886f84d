"""The expected-vs-real gap on a small campaign built by hand; every number computed by hand."""

from __future__ import annotations

import pytest

import plugins.satisfaction as satisfaction
from plugins.satisfaction.gap import ITEMS, Gap, default_waves, expectation_gaps, paired_gap
from surveys.core.contracts import CampaignTables, ScoreRow, Sheet, WaveInfo, WavePair
from surveys.core.published import Counted, bare_numbers, counted

IN, OUT = WaveInfo(11, "Входной срез", "input", 0), WaveInfo(12, "Выходной срез", "output", 1)


def answered(participant, role, wave, instrument, **answers):
    return {
        "participant": participant,
        "role": role,
        "form": "ученик–ученик",
        "group": "8Б",
        "wave": wave.name,
        "wave_kind": wave.kind,
        "instrument": instrument,
        "instrument_version": "1",
        "submitted_at": None,
        "answers": answers,
    }


def ratings(comfort, individual, group, support=5, goals=5, organisation=5):
    values = dict(zip(ITEMS, (comfort, individual, group, support, goals, organisation), strict=True))
    return {k: v for k, v in values.items() if v is not None}


def index(participant, wave, instrument, scale, value):
    return ScoreRow(participant, wave.id, wave.name, wave.kind, instrument, scale, value)


# Mentees p1–p6 state expectations in the input wave; p1–p5 and p7 rate reality in the output wave.
#             sat_comfort   sat_individual   sat_group
#  expected:  8 7 9 6 10 5    5 5 5 5 5 5    6 6 6 6 6 6
#  real:      9 7 4 8 10 - 3  7 7 7 7 7 - 7  4 - 8 8 8 - 2     (p2 skips group meetings)
EXPECTED = {"p1": (8, 5, 6), "p2": (7, 5, 6), "p3": (9, 5, 6), "p4": (6, 5, 6), "p5": (10, 5, 6), "p6": (5, 5, 6)}
REAL = {"p1": (9, 7, 4), "p2": (7, 7, None), "p3": (4, 7, 8), "p4": (8, 7, 8), "p5": (10, 7, 8), "p7": (3, 7, 2)}


def campaign_tables() -> CampaignTables:
    tables = CampaignTables(campaign="Мониторинг 2025/26", waves=[IN, OUT])
    for p, values in EXPECTED.items():
        tables.answers.append(answered(p, "mentee", IN, "satisfaction_exp_mentee", **ratings(*values)))
    for p, values in REAL.items():
        tables.answers.append(answered(p, "mentee", OUT, "satisfaction_mentee", **ratings(*values), sat_continue=True))
    # Answers in the wrong wave are not paired: reality in the input wave, expectations in the output one.
    tables.answers.append(answered("p1", "mentee", IN, "satisfaction_mentee", **ratings(1, 1, 1)))
    tables.answers.append(answered("p1", "mentee", OUT, "satisfaction_exp_mentee", **ratings(1, 1, 1)))
    # Other instruments with the same item ids are not read.
    tables.answers.append(answered("p1", "mentee", OUT, "programme_feedback", sat_comfort=1))
    # Three mentors: too few to show anything.
    for m, (e, r) in {"m1": (6, 9), "m2": (7, 8), "m3": (8, 8)}.items():
        tables.answers.append(answered(m, "mentor", IN, "satisfaction_exp_mentor", **ratings(e, e, e)))
        tables.answers.append(answered(m, "mentor", OUT, "satisfaction_mentor", **ratings(r, r, r)))
    # The indices (scores): expected 7 6 8 5 9 (p1–p5), real 8 6 6 7 9 (p1–p5); p6 has no real index.
    for p, e, r in [("p1", 7, 8), ("p2", 6, 6), ("p3", 8, 6), ("p4", 5, 7), ("p5", 9, 9)]:
        tables.scores.append(index(p, IN, "satisfaction_exp_mentee", "expectations", e))
        tables.scores.append(index(p, OUT, "satisfaction_mentee", "satisfaction", r))
    tables.scores.append(index("p6", IN, "satisfaction_exp_mentee", "expectations", 2))
    tables.scores.append(index("p7", OUT, "satisfaction_mentee", "satisfaction", None))
    return tables


@pytest.fixture
def gaps():
    return {(g.role, g.item): g for g in expectation_gaps(campaign_tables(), IN.id, OUT.id)}


def test_rows_are_the_six_items_and_the_index_per_role(gaps):
    items = [*ITEMS, "index"]
    assert list(gaps) == [("mentee", item) for item in items] + [("mentor", item) for item in items]


def test_comfort_is_paired_by_participant(gaps):
    # Pairs p1–p5 (p6 has no real answer, p7 no expectation):
    # expected (8 + 7 + 9 + 6 + 10) / 5 = 8; real (9 + 7 + 4 + 8 + 10) / 5 = 7.6;
    # gaps +1, 0, −5, +2, 0 → −2 / 5 = −0.4.
    assert gaps["mentee", "sat_comfort"] == Gap("mentee", "sat_comfort", 5, 8, pytest.approx(7.6), pytest.approx(-0.4))


def test_a_constant_gain(gaps):
    assert gaps["mentee", "sat_individual"] == Gap("mentee", "sat_individual", 5, 5, 7, 2)


def test_an_item_with_fewer_than_five_pairs_is_hidden(gaps):
    # p2 skipped group meetings in the output wave: p1, p3, p4, p5 are left, 4 < MIN_GROUP.
    group = gaps["mentee", "sat_group"]
    assert group == Gap("mentee", "sat_group", 4, None, None, None) and group.hidden


def test_the_index_row_pairs_the_two_scores(gaps):
    # expected (7 + 6 + 8 + 5 + 9) / 5 = 7; real (8 + 6 + 6 + 7 + 9) / 5 = 7.2; gap 0.2
    assert gaps["mentee", "index"] == Gap("mentee", "index", 5, 7, pytest.approx(7.2), pytest.approx(0.2))


def test_three_mentors_are_hidden_but_counted(gaps):
    mentor_rows = [g for (role, _item), g in gaps.items() if role == "mentor"]
    assert [g.n for g in mentor_rows] == [3] * 6 + [0]
    assert all(g.hidden for g in mentor_rows)


def test_a_smaller_min_group_shows_the_mentors():
    gaps = {(g.role, g.item): g for g in expectation_gaps(campaign_tables(), IN.id, OUT.id, min_group=3)}
    # expected (6 + 7 + 8) / 3 = 7, real (9 + 8 + 8) / 3 = 25 / 3, gaps 3, 1, 0 → 4 / 3
    mentor = gaps["mentor", "sat_comfort"]
    assert (mentor.n, mentor.mean_expected) == (3, 7)
    assert mentor.mean_real == pytest.approx(25 / 3) and mentor.mean_gap == pytest.approx(4 / 3)


def test_the_waves_given_decide_which_side_is_which():
    # Swapped: only the two decoy answers of p1 (expectations in the output wave, reality in the
    # input wave) are read, and pair up; nothing else does.
    swapped = {(g.role, g.item): g for g in expectation_gaps(campaign_tables(), OUT.id, IN.id)}
    assert set(swapped) == {("mentee", item) for item in [*ITEMS, "index"]}
    assert swapped["mentee", "sat_comfort"] == Gap("mentee", "sat_comfort", 1, None, None, None)
    assert swapped["mentee", "sat_support"].n == 1 and swapped["mentee", "index"].n == 0


def test_a_role_with_no_answers_is_left_out():
    tables = campaign_tables()
    tables.answers = [row for row in tables.answers if row["role"] == "mentee"]
    assert {g.role for g in expectation_gaps(tables, IN.id, OUT.id)} == {"mentee"}


def test_answers_rows_with_a_wave_id_and_ambiguous_wave_names():
    twin = WaveInfo(13, OUT.name, "output", 2)  # a second wave with the same name
    tables = campaign_tables()
    tables.waves.append(twin)
    # Rows named "Выходной срез" are now ambiguous and skipped …
    assert next(g for g in expectation_gaps(tables, IN.id, OUT.id) if g.item == "sat_individual").n == 0
    # … unless they carry the wave id.
    for row in tables.answers:
        row["wave_id"] = OUT.id if row["wave"] == OUT.name else IN.id
    assert next(g for g in expectation_gaps(tables, IN.id, OUT.id) if g.item == "sat_individual").n == 5


def test_paired_gap_hides_small_and_empty_groups():
    assert paired_gap({}, {}) == (0, None, None, None)
    five = {f"p{i}": float(i) for i in range(5)}
    assert paired_gap(five, {k: v + 1 for k, v in five.items()}) == (5, 2, 3, 1)
    assert paired_gap(five, {"p0": 1.0}) == (1, None, None, None)


def test_yes_no_and_text_answers_are_not_ratings():
    tables = CampaignTables(campaign="c", waves=[IN, OUT])
    for p in ("a", "b", "c", "d", "e"):
        tables.answers.append(answered(p, "mentee", IN, "satisfaction_exp_mentee", sat_comfort=True))
        tables.answers.append(answered(p, "mentee", OUT, "satisfaction_mentee", sat_comfort="10"))
    assert expectation_gaps(tables, IN.id, OUT.id)[0] == Gap("mentee", "sat_comfort", 0, None, None, None)


def test_default_waves_prefer_the_input_and_output_kinds():
    middle = WaveInfo(5, "Промежуточный", "intermediate", 1)
    first, last = WaveInfo(4, "Сентябрь", "input", 0), WaveInfo(6, "Май", "output", 2)
    assert default_waves([last, middle, first]) == (first, last)
    extra = WaveInfo(7, "Июнь", "intermediate", 3)
    assert default_waves([first, middle, last, extra]) == (first, last)
    plain = [WaveInfo(1, "a", "intermediate", 0), WaveInfo(2, "b", "intermediate", 1)]
    assert default_waves(plain) == tuple(plain)
    assert default_waves([first]) is None
    assert default_waves([WaveInfo(1, "out", "output", 0), WaveInfo(2, "in", "input", 1)]) is None


def test_the_analysis_is_registered_as_a_wave_pair_analysis():
    (analysis,) = satisfaction.surveys_register_analyses()
    assert analysis.name == "satisfaction_gap" and analysis.applies_to == "wave_pair"
    result = analysis.run(WavePair(campaign_tables(), IN.id, OUT.id))
    assert result == expectation_gaps(campaign_tables(), IN.id, OUT.id)


def test_each_gap_carries_the_codes_of_the_people_it_pairs(gaps):
    pairs = {"p1", "p2", "p3", "p4", "p5"}  # p6 has no real answer, p7 no expectation
    assert gaps["mentee", "sat_comfort"].participants == pairs == gaps["mentee", "index"].participants
    assert gaps["mentee", "sat_group"].participants == pairs - {"p2"}  # p2 skipped group meetings
    assert gaps["mentor", "sat_comfort"].participants == {"m1", "m2", "m3"}
    assert gaps["mentor", "index"].participants == frozenset()  # no mentor has an index score
    assert all(g.n == len(g.participants) for g in gaps.values())


def test_the_export_sheet():
    (sheet,) = satisfaction.surveys_export_sheets(campaign=None, tables=campaign_tables())
    assert isinstance(sheet, Sheet) and (sheet.name, sheet.key) == ("Satisfaction gap", "satisfaction gap")
    assert sheet.keys == satisfaction.COLUMNS and sheet.columns[:3] == ["Role", "Item", "Item id"]  # no locale
    assert len(sheet.rows) == 14
    assert bare_numbers(sheet) == []  # every number goes through the disclosure policy
    pairs = {"p1", "p2", "p3", "p4", "p5"}
    # Without the questionnaires loaded an item shows its id; the role is in words.
    head = ["Mentee", "sat_individual", "sat_individual", IN.name, OUT.name]
    assert sheet.rows[1] == [*head, *(counted(v, pairs) for v in (5, 5, 7, 2))]
    # Four pairs: the sheet computes the means and leaves hiding them to the export's policy.
    # expected 6 each; real (4 + 8 + 8 + 8) / 4 = 7; gap 1.
    group = pairs - {"p2"}
    head = ["Mentee", "sat_group", "sat_group", IN.name, OUT.name]
    assert sheet.rows[2] == [*head, *(counted(v, group) for v in (4, 6, 7, 1))]
    mentor = sheet.rows[7]
    assert mentor[:3] == ["Mentor", "sat_comfort", "sat_comfort"]
    assert {c.group for c in mentor[5:]} == {frozenset({"m1", "m2", "m3"})}
    assert [c.value for c in mentor[5:]] == [3, 7, pytest.approx(25 / 3), pytest.approx(4 / 3)]
    index = ["Mentor", "Satisfaction index (expectations and satisfaction scales)", "index", IN.name, OUT.name]
    assert sheet.rows[-1] == [*index, *(counted(v, ()) for v in (0, None, None, None))]
    assert all(isinstance(value, Counted) for row in sheet.rows for value in row[5:])
    assert {sheet.keys[i]: f for i, f in sheet.number_formats.items()} == dict.fromkeys(satisfaction.MEANS, "0.00")


def test_no_sheet_without_satisfaction_answers_or_without_two_waves():
    tables = campaign_tables()
    assert satisfaction.surveys_export_sheets(campaign=None, tables=CampaignTables("c", [IN, OUT])) is None
    tables.waves = [IN]
    assert satisfaction.surveys_export_sheets(campaign=None, tables=tables) is None
