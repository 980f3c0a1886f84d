"""XLSForm reading (issue 24, items 2 and 3): damaged and hostile workbooks, built here and, where openpyxl
cannot write what we need, edited inside the zip. Each test runs `surveys instrument import-xlsform` and reads
the message (sheet, row, column), the exit code and the YAML; none prints a traceback or a raw warning."""

from __future__ import annotations

import datetime
import re
import warnings
import zipfile
from pathlib import Path

import openpyxl
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from surveys.instruments import xlsform_cells, xlsform_reader
from surveys.instruments.xlsform import convert
from tests.xlsform_books import run_import, workbook

CORPUS = Path(__file__).parent / "fixtures" / "xlsform-corpus" / "pyxform" / "tests"
HEADER = ["type", "name", "label", "required"]
SHEET_XML = "xl/worksheets/sheet1.xml"  # openpyxl writes the first sheet (survey) here


@pytest.fixture
def runner(make_app):
    """The command's report in English."""
    return make_app(SURVEYS_DEFAULT_LOCALE="en").test_cli_runner()


def edit_part(path: Path, part: str, edit) -> Path:
    """Rewrite one part of the .xlsx zip with ``edit(text) -> text`` (what openpyxl would not write)."""
    with zipfile.ZipFile(path) as archive:
        parts = {info.filename: archive.read(info) for info in archive.infolist()}
    parts[part] = edit(parts[part].decode("utf-8")).encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


def questions(tmp_path: Path, result) -> list[dict]:
    text = (tmp_path / "form.yaml").read_text(encoding="utf-8")
    return [q for page in yaml.safe_load(text)["pages"] for q in page["questions"]]


def survey(tmp_path: Path, *rows, header=HEADER) -> Path:
    return workbook(tmp_path / "form.xlsx", [header, *rows], None, [["form_id"], ["form"]])


# ---- rows beyond the <dimension> tag, and sheets declaring the whole grid ----------------------------


def test_rows_past_a_too_small_dimension_tag_are_all_read(runner, tmp_path):
    path = survey(tmp_path, *[["text", f"q{n}", f"Вопрос {n}"] for n in range(1, 6)])
    edit_part(path, SHEET_XML, lambda xml: re.sub(r'<dimension ref="[^"]*"', '<dimension ref="A1:B2"', xml))
    result = run_import(runner, path)
    assert result.exit_code == 0, result.output
    assert [q["id"] for q in questions(tmp_path, result)] == ["q1", "q2", "q3", "q4", "q5"]


def test_a_sheet_declaring_the_whole_grid_is_read_by_its_real_content(runner, tmp_path):
    path = survey(tmp_path, *[["text", f"q{n}", f"Вопрос {n}"] for n in range(1, 10)])
    edit_part(path, SHEET_XML, lambda xml: re.sub(r'<dimension ref="[^"]*"', '<dimension ref="A1:XFD1048576"', xml))
    far = '<row r="1048576"><c r="XFD1048576" s="0"/></row></sheetData>'  # an empty styled cell in the last one
    edit_part(path, SHEET_XML, lambda xml: xml.replace("</sheetData>", far))  # (iter_rows: > 1 min; here 4 ms)
    sheets = xlsform_reader.read_workbook(path)
    assert [row.number for row in sheets["survey"].rows] == list(range(2, 11))
    assert sheets["survey"].columns == ["type", "name", "label", "required"]
    result = run_import(runner, path)
    assert result.exit_code == 0, result.output
    assert len(questions(tmp_path, result)) == 9


# ---- duplicate columns --------------------------------------------------------------------------------


def test_a_repeated_column_is_reported_on_the_header_and_the_first_one_is_used(runner, tmp_path):
    path = survey(tmp_path, ["text", "q1", "Первый", "Второй"], header=["type", "name", "label", "Label"])
    result = run_import(runner, path)
    assert result.exit_code == 1, result.output
    assert (
        "form.xlsx:survey:1: column 'label' appears twice, in columns C and D; "
        "column C is used and column D is ignored" in result.output
    )
    assert questions(tmp_path, result)[0]["text"] == "Первый"


def test_language_columns_differing_only_in_case_count_as_one(runner, tmp_path):
    header = ["type", "name", "label::Russian (ru)", "label::English (en)", "label::english (en)"]
    path = survey(tmp_path, ["text", "q1", "Вопрос", "Question", "Other"], header=header)
    result = run_import(runner, path)
    assert result.exit_code == 1, result.output
    assert "survey:1: column 'label::english (en)' appears twice, in columns D and E" in result.output
    assert questions(tmp_path, result)[0]["text"] == {"ru": "Вопрос", "en": "Question"}


# ---- formulas -----------------------------------------------------------------------------------------


def test_a_formula_never_calculated_is_a_problem_not_a_silently_optional_question(runner, tmp_path):
    path = survey(tmp_path, ["text", "q1", "Вопрос", "=TRUE()"])  # openpyxl writes no cached value
    result = run_import(runner, path)
    assert result.exit_code == 1, result.output
    assert "form.xlsx:survey:2: column D: the cell is a formula that was never calculated" in result.output
    assert "so it is read as empty" in result.output
    assert "required" not in questions(tmp_path, result)[0]


def test_a_formula_with_its_calculated_value_is_used_with_a_note(runner, tmp_path):
    path = survey(tmp_path, ["text", "q1", "Вопрос", "=TRUE()"])
    edit_part(
        path,
        SHEET_XML,
        lambda xml: xml.replace('<c r="D2"><f>TRUE()</f><v />', '<c r="D2" t="b"><f>TRUE()</f><v>1</v>'),
    )
    result = run_import(runner, path)
    assert result.exit_code == 0, result.output
    assert "form.xlsx:survey:2: note: column D: the cell is a formula; the value it last calculated is used" in (
        result.output
    )
    assert questions(tmp_path, result)[0]["required"] is True


def test_a_cell_showing_a_spreadsheet_error_is_read_as_empty_with_a_problem(runner, tmp_path):
    path = survey(tmp_path, ["text", "q1", "Вопрос", "yes"])
    edit_part(
        path,
        SHEET_XML,
        lambda xml: re.sub(
            r'<c r="D2" t="inlineStr"><is><t>yes</t></is></c>', '<c r="D2" t="e"><f>NA()</f><v>#N/A</v></c>', xml
        ),
    )
    result = run_import(runner, path)
    assert result.exit_code == 1, result.output
    assert "form.xlsx:survey:2: column D: the cell shows the error #N/A, so it is read as empty" in result.output
    assert "required" not in questions(tmp_path, result)[0]


def test_a_missing_file_is_unreadable_not_an_exception():
    conversion = convert("/nonexistent/form.xlsx")
    assert conversion.definition is None
    assert str(conversion.problems[0]).startswith("/nonexistent/form.xlsx: cannot be read as an .xlsx workbook:")


# ---- booleans -----------------------------------------------------------------------------------------


def test_a_boolean_false_as_a_name_is_reported_and_read_as_false(runner, tmp_path):
    path = survey(tmp_path, ["text", False, "Вопрос", True], ["text", "q2", "Ещё", None])
    result = run_import(runner, path)
    assert result.exit_code == 1, result.output
    assert (
        "form.xlsx:survey:2: column B: the name is the spreadsheet's boolean FALSE, not text; 'false' is used"
        in result.output
    )
    first = questions(tmp_path, result)[0]
    assert (first["id"], first["required"]) == ("false", True)  # TRUE in `required` still means required


# ---- openpyxl's warnings ------------------------------------------------------------------------------


def test_openpyxls_warning_on_a_corpus_file_is_a_note_on_its_sheet_not_printed_raw(runner):
    path = CORPUS / "bug_example_xls" / "bad_calc.xlsx"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a warning escaping the reader would fail here
        conversion = convert(path)
    assert f"{path}:survey: note: the spreadsheet reader says: Unknown extension is not supported" in "\n".join(
        map(str, conversion.problems)
    )
    result = run_import(runner, path)
    assert "UserWarning" not in result.output


def test_a_warning_while_a_row_is_read_is_a_problem_on_that_row(runner, tmp_path):
    path = survey(tmp_path, ["text", "q1", "Вопрос"], ["text", "q2", datetime.date(2020, 1, 1)])
    edit_part(path, SHEET_XML, lambda xml: xml.replace("<v>43831</v>", "<v>99999999</v>"))  # no such date
    result = run_import(runner, path)
    assert result.exit_code == 1, result.output
    assert "form.xlsx:survey:3: the spreadsheet reader says: Cell C3 is marked as a date" in result.output


# ---- limits -------------------------------------------------------------------------------------------


def test_a_twenty_million_character_label_is_refused_naming_its_cell(runner, tmp_path):
    path = survey(tmp_path, ["text", "q1", "Вопрос"], ["text", "q2", "x"])  # openpyxl cuts cells at 32,767
    edit_part(path, SHEET_XML, lambda xml: xml.replace("<t>x</t>", f"<t>{'x' * 20_000_000}</t>"))
    result = run_import(runner, path)
    assert result.exit_code == 2, result.output
    assert (
        "form.xlsx:survey:3: column C: the cell holds 20000000 characters, more than the 20000 a text may have"
        in result.output
    )
    assert not (tmp_path / "form.yaml").exists()


def test_a_label_of_exactly_the_limit_is_kept(runner, tmp_path):
    path = survey(tmp_path, ["text", "q1", "я" * xlsform_cells.MAX_CELL])
    result = run_import(runner, path)
    assert "characters, more than" not in result.output


def test_a_sheet_past_the_row_limit_is_refused_on_the_first_row_too_many(runner, tmp_path, monkeypatch):
    monkeypatch.setattr(xlsform_cells, "MAX_ROWS", 3)
    path = survey(tmp_path, *[["text", f"q{n}", "Вопрос"] for n in range(1, 6)])
    result = run_import(runner, path)
    assert result.exit_code == 2, result.output
    assert "form.xlsx:survey:5: the survey sheet has more than 3 rows; split the form" in result.output


def test_a_file_past_the_size_limit_is_refused_before_it_is_read(runner, tmp_path, monkeypatch):
    monkeypatch.setattr(xlsform_reader, "MAX_FILE", 1024 * 1024)
    path = tmp_path / "form.xlsx"
    path.write_bytes(b"\0" * (1024 * 1024 + 1))  # not even a zip: the size is checked first
    result = run_import(runner, path)
    assert result.exit_code == 2, result.output
    assert "form.xlsx: the file has 1.0 MB, more than the 1 MB a form may have" in result.output


def test_a_workbook_unpacking_past_the_limit_is_refused(runner, tmp_path, monkeypatch):
    monkeypatch.setattr(xlsform_reader, "MAX_UNPACKED", 2 * 1024 * 1024)
    path = survey(tmp_path, ["text", "q1", "Вопрос"])
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/padding.bin", b"\0" * (3 * 1024 * 1024))  # 3 MB that zip to a few KB
    result = run_import(runner, path)
    assert result.exit_code == 2, result.output
    assert "form.xlsx: the workbook unpacks to 3 MB, more than the 2 MB a form may have" in result.output


def test_a_second_sheet_of_the_same_name_is_reported(runner, tmp_path):
    path = survey(tmp_path, ["text", "q1", "Вопрос"])
    book = openpyxl.load_workbook(path)
    book.create_sheet("Survey ").append(["type", "name"])
    book.save(path)
    result = run_import(runner, path)
    assert result.exit_code == 1, result.output
    assert "form.xlsx: a second sheet named 'Survey ' is ignored; only the first survey sheet is read" in result.output


# ---- hostile numbers ----------------------------------------------------------------------------------


def numeric_name(tmp_path: Path, raw: str) -> Path:
    """A form whose row 2 has the number 7 as its name (cell B2), then that number's text replaced by ``raw``."""
    path = survey(tmp_path, ["text", 7, "Вопрос"], ["text", "q2", "Ещё"])
    return edit_part(
        path, SHEET_XML, lambda xml: xml.replace('<c r="B2" t="n"><v>7</v>', f'<c r="B2" t="n"><v>{raw}</v>')
    )


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("1e400", "column B: the number inf is too large; at most 30 digits are accepted"),
        ("1" * 5000, "cell B2 cannot be read: '11111111111111111111…' is not a value a spreadsheet holds"),
        ("nan", "cell B2 cannot be read: 'nan' is not a value a spreadsheet holds"),
        ("1" * 40, "column B: the number 11111111111111111111… (40 digits) is too large; at most 30 digits"),
    ],
)
def test_a_hostile_number_in_a_cell_is_refused_naming_its_row(runner, tmp_path, raw, message):
    result = run_import(runner, numeric_name(tmp_path, raw))
    assert result.exit_code == 2, result.output
    assert f"form.xlsx:survey:2: {message}" in result.output


def test_a_long_number_short_of_the_limit_is_a_name_like_any_other(runner, tmp_path):
    """Excel keeps 15 significant digits, but a 20-digit code typed as a number is still a name, not an attack."""
    result = run_import(runner, numeric_name(tmp_path, "1" * 20))
    assert result.exit_code == 1, result.output  # only the renaming of a name that is not lower_snake_case
    assert (
        "form.xlsx:survey:2: name '11111111111111111111' is not lower_snake_case; imported as 'q_11111111111111111111'"
        in result.output
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    raw=st.one_of(
        st.from_regex(r"-?[0-9]{1,30}(\.[0-9]{0,5})?([eE][+-]?[0-9]{1,4})?", fullmatch=True),
        st.sampled_from(["inf", "-inf", "NaN", "", "0x10", "1_000", " 5 ", "1e308", "-1e309", "4" * 4301]),
    )
)
def test_any_number_text_in_a_cell_converts_or_is_refused_on_its_row(tmp_path_factory, raw):
    path = numeric_name(tmp_path_factory.mktemp("odd"), raw)
    conversion = convert(path)
    if conversion.definition is None:
        assert [(p.sheet, p.row) for p in conversion.problems if not p.note] == [("survey", 2)]
    else:
        ids = [q["id"] for page in conversion.definition["pages"] for q in page["questions"]]
        assert len(ids) == 2 and all(len(i) < 40 for i in ids)


def test_the_messages_are_in_russian_for_a_russian_interface(make_app, tmp_path):
    path = survey(tmp_path, ["text", False, "Первый", "Второй"], header=["type", "name", "label", "label"])
    result = run_import(make_app(SURVEYS_DEFAULT_LOCALE="ru").test_cli_runner(), path)
    assert result.exit_code == 1, result.output
    assert (
        "form.xlsx:survey:1: столбец «label» встречается дважды, в столбцах C и D; используется столбец C, "
        "столбец D пропущен" in result.output
    )
    assert "form.xlsx:survey:2: столбец B: имя — логическое значение таблицы FALSE, а не текст" in result.output


# ---- the corpus ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*/*.xlsx")), ids=lambda p: p.name)
def test_every_corpus_workbook_is_read_without_a_raw_warning_or_an_exception(path):
    problems = []
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sheets = xlsform_reader.read_workbook(path, lambda *found, **how: problems.append(found))
    assert set(sheets) <= {"survey", "choices", "settings"}
    for sheet in sheets.values():
        assert all(row.cells for row in sheet.rows) and len(sheet.columns) < 100  # padding is not read


def test_the_corpus_repeated_label_column_and_far_declared_range_are_handled():
    dup = convert(CORPUS / "bug_example_xls" / "duplicate_columns.xlsx")
    assert "survey:1: column 'label' appears twice, in columns D and E; column D is used" in "\n".join(
        map(str, dup.problems)
    )
    sheets = xlsform_reader.read_workbook(CORPUS / "bug_example_xls" / "UCL_Biomass_Plot_Form.xlsx")  # A1:AMJ1048576
    assert sheets["survey"].rows[-1].number < 1000
