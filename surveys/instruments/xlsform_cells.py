"""One XLSForm sheet read cell by cell, whatever its ``<dimension>`` tag claims, with every cell that would be
lost or misread reported on its row: formulas, duplicate columns, booleans used as names, hostile cells.

The cells come from openpyxl's own sheet parser (shared strings, dates and booleans are read exactly as
openpyxl reads them), driven here directly rather than through ``iter_rows``: ``iter_rows`` trusts the
``<dimension>`` tag (rows past it are dropped, and a sheet declaring ``A1:XFD1048576`` is padded to a
million rows of 16,384 cells) and pads every row to its last cell. Here only the cells in the file are
visited, so reading costs what the XML holds. Pure helpers for :mod:`surveys.instruments.xlsform_reader`.
"""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import gettext
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._reader import FORMULA_TAG, VALUE_TAG, WorkSheetParser

from surveys.instruments.xlsform_columns import base_of, cell_text, column_keys
from surveys.instruments.xlsform_results import Refused
from surveys.instruments.xlsform_sheets import Row, Sheet

MAX_ROWS = 50000  # non-empty rows of one sheet: every row gives 2+ values, so past it no form fits the loader
MAX_CELL = 20000  # characters in one cell: the longest text a question may have (max_length 1–20000)
MAX_DIGITS = 30  # as in expressions (xlsform_expressions.MAX_DIGITS): far past any real number, inside a float
MAX_NUMBER = 10**MAX_DIGITS  # a larger number, inf or nan refuses the form (Excel itself keeps 15 significant digits)
NAME_COLUMNS = {"name", "list_name", "form_id"}  # texts that Excel may have turned into TRUE / FALSE
Warn = Callable[..., None]


class _CellParser(WorkSheetParser):
    """openpyxl's sheet parser (cached values of formulas, ``data_only``) that also notes each formula cell
    as (row, column, has a cached value) and turns a cell it cannot read into :class:`Refused`."""

    def __init__(self, sheet: str, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.sheet = sheet
        self.formulas: list[tuple[int, int, bool]] = []
        self.errors: list[tuple[int, int, str]] = []  # cells showing #N/A, #VALUE! …: read as empty

    def parse_cell(self, element):
        try:
            cell = super().parse_cell(element)
        except (ValueError, OverflowError, IndexError, KeyError, TypeError):  # 5000 digits, 'nan', a bad index
            raw = (element.findtext(VALUE_TAG) or "").strip()
            shown = raw if len(raw) <= 20 else f"{raw[:20]}…"
            message = gettext("cell %(cell)s cannot be read: '%(value)s' is not a value a spreadsheet holds")
            raise Refused(
                self.sheet, self.row_counter, message % {"cell": element.get("r") or "?", "value": shown}
            ) from None
        if element.find(FORMULA_TAG) is not None:
            self.formulas.append((cell["row"], cell["column"], cell["value"] is not None))
        if cell["data_type"] == "e" and cell["value"] is not None:
            self.errors.append((cell["row"], cell["column"], str(cell["value"])))
            cell["value"] = None
        return cell


def read_sheet(name: str, worksheet, warn: Warn, log: list) -> Sheet:
    """The sheet's header (its first non-empty row) and non-empty rows; problems go to ``warn``.

    ``log`` is the list that ``warnings.catch_warnings(record=True)`` fills: openpyxl's warnings are
    reported on the row being read when they came, or on the sheet when they came after its rows.
    """
    book = worksheet.parent
    sheet = Sheet(name)
    keys: dict[int, str] = {}
    seen = len(log)
    with worksheet._get_source() as source:  # openpyxl's own parser on the sheet's XML (see the module doc)
        parser = _CellParser(
            name,
            source,
            worksheet._shared_strings,
            data_only=True,
            epoch=book.epoch,
            date_formats=book._date_formats,
            timedelta_formats=book._timedelta_formats,
        )
        for number, cells in parser.parse():
            if len(log) > seen:
                _report_warnings(warn, name, number, log[seen:], note=False)
                seen = len(log)
            if not keys:
                keys = _header(sheet, number, cells, warn)
                continue
            values = _values(sheet, number, cells, keys, warn)
            if values:
                if len(sheet.rows) >= MAX_ROWS:
                    message = gettext("the %(sheet)s sheet has more than %(n)s rows; split the form")
                    raise Refused(name, number, message % {"sheet": name, "n": MAX_ROWS})
                sheet.rows.append(Row(number, values))
    if len(log) > seen:
        _report_warnings(warn, name, None, log[seen:], note=True)
    _report_formulas(sheet, parser.formulas, keys, warn)
    for number, column, error in parser.errors:
        if column in keys:
            message = gettext("column %(column)s: the cell shows the error %(error)s, so it is read as empty")
            warn(name, number, message % {"column": get_column_letter(column), "error": error})
    return sheet


def _header(sheet: Sheet, number: int, cells: list[dict], warn: Warn) -> dict[int, str]:
    """The column keys by column number (each key once: a repeated column is reported and left out),
    or {} when the row is empty and the header is still to come."""
    filled = {c["column"]: c["value"] for c in cells if cell_text(c["value"])}
    if not filled:
        return {}
    for column, value in filled.items():
        _check_length(sheet.name, number, column, value)
    columns = list(range(1, max(filled) + 1))
    sheet.columns, sheet.header = column_keys([filled.get(c) for c in columns], sheet.name), number
    keys: dict[int, str] = {}
    first: dict[str, int] = {}
    for index, (column, key) in enumerate(zip(columns, sheet.columns, strict=True)):
        if not key:
            continue
        same = key.casefold()
        if same in first and not key.startswith("$"):
            sheet.columns[index] = ""  # nothing further on sees the ignored copy
            message = gettext(
                "column '%(column)s' appears twice, in columns %(first)s and %(second)s; "
                "column %(first)s is used and column %(second)s is ignored"
            )
            letters = {"first": get_column_letter(first[same]), "second": get_column_letter(column)}
            warn(sheet.name, number, message % {"column": key, **letters})
            continue
        first.setdefault(same, column)
        keys[column] = key
    return keys


def _values(sheet: Sheet, number: int, cells: list[dict], keys: dict[int, str], warn: Warn) -> dict:
    """A row's non-empty cells by column key. Per cell only what is needed: this runs on every cell."""
    values = {}
    for cell in cells:
        value = cell["value"]
        if value is None:
            continue
        key = keys.get(cell["column"])
        if key is None:
            continue
        kind = type(value)
        if kind is str:
            if not value or value.isspace():
                continue
            if len(value) > MAX_CELL:
                _check_length(sheet.name, number, cell["column"], value)
        elif kind is float or kind is int:
            if not -MAX_NUMBER < value < MAX_NUMBER:  # nan fails every comparison
                _refuse_number(sheet.name, number, cell["column"], value)
        elif kind is bool and base_of(key) in NAME_COLUMNS:
            value = _boolean_name(sheet.name, number, cell["column"], value, warn)
        values[key] = value
    return values


def _check_length(sheet: str, number: int, column: int, value) -> None:
    if isinstance(value, str) and len(value) > MAX_CELL:
        message = gettext("column %(column)s: the cell holds %(n)s characters, more than the %(limit)s a text may have")
        raise Refused(
            sheet, number, message % {"column": get_column_letter(column), "n": len(value), "limit": MAX_CELL}
        )


def _refuse_number(sheet: str, number: int, column: int, value) -> None:
    shown = repr(value) if isinstance(value, float) else f"{str(value)[:20]}… ({len(str(abs(value)))} digits)"
    message = gettext("column %(column)s: the number %(value)s is too large; at most %(max)s digits are accepted")
    raise Refused(sheet, number, message % {"column": get_column_letter(column), "value": shown, "max": MAX_DIGITS})


def _boolean_name(sheet: str, number: int, column: int, value: bool, warn: Warn) -> str:
    """A name that the spreadsheet made into the boolean TRUE or FALSE: used as 'true' / 'false', reported."""
    name = "true" if value else "false"
    message = gettext(
        "column %(column)s: the name is the spreadsheet's boolean %(value)s, not text; '%(name)s' is used "
        "(to keep it as text, type an apostrophe before it: '%(name)s)"
    )
    warn(sheet, number, message % {"column": get_column_letter(column), "value": name.upper(), "name": name})
    return name


def _report_formulas(sheet: Sheet, formulas: list[tuple[int, int, bool]], keys: dict[int, str], warn: Warn) -> None:
    """Each formula cell of a used column: its last calculated value is used (a note), or, when the file
    was saved without one (written by a program), it is read as empty (a problem)."""
    for number, column, has_value in formulas:
        if column not in keys and number != sheet.header:
            continue
        where = {"column": get_column_letter(column)}
        if has_value:
            message = gettext("column %(column)s: the cell is a formula; the value it last calculated is used")
            warn(sheet.name, number, message % where, note=True)
        else:
            message = gettext(
                "column %(column)s: the cell is a formula that was never calculated (the file was written by a "
                "program, not saved by a spreadsheet), so it is read as empty; open and save the file in a spreadsheet"
            )
            warn(sheet.name, number, message % where)


def _report_warnings(warn: Warn, sheet: str, number: int | None, found: list, note: bool) -> None:
    """openpyxl's warnings, in our FILE:SHEET:ROW form instead of printed raw."""
    for record in found:
        if not issubclass(record.category, UserWarning):  # about the libraries, not the file
            continue
        message = gettext("the spreadsheet reader says: %(warning)s", warning=str(record.message))
        warn(sheet, number, message, note=note)
