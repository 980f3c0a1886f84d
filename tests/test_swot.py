"""The swot plugin, pure part: the extensions.swot spec and the automatic draft from fixed answers."""

from __future__ import annotations

import logging

import pytest

from plugins.swot.draft import collapse, draft_swot, normalise, quadrant_of
from plugins.swot.spec import build_spec, load_specs
from surveys.core.loader import load_instrument
from surveys.core.question_types import built_in_types
from tests.conftest import FIXTURES

QUALITY = FIXTURES / "swot" / "swot_quality" / "swot_quality.yaml"
TYPES = built_in_types()


def quality_specs():
    specs, problems = load_specs([load_instrument(QUALITY, TYPES)], TYPES)
    assert problems == []
    return specs


def row(participant, form="", wave_id=1, instrument="swot_quality", **answers):
    return {
        "participant": participant,
        "role": "mentee",
        "form": form,
        "group": "",
        "wave": "Выход",
        "wave_id": wave_id,
        "wave_kind": "output",
        "instrument": instrument,
        "answers": answers,
    }


# Six respondents. organisation = q_time and q_place pooled, support = q_support, goals = q_goals.
FIXED = [
    row("p1", q_time=9, q_place=8, q_support=3, q_goals=6, q_frequency="weekly", q_continue=True,
        q_helped=["meetings", "plan"], q_valuable="Поддержка наставника", q_missing="Не хватает времени."),
    row("p2", q_time=10, q_place=9, q_support=4, q_goals=7, q_frequency="weekly", q_continue=True,
        q_helped=["meetings"], q_valuable="поддержка наставника!", q_missing="не хватает  времени!"),
    row("p3", q_time=8, q_place=9, q_support=5, q_goals=6, q_frequency="monthly", q_continue=False,
        q_helped=["curator", "meetings"], q_missing="Нет чёткого плана", q_develop="Больше совместных проектов"),
    row("p4", q_time=9, q_place=10, q_support=6, q_goals=7, q_frequency="weekly", q_continue=True,
        q_helped=[], q_missing="нет четкого плана", q_risks="Нагрузка учителей"),
    row("p5", q_time=7, q_place=8, q_support=2, q_goals=6, q_frequency="monthly", q_continue=True,
        q_missing="Не хватает времени", q_risks="  "),
    row("p6", q_time=10, q_support=5, q_goals=7, q_helped=["plan"], q_missing="Не хватает времени на встречи"),
]  # fmt: skip


def test_a_draft_from_fixed_answers_has_the_hand_computed_points():
    draft = draft_swot(quality_specs(), FIXED)
    assert draft.respondents == 6
    # organisation: 9+10+8+9+7+10 and 8+9+9+10+8 = 97 over 11 answers → 8.82 ≥ 8: a strength.
    [organisation] = draft.dimensions["S"]
    assert organisation.id == "organisation" and organisation.mean == pytest.approx(97 / 11)
    assert (organisation.n, organisation.answers, organisation.small) == (6, 11, False)
    assert organisation.distribution == ((7, 1), (8, 3), (9, 4), (10, 3))
    # support: (3+4+5+6+2+5)/6 = 4.17 ≤ 5: a weakness. goals: 39/6 = 6.5: neutral.
    [support] = draft.dimensions["W"]
    assert support.id == "support" and support.mean == pytest.approx(25 / 6) and support.n == 6
    assert [(p.id, p.mean) for p in draft.neutral] == [("goals", 6.5)]

    facts = {f.id: f for f in draft.facts}
    frequency = facts["q_frequency"]
    assert frequency.n == 5
    assert [(o.value, o.count, o.share) for o in frequency.options] == [
        ("weekly", 3, 0.6),
        ("monthly", 2, 0.4),
        ("rarely", 0, 0.0),
    ]
    assert [(o.value, o.count, o.share) for o in facts["q_continue"].options] == [(True, 4, 0.8), (False, 1, 0.2)]
    helped = facts["q_helped"]  # an empty selection is no answer: 4 respondents, shares add up to more than 1
    assert helped.n == 4
    assert [(o.value, o.count, o.share) for o in helped.options] == [
        ("meetings", 3, 0.75),
        ("plan", 2, 0.5),
        ("curator", 1, 0.25),
    ]

    # Open answers: duplicates collapse (case, ё, punctuation, spaces), the longer wording stays apart.
    assert [(q.text, q.count, q.n) for q in draft.quotes["W"]] == [
        ("Не хватает времени.", 3, 6),
        ("Нет чёткого плана", 2, 6),
        ("Не хватает времени на встречи", 1, 6),
    ]
    assert [(q.text, q.count) for q in draft.quotes["S"]] == [("Поддержка наставника", 2)]
    assert [(q.text, q.count, q.n, q.small) for q in draft.quotes["O"]] == [("Больше совместных проектов", 1, 1, True)]
    assert [q.text for q in draft.quotes["T"]] == ["Нагрузка учителей"]  # a blank answer is no answer
    assert [p.id if hasattr(p, "id") else p.text for p in draft.points("S")] == ["organisation", "Поддержка наставника"]


def test_near_duplicates_keep_the_most_common_wording():
    assert normalise("  Ёлка, ЁЛКА!  и—ёж ") == "елка елка и еж"
    # A typo is merged (difflib ratio ≥ 0.85); the most common wording wins over the first seen.
    assert collapse(["мало встречь", "Мало встреч", "Мало встреч!", "Другое мнение", "..."]) == [
        ("Мало встреч", 3, ("мало встречь",)),
        ("Другое мнение", 1, ()),
    ]


@pytest.mark.parametrize(
    ("answers", "quadrant"),
    [
        ([8] * 100, "S"),  # exactly 8.0
        ([8] * 99 + [7], None),  # 7.99
        ([5] * 100, "W"),  # exactly 5.0
        ([5] * 99 + [6], None),  # 5.01
        ([10, 6], "S"),  # 8.0 from two answers
        ([4, 6, 5], "W"),
    ],
)
def test_thresholds_are_inclusive_at_their_edges(answers, quadrant):
    specs = quality_specs()
    rows = [row(f"p{i}", q_support=value) for i, value in enumerate(answers)]
    draft = draft_swot(specs, rows)
    [point] = [*draft.dimensions["S"], *draft.dimensions["W"], *draft.neutral]
    assert point.quadrant == quadrant
    assert (point in draft.neutral) == (quadrant is None)


def test_quadrant_of_compares_exactly():
    from fractions import Fraction

    assert quadrant_of(Fraction(799, 100), 7.99, 5) == "S"
    assert quadrant_of(Fraction(798, 100), 7.99, 5) is None
    assert quadrant_of(Fraction(501, 100), 8, 5.01) == "W"


def test_form_filter_and_small_groups():
    specs = quality_specs()
    rows = [row(f"a{i}", form="ученик – ученик", q_support=9, q_risks="Выгорание") for i in range(5)]
    rows += [row(f"b{i}", form="учитель – учитель", q_support=2, q_risks="Выгорание") for i in range(4)]
    rows += [row("other-wave", form="ученик – ученик", wave_id=2, q_support=1)]
    everyone = draft_swot(specs, rows, wave_id=1)
    assert everyone.respondents == 9
    [support] = everyone.dimensions["W"] + everyone.dimensions["S"] + everyone.neutral
    assert support.mean == pytest.approx((5 * 9 + 4 * 2) / 9) and support.n == 9
    assert [(q.count, q.n) for q in everyone.quotes["T"]] == [(9, 9)]

    pupils = draft_swot(specs, rows, wave_id=1, form="ученик – ученик")
    assert [(p.mean, p.n, p.small) for p in pupils.dimensions["S"]] == [(9.0, 5, False)]
    assert [(q.count, q.n, q.small) for q in pupils.quotes["T"]] == [(5, 5, False)]
    teachers = draft_swot(specs, rows, wave_id=1, form="учитель – учитель")
    # A group of 4: the mean is still computed, flagged small; its quotes carry n = 4.
    assert [(p.mean, p.n, p.small) for p in teachers.dimensions["W"]] == [(2.0, 4, True)]
    assert [(q.count, q.n, q.small) for q in teachers.quotes["T"]] == [(4, 4, True)]
    assert draft_swot(specs, rows, form="нет такой").respondents == 0


def test_rows_of_other_instruments_are_ignored():
    rows = FIXED + [row("x", instrument="gad7", q_support=1)]
    assert draft_swot(quality_specs(), rows).respondents == 6


BASE = """
id: spec_check
version: 1
title: Проверка
audience: [mentee]
pages:
  - id: p
    questions:
      - {id: r1, type: rating, text: Оценка, min: 1, max: 10}
      - {id: r5, type: rating, text: Оценка 1–5, min: 1, max: 5}
      - {id: m, type: matrix, text: Матрица, min: 1, max: 10, items: [{id: m1, text: Пункт}]}
      - {id: t, type: text, text: Текст}
      - {id: c, type: single_choice, text: Выбор, choices: [{value: a, label: А}, {value: b, label: Б}]}
      - {id: yn, type: yes_no, text: Да или нет}
extensions:
  swot:
"""


def spec_problems(swot_yaml: str) -> list[str]:
    text = BASE + "\n".join("    " + line for line in swot_yaml.strip().splitlines())
    instrument = load_instrument("spec_check.yaml", TYPES, text=text)
    spec, problems = build_spec(instrument, TYPES)
    assert (spec is None) == bool(problems)
    return problems


def test_a_valid_spec_resolves_texts_and_options():
    assert spec_problems("dimensions: [{id: d, title: Д, items: [r1, m1]}]\nclosed: [c, yn]\nopen: {t: O}") == []
    instrument = load_instrument("spec_check.yaml", TYPES, text=BASE + "    closed: [c, yn]\n    open: {t: T}")
    spec, _ = build_spec(instrument, TYPES)
    assert (spec.strength, spec.weakness) == (8, 5)
    assert [(v, label.ru) for v, label in spec.closed[0].options] == [("a", "А"), ("b", "Б")]
    assert [v for v, _ in spec.closed[1].options] == [True, False]
    assert [(q.id, q.quadrant, q.text.ru) for q in spec.open] == [("t", "T", "Текст")]


@pytest.mark.parametrize(
    ("swot_yaml", "message"),
    [
        ("dimensions: [{id: d, title: Д, items: [nope]}]", "dimensions[0].items: 'nope' is not an answer key"),
        ("dimensions: [{id: d, title: Д, items: [t]}]", "'t' is a text question, not a rating item"),
        ("dimensions: [{id: d, title: Д, items: [m]}]", "'m' is a matrix question, not a rating item"),
        ("dimensions: [{id: d, title: Д, items: []}]", "items: list at least one rating item"),
        ("dimensions: [{id: d, title: Д, items: [r5]}]", "'r5' is rated 1..5, but the strength threshold"),
        ("dimensions: [{id: d, title: Д, items: [r1]}, {id: d, title: Е, items: [r1]}]", "declared twice"),
        ("closed: [t]", "closed[0]: 't' is a text question: closed items must be"),
        ("closed: [r1]", "'r1' is a rating question"),
        ("closed: [c, c]", "closed: a question is listed twice"),
        ("open: {c: S}", "open.c: 'c' is a single_choice question: open answers must be text questions"),
        ("open: {t: X}", "open.t.value: the quadrant must be one of S, W, O, T"),
        ("open: {gone: S}", "'gone' is not a question of this questionnaire"),
        ("thresholds: {strength: 5, weakness: 5}\nopen: {t: S}", "strength: 'strength' must be greater than"),
        ("thresholds: {strength: high}\nopen: {t: S}", "thresholds.strength: must be a number"),
        ("dimension: []", "extensions.swot.dimension: Unknown field."),
        ("{}", "declare at least one of 'dimensions', 'closed' or 'open'"),
    ],
)
def test_invalid_specs_are_reported_clearly(swot_yaml, message):
    problems = spec_problems(swot_yaml)
    assert any(message in p for p in problems), problems
    assert all(p.startswith("spec_check.yaml: extensions.swot") for p in problems)


def test_thresholds_for_a_five_point_scale():
    assert spec_problems("thresholds: {strength: 4, weakness: 3}\ndimensions: [{id: d, title: Д, items: [r5]}]") == []


def test_an_invalid_spec_is_ignored_with_a_warning_at_start_up(make_app, tmp_path, caplog):
    folder = tmp_path / "broken_swot"
    folder.mkdir()
    text = BASE.replace("spec_check", "broken_swot") + "    open: {r1: S}\n"
    (folder / "broken_swot.yaml").write_text(text, encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="plugins.swot.spec"):
        app = make_app(SURVEYS_PLUGINS_PATH=str(folder))
    assert any("broken_swot.yaml: extensions.swot.open.r1" in r.getMessage() for r in caplog.records)
    assert "broken_swot" in app.extensions["surveys"].registry.instruments  # the questionnaire itself loads
    assert "broken_swot" not in app.extensions["swot_specs"]
    assert "programme_feedback" in app.extensions["swot_specs"]
