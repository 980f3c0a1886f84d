"""Stage 1 of monitoring: the quality questionnaires for mentors and mentees and the curator's
questionnaire on the programme's conditions (instruments/quality_mentor.yaml, quality_mentee.yaml,
curator_conditions.yaml).

- the three files load, name their audience and their sources;
- their `extensions.swot` block is consistent: every rating question is in exactly one dimension,
  every id exists with the right type, quadrants are S/W/O/T, strength > weakness;
- the questions for one form of mentoring are shown for that form only;
- every question cites the programme documents in a comment; verbatim items match the seeds;
- each dimension is also a `mean` scale, checked against means computed by hand.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from pathlib import Path

import pytest

from surveys.core.loader import load_instrument
from surveys.core.question_types import built_in_types
from surveys.core.scoring import score_instrument

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT.parent / "shared" / "seeds"
S004 = "seeds/004_b95d848bba63bb56.txt"
NAMES = ["quality_mentee", "quality_mentor", "curator_conditions"]
AUDIENCE = {"quality_mentee": ("mentee",), "quality_mentor": ("mentor",), "curator_conditions": ("curator",)}

CLOSED_TYPES = {"single_choice", "multiple_choice", "yes_no"}
# The values are the platform's names of the forms (surveys/programmes.py); the dimensions use ASCII ids.
FORMS = ["ученик–ученик", "учитель–учитель", "учитель–ученик", "студент–ученик", "работодатель–ученик"]
DIMENSION_OF = {
    "ученик–ученик": "pupil_pupil",
    "учитель–учитель": "teacher_teacher",
    "учитель–ученик": "teacher_pupil",
    "студент–ученик": "student_pupil",
    "работодатель–ученик": "employer_pupil",
}
FORM_OF = {f"form_{slug}": form for form, slug in DIMENSION_OF.items()}
FORM_QUESTION = {"quality_mentee": "qme_form", "quality_mentor": "qmr_form"}

# The questions shown for one form only, per questionnaire and form.
BY_FORM = {
    "quality_mentee": {
        "ученик–ученик": {"qme_pp_adaptation", "qme_pp_inclusion"},
        "учитель–учитель": {"qme_tt_adaptation", "qme_tt_methods", "qme_tt_confidence", "qme_tt_stay"},
        "учитель–ученик": {"qme_tp_motivation", "qme_tp_meaning"},
        "студент–ученик": {"qme_sp_next_level", "qme_sp_choice", "qme_sp_skills"},
        "работодатель–ученик": {"qme_ep_profession", "qme_ep_career", "qme_ep_activities"},
    },
    "quality_mentor": {
        "ученик–ученик": {"qmr_pp_variant", "qmr_pp_adaptation", "qmr_pp_belonging"},
        "учитель–учитель": {"qmr_tt_variant", "qmr_tt_adaptation", "qmr_tt_analysis", "qmr_tt_skills"},
        "учитель–ученик": {"qmr_tp_variant", "qmr_tp_motivation", "qmr_tp_team"},
        "студент–ученик": {"qmr_sp_variant", "qmr_sp_next_level", "qmr_sp_schedule"},
        "работодатель–ученик": {
            "qmr_ep_variant",
            "qmr_ep_profession",
            "qmr_ep_skills",
            "qmr_ep_org_support",
            "qmr_ep_internship",
        },
    },
}
PARTICIPANT_FILES = list(BY_FORM)

# (instrument, question, exact Russian text, seed file, line)
VERBATIM = [
    ("quality_mentee", "qme_valuable", "Что самого ценного было в вашем взаимодействии?", S004, 518),
    ("quality_mentor", "qmr_valuable", "Что самого ценного было в вашем взаимодействии?", S004, 518),
]
VERBATIM_IDS = [f"{instrument}.{question}" for instrument, question, *_ in VERBATIM]

# Known answers, computed by hand: (instrument, scale, items in order, min_answered, ordinary answers, mean).
KNOWN = [
    # (7 + 9 + 8) / 3 = 24 / 3 = 8
    ("quality_mentee", "organisation", ["qme_org_schedule", "qme_org_regular", "qme_org_structure"], 2, [7, 9, 8], 8),
    # (6 + 8 + 5 + 9) / 4 = 28 / 4 = 7
    (
        "quality_mentee",
        "usefulness",
        ["qme_use_progress", "qme_use_new", "qme_use_apply", "qme_use_expectations"],
        2,
        [6, 8, 5, 9],
        7,
    ),
    # (9 + 10 + 8) / 3 = 27 / 3 = 9
    ("quality_mentee", "communication", ["qme_com_trust", "qme_com_listen", "qme_com_open"], 2, [9, 10, 8], 9),
    # (4 + 5 + 7) / 3 = 16 / 3 = 5.333333
    ("quality_mentee", "goals", ["qme_goal_clear", "qme_goal_own", "qme_goal_plan"], 2, [4, 5, 7], 5.333333),
    # (3 + 6) / 2 = 4.5
    ("quality_mentee", "curator", ["qme_cur_info", "qme_cur_help"], 1, [3, 6], 4.5),
    # (8 + 5) / 2 = 6.5
    ("quality_mentee", "conditions", ["qme_res_place", "qme_res_time"], 1, [8, 5], 6.5),
    # (7 + 8) / 2 = 7.5
    ("quality_mentee", "form_pupil_pupil", ["qme_pp_adaptation", "qme_pp_inclusion"], 1, [7, 8], 7.5),
    # (6 + 7 + 9) / 3 = 22 / 3 = 7.333333
    (
        "quality_mentee",
        "form_teacher_teacher",
        ["qme_tt_adaptation", "qme_tt_methods", "qme_tt_confidence"],
        2,
        [6, 7, 9],
        7.333333,
    ),
    # (2 + 5) / 2 = 3.5
    ("quality_mentee", "form_teacher_pupil", ["qme_tp_motivation", "qme_tp_meaning"], 1, [2, 5], 3.5),
    # (10 + 9 + 8) / 3 = 27 / 3 = 9
    (
        "quality_mentee",
        "form_student_pupil",
        ["qme_sp_next_level", "qme_sp_choice", "qme_sp_skills"],
        2,
        [10, 9, 8],
        9,
    ),
    # (9 + 6) / 2 = 7.5
    ("quality_mentee", "form_employer_pupil", ["qme_ep_profession", "qme_ep_career"], 1, [9, 6], 7.5),
    # (5 + 6 + 4) / 3 = 15 / 3 = 5
    ("quality_mentor", "organisation", ["qmr_org_schedule", "qmr_org_regular", "qmr_org_structure"], 2, [5, 6, 4], 5),
    # (8 + 9 + 9) / 3 = 26 / 3 = 8.666667
    (
        "quality_mentor",
        "usefulness",
        ["qmr_use_progress", "qmr_use_own_growth", "qmr_use_satisfaction"],
        2,
        [8, 9, 9],
        8.666667,
    ),
    # (10 + 7 + 6) / 3 = 23 / 3 = 7.666667
    (
        "quality_mentor",
        "communication",
        ["qmr_com_trust", "qmr_com_understanding", "qmr_com_engagement"],
        2,
        [10, 7, 6],
        7.666667,
    ),
    # (3 + 4 + 5) / 3 = 12 / 3 = 4
    ("quality_mentor", "goals", ["qmr_goal_clear", "qmr_goal_match", "qmr_goal_plan"], 2, [3, 4, 5], 4),
    # (9 + 8 + 4) / 3 = 21 / 3 = 7
    ("quality_mentor", "curator", ["qmr_cur_training", "qmr_cur_consult", "qmr_cur_materials"], 2, [9, 8, 4], 7),
    # (2 + 7 + 3) / 3 = 12 / 3 = 4
    ("quality_mentor", "conditions", ["qmr_res_time", "qmr_res_place", "qmr_res_recognition"], 2, [2, 7, 3], 4),
    # (6 + 9) / 2 = 7.5
    ("quality_mentor", "form_pupil_pupil", ["qmr_pp_adaptation", "qmr_pp_belonging"], 1, [6, 9], 7.5),
    # (7 + 5 + 6) / 3 = 18 / 3 = 6
    (
        "quality_mentor",
        "form_teacher_teacher",
        ["qmr_tt_adaptation", "qmr_tt_analysis", "qmr_tt_skills"],
        2,
        [7, 5, 6],
        6,
    ),
    # (4 + 9) / 2 = 6.5
    ("quality_mentor", "form_teacher_pupil", ["qmr_tp_motivation", "qmr_tp_team"], 1, [4, 9], 6.5),
    # (8 + 3) / 2 = 5.5
    ("quality_mentor", "form_student_pupil", ["qmr_sp_next_level", "qmr_sp_schedule"], 1, [8, 3], 5.5),
    # (10 + 8 + 9) / 3 = 27 / 3 = 9
    (
        "quality_mentor",
        "form_employer_pupil",
        ["qmr_ep_profession", "qmr_ep_skills", "qmr_ep_org_support"],
        2,
        [10, 8, 9],
        9,
    ),
    # (8 + 7 + 9 + 6 + 5 + 10) / 6 = 45 / 6 = 7.5
    (
        "curator_conditions",
        "organisational",
        [
            "cur_org_roadmap",
            "cur_org_bases",
            "cur_org_matching",
            "cur_org_meetings",
            "cur_org_feedback",
            "cur_org_partners",
        ],
        3,
        [8, 7, 9, 6, 5, 10],
        7.5,
    ),
    # (4 + 5 + 6 + 3 + 2 + 7) / 6 = 27 / 6 = 4.5
    (
        "curator_conditions",
        "methodological",
        [
            "cur_met_normative",
            "cur_met_materials",
            "cur_met_training",
            "cur_met_staffing",
            "cur_met_technologies",
            "cur_met_resources",
        ],
        3,
        [4, 5, 6, 3, 2, 7],
        4.5,
    ),
    # (9 + 8 + 10 + 9 + 7 + 8) / 6 = 51 / 6 = 8.5
    (
        "curator_conditions",
        "personal",
        [
            "cur_per_mentor_motivation",
            "cur_per_mentee_motivation",
            "cur_per_involvement",
            "cur_per_mentor_logic",
            "cur_per_climate",
            "cur_per_recognition",
        ],
        3,
        [9, 8, 10, 9, 7, 8],
        8.5,
    ),
]
KNOWN_IDS = [f"{instrument}.{scale}" for instrument, scale, *_ in KNOWN]


@pytest.fixture(scope="module")
def loaded():
    return {name: load_instrument(ROOT / "instruments" / f"{name}.yaml", built_in_types()) for name in NAMES}


def swot(instrument) -> dict:
    return instrument.extensions["swot"]


def score(instrument, scale_id, answers):
    return {r.scale: r for r in score_instrument(instrument, answers)}[scale_id]


# --- loading, audience, sources ---------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_questionnaire_loads_with_its_audience_and_sources(loaded, name):
    instrument = loaded[name]
    assert instrument.id == name
    assert instrument.audience == AUDIENCE[name]
    assert instrument.waves == ("intermediate", "output")
    licence = instrument.licence
    assert licence is not None and licence.bundle_texts
    assert "own wording" in licence.licence and "programme documents" in licence.licence
    assert "seeds/" in licence.citation


@pytest.mark.parametrize("name", NAMES)
def test_questionnaire_has_open_closed_and_rating_questions(loaded, name):
    types = Counter(q.type for q in loaded[name].questions())
    assert types["text"] >= 4 and types["rating"] >= 10
    assert sum(types[t] for t in CLOSED_TYPES) >= 4


@pytest.mark.parametrize("name", NAMES)
def test_every_rating_is_one_to_ten_with_both_anchors(loaded, name):
    instrument = loaded[name]
    for question in instrument.questions():
        if question.type == "rating":
            assert instrument.item_ranges[question.id] == (1, 10), question.id
            assert set(question.options["anchors"]) == {1, 10}, question.id


# --- the swot block ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_swot_block_has_the_plugin_format(loaded, name):
    block = swot(loaded[name])
    assert set(block) <= {"thresholds", "dimensions", "closed", "open"}
    assert {"dimensions", "closed", "open"} <= set(block)
    for dimension in block["dimensions"]:
        assert set(dimension) == {"id", "title", "items"}
        assert dimension["title"]["ru"] and dimension["title"]["en"]
        assert dimension["items"]
    ids = [d["id"] for d in block["dimensions"]]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("name", NAMES)
def test_thresholds_put_strength_above_weakness(loaded, name):
    thresholds = swot(loaded[name]).get("thresholds", {"strength": 8, "weakness": 5})
    assert 1 <= thresholds["weakness"] < thresholds["strength"] <= 10


@pytest.mark.parametrize("name", NAMES)
def test_every_rating_question_is_in_exactly_one_dimension(loaded, name):
    instrument = loaded[name]
    ratings = {q.id for q in instrument.questions() if q.type == "rating"}
    placed = Counter(item for d in swot(instrument)["dimensions"] for item in d["items"])
    assert set(placed) == ratings
    assert [item for item, n in placed.items() if n > 1] == []


@pytest.mark.parametrize("name", NAMES)
def test_swot_ids_exist_with_the_right_type(loaded, name):
    instrument = loaded[name]
    block = swot(instrument)

    def type_of(question_id):
        question = instrument.question(question_id)
        assert question is not None, f"{question_id} is not a question of {name}"
        return question.type

    assert {type_of(i) for d in block["dimensions"] for i in d["items"]} == {"rating"}
    assert {type_of(i) for i in block["closed"]} <= CLOSED_TYPES
    assert len(block["closed"]) == len(set(block["closed"]))
    assert {type_of(i) for i in block["open"]} == {"text"}


@pytest.mark.parametrize("name", NAMES)
def test_open_questions_cover_the_four_quadrants_once(loaded, name):
    quadrants = list(swot(loaded[name])["open"].values())
    assert sorted(quadrants) == ["O", "S", "T", "W"]


def test_curator_dimensions_are_the_three_groups_of_conditions(loaded):
    # 001:L143–147, 004:L349–351: organisational, (scientific-)methodological, personal parameters.
    dimensions = swot(loaded["curator_conditions"])["dimensions"]
    assert [d["id"] for d in dimensions] == ["organisational", "methodological", "personal"]
    assert [len(d["items"]) for d in dimensions] == [6, 6, 6]
    prefixes = [{item.split("_")[1] for item in d["items"]} for d in dimensions]
    assert prefixes == [{"org"}, {"met"}, {"per"}]


@pytest.mark.parametrize("name", PARTICIPANT_FILES)
def test_participant_dimensions_are_the_six_common_ones_and_one_per_form(loaded, name):
    ids = [d["id"] for d in swot(loaded[name])["dimensions"]]
    common = ["organisation", "usefulness", "communication", "goals", "curator", "conditions"]
    assert ids == common + [f"form_{DIMENSION_OF[form]}" for form in FORMS]


# --- forms of mentoring -----------------------------------------------------------------------


@pytest.mark.parametrize("name", PARTICIPANT_FILES)
def test_the_first_question_asks_for_the_form_of_mentoring(loaded, name):
    first = loaded[name].questions()[0]
    assert first.id == FORM_QUESTION[name]
    assert first.type == "single_choice" and first.required and first.show_if is None
    assert first.text.ru == "Ваша форма наставничества"
    assert [c["value"] for c in first.options["choices"]] == FORMS


@pytest.mark.parametrize("name", PARTICIPANT_FILES)
@pytest.mark.parametrize("form", FORMS)
def test_form_questions_are_shown_for_their_form_only(loaded, name, form):
    instrument = loaded[name]
    conditional = {q.id for q in instrument.questions() if q.show_if is not None}
    shown = {q.id for q in instrument.questions() if q.shown({FORM_QUESTION[name]: form})}
    assert shown & conditional == BY_FORM[name][form]
    # every other question is shown whatever the form
    assert shown - conditional == {q.id for q in instrument.questions()} - conditional


@pytest.mark.parametrize("name", PARTICIPANT_FILES)
def test_form_questions_are_hidden_until_the_form_is_given(loaded, name):
    instrument = loaded[name]
    conditional = {q.id for q in instrument.questions() if q.show_if is not None}
    assert conditional == set().union(*BY_FORM[name].values())
    assert not any(instrument.question(i).shown({}) for i in conditional)
    for question_id in conditional:
        assert instrument.question(question_id).show_if.questions() == {FORM_QUESTION[name]}


@pytest.mark.parametrize("name", PARTICIPANT_FILES)
def test_each_form_dimension_holds_questions_of_its_form(loaded, name):
    for dimension in swot(loaded[name])["dimensions"]:
        if dimension["id"].startswith("form_"):
            assert set(dimension["items"]) <= BY_FORM[name][FORM_OF[dimension["id"]]]


def test_mentor_and_mentee_files_share_the_form_values_with_the_curator(loaded):
    curator_forms = [c["value"] for c in loaded["curator_conditions"].question("cur_forms").options["choices"]]
    assert curator_forms == FORMS


def test_form_values_are_the_platforms_names_of_the_forms():
    # So that an answer can be set beside the form of the participant's enrolment or pair.
    from surveys.workspace.programmes import SEED_FORMS

    assert list(SEED_FORMS) == FORMS


# --- sources, verbatim items ------------------------------------------------------------------


def _comments_above(name, question_id):
    lines = (ROOT / "instruments" / f"{name}.yaml").read_text(encoding="utf-8").splitlines()
    at = next(n for n, row in enumerate(lines) if row.strip() == f"- id: {question_id}")
    comments = []
    while at > 0 and lines[at - 1].strip().startswith("#"):
        at -= 1
        comments.append(lines[at])
    return " ".join(comments)


@pytest.mark.parametrize("name", NAMES)
def test_every_question_says_where_it_comes_from(loaded, name):
    for question in loaded[name].questions():
        comment = _comments_above(name, question.id)
        assert "own wording" in comment or "verbatim, seeds/" in comment, question.id
        assert re.search(r"L\d+", comment), f"{question.id}: no seed line cited"


@pytest.mark.parametrize(("instrument", "question", "text", "seed", "line"), VERBATIM, ids=VERBATIM_IDS)
def test_verbatim_item_has_the_exact_text(loaded, instrument, question, text, seed, line):
    assert loaded[instrument].question(question).text.ru == text


@pytest.mark.parametrize(("instrument", "question", "text", "seed", "line"), VERBATIM, ids=VERBATIM_IDS)
def test_verbatim_item_cites_its_seed_line_in_a_comment(instrument, question, text, seed, line):
    assert f"verbatim, {seed}:L{line}" in _comments_above(instrument, question)


@pytest.mark.parametrize(("instrument", "question", "text", "seed", "line"), VERBATIM, ids=VERBATIM_IDS)
def test_verbatim_item_is_on_the_cited_seed_line(instrument, question, text, seed, line):
    path = SEEDS / Path(seed).name
    if not path.exists():
        pytest.skip(f"{path} is not available here")
    assert text in path.read_text(encoding="utf-8").splitlines()[line - 1]


@pytest.mark.parametrize("name", NAMES)
def test_only_the_listed_items_claim_to_be_verbatim(name):
    text = (ROOT / "instruments" / f"{name}.yaml").read_text(encoding="utf-8")
    claimed = len(re.findall(r"# verbatim, seeds/", text))
    assert claimed == sum(1 for instrument, *_ in VERBATIM if instrument == name)


# --- scales: one mean per dimension -----------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_every_dimension_is_a_mean_scale_over_the_same_items(loaded, name):
    instrument = loaded[name]
    dimensions = swot(instrument)["dimensions"]
    assert [s.id for s in instrument.scales] == [d["id"] for d in dimensions]
    for dimension in dimensions:
        scale = instrument.scale(dimension["id"])
        assert list(scale.items) == dimension["items"]
        assert scale.method == "mean" and scale.higher_is == "better" and scale.reverse == ()
        assert scale.min_answered == math.ceil(len(scale.items) / 2)
        assert scale.title.ru == dimension["title"]["ru"]


def test_known_answers_cover_every_scale(loaded):
    assert {(i, s) for i, s, *_ in KNOWN} == {(n, s.id) for n in NAMES for s in loaded[n].scales}


@pytest.mark.parametrize(("name", "scale_id", "items", "needed", "answers", "mean"), KNOWN, ids=KNOWN_IDS)
def test_dimension_mean_of_ordinary_answers(loaded, name, scale_id, items, needed, answers, mean):
    instrument = loaded[name]
    assert list(instrument.scale(scale_id).items) == items and instrument.scale(scale_id).min_answered == needed
    result = score(instrument, scale_id, dict(zip(items, answers, strict=True)))
    assert result.value == pytest.approx(mean, abs=1e-6)
    assert result.n_answered == len(items) and result.missing_reason is None


@pytest.mark.parametrize(("name", "scale_id", "items", "needed", "answers", "mean"), KNOWN, ids=KNOWN_IDS)
def test_dimension_mean_of_all_ones_and_all_tens(loaded, name, scale_id, items, needed, answers, mean):
    instrument = loaded[name]
    assert score(instrument, scale_id, dict.fromkeys(items, 1)).value == 1
    assert score(instrument, scale_id, dict.fromkeys(items, 10)).value == 10


@pytest.mark.parametrize(("name", "scale_id", "items", "needed", "answers", "mean"), KNOWN, ids=KNOWN_IDS)
def test_dimension_mean_with_just_enough_answers(loaded, name, scale_id, items, needed, answers, mean):
    # The first `needed` items answered with the ordinary answers; the rest skipped.
    part = dict(zip(items[:needed], answers[:needed], strict=True))
    result = score(loaded[name], scale_id, part)
    assert result.value == pytest.approx(sum(answers[:needed]) / needed, abs=1e-6)
    assert result.n_answered == needed


@pytest.mark.parametrize(("name", "scale_id", "items", "needed", "answers", "mean"), KNOWN, ids=KNOWN_IDS)
def test_dimension_mean_is_missing_with_too_few_answers(loaded, name, scale_id, items, needed, answers, mean):
    short = dict(zip(items[: needed - 1], answers[: needed - 1], strict=True))
    result = score(loaded[name], scale_id, short)
    assert result.value is None
    if needed == 1:
        assert result.missing_reason == "no items answered"
    else:
        assert result.missing_reason == f"{needed - 1} of {len(items)} items answered; at least {needed} needed"


def test_hand_computed_examples_of_partial_answers(loaded):
    mentee, curator = loaded["quality_mentee"], loaded["curator_conditions"]
    # usefulness: 10 and 3 answered of 4, at least 2 needed: (10 + 3) / 2 = 6.5
    assert score(mentee, "usefulness", {"qme_use_progress": 10, "qme_use_expectations": 3}).value == 6.5
    # curator support: only the second item answered: 6 / 1 = 6
    assert score(mentee, "curator", {"qme_cur_help": 6}).value == 6
    # organisational: 8, 9 and 4 of 6, at least 3 needed: 21 / 3 = 7
    partial = {"cur_org_roadmap": 8, "cur_org_matching": 9, "cur_org_feedback": 4}
    assert score(curator, "organisational", partial).value == 7
    # two answered of 6: missing
    two = {"cur_org_roadmap": 8, "cur_org_matching": 9}
    assert score(curator, "organisational", two).missing_reason == "2 of 6 items answered; at least 3 needed"
    # a mentee of another form answers no form items: the form's scale is simply missing
    assert score(mentee, "form_employer_pupil", {"qme_form": "ученик–ученик"}).missing_reason == "no items answered"
