"""Small XLSForm workbooks built in a test, and the import command run on them (shared by the test_xlsform* files)."""

from __future__ import annotations

import openpyxl


def workbook(path, survey=None, choices=None, settings=None):
    """Write an .xlsx with the given sheets (lists of rows; the first row is the header)."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in (("survey", survey), ("choices", choices), ("settings", settings)):
        if rows is not None:
            sheet = book.create_sheet(name)
            for row in rows:
                sheet.append(row)
    if not book.worksheets:
        book.create_sheet("questions")
    book.save(path)
    return path


def form(tmp_path, rows, choices=None, name="form.xlsx"):
    """A small form: the given survey rows under a type/name/label header."""
    return workbook(tmp_path / name, [["type", "name", "label", "relevant"], *rows], choices, None)


def run_import(runner, path, *args):
    result = runner.invoke(args=["instrument", "import-xlsform", str(path), *args])
    assert "Traceback" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result
