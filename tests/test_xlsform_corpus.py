"""pyxform's own test forms (tests/fixtures/xlsform-corpus, BSD-2, see its README) through the import command.

Every form converts or is refused, each for the right reason: what is left out must be something our
format has no place for (a type, a column, a language, an expression we cannot say), never a spelling
pyxform accepts. The expected outcome of each file was read off the form itself (its sheets are small).
"""

from __future__ import annotations

import re

import pytest
import yaml

from surveys.core.loader import load_instrument
from surveys.core.question_types import built_in_types
from tests.conftest import FIXTURES
from tests.xlsform_books import run_import

CORPUS = FIXTURES / "xlsform-corpus" / "pyxform" / "tests"
FILES = sorted(p.relative_to(CORPUS).as_posix() for p in CORPUS.glob("*/*.xlsx"))

# Problems that mean "our format has no place for this": the only ones a corpus form may give.
GENUINE = [
    r"type '[^']+' is not supported; the row is skipped",
    r"repeats are not supported; rows \d+–\d+ are skipped",
    r"column '[^']+' is not supported; ignored",
    r"appearance '[^']+' is not supported; ignored",
    r"column '[^']+': only Russian and English texts are imported",
    r"no Russian texts: the English ones are used for both languages",
    r"(the label|the hint|choice '[^']+'): \$\{[^}]+\} is shown as written: answers are not put into texts",
    r"(relevant|constraint) '.+' is not supported \(.+\); the question is imported without it",
    r"name '[^']+' is not lower_snake_case; imported as '[^']+'",
    r"no label; '[^']+' is used as the text",
    r"choice '[^']+' has no label; its name is shown",
    r"a choice of list '[^']+': '[^']+' is listed twice; skipped",  # choice_filter's lists repeat names
    r"column '[^']+' appears twice, in columns [A-Z]+ and [A-Z]+; column [A-Z]+ is used and column [A-Z]+ is ignored",
    r"column B: the name is the spreadsheet's boolean FALSE, not text; 'false' is used .*",
    r"no question of the form could be imported",
    r"the workbook has no 'survey' sheet, so it is not an XLSForm",
]
# Columns of pyxform's own forms that are XLSForm's: never "not an XLSForm column" (only buttontext is not).
KNOWN_COLUMNS = {"relevant", "required", "constraint", "hint", "label", "list_name", "image", "media", "default"}
# Problems a form would give if the import read pyxform's spellings wrong.
WRONG = ["should read", "is not a choice of", "is not on the choices sheet"]

# file -> (exit code, reasons that must be among its problems)
EXPECTED = {
    "bug_example_xls/ODKValidateWarnings.xlsx": (1, ["survey:3: type 'phone number' is not supported"]),
    "bug_example_xls/UCL_Biomass_Plot_Form.xlsx": (
        1,
        [
            "survey:16: type 'select_one_from_file UCL_regions.csv' is not supported",
            "survey:32: repeats are not supported; rows 32–53 are skipped",
            "survey:1: column 'label::Swahili (sw)': only Russian and English texts are imported",
        ],
    ),
    "bug_example_xls/bad_calc.xlsx": (2, ["survey:2: type 'calculate' is not supported", "could be imported"]),
    "bug_example_xls/duplicate_columns.xlsx": (
        1,
        ["survey:1: column 'label' appears twice, in columns D and E", "survey:56: column B: the name is"],
    ),
    "bug_example_xls/xl_date_ambiguous.xlsx": (1, ["survey:5: column 'choice_filter' is not supported"]),
    "bug_example_xls/xl_date_ambiguous_v1.xlsx": (1, ["survey:6: column 'default' is not supported"]),
    "example_xls/attribute_columns_test.xlsx": (1, ["survey:2: column 'bind::saveIncomplete' is not supported"]),
    "example_xls/bad_calc.xlsx": (2, ["survey:2: type 'calculate' is not supported", "could be imported"]),
    "example_xls/case_insensitivity.xlsx": (1, []),
    "example_xls/choice_filter_test.xlsx": (1, ["survey:3: column 'choice_filter' is not supported"]),
    "example_xls/extra_columns.xlsx": (0, []),
    "example_xls/extra_sheet_names.xlsx": (0, []),
    "example_xls/field-list.xlsx": (1, []),
    "example_xls/flat_xlsform_test.xlsx": (1, ["survey:14: constraint '. <= ${a_integer}' is not supported"]),
    "example_xls/group.xlsx": (1, ["survey:4: type 'phone number' is not supported"]),
    "example_xls/include.xlsx": (1, ["survey:3: type 'include' is not supported"]),
    "example_xls/include_json.xlsx": (2, ["survey:2: type 'include' is not supported", "could be imported"]),
    "example_xls/loop.xlsx": (1, ["survey:3: repeats are not supported; rows 3–5 are skipped"]),
    "example_xls/or_other.xlsx": (1, ["survey:3: column 'choice_filter' is not supported"]),
    "example_xls/pull_data.xlsx": (1, ["survey:2: type 'calculate' is not supported"]),
    "example_xls/specify_other.xlsx": (1, ["survey:1: no Russian texts"]),
    "example_xls/survey_no_name.xlsx": (2, ["the workbook has no 'survey' sheet"]),
    "example_xls/text_and_integer.xlsx": (1, ["survey:1: no Russian texts"]),
    "example_xls/xlsform_spec_test.xlsx": (1, ["survey:7: relevant 'regex("]),
    "example_xls/yes_or_no_question.xlsx": (1, ["survey:1: no Russian texts"]),
}


@pytest.fixture
def runner(make_app):
    """The command's report in English, as these tests read it."""
    return make_app(SURVEYS_DEFAULT_LOCALE="en").test_cli_runner()


def test_every_corpus_file_has_an_expectation():
    assert sorted(EXPECTED) == FILES and len(FILES) == 25


@pytest.mark.parametrize("name", FILES)
def test_each_corpus_form_converts_or_is_refused_for_the_right_reason(runner, tmp_path, name):
    exit_code, reasons = EXPECTED[name]
    output = tmp_path / "out.yaml"
    result = run_import(runner, CORPUS / name, "-o", str(output))
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    problems = [line.split(": ", 1)[1] for line in lines if ".xlsx" in line.split(": ", 1)[0]]
    assert result.exit_code == exit_code, result.output
    assert "Traceback" not in result.output and "Warning" not in result.stderr.replace("Warnings", "")
    for reason in reasons:
        assert any(reason in line for line in lines), (reason, lines)
    unknown = {re.sub(r"note: column '([^']+)' is not an XLSForm column; ignored", r"\1", p) for p in problems}
    assert not unknown & KNOWN_COLUMNS, unknown & KNOWN_COLUMNS
    wrong = [p for p in problems if any(w in p for w in WRONG)]
    assert wrong == [], wrong
    unexplained = [p for p in problems if not p.startswith("note: ") and not any(re.fullmatch(g, p) for g in GENUINE)]
    assert unexplained == [], unexplained
    if exit_code == 2:
        assert not output.exists()
    else:  # written, and our loader takes it
        loaded = load_instrument(output, built_in_types(), text=output.read_text(encoding="utf-8"))
        assert loaded.id == yaml.safe_load(output.read_text(encoding="utf-8"))["id"]
