"""XLSForm import, issue 24 item 1: the spellings pyxform accepts (headers, types, the "other" suffix), texts
without a language beside texts with one, and conditions on the "other" answer. Each case is a small .xlsx
workbook built here; pyxform's own test forms in tests/fixtures are read for their headers too."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from flask_babel import force_locale

from surveys.instruments.xlsform import convert
from tests.xlsform_books import run_import, workbook

CORPUS = Path(__file__).parent / "fixtures" / "xlsform-corpus" / "pyxform" / "tests"
YES_NO = [["list_name", "name", "label"], ["yn", "yes", "Да"], ["yn", "no", "Нет"]]


@pytest.fixture
def runner(make_app):
    """The command's report in English, as these tests read it."""
    return make_app(SURVEYS_DEFAULT_LOCALE="en").test_cli_runner()


def questions(conversion) -> dict[str, dict]:
    """Every converted question by id."""
    return {q["id"]: q for page in conversion.definition["pages"] for q in page["questions"]}


def messages(conversion) -> list[str]:
    """The problems as printed, without the file name."""
    return [str(p).split(":", 1)[1] for p in conversion.problems]


# ---- survey headers -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("header", "value", "expected"),
    [
        ("relevance", "${age} >= 18", {"show_if": {"question": "age", "min": 18}}),
        ("bind::relevant", "${age} >= 18", {"show_if": {"question": "age", "min": 18}}),
        ("bind:relevant", "${age} >= 18", {"show_if": {"question": "age", "min": 18}}),
        ("Bind : Relevant", "${age} >= 18", {"show_if": {"question": "age", "min": 18}}),
        ("Relevant", "${age} >= 18", {"show_if": {"question": "age", "min": 18}}),
        ("bind::required", "yes", {"required": True}),
        ("bind:required", True, {"required": True}),
        ("Required", "TRUE", {"required": True}),
        ("bind::constraint", ". <= 120", {"max": 120}),
        ("bind:constraint", ". >= 0", {"min": 0}),
        ("Constraint", ". >= 0 and . <= 9", {"min": 0, "max": 9}),
    ],
)
def test_pyxform_spellings_of_relevant_required_and_constraint_are_read(tmp_path, header, value, expected):
    survey = [["type", "name", "label", header], ["integer", "age", "Age"], ["integer", "n", "N", value]]
    conversion = convert(workbook(tmp_path / "f.xlsx", survey))
    assert questions(conversion)["n"] == {"id": "n", "type": "number", "text": "N", "integer": True, **expected}
    assert not [p for p in conversion.problems if not p.note]


@pytest.mark.parametrize(
    "header",
    [
        ["type", "name", "label", "appearance"],
        ["Type", "Name", "Label", "control::appearance"],
        ["command", "tag", "caption", "control:appearance"],
        ["TYPE", "value", "Caption", "Appearance"],
    ],
)
def test_pyxform_spellings_of_type_name_label_and_appearance_are_read(tmp_path, header):
    conversion = convert(workbook(tmp_path / "f.xlsx", [header, ["text", "story", "Your story", "multiline"]]))
    assert questions(conversion) == {"story": {"id": "story", "type": "text", "text": "Your story", "long": True}}
    assert conversion.complete


@pytest.mark.parametrize(
    ("header", "column"),
    [
        ("constraint_message", "constraint"),
        ("constraint message", "constraint"),
        ("constraining message", "constraint"),
        ("jr:constraintMsg", "constraint"),
        ("bind::jr:constraintMsg", "constraint"),
        ("bind:jr:constraintMsg", "constraint"),
        ("constraint_message::English (en)", "constraint"),
        ("required_message", "required"),
        ("required message", "required"),
        ("requiredMsg", "required"),
        ("jr:requiredMsg", "required"),
        ("bind::jr:requiredMsg", "required"),
    ],
)
def test_pyxform_spellings_of_the_messages_are_known_and_give_the_usual_note(tmp_path, header, column):
    survey = [["type", "name", "label", "constraint", "required", header], ["integer", "n", "N", ". >= 1", "yes", "!"]]
    conversion = convert(workbook(tmp_path / "f.xlsx", survey))
    expected = {
        "constraint": "note: constraint_message is not kept; the app shows its own message for the range",
        "required": "note: required_message is not kept; the app's own message is shown",
    }[column]
    assert messages(conversion) == [f"survey:2: {expected}"]
    assert conversion.complete


@pytest.mark.parametrize(
    ("header", "column"),
    [
        ("count", "repeat_count"),
        ("jr:count", "repeat_count"),
        ("control::jr:count", "repeat_count"),
        ("calculate", "calculation"),
        ("bind::calculate", "calculation"),
        ("readonly", "read_only"),
        ("bind::readonly", "read_only"),
        ("media::image", "image"),
        ("media::audio::English (en)", "audio::English (en)"),
        ("bind::type", "bind::type"),
    ],
)
def test_unsupported_columns_in_any_spelling_are_reported_on_the_rows_that_fill_them(tmp_path, header, column):
    survey = [["type", "name", "label", header], ["text", "a", "A", "x"], ["text", "b", "B"]]
    conversion = convert(workbook(tmp_path / "f.xlsx", survey))
    assert messages(conversion) == [f"survey:2: column '{column}' is not supported; ignored"]
    assert set(questions(conversion)) == {"a", "b"}


def test_single_colons_are_not_separators_when_the_sheet_uses_double_ones(tmp_path):
    """pyxform's rule: a sheet with any ``::`` header splits on ``::`` only, so ``label:English`` is no label."""
    survey = [["type", "name", "label::Russian (ru)", "label:English"], ["text", "a", "А", "A"]]
    conversion = convert(workbook(tmp_path / "f.xlsx", survey))
    assert questions(conversion)["a"]["text"] == "А"
    assert messages(conversion) == ["survey:1: note: column 'label:english' is not an XLSForm column; ignored"]


# ---- choices headers ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "header", [["list_name", "name", "label"], ["list name", "name", "label"], ["List Name", "value", "caption"]]
)
def test_pyxform_spellings_of_the_choices_headers_are_read(tmp_path, header):
    choices = [header, ["yn", "yes", "Да"], ["yn", "no", "Нет"]]
    conversion = convert(
        workbook(tmp_path / "f.xlsx", [["type", "name", "label"], ["select_one yn", "q", "Q"]], choices)
    )
    assert conversion.definition["choices"] == {
        "yn": [{"value": "yes", "label": "Да"}, {"value": "no", "label": "Нет"}]
    }
    assert conversion.complete


def test_settings_spellings_of_id_and_title_are_read(tmp_path):
    settings = [["id_string", "title", "version"], ["kids_v2", "Анкета", "2"]]
    conversion = convert(workbook(tmp_path / "f.xlsx", [["type", "name", "label"], ["text", "a", "A"]], None, settings))
    assert (conversion.definition["id"], conversion.definition["title"]) == ("kids_v2", "Анкета")
    assert conversion.complete


# ---- types --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("spelling", "kind", "other"),
    [
        ("select_one yn", "single_choice", False),
        ("select one yn", "single_choice", False),
        ("Select_One yn", "single_choice", False),
        ("select1 yn", "single_choice", False),
        ("select one from yn", "single_choice", False),
        ("add select one prompt using yn", "single_choice", False),
        ("select_multiple yn", "multiple_choice", False),
        ("select multiple yn", "multiple_choice", False),
        ("select all that apply yn", "multiple_choice", False),
        ("select all that apply from yn", "multiple_choice", False),
        ("add select multiple prompt using yn", "multiple_choice", False),
        ("select_one yn or_other", "single_choice", True),
        ("select one yn or other", "single_choice", True),
        ("select one from yn or specify other", "single_choice", True),
        ("select all that apply from  yn  or specify other", "multiple_choice", True),
        ("select_multiple yn OR_OTHER", "multiple_choice", True),
    ],
)
def test_pyxform_spellings_of_the_select_types_are_read(tmp_path, spelling, kind, other):
    conversion = convert(workbook(tmp_path / "f.xlsx", [["type", "name", "label"], [spelling, "q", "Q"]], YES_NO))
    expected = {"id": "q", "type": kind, "text": "Q", "choices": "yn", **({"other": True} if other else {})}
    assert questions(conversion) == {"q": expected}
    assert conversion.complete


@pytest.mark.parametrize(
    ("spelling", "expected"),
    [
        ("string", {"type": "text"}),
        ("Add Text Prompt", {"type": "text"}),
        ("int", {"type": "number", "integer": True}),
        ("q int", {"type": "number", "integer": True}),
        ("add integer prompt", {"type": "number", "integer": True}),
        ("q decimal", {"type": "number"}),
        ("add date prompt", {"type": "date"}),
        ("q note", {"type": "note"}),
    ],
)
def test_pyxform_spellings_of_the_simple_types_are_read(tmp_path, spelling, expected):
    conversion = convert(workbook(tmp_path / "f.xlsx", [["type", "name", "label"], [spelling, "q", "Q"]]))
    assert questions(conversion) == {"q": {"id": "q", "text": "Q", **expected}}
    assert conversion.complete


@pytest.mark.parametrize(("spelling", "kind"), [("start time", "start"), ("get today", "today"), ("imei", "deviceid")])
def test_pyxform_spellings_of_metadata_types_are_skipped_with_the_usual_note(tmp_path, spelling, kind):
    survey = [["type", "name", "label"], [spelling, "m"], ["text", "a", "A"]]
    conversion = convert(workbook(tmp_path / "f.xlsx", survey))
    assert messages(conversion) == [f"survey:2: note: type '{kind}' is device metadata, not a question; skipped"]
    assert set(questions(conversion)) == {"a"}


@pytest.mark.parametrize(
    ("spelling", "reason"),
    [
        ("select one from file towns.csv", "type 'select one from file towns.csv' is not supported"),
        ("select_one yn or_what", "type 'select_one yn or_what' should read 'select_one LIST [or_other]'"),
        ("rank yn", "type 'rank yn' is not supported"),
        ("phone number", "type 'phone number' is not supported"),
    ],
)
def test_select_spellings_we_cannot_import_are_reported(tmp_path, spelling, reason):
    survey = [["type", "name", "label"], [spelling, "q", "Q"], ["text", "a", "A"]]
    conversion = convert(workbook(tmp_path / "f.xlsx", survey, YES_NO))
    assert messages(conversion) == [f"survey:2: {reason}; the row is skipped"]


@pytest.mark.parametrize(
    ("begin", "end"),
    [("begin_group", "end_group"), ("Begin Group", "End Group"), ("begin  group", "end group")],
)
def test_pyxform_spellings_of_groups_are_read(tmp_path, begin, end):
    survey = [["type", "name", "label"], [begin, "about", "About"], ["text", "a", "A"], [end], ["text", "b", "B"]]
    pages = convert(workbook(tmp_path / "f.xlsx", survey)).definition["pages"]
    assert [(p["id"], [q["id"] for q in p["questions"]]) for p in pages] == [("about", ["a"]), ("page_2", ["b"])]


@pytest.mark.parametrize(
    ("begin", "end"),
    [("begin repeat", "end repeat"), ("begin loop over yn", "end loop"), ("begin lgroup", "end lgroup")],
)
def test_pyxform_spellings_of_repeats_and_loops_are_skipped_as_repeats(tmp_path, begin, end):
    survey = [["type", "name", "label"], ["text", "a", "A"], [begin, "r"], ["integer", "n", "N"], [end]]
    conversion = convert(workbook(tmp_path / "f.xlsx", survey, YES_NO))
    assert messages(conversion) == ["survey:3: repeats are not supported; rows 3–5 are skipped"]
    assert set(questions(conversion)) == {"a"}


# ---- languages ----------------------------------------------------------------------------------
def _texts(tmp_path, header, rows, settings=None):
    conversion = convert(workbook(tmp_path / "f.xlsx", [["type", "name", *header], *rows], None, settings))
    return conversion, {qid: q["text"] for qid, q in questions(conversion).items()}


def test_a_plain_label_beside_russian_columns_in_latin_letters_is_read_as_english_with_a_note(tmp_path):
    rows = [["text", "a", "Name", "Имя"], ["text", "b", None, "Город"]]
    conversion, texts = _texts(tmp_path, ["label", "label::Russian"], rows)
    assert texts == {"a": {"ru": "Имя", "en": "Name"}, "b": "Город"}
    assert messages(conversion) == [
        "survey:1: note: column 'label' names no language and the settings no default_language; its texts are in "
        "Latin letters, so it is read as English"
    ]
    assert conversion.complete


def test_a_plain_label_beside_english_columns_in_cyrillic_is_read_as_russian_with_a_note(tmp_path):
    conversion, texts = _texts(tmp_path, ["label::English (en)", "label"], [["text", "a", "Name", "Имя"]])
    assert texts == {"a": {"ru": "Имя", "en": "Name"}}
    assert messages(conversion) == [
        "survey:1: note: column 'label' names no language and the settings no default_language; its texts are in "
        "Cyrillic letters, so it is read as Russian"
    ]


def test_a_plain_label_in_the_language_of_a_named_column_is_its_twin_and_a_difference_is_reported(tmp_path):
    """pyxform's own forms put a plain ``hint`` beside ``label::english``: the plain one is English too."""
    rows = [["text", "a", "Nom", "Имя", "Name"], ["text", "b", None, "Город", "Town"], ["text", "c", "Age", None, None]]
    conversion, texts = _texts(tmp_path, ["label", "label::ru", "label::en"], rows)
    assert texts == {
        "a": {"ru": "Имя", "en": "Name"},
        "b": {"ru": "Город", "en": "Town"},
        "c": {"ru": "Age", "en": "Age"},
    }
    assert messages(conversion) == [
        "survey:1: note: column 'label' names no language and the settings no default_language; its texts are in "
        "Latin letters, so it is read as English",
        "survey:2: the label: columns 'label::en' and 'label' hold the same language and differ; the text of "
        "'label::en' is used",
        "survey:4: the label: no Russian text; the English one is used for both languages",
    ]


@pytest.mark.parametrize(
    ("named", "read_as"),
    [
        ("label::Russian", "English, as the Russian texts have columns of their own"),
        ("label::English (en)", "Russian, as the English texts have columns of their own"),
    ],
)
def test_a_plain_label_without_letters_is_placed_by_the_other_columns_and_said_so(tmp_path, named, read_as):
    conversion, texts = _texts(tmp_path, ["label", named], [["text", "a", "1–5", "Name"]])
    assert messages(conversion) == [
        "survey:1: column 'label' names no language and the settings no default_language; it is read as " + read_as
    ]
    assert not conversion.complete


def test_a_plain_label_without_letters_beside_russian_and_english_columns_is_left_out_and_said_so(tmp_path):
    rows = [["text", "a", "1–5", "Имя", "Name"]]
    conversion, texts = _texts(tmp_path, ["label", "label::ru", "label::en"], rows)
    assert texts == {"a": {"ru": "Имя", "en": "Name"}}
    assert messages(conversion) == [
        "survey:1: column 'label' names no language beside the Russian and English columns, and the settings no "
        "default_language; left out"
    ]


def test_default_language_names_the_plain_columns_and_a_differing_twin_is_reported_on_its_row(tmp_path):
    settings = [["default_language"], ["English (en)"]]
    header = ["label", "label::English (en)", "label::Russian (ru)", "hint"]
    rows = [
        ["text", "same", "Name", "Name", "Имя", "Your name"],
        ["text", "only_plain", "Town", None, "Город"],
        ["text", "differs", "Age", "Your age", "Возраст"],
    ]
    conversion, texts = _texts(tmp_path, header, rows, settings)
    assert texts == {
        "same": {"ru": "Имя", "en": "Name"},
        "only_plain": {"ru": "Город", "en": "Town"},
        "differs": {"ru": "Возраст", "en": "Your age"},
    }
    assert questions(conversion)["same"]["help"] == {"ru": "Your name", "en": "Your name"}
    assert messages(conversion) == [
        "survey:2: the hint: no Russian text; the English one is used for both languages",
        "survey:4: the label: columns 'label::English (en)' and 'label' hold the same language and differ; "
        "the text of 'label::English (en)' is used",
    ]


def test_a_default_language_other_than_russian_or_english_leaves_the_plain_columns_out(tmp_path):
    settings = [["default_language"], ["Français (fr)"]]
    conversion, texts = _texts(tmp_path, ["label", "label::ru"], [["text", "a", "Nom", "Имя"]], settings)
    assert texts == {"a": "Имя"}
    assert messages(conversion) == [
        "survey:1: column 'label' is in the default_language 'Français (fr)': only Russian and English texts "
        "are imported"
    ]


@pytest.mark.parametrize(
    "header",
    [
        ["label::english", "label::RUSSIAN"],
        ["label:English", "label:Russian"],
        ["Label::English (en)", "LABEL::Русский"],
        ["label::English(en)", "label::Russian (ru-RU)"],
    ],
)
def test_language_names_are_read_whatever_their_case_and_separator(tmp_path, header):
    conversion, texts = _texts(tmp_path, header, [["text", "a", "Name", "Имя"]])
    assert texts == {"a": {"ru": "Имя", "en": "Name"}}
    assert conversion.complete


def test_a_plain_label_alone_is_russian_as_before(tmp_path):
    conversion, texts = _texts(tmp_path, ["label"], [["text", "a", "Имя"]])
    assert texts == {"a": "Имя"}
    assert conversion.complete


# ---- or_other and the "other" answer --------------------------------------------------------------
OTHER_SURVEY = [
    ["type", "name", "label", "relevant"],
    ["begin group", "first", "First"],
    ["select_one yn or_other", "pick", "Pick"],
    ["select all that apply from yn or specify other", "many", "Many"],
    ["end group"],
    ["text", "why", "Why other?", "selected(${pick}, 'other')"],
    ["text", "which", "Which other?", "${pick} = 'other'"],
    ["text", "more", "More?", "selected(${many}, 'other') and not(selected(${many}, 'yes'))"],
]


def test_a_condition_on_other_of_an_or_other_question_tests_our_other_answer(tmp_path, runner):
    path = workbook(tmp_path / "other.xlsx", OTHER_SURVEY, YES_NO)
    result = run_import(runner, path)
    assert result.exit_code == 0, result.output
    found = {q["id"]: q for p in yaml.safe_load((tmp_path / "other.yaml").read_text())["pages"] for q in p["questions"]}
    assert found["why"]["show_if"] == {"question": "pick", "equals": "other"}
    assert found["which"]["show_if"] == {"question": "pick", "equals": "other"}
    assert found["more"]["show_if"] == {
        "all": [
            {"question": "many", "equals": "other"},
            # not(selected()) is true on a blank answer in ODK, so its blank case is written out
            {"any": [{"question": "many", "answered": False}, {"question": "many", "not_equals": "yes"}]},
        ]
    }
    assert (found["pick"]["other"], found["many"]["other"]) == (True, True)


def test_a_number_test_on_an_or_other_list_of_whole_numbers_is_still_translated(tmp_path):
    """The "other" answer fails min and max tests here, as 'other' >= 3 is false in XLSForm."""
    choices = [["list_name", "name", "label"], ["score", 1, "1"], ["score", 2, "2"], ["score", 3, "3"]]
    survey = [["type", "name", "label", "relevant"], ["select_one score or_other", "s", "S"]]
    survey.append(["text", "why", "Why?", "${s} >= 2"])
    conversion = convert(workbook(tmp_path / "f.xlsx", survey, choices))
    assert questions(conversion)["why"]["show_if"] == {"question": "s", "min": 2}


def test_other_without_or_other_is_still_not_a_choice(tmp_path):
    survey = [["type", "name", "label", "relevant"], ["select_one yn", "pick", "Pick"]]
    survey.append(["text", "why", "Why?", "selected(${pick}, 'other')"])
    conversion = convert(workbook(tmp_path / "f.xlsx", survey, YES_NO))
    assert "show_if" not in questions(conversion)["why"]
    assert messages(conversion)[-1] == (
        "survey:3: relevant 'selected(${pick}, 'other')' is not supported ('other' is not a choice of 'pick'); "
        "the question is imported without it"
    )


# ---- pyxform's own forms ------------------------------------------------------------------------
def test_pyxform_forms_with_list_name_spelled_with_a_space_and_other_suffixes_are_read():
    or_other = convert(CORPUS / "example_xls" / "or_other.xlsx")
    assert questions(or_other)["fav_color"]["other"] is True
    assert or_other.definition["choices"]["colors"][3] == {"value": "mauve", "label": "mauve"}
    assert messages(or_other) == ["survey:3: column 'choice_filter' is not supported; ignored"]
    specify = convert(CORPUS / "example_xls" / "specify_other.xlsx")
    assert questions(specify)["sex"] == {
        "id": "sex",
        "type": "single_choice",
        "text": {"ru": "What sex are you?", "en": "What sex are you?"},
        "choices": "sexes",
        "other": True,
    }
    yes_no = convert(CORPUS / "example_xls" / "yes_or_no_question.xlsx")
    assert yes_no.definition["choices"]["yes_or_no"][0]["label"] == {"ru": "yes", "en": "yes"}


@pytest.mark.parametrize(
    ("name", "first", "left"),
    [
        ("bug_example_xls/ODKValidateWarnings", "family_name", ["survey:3: type 'phone number' is not supported"]),
        ("example_xls/group", "family_name", ["survey:4: type 'phone number' is not supported"]),
        ("example_xls/include", "name", ["survey:3: type 'include' is not supported"]),
        ("example_xls/loop", "available_toilet_types", ["survey:3: repeats are not supported"]),
        ("example_xls/text_and_integer", "your_name", []),
    ],
)
def test_pyxform_forms_with_single_colon_language_headers_read_their_english_labels(name, first, left):
    conversion = convert(CORPUS / f"{name}.xlsx")
    text = questions(conversion)[first]["text"]
    assert isinstance(text, dict) and text["en"] == text["ru"] and text["en"]
    problems = [m for m in messages(conversion) if "no Russian texts" not in m]
    assert [m for m in problems if not any(m.startswith(expected) for expected in left)] == []
    assert len(problems) == len(left)


def test_the_language_messages_are_in_russian_under_ru(app, tmp_path):
    header = ["type", "name", "label", "label::English (en)", "label::Russian (ru)"]
    settings = [["default_language"], ["English"]]
    path = workbook(tmp_path / "f.xlsx", [header, ["text", "a", "Age", "Your age", "Возраст"]], None, settings)
    guessed = workbook(tmp_path / "g.xlsx", [["type", "name", "label", "label::ru"], ["text", "a", "Age", "Возраст"]])
    with app.app_context(), force_locale("ru"):
        found = [str(p).split(":", 1)[1] for p in (*convert(path).problems, *convert(guessed).problems)]
    assert found == [
        "survey:2: подпись: столбцы «label::English (en)» и «label» на одном языке, но тексты различаются; "
        "взят текст из «label::English (en)»",
        "survey:1: примечание: у столбца «label» не указан язык, а в настройках нет default_language; его тексты "
        "написаны латиницей, поэтому он прочитан как английский",
    ]
