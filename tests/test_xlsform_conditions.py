"""XLSForm relevant and constraint expressions (issue 24, part D): a blank answer means what it means in ODK,
curly quotes read as straight ones, and a number no question can hold refuses the file on its row."""

from __future__ import annotations

import pytest
import yaml
from flask_babel import force_locale
from hypothesis import given, settings
from hypothesis import strategies as st

from surveys.core.conditions import build
from surveys.core.loader import load_instrument
from surveys.core.question_types import built_in_types
from surveys.instruments.xlsform import convert
from surveys.instruments.xlsform_constraints import SUBJECTS, constraint_limits
from surveys.instruments.xlsform_expressions import MAX_DIGITS, Hostile, Target, Unsupported, relevant_condition
from tests.xlsform_books import form, run_import, workbook


@pytest.fixture
def runner(make_app):
    """The command's report in English, as these tests read it (test_messages_ru.py reads the Russian one)."""
    return make_app(SURVEYS_DEFAULT_LOCALE="en").test_cli_runner()


CHOICES = [
    ["list_name", "name", "label"],
    ["yes_no", "yes", "Да"],
    ["yes_no", "no", "Нет"],
    ["clubs", "sport", "Спорт"],
    ["clubs", "music", "Музыка"],
]
ASKED = [
    ["integer", "age", "Возраст"],
    ["select_one yes_no", "yn", "Да или нет?"],
    ["select_multiple clubs", "clubs", "Кружки"],
    ["text", "name", "Имя"],
    ["decimal", "score", "Балл"],
]

# Each relevant with ODK's answer on the given answers. XPath 1.0 (§3.4): a blank answer is '' as a string
# and NaN as a number (number('') is NaN, §4.4), so '=' and '<', '<=', '>', '>=' are false on it and '!='
# is true; selected() is false; not() turns each of them over.
BLANK_TABLE = [
    ("${age} = 12", [({}, False), ({"age": 12}, True), ({"age": 13}, False)]),
    ("${age} != 12", [({}, True), ({"age": 12}, False), ({"age": 13}, True)]),
    ("${age} > 12", [({}, False), ({"age": 13}, True), ({"age": 12}, False)]),
    ("${age} >= 12", [({}, False), ({"age": 12}, True), ({"age": 11}, False)]),
    ("${age} < 12", [({}, False), ({"age": 11}, True), ({"age": 12}, False)]),
    ("${age} <= 12", [({}, False), ({"age": 12}, True), ({"age": 13}, False)]),
    ("12 < ${age}", [({}, False), ({"age": 13}, True), ({"age": 12}, False)]),
    ("not(${age} = 12)", [({}, True), ({"age": 12}, False), ({"age": 13}, True)]),
    ("not(${age} != 12)", [({}, False), ({"age": 12}, True), ({"age": 13}, False)]),
    ("not(${age} > 12)", [({}, True), ({"age": 12}, True), ({"age": 13}, False)]),
    ("not(${age} >= 12)", [({}, True), ({"age": 11}, True), ({"age": 12}, False)]),
    ("not(${age} < 12)", [({}, True), ({"age": 12}, True), ({"age": 11}, False)]),
    ("not(${age} <= 12)", [({}, True), ({"age": 13}, True), ({"age": 12}, False)]),
    ("not(${score} > 2.5)", [({}, True), ({"score": 2.5}, True), ({"score": 2.6}, False)]),
    ("${yn} = 'yes'", [({}, False), ({"yn": "yes"}, True), ({"yn": "no"}, False)]),
    ("${yn} != 'yes'", [({}, True), ({"yn": "yes"}, False), ({"yn": "no"}, True)]),
    ("selected(${yn}, 'yes')", [({}, False), ({"yn": "yes"}, True), ({"yn": "no"}, False)]),
    ("not(selected(${yn}, 'yes'))", [({}, True), ({"yn": "yes"}, False), ({"yn": "no"}, True)]),
    ("selected(${clubs}, 'music')", [({}, False), ({"clubs": ["music"]}, True), ({"clubs": ["sport"]}, False)]),
    (
        "not(selected(${clubs}, 'music'))",
        [({}, True), ({"clubs": []}, True), ({"clubs": ["sport", "music"]}, False), ({"clubs": ["sport"]}, True)],
    ),
    ("${name} = ''", [({}, True), ({"name": "Оля"}, False)]),
    ("${name} != ''", [({}, False), ({"name": "Оля"}, True)]),
    ("not(${name} = '')", [({}, False), ({"name": "Оля"}, True)]),
    ("not(${name} != '')", [({}, True), ({"name": "Оля"}, False)]),
    ("${name} != 'Оля'", [({}, True), ({"name": "Оля"}, False), ({"name": "Аня"}, True)]),
    ("not(not(${yn} = 'yes'))", [({}, False), ({"yn": "yes"}, True), ({"yn": "no"}, False)]),
    (
        "not(${age} > 12 and ${yn} = 'yes')",
        [({}, True), ({"age": 13, "yn": "yes"}, False), ({"age": 13, "yn": "no"}, True), ({"yn": "yes"}, True)],
    ),
    (
        "not(${age} > 12 or ${yn} = 'yes')",
        [({}, True), ({"age": 13}, False), ({"yn": "yes"}, False), ({"age": 5, "yn": "no"}, True)],
    ),
]


def test_each_operator_means_on_a_blank_answer_what_it_means_in_odk(tmp_path):
    asked = [[*row, None] for row in ASKED]
    tested = [["text", f"q{i}", f"Вопрос {i}", text] for i, (text, _) in enumerate(BLANK_TABLE)]
    conversion = convert(str(form(tmp_path, [*asked, ["begin group", "later", "Дальше"], *tested], CHOICES)))
    assert conversion.complete, [str(p) for p in conversion.problems if not p.note]

    questions = {q["id"]: q for page in conversion.definition["pages"] for q in page["questions"]}
    for i, (text, cases) in enumerate(BLANK_TABLE):
        condition = build(questions[f"q{i}"]["show_if"])
        for answers, odk in cases:
            assert condition.holds(answers) is odk, (text, answers, questions[f"q{i}"]["show_if"])


def test_not_equals_is_written_with_its_blank_case_and_equality_on_blank_stays_an_answered_test():
    targets = {"yn": Target("yn", "select_one", {"yes": "yes", "no": "no"}), "age": Target("age", "integer")}.get
    assert relevant_condition("${yn} != 'no'", targets) == {
        "any": [{"question": "yn", "answered": False}, {"question": "yn", "not_equals": "no"}]
    }
    assert relevant_condition("not(${age} < 18)", targets) == {
        "any": [{"question": "age", "answered": False}, {"question": "age", "min": 18}]
    }
    assert relevant_condition("${yn} != ''", targets) == {"question": "yn", "answered": True}
    assert relevant_condition("not(${yn} != '')", targets) == {"question": "yn", "answered": False}


def test_a_group_hidden_by_not_selected_is_shown_while_the_answer_is_blank_as_in_odk(runner, tmp_path):
    rows = [
        ["select_one yes_no", "x", "Есть наставник?"],
        ["begin group", "alone", "Без наставника", "not(selected(${x},'yes'))"],
        ["text", "why", "Почему?"],
        ["end group"],
    ]
    path = form(tmp_path, rows, CHOICES)
    result = run_import(runner, path)
    assert result.exit_code == 0, result.output

    out = tmp_path / "form.yaml"
    raw = yaml.safe_load(out.read_text(encoding="utf-8"))
    why = next(q for page in raw["pages"] for q in page["questions"] if q["id"] == "why")
    assert why["show_if"] == {"any": [{"question": "x", "answered": False}, {"question": "x", "not_equals": "yes"}]}
    shown = {q.id: q for q in load_instrument(out, built_in_types()).questions()}["why"].shown
    assert (shown({}), shown({"x": "yes"}), shown({"x": "no"})) == (True, False, True)


def test_curly_quotes_read_as_straight_ones_as_pyxform_reads_them(runner, tmp_path):
    rows = [
        ["select_one yes_no", "x", "Есть наставник?"],
        ["text", "who", "Кто?", "${x} = \u2018yes\u2019"],
        ["text", "why", "Почему?", "${x} = \u201cno\u201d"],
    ]
    path = form(tmp_path, rows, CHOICES)
    result = run_import(runner, path)
    split = f"{path}:survey:3: note: relevant uses an answer on the same page, so the page is split here\n"
    assert (result.exit_code, result.stderr) == (0, split)
    raw = yaml.safe_load((tmp_path / "form.yaml").read_text(encoding="utf-8"))
    conditions = [q.get("show_if") for page in raw["pages"] for q in page["questions"]]
    assert conditions == [None, {"question": "x", "equals": "yes"}, {"question": "x", "equals": "no"}]


DIGITS = "1" * 5000
HOSTILE = [
    (
        "constraint",
        f". > {DIGITS}",
        "constraint '. > 1111111111111111111111111111111111111111111111111111111…' cannot be imported: "
        "the number '111111111111…' has 5000 digits; at most 30 are accepted; the form is not imported",
    ),
    (
        "constraint",
        ". <= '1e400'",
        "constraint '. <= '1e400'' cannot be imported: "
        "the number '1e400' is too large; at most 30 digits are accepted; the form is not imported",
    ),
    (
        "relevant",
        f"${{age}} < {DIGITS}",
        "relevant '${age} < 11111111111111111111111111111111111111111111111111…' cannot be imported: "
        "the number '111111111111…' has 5000 digits; at most 30 are accepted; the form is not imported",
    ),
    (
        "relevant",
        "${age} >= '-2e308'",
        "relevant '${age} >= '-2e308'' cannot be imported: "
        "the number '-2e308' is too large; at most 30 digits are accepted; the form is not imported",
    ),
]


@pytest.mark.parametrize(
    ("column", "expression", "message"),
    HOSTILE,
    ids=["constraint-digits", "constraint-overflow", "relevant-digits", "relevant-overflow"],
)
def test_a_number_no_question_can_hold_refuses_the_file_on_its_row_with_exit_2(
    runner, tmp_path, column, expression, message
):
    header = ["type", "name", "label", column]
    survey = [header, ["integer", "age", "Возраст"], ["integer", "n", "Сколько?", expression]]
    path = workbook(tmp_path / "form.xlsx", survey, None, None)
    result = run_import(runner, path)
    assert result.exit_code == 2, result.output
    assert result.stderr == f"{path}:survey:3: {message}\n"
    assert not (tmp_path / "form.yaml").exists()


@pytest.mark.parametrize(("text", "limit"), [("'1e29'", {"max": 10**29}), ("'1e30'", None), ("'-1e300'", None)])
def test_an_exponent_counts_its_digits(text, limit):
    if limit:
        assert constraint_limits(f". <= {text}", "integer") == limit
        return
    with pytest.raises(Hostile, match="is too large; at most 30 digits are accepted"):
        constraint_limits(f". >= {text}", "decimal")


@pytest.mark.parametrize("digits", [MAX_DIGITS, MAX_DIGITS + 1])
def test_thirty_digits_are_a_number_and_thirty_one_are_hostile(digits):
    number = "9" * digits
    if digits <= MAX_DIGITS:
        assert constraint_limits(f". <= {number}", "integer") == {"max": int(number)}
        return
    with pytest.raises(Hostile):
        constraint_limits(f". <= {number}", "integer")
    with pytest.raises(Hostile):
        relevant_condition(f"${{age}} = '{number}'", {"age": Target("age", "integer")}.get)


TARGETS = {
    "age": Target("age", "integer"),
    "score": Target("score", "decimal"),
    "yn": Target("yn", "select_one", {"yes": "yes", "no": "no", "1": 1}),
    "clubs": Target("clubs", "select_multiple", {"sport": "sport"}),
    "name": Target("name", "text"),
}
PIECES = st.sampled_from(
    [
        "${age}", "${yn}", "${clubs}", "${name}", "${score}", ".", "not(", "selected(", "string-length(.)",
        "count-selected(.)", "date(", "(", ")", ",", " and ", " or ", "=", "!=", "<", "<=", ">", ">=",
        "'yes'", "\u2018yes\u2019", "\u201cno\u201d", "''", "'1e400'", "'-1e999'", "'nan'", "'inf'", "1" * 40,
        "9" * 5000, "-3", "2.5", "0.000", "'2025-01-01'", "1e400", "'9" + "9" * 400 + "'",
    ]
)  # fmt: skip
EXPRESSIONS = st.one_of(
    st.lists(PIECES, max_size=12).map(" ".join),
    st.text(alphabet=st.characters(min_codepoint=32, blacklist_categories=("Cs",)), max_size=30),
)


@settings(max_examples=300, deadline=None)
@given(EXPRESSIONS, st.sampled_from(sorted(SUBJECTS)))
def test_any_expression_is_translated_unsupported_or_hostile_never_another_exception(text, kind):
    for translate in (lambda: relevant_condition(text, TARGETS.get), lambda: constraint_limits(text, kind)):
        try:
            result = translate()
        except (Unsupported, Hostile):
            continue
        assert isinstance(result, dict)


ROW_TYPES = ["integer", "decimal", "text", "date", "select_one yes_no", "select_multiple clubs", "begin group"]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(ROW_TYPES), EXPRESSIONS, EXPRESSIONS), min_size=1, max_size=6))
def test_any_relevant_or_constraint_in_a_workbook_converts_or_refuses_the_form_never_crashes(tmp_path_factory, rows):
    survey = [["type", "name", "label", "relevant", "constraint"], ["text", "first", "Первый"]]
    for i, (kind, relevant, constraint) in enumerate(rows):
        survey.append([kind, f"q{i}", f"Вопрос {i}", relevant, constraint])
    survey += [["end group"]] * sum(kind == "begin group" for kind, _, _ in rows)
    path = workbook(tmp_path_factory.mktemp("book") / "form.xlsx", survey, CHOICES, None)
    conversion = convert(str(path))
    refusals = [p for p in conversion.problems if p.message.endswith("; the form is not imported")]
    assert (conversion.definition is None) == bool(refusals), [str(p) for p in conversion.problems]
    assert all(p.sheet == "survey" and p.row is not None for p in refusals)


def test_the_refusal_and_its_reason_are_in_russian_in_a_russian_interface(app, tmp_path):
    survey = [["type", "name", "label", "constraint", "relevant"], ["integer", "n", "Сколько?", ". <= '1e400'"]]
    survey.append(["integer", "m", "Ещё?", None, f"${{n}} > {DIGITS}"])
    path = workbook(tmp_path / "form.xlsx", survey, None, None)
    with app.app_context(), force_locale("ru"):
        (refusal,) = convert(str(path)).problems
    assert str(refusal) == (
        f"{path}:survey:2: ограничение «. <= '1e400'» нельзя импортировать: число «1e400» слишком большое: "
        "допускается не больше 30 цифр; форма не импортирована"
    )
    survey[1][3] = None
    path = workbook(tmp_path / "form.xlsx", survey, None, None)
    with app.app_context(), force_locale("ru"):
        (refusal,) = convert(str(path)).problems
    assert str(refusal) == (
        f"{path}:survey:3: relevant «${{n}} > {'1' * 52}…» "
        "нельзя импортировать: число «111111111111…» слишком длинное: цифр в нём 5000, а допускается не больше 30; "
        "форма не импортирована"
    )
