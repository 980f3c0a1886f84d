"""Reading an XLSForm workbook's sheets into rows of named cells, refusing files we cannot read safely.

Rows keep the number Excel shows (the header is usually row 1), so every problem can name its sheet and row.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO

import openpyxl
from flask_babel import gettext

from surveys.instruments.xlsform_columns import cell_text, column_keys
from surveys.instruments.xlsform_sheets import SHEETS, Row, Sheet

MAX_ROWS = 20000  # rows of one sheet: a long questionnaire has hundreds, a long choice list thousands
SUFFIXES = (".xlsx", ".xlsm")


class Unreadable(ValueError):
    """The file is not an .xlsx workbook we can read; the message says why."""


def read_workbook(source: str | Path | IO[bytes]) -> dict[str, Sheet]:
    """The survey, choices and settings sheets of an .xlsx file (those present), or raise Unreadable."""
    if isinstance(source, str | Path) and Path(source).suffix.lower() not in SUFFIXES:
        raise Unreadable(gettext("not an .xlsx workbook; save the form as .xlsx first"))
    try:
        book = openpyxl.load_workbook(source, read_only=True, data_only=True)
    except Exception as err:  # openpyxl raises many kinds for broken files: report them all the same way
        raise Unreadable(
            gettext("cannot be read as an .xlsx workbook: %(error)s", error=err or type(err).__name__)
        ) from None
    try:
        sheets = {}
        for worksheet in book.worksheets:
            name = worksheet.title.strip().lower()
            if name in SHEETS and name not in sheets:
                sheets[name] = _read_sheet(name, worksheet)
        return sheets
    except Unreadable:
        raise
    except Exception as err:  # a damaged sheet part shows up only while rows are read
        raise Unreadable(
            gettext("cannot be read as an .xlsx workbook: %(error)s", error=err or type(err).__name__)
        ) from None
    finally:
        book.close()


def _read_sheet(name: str, worksheet) -> Sheet:
    """Rows above the header (the first non-empty row, usually row 1) and empty rows are left out."""
    sheet = Sheet(name)
    for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
        if not sheet.columns:
            if any(cell_text(v) for v in values):
                sheet.columns, sheet.header = column_keys(values, name), number
            continue
        cells = {key: value for key, value in zip(sheet.columns, values, strict=False) if key and cell_text(value)}
        if cells:
            if len(sheet.rows) >= MAX_ROWS:
                message = gettext("the %(sheet)s sheet has more than %(n)s rows (row %(row)s); split the form")
                raise Unreadable(message % {"sheet": name, "n": MAX_ROWS, "row": number})
            sheet.rows.append(Row(number, cells))
    return sheet
