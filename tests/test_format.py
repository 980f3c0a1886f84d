"""The questionnaire format: good files load, bad ones report file:line: message."""

from __future__ import annotations

import json

import pytest
import yaml

from surveys.core.errors import DefinitionError
from surveys.core.loader import load_instrument
from surveys.core.question_types import built_in_types
from tests.conftest import FIXTURES

TYPES = built_in_types()
GOOD = FIXTURES / "plugins" / "wellbeing" / "wellbeing.yaml"
BAD = FIXTURES / "bad"


def problems_of(path, text=None) -> list[str]:
    with pytest.raises(DefinitionError) as caught:
        load_instrument(path, TYPES, text=text)
    return [str(p) for p in caught.value.problems]


def test_good_file_loads_with_pages_questions_scales_and_ranges():
    instrument = load_instrument(GOOD, TYPES)
    assert instrument.id == "wellbeing_check" and instrument.version == "2"
    assert instrument.title.get("en") == "Wellbeing" and instrument.title.get("ru") == "Самочувствие"
    assert [p.id for p in instrument.pages] == ["mood", "more"]
    assert instrument.answer_keys == (
        "wb_calm",
        "wb_tense",
        "wb_happy",
        "school_rating",
        "worries",
        "club",
        "club__other",
    )
    assert instrument.item_ranges["wb_tense"] == (1, 4)
    assert instrument.item_ranges["school_rating"] == (1, 10)
    assert instrument.scale("wellbeing").reverse == ("wb_tense",)
    worries = instrument.question("worries")
    assert not worries.shown({"wb_tense": 2}) and worries.shown({"wb_tense": 3})


def test_json_is_accepted_with_the_same_result(tmp_path):
    data = yaml.safe_load(GOOD.read_text(encoding="utf-8"))
    path = tmp_path / "wellbeing.json"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    from_json, from_yaml = load_instrument(path, TYPES), load_instrument(GOOD, TYPES)
    assert from_json.scales == from_yaml.scales
    assert from_json.answer_keys == from_yaml.answer_keys
    assert from_json.item_ranges == from_yaml.item_ranges
    assert [(q.id, q.text, q.options, q.show_if) for q in from_json.questions()] == [
        (q.id, q.text, q.options, q.show_if) for q in from_yaml.questions()
    ]


def test_every_problem_of_a_broken_file_is_reported_with_its_line():
    path = BAD / "broken.yaml"
    assert problems_of(path) == [
        f"{path}:4: audience[1]: Must be one of: mentor, mentee, curator, teacher, parent, employer, other.",
        f"{path}:13: pages[0].questions[0].colour: Unknown field.",
        f"{path}:15: pages[0].questions[1].type: unknown question type 'slider'; known types: "
        "date, matrix, multiple_choice, note, number, rating, single_choice, text, yes_no",
        f"{path}:20: pages[0].questions[2].choices: no choice list named 'yes_no_list' under 'choices'",
        f"{path}:23: show_if refers to 'q9', which is not a question or answer of this instrument",
        f"{path}:30: scales[0].items[0]: 'q1' is not a scoreable item (a rating question or a matrix row)",
        f"{path}:30: scales[0].items[1]: 'q7' is not a scoreable item (a rating question or a matrix row)",
    ]


def test_yaml_syntax_error_names_the_line():
    path = BAD / "syntax.yaml"
    assert problems_of(path) == [
        f"{path}:4: a text inside {{…}} or […] cannot be read (expected ',' or ']', found ':'): a comma, a colon "
        "or # ends such a text; put the text in quotes or write it on a new line after `|`"
    ]


def test_duplicate_key_names_the_line_of_the_second_key():
    path = BAD / "duplicate_key.yaml"
    assert problems_of(path) == [f"{path}:4: duplicate key 'title'"]


BASE = """id: t
version: 1
title: Т
audience: [mentee]
pages:
  - id: p1
    questions:
"""


@pytest.mark.parametrize(
    ("questions", "expected"),
    [
        (
            "      - {id: r, type: rating, text: R, min: 5, max: 1}\n",
            "x.yaml:8: pages[0].questions[0].min: 'min' must be less than 'max'",
        ),
        (
            "      - {id: Bad, type: text, text: T}\n",
            "x.yaml:8: pages[0].questions[0].id: must be lower_snake_case: a letter, then letters, "
            "digits or single underscores",
        ),
        (
            "      - {id: a, type: text, text: A}\n      - {id: a, type: text, text: B}\n",
            "x.yaml:9: id 'a' is used twice (first at line 8)",
        ),
        (
            "      - {id: a, type: yes_no, text: A}\n"
            "      - {id: b, type: text, text: B, show_if: {question: a, equals: 1}}\n",
            "x.yaml:9: show_if refers to 'a', which is not on an earlier page; conditions use answers "
            "from earlier pages, because participant pages work without JavaScript",
        ),
        (
            "      - {id: m, type: matrix, text: M, items: [{id: i, text: I}]}\n",
            "x.yaml:8: pages[0].questions[0]: a matrix needs either 'choices' or 'min' and 'max'",
        ),
        (
            "      - {id: s, type: single_choice, text: S, choices: [{value: 1, label: A}]}\n",
            "x.yaml:8: pages[0].questions[0].choices: expected at least two choices, or the name of a choice list",
        ),
        (
            "      - {id: n, type: note, text: N, required: true, long: true}\n",
            "x.yaml:8: pages[0].questions[0].long: unknown field for a 'note' question",
        ),
        (
            "      - {id: d, type: date, text: D, min: 2024-13-01}\n",
            "x.yaml:8: pages[0].questions[0].min: must be a date written as YYYY-MM-DD",
        ),
        (
            "      - {id: t, type: text, text: {ru: Т, de: X}}\n",
            "x.yaml:8: pages[0].questions[0].text: expected a non-empty text, or a mapping with 'ru' and optional 'en'",
        ),
    ],
)
def test_question_level_problems_have_exact_messages(questions, expected):
    assert problems_of("x.yaml", BASE + questions) == [expected]


def test_scale_problems_name_the_item_and_the_line():
    text = BASE + (
        "      - {id: r, type: rating, text: R, min: 1, max: 5}\n"
        "scales:\n"
        "  - id: s\n"
        "    title: S\n"
        "    items: [r]\n"
        "    reverse: [zz]\n"
        "    min_answered: 2\n"
    )
    assert problems_of("x.yaml", text) == [
        "x.yaml:13: scales[0].reverse: reverse-keyed items not in 'items': zz",
        "x.yaml:13: scales[0].reverse[0]: 'zz' is not a scoreable item (a rating question or a matrix row)",
        "x.yaml:14: scales[0].min_answered: is larger than the number of items",
    ]


def test_a_published_reliability_is_read_and_checked():
    scale = BASE + "      - {id: r, type: rating, text: R, min: 1, max: 5}\n"
    scale += "scales:\n  - id: s\n    title: S\n    items: [r]\n"
    good = load_instrument("x.yaml", TYPES, text=scale + "    reliability: {value: 0.8, source: Author 2001}\n")
    assert (good.scale("s").reliability, good.scale("s").reliability_source) == (0.8, "Author 2001")
    assert load_instrument("x.yaml", TYPES, text=scale).scale("s").reliability is None
    assert problems_of("x.yaml", scale + "    reliability: {value: 1.2, source: A}\n") == [
        "x.yaml:13: scales[0].reliability.value: Must be greater than 0 and less than 1."
    ]
    assert problems_of("x.yaml", scale + "    reliability: {value: 0.8}\n") == [
        "x.yaml:13: scales[0].reliability.source: Missing data for required field."
    ]


def test_missing_required_top_level_fields_are_listed():
    assert problems_of("x.yaml", "id: t\n") == [
        "x.yaml:1: audience: Missing data for required field.",
        "x.yaml:1: pages: Missing data for required field.",
        "x.yaml:1: title: Missing data for required field.",
        "x.yaml:1: version: Missing data for required field.",
    ]


def test_a_file_that_is_not_a_mapping_is_rejected():
    assert problems_of("x.yaml", "- just\n- a list\n") == [
        "x.yaml:1: the file must hold a mapping with id, version, title, audience and pages"
    ]


def test_instrument_check_command_exits_non_zero_on_errors(runner):
    good = runner.invoke(args=["instrument", "check", str(GOOD)])
    assert good.exit_code == 0 and "в порядке (wellbeing_check, версия 2, 4 вопроса)" in good.output
    bad = runner.invoke(args=["instrument", "check", str(GOOD), str(BAD / "syntax.yaml")])
    assert bad.exit_code == 1
    assert f"{BAD / 'syntax.yaml'}:4: не удаётся прочитать текст внутри {{…}} или […]" in bad.output


def test_yes_no_conditions_may_say_yes_or_no():
    text = BASE + (
        "      - {id: a, type: yes_no, text: A}\n"
        "  - id: p2\n"
        "    questions:\n"
        "      - {id: b, type: text, text: B, show_if: {question: a, equals: yes}}\n"
        "      - {id: c, type: text, text: C, show_if: {question: a, equals: 'no'}}\n"
    )
    instrument = load_instrument("x.yaml", TYPES, text=text)
    b, c = instrument.question("b"), instrument.question("c")
    assert b.shown({"a": True}) and not b.shown({"a": False}) and not b.shown({})
    assert c.shown({"a": False}) and not c.shown({"a": True})


def test_a_named_choice_list_must_be_a_list():
    text = "choices:\n  agree: other_name\n" + BASE + "      - {id: s, type: single_choice, text: S, choices: agree}\n"
    assert problems_of("x.yaml", text)[0] == "x.yaml:2: choices.agree: a choice list must be a list of {value, label}"


def test_the_complete_example_in_docs_format_md_loads():
    import re

    from tests.conftest import FIXTURES as _fixtures

    doc = (_fixtures.parents[1] / "docs" / "format.md").read_text(encoding="utf-8")
    example = max(re.findall(r"```yaml\n(.*?)```", doc, re.S), key=len)
    instrument = load_instrument("docs/format.md", TYPES, text=example)
    assert instrument.pages and instrument.questions()


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        (
            "{id: t, type: text, text: T, min_length: 9, max_length: 3}",
            "min_length: 'min_length' is greater than 'max_length'",
        ),
        ("{id: n, type: number, text: N, min: 10, max: 1}", "min: 'min' is greater than 'max'"),
        ("{id: d, type: date, text: D, min: 2025-05-01, max: 2025-01-01}", "min: 'min' is greater than 'max'"),
        (
            "{id: m, type: multiple_choice, text: M, min_selected: 3, max_selected: 2, choices: two}",
            "min_selected: 'min_selected' is greater than 'max_selected'",
        ),
        ("{id: s, type: single_choice, text: S, choices: twice}", "choices: choice values must be unique"),
        (
            "{id: s, type: single_choice, text: S, other: true, choices: with_other}",
            "choices: 'other' is reserved when 'other: true'",
        ),
    ],
)
def test_inconsistent_options_are_reported(question, expected):
    lists = (
        "choices:\n"
        "  two: [{value: 1, label: A}, {value: 2, label: B}]\n"
        "  twice: [{value: 1, label: A}, {value: 1, label: B}]\n"
        "  with_other: [{value: other, label: A}, {value: 2, label: B}]\n"
    )
    text = lists + BASE + f"      - {question}\n"
    assert problems_of("x.yaml", text) == [f"x.yaml:12: pages[0].questions[0].{expected}"]


def test_number_limits_are_shown_as_written(app):
    instrument = load_instrument(
        "x.yaml", TYPES, text=BASE + "      - {id: n, type: number, text: N, min: 0, max: 50, integer: true}\n"
    )
    from werkzeug.datastructures import MultiDict

    from surveys.participation.forms import page_form

    with app.test_request_context():
        form, _ = page_form(
            app.extensions["surveys"].registry, "t", instrument.pages[0], {}, "en", MultiDict({"n": "70"})
        )
        assert not form.validate()
        assert form.n.errors == ["Введите число от 0 до 50."]
