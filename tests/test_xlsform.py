"""XLSForm import: real .xlsx workbooks built here, converted by `surveys instrument import-xlsform`,
loaded with our loader, served from a plugin folder and answered as a participant."""

from __future__ import annotations

import io

import openpyxl
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from surveys.core.loader import load_instrument
from surveys.core.models import Organisation, Participant, Response
from surveys.core.question_types import built_in_types
from surveys.extensions import db
from surveys.instruments.xlsform import convert, to_yaml
from surveys.instruments.xlsform_constraints import constraint_limits
from surveys.instruments.xlsform_expressions import Hostile, Target, Unsupported, relevant_condition
from surveys.instruments.xlsform_results import Conversion
from surveys.participation.links import generate_links
from surveys.workspace.campaigns import create_campaign
from tests.xlsform_books import form, run_import, workbook


@pytest.fixture
def runner(make_app):
    """The command's report in English, as these tests read it (test_messages_ru.py reads the Russian one)."""
    return make_app(SURVEYS_DEFAULT_LOCALE="en").test_cli_runner()


RU_EN = ["type", "name", "label::Russian (ru)", "label::English (en)", "hint::Russian (ru)", "required"]
GOOD_SURVEY = [
    [*RU_EN, "relevant", "constraint", "appearance"],
    ["start", "started"],  # row 2: metadata, skipped with a note
    ["note", "intro", "Здравствуйте!", "Hello!"],
    ["begin group", "about", "О себе", "About you"],
    ["integer", "age", "Сколько вам лет?", "How old are you?", "Полных лет", "yes", None, ". >= 10 and . <= 18"],
    ["select_one yes_no", "has_mentor", "Есть наставник?", "Do you have a mentor?", None, True],
    ["end group"],
    ["begin group", "more", "Подробнее", "More"],
    ["select_multiple clubs or_other", "clubs", "Кружки", "Clubs", None, None, "selected(${has_mentor}, 'yes')"],
    [
        "text",
        "worries",
        "Что беспокоит?",
        "Worries?",
        None,
        None,
        "${age} > 12 and ${has_mentor} = 'yes'",
        "",
        "multiline",
    ],
    ["select_one grade", "grade", "Класс", "Grade", None, None, "${age} >= 14 or ${has_mentor} != 'no'"],
    ["end group"],
]
GOOD_CHOICES = [
    ["list_name", "name", "label::Russian (ru)", "label::English (en)"],
    ["yes_no", "yes", "Да", "Yes"],
    ["yes_no", "no", "Нет", "No"],
    ["clubs", "sport", "Спорт", "Sport"],
    ["clubs", "music", "Музыка", "Music"],
    ["grade", 5, "5–6", "5–6"],
    ["grade", "7", "7–9", "7–9"],
    ["grade", "10", "10–11", "10–11"],
]
GOOD_SETTINGS = [
    ["form_id", "form_title", "version", "default_language"],
    ["mentee_start", "Анкета", 3, "Russian (ru)"],
]


def test_a_good_form_converts_with_exit_0_and_loads_with_its_pages_choices_and_conditions(runner, tmp_path):
    path = workbook(tmp_path / "start.xlsx", GOOD_SURVEY, GOOD_CHOICES, GOOD_SETTINGS)
    result = run_import(runner, path)
    assert result.exit_code == 0, result.output
    out = tmp_path / "mentee_start.yaml"
    assert result.stdout == f"{out}: ok (mentee_start v3, 6 questions)\n"
    assert result.stderr == f"{path}:survey:2: note: type 'start' is device metadata, not a question; skipped\n"

    loaded = load_instrument(out, built_in_types())
    assert (loaded.id, loaded.version, loaded.title.ru, loaded.audience) == ("mentee_start", "3", "Анкета", ("mentee",))
    assert [(p.id, p.title and p.title.en) for p in loaded.pages] == [
        ("page_1", None),
        ("about", "About you"),
        ("more", "More"),
    ]
    questions = {q.id: q for q in loaded.questions()}
    assert [(q.id, q.type) for q in loaded.questions()] == [
        ("intro", "note"),
        ("age", "number"),
        ("has_mentor", "single_choice"),
        ("clubs", "multiple_choice"),
        ("worries", "text"),
        ("grade", "single_choice"),
    ]
    age = questions["age"]
    assert (age.text.ru, age.text.en, age.help.ru, age.required) == (
        "Сколько вам лет?",
        "How old are you?",
        "Полных лет",
        True,
    )
    assert age.options == {"integer": True, "min": 10, "max": 18}
    assert questions["has_mentor"].required is True
    assert [(c["value"], c["label"].en) for c in questions["grade"].options["choices"]] == [
        (5, "5–6"),
        (7, "7–9"),
        (10, "10–11"),
    ]
    assert questions["clubs"].options["other"] is True
    assert [c["value"] for c in questions["clubs"].options["choices"]] == ["sport", "music"]
    assert questions["worries"].options["long"] is True

    raw = yaml.safe_load(out.read_text(encoding="utf-8"))
    by_id = {q["id"]: q for page in raw["pages"] for q in page["questions"]}
    assert by_id["clubs"]["show_if"] == {"question": "has_mentor", "equals": "yes"}
    assert by_id["worries"]["show_if"] == {
        "all": [{"question": "age", "min": 13}, {"question": "has_mentor", "equals": "yes"}]
    }
    assert by_id["grade"]["show_if"] == {
        "any": [
            {"question": "age", "min": 14},
            {"question": "has_mentor", "answered": False},  # ODK: != is true on a blank answer
            {"question": "has_mentor", "not_equals": "no"},
        ]
    }
    worries = questions["worries"].show_if
    assert worries.holds({"age": 13, "has_mentor": "yes"}) and not worries.holds({"age": 12, "has_mentor": "yes"})
    assert sorted(raw["choices"]) == ["clubs", "grade", "yes_no"]


def test_the_imported_file_loads_from_a_plugin_folder_is_listed_and_can_be_answered(make_app, tmp_path):
    folder = tmp_path / "plugins" / "imported"
    folder.mkdir(parents=True)
    path = workbook(tmp_path / "start.xlsx", GOOD_SURVEY, GOOD_CHOICES, GOOD_SETTINGS)
    out = folder / "start.yaml"
    converted = run_import(
        make_app().test_cli_runner(), path, "-o", str(out), "--audience", "mentee", "--audience", "mentor"
    )
    assert converted.exit_code == 0, converted.output

    app = make_app(SURVEYS_PLUGINS_PATH=str(folder))
    listed = app.test_cli_runner().invoke(args=["instrument", "list"])
    assert "mentee_start\tv3\timported\tАнкета" in listed.output.splitlines()
    with app.test_request_context():
        organisation = Organisation(name="Школа")
        db.session.add(organisation)
        db.session.commit()
        db.session.add(Participant(organisation_id=organisation.id, code="P1", role="mentee", tags=[]))
        db.session.commit()
        campaign = create_campaign(organisation, "Старт", ["mentee_start"], "Вход")
        assert campaign.assignments[0].audience == ["mentee", "mentor"]
        [(_, token)] = generate_links(campaign.waves[0])
    client, link = app.test_client(), f"/s/{token}"
    assert client.post(f"{link}/consent", data={"decision": "agree"}).status_code == 302
    assert "Здравствуйте!" in client.get(link).get_data(as_text=True)
    page = {"instrument": "mentee_start", "action": "next"}
    assert client.post(link, data={**page, "page": "page_1"}).status_code == 302
    assert "Есть наставник?" in client.get(link).get_data(as_text=True)
    assert client.post(link, data={**page, "page": "about", "age": "15", "has_mentor": "yes"}).status_code == 302
    shown = client.get(link).get_data(as_text=True)
    assert "Кружки" in shown and "Что беспокоит?" in shown
    answers = {"page": "more", "action": "submit", "clubs": ["sport", "other"], "clubs__other": "шахматы", "grade": "7"}
    assert client.post(link, data={**page, **answers}).status_code == 302
    with app.app_context():
        response = db.session.execute(db.select(Response)).scalar_one()
        assert response.status == "submitted"
        assert response.answers == {
            "age": 15,
            "has_mentor": "yes",
            "clubs": ["sport", "other"],
            "clubs__other": "шахматы",
            "worries": None,
            "grade": 7,
        }


def test_unsupported_types_and_repeats_are_reported_on_their_rows_and_the_rest_is_imported(runner, tmp_path):
    path = form(
        tmp_path,
        [
            ["text", "school", "Школа"],
            ["geopoint", "where", "Где вы?"],
            ["begin repeat", "kids", "Дети"],
            ["text", "kid", "Имя"],
            ["end repeat"],
            ["integer", "pupils", "Сколько учеников?"],
        ],
    )
    result = run_import(runner, path)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{path}:survey:3: type 'geopoint' is not supported; the row is skipped",
        f"{path}:survey:4: repeats are not supported; rows 4–6 are skipped",
    ]
    loaded = load_instrument(tmp_path / "form.yaml", built_in_types())
    assert [q.id for q in loaded.questions()] == ["school", "pupils"]


def test_an_unsupported_relevant_is_reported_and_the_question_kept_without_it(runner, tmp_path):
    path = form(
        tmp_path,
        [["integer", "age", "Возраст"], ["text", "why", "Почему?", "${age} + 1 > 3"], ["text", "x", "X", "${age} > 3"]],
    )
    result = run_import(runner, path)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{path}:survey:3: relevant '${{age}} + 1 > 3' is not supported (cannot read '+ 1 > 3'); "
        "the question is imported without it",
        f"{path}:survey:4: note: relevant uses an answer on the same page, so the page is split here",
    ]
    raw = yaml.safe_load((tmp_path / "form.yaml").read_text(encoding="utf-8"))
    assert [[q["id"] for q in p["questions"]] for p in raw["pages"]] == [["age", "why"], ["x"]]
    assert "show_if" not in raw["pages"][0]["questions"][1]
    assert raw["pages"][1]["questions"][0]["show_if"] == {"question": "age", "min": 4}


def test_a_missing_choice_list_skips_its_question_with_the_row_named(runner, tmp_path):
    choices = [["list_name", "name", "label"], ["yn", "yes", "Да"], ["yn", "no", "Нет"], ["one", "a", "A"]]
    path = form(
        tmp_path,
        [
            ["select_one yn", "ok", "Всё хорошо?"],
            ["select_one colours", "colour", "Цвет?"],
            ["select_one one", "o", "O"],
        ],
        choices,
    )
    result = run_import(runner, path)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{path}:survey:3: choice list 'colours' is not on the choices sheet; the question is skipped",
        f"{path}:survey:4: choice list 'one' has fewer than two choices; the question is skipped",
    ]
    assert [q.id for q in load_instrument(tmp_path / "form.yaml", built_in_types()).questions()] == ["ok"]


def test_duplicate_and_non_snake_case_names_are_renamed_and_reported(runner, tmp_path):
    path = form(tmp_path, [["text", "Full Name", "Имя"], ["text", "full_name", "Имя ещё раз"], ["text", "x", "X"]])
    result = run_import(runner, path)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{path}:survey:2: name 'Full Name' is not lower_snake_case; imported as 'full_name'",
        f"{path}:survey:3: name 'full_name' gives the id 'full_name', already used at row 2; imported as 'full_name_2'",
    ]
    assert [q.id for q in load_instrument(tmp_path / "form.yaml", built_in_types()).questions()] == [
        "full_name",
        "full_name_2",
        "x",
    ]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("form.csv", b"type,name,label\ntext,a,A\n", "not an .xlsx workbook; save the form as .xlsx first"),
        ("form.xlsx", b"PK\x03\x04 not really a zip", "cannot be read as an .xlsx workbook: File is not a zip file"),
        ("nosurvey.xlsx", None, "the workbook has no 'survey' sheet, so it is not an XLSForm"),
    ],
)
def test_files_that_are_not_xlsforms_exit_2_with_one_clear_line(runner, tmp_path, name, content, message):
    path = tmp_path / name
    if content is None:
        workbook(path, choices=GOOD_CHOICES)
    else:
        path.write_bytes(content)
    result = run_import(runner, path)
    assert result.exit_code == 2
    assert result.stderr == f"{path}: {message}\n"
    assert not list(tmp_path.glob("*.yaml"))


def test_an_existing_output_is_kept_unless_force_is_given(runner, tmp_path):
    path = form(tmp_path, [["text", "a", "A"]])
    (tmp_path / "form.yaml").write_text("mine\n", encoding="utf-8")
    refused = run_import(runner, path)
    assert refused.exit_code == 2
    assert refused.stderr == f"{tmp_path / 'form.yaml'}: the file exists; use --force to overwrite it\n"
    assert (tmp_path / "form.yaml").read_text(encoding="utf-8") == "mine\n"
    assert run_import(runner, path, "--force").exit_code == 0
    assert load_instrument(tmp_path / "form.yaml", built_in_types()).id == "form"


def test_a_result_our_loader_rejects_exits_2_with_file_line_messages(runner, tmp_path, monkeypatch):
    question = {"id": "a", "type": "number", "text": "A", "min": 5, "max": 1}
    broken = {
        "id": "x",
        "version": "1",
        "title": "X",
        "audience": ["mentee"],
        "pages": [{"id": "p", "questions": [question]}],
    }
    monkeypatch.setattr("surveys.instruments.commands.xlsform.convert", lambda path, audience: Conversion(broken, []))
    path = form(tmp_path, [["text", "a", "A"]])
    result = run_import(runner, path, "-o", str(tmp_path / "out.yaml"))
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"{tmp_path / 'out.yaml'}:13: pages[0].questions[0].min: 'min' is greater than 'max'",
        f"{tmp_path / 'out.yaml'}: written, but it does not load; fix the problems above",
    ]


def test_languages_settings_and_groups_map_as_documented(tmp_path):
    survey = [
        ["type", "name", "label", "label::French (fr)", "relevant", "appearance", "default"],
        ["integer", "n", "Number", "Nombre"],
        ["begin group", "outer", "Outer", None, None, "field-list"],
        ["begin group", "inner", "Inner", None, "${n} >= 2"],
        ["text", "why", "Why?", None, None, "multiline minimal", "none"],
        ["end group"],
        ["end group"],
        ["today", "day"],
    ]
    settings_sheet = [["form_title", "default_language", "style"], ["My form", "English (en)", "pages"]]
    conversion = convert(workbook(tmp_path / "Eng.xlsx", survey, None, settings_sheet), audience=["parent"])
    source = str(tmp_path / "Eng.xlsx")
    assert [str(p) for p in conversion.problems] == [
        f"{source}:settings:2: note: settings not used here: style",
        f"{source}:survey:1: column 'label::French (fr)': only Russian and English texts are imported",
        f"{source}:survey:1: no Russian texts: the English ones are used for both languages",
        f"{source}:survey:5: appearance 'minimal' is not supported; ignored",
        f"{source}:survey:5: column 'default' is not supported; ignored",
        f"{source}:survey:8: note: type 'today' is device metadata, not a question; skipped",
    ]
    definition = conversion.definition
    assert (definition["id"], definition["title"], definition["audience"]) == (
        "my_form",
        {"ru": "My form", "en": "My form"},
        ["parent"],
    )
    shown_if = {"question": "n", "min": 2}
    assert definition["pages"][1] == {
        "id": "outer",
        "title": {"ru": "Outer", "en": "Outer"},
        "questions": [
            {"id": "inner", "type": "note", "text": {"ru": "Inner", "en": "Inner"}, "show_if": shown_if},
            {"id": "why", "type": "text", "text": {"ru": "Why?", "en": "Why?"}, "long": True, "show_if": shown_if},
        ],
    }
    assert not conversion.complete


def test_a_file_like_workbook_is_read_too():
    buffer = io.BytesIO()
    book = openpyxl.Workbook()
    book.active.title = "survey"
    for row in (["type", "name", "label"], ["text", "a", "A"]):
        book.active.append(row)
    book.save(buffer)
    buffer.seek(0)
    conversion = convert(buffer)
    assert conversion.complete and conversion.definition["id"] == "workbook"


TARGETS = {
    "age": Target("age", "integer"),
    "score": Target("score", "decimal"),
    "name": Target("name", "text"),
    "grade": Target("grade", "select_one", {"5": 5, "7": 7}),
    "yn": Target("yn", "select_one", {"yes": "yes", "no": "no"}),
    "clubs": Target("clubs", "select_multiple", {"sport": "sport", "music": "music"}),
    "intro": Target("intro", "note"),
}


@pytest.mark.parametrize(
    ("expression", "condition"),
    [
        ("${yn} = 'yes'", {"question": "yn", "equals": "yes"}),
        ('${yn}!="no"', {"any": [{"question": "yn", "answered": False}, {"question": "yn", "not_equals": "no"}]}),
        ("${grade} = 5", {"question": "grade", "equals": 5}),
        ("${grade} > 5", {"question": "grade", "min": 6}),
        ("3 < ${age}", {"question": "age", "min": 4}),
        ("${age} <= 17.5", {"question": "age", "max": 17}),
        ("${score} >= 2.5", {"question": "score", "min": 2.5}),
        ("${name} != ''", {"question": "name", "answered": True}),
        ("${name} = ''", {"question": "name", "answered": False}),
        ("selected(${clubs}, 'music')", {"question": "clubs", "equals": "music"}),
        (
            "not(selected(${clubs}, 'music'))",
            {"any": [{"question": "clubs", "answered": False}, {"question": "clubs", "not_equals": "music"}]},
        ),
        (
            "(${age} > 10 or ${yn} = 'yes') and (${grade} = 7 and selected(${clubs}, 'sport'))",
            {
                "all": [
                    {"any": [{"question": "age", "min": 11}, {"question": "yn", "equals": "yes"}]},
                    {"question": "grade", "equals": 7},
                    {"question": "clubs", "equals": "sport"},
                ]
            },
        ),
    ],
)
def test_simple_relevant_expressions_become_show_if_conditions(expression, condition):
    assert relevant_condition(expression, TARGETS.get) == condition


@pytest.mark.parametrize(
    ("expression", "reason"),
    [
        ("${score} > 2", "'>' on a decimal number cannot be expressed; use '>=' or '<='"),
        ("${clubs} = 'sport'", "'=' on a select_multiple compares the whole selection; write selected(${clubs}, …)"),
        ("${yn} = 'maybe'", "'maybe' is not a choice of 'yn'"),
        ("${intro} = 'x'", "'intro' is a note and has no answer"),
        ("${nobody} = 1", "'nobody' is not a question imported from this form"),
        ("count-selected(${clubs}) > 1", "a test must compare a ${question} with a value"),
        ("${age} > 3 and", "the expression ends too early"),
        ("${name} > 3", "'>' needs a number question or a choice list of whole numbers"),
        ("today() > ${age}", "a test must compare a ${question} with a quoted value or a number"),
    ],
)
def test_other_relevant_expressions_are_refused_with_a_reason(expression, reason):
    with pytest.raises(Unsupported) as refused:
        relevant_condition(expression, TARGETS.get)
    assert str(refused.value) == reason


@pytest.mark.parametrize(
    ("constraint", "kind", "limits"),
    [
        (". >= 0 and . <= 120", "integer", {"min": 0, "max": 120}),
        (". > 0 and . < 10", "integer", {"min": 1, "max": 9}),
        (". >= 0.5", "decimal", {"min": 0.5}),
        ("string-length(.) <= 200", "text", {"max_length": 200}),
        (
            "count-selected(.) >= 1 and count-selected(.) <= 3",
            "select_multiple",
            {"min_selected": 1, "max_selected": 3},
        ),
        (". >= date('2025-09-01')", "date", {"min": "2025-09-01"}),
    ],
)
def test_range_constraints_become_type_limits(constraint, kind, limits):
    assert constraint_limits(constraint, kind) == limits


@pytest.mark.parametrize(
    ("constraint", "kind"),
    [
        (". > 5 or . < 1", "integer"),
        (". >= 10 and . <= 1", "integer"),
        ("regex(., '^[0-9]+$')", "text"),
        (". = 3", "integer"),
        (". >= 1", "select_one"),
        ("string-length(.) <= 50000", "text"),
    ],
)
def test_other_constraints_are_refused(constraint, kind):
    with pytest.raises(Unsupported):
        constraint_limits(constraint, kind)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="${}()'\"=!<>.,-_ 0123456789agenotrsld", max_size=60))
def test_any_expression_is_translated_or_refused_never_crashes(text):
    for expression in (text, f"${{age}} {text}", f"selected({text})"):
        try:
            condition = relevant_condition(expression, TARGETS.get)
        except (Unsupported, Hostile):  # Hostile: 31 digits or more, which this alphabet can spell
            continue
        assert isinstance(condition, dict)


PRINTABLE = st.text(alphabet=st.characters(min_codepoint=32, blacklist_categories=("Cs",)), max_size=8)
SELECTS = ["select_one l1", "select_multiple l1 or_other", "select_one x", "select_one"]
STRUCTURE = ["begin group", "end group", "begin repeat", "end repeat"]
ROW_TYPES = ["text", "integer", "decimal", "date", "note", "geopoint", "start", "calculate", "", *SELECTS, *STRUCTURE]
NAMES = st.one_of(st.sampled_from(["a", "b", "A b", "1x", "", "other", "a__b", "g", "page_1", "Имя"]), PRINTABLE)
EXPRESSIONS = st.one_of(
    st.sampled_from(["${a} = 'x'", "${b} > 2", "selected(${a}, 'x')", "${a} != ''", ". >= 1 and . <= 3", ". > 0.5"]),
    st.sampled_from(["string-length(.) <= 5", "${a} = 1 or ${b} <= 3", "count-selected(.) <= 1", ". >= '2025-01-01'"]),
    PRINTABLE,
)
CELLS = st.one_of(st.none(), PRINTABLE, st.integers(-3, 12), st.booleans())
SURVEY_ROWS = st.lists(
    st.tuples(st.sampled_from(ROW_TYPES), NAMES, CELLS, CELLS, EXPRESSIONS, EXPRESSIONS, CELLS, CELLS), max_size=10
)
CHOICE_ROWS = st.lists(st.tuples(st.sampled_from(["l1", "x", ""]), st.one_of(NAMES, st.integers(-3, 12)), CELLS))


@settings(max_examples=60, deadline=None)
@given(SURVEY_ROWS, CHOICE_ROWS, st.sampled_from([None, "English (en)", "Russian (ru)", "French (fr)"]), NAMES)
def test_whatever_the_rows_hold_the_result_loads_or_nothing_is_made(survey, choices, language, form_id):
    book = openpyxl.Workbook()
    book.active.title = "survey"
    book.active.append(["type", "name", "label", "label::English (en)", "relevant", "constraint", "required", "hint"])
    for row in survey:
        book.active.append(list(row))
    for title, rows in (
        ("choices", [("list_name", "name", "label"), *choices]),
        ("settings", [("form_id", "default_language"), (form_id, language)]),
    ):
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    conversion = convert(buffer)
    assert all(str(problem).startswith("workbook") for problem in conversion.problems)
    if conversion.definition is not None:
        load_instrument("form.yaml", built_in_types(), text=to_yaml(conversion.definition, "form.xlsx"))
