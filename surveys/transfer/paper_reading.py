"""Reading a filled paper-entry workbook: its meta sheet, its rows checked one by one against the
questionnaire (the core's answer check), and duplicate codes."""

from __future__ import annotations

import io
from collections import defaultdict
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any

import openpyxl
from flask import current_app, has_request_context
from flask_babel import get_locale
from flask_babel import gettext as _
from openpyxl.utils import get_column_letter
from werkzeug.datastructures import MultiDict

from surveys.core.answers import check_formdata
from surveys.core.cells import cell_text
from surveys.core.definitions import Instrument
from surveys.plugins import Registry
from surveys.transfer.paper_template import (
    ANSWERS,
    CODE,
    FIRST_ROW,
    FORMAT,
    META,
    YES_NO,
    Column,
    columns,
)


class PaperError(Exception):
    """The file as a whole cannot be used (not an XLSX, not a template, another instrument)."""


MAX_ROWS = 20000


@dataclass(frozen=True)
class Problem:
    """A problem at one cell (``answers!C7``), or at the header row (``row`` 1)."""

    cell: str
    message: str
    row: int

    def __str__(self) -> str:
        return f"{self.cell}: {self.message}"


@dataclass
class FilledRow:
    """One non-empty row of a filled template: its code, its checked answers and its problems."""

    row: int
    code: str
    code_cell: str
    answers: dict[str, Any]
    problems: list[Problem] = field(default_factory=list)


def sheet_order(problem: Problem) -> tuple[int, int, str]:
    """Sort key of problems: by row, then by column (B before AA)."""
    return problem.row, len(problem.cell), problem.cell


def _open(data: bytes):
    try:
        return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as err:  # zip, XML and openpyxl errors alike: the upload is not a workbook
        raise PaperError(_("The file could not be read as an XLSX workbook.")) from err


def _meta(book) -> dict[str, str]:
    if META not in book.sheetnames or ANSWERS not in book.sheetnames:
        raise PaperError(_("This file is not a paper answers template: download one from the wave's page."))
    found = {}
    for row in book[META].iter_rows(max_col=2, values_only=True):
        if row and row[0] is not None:
            found[str(row[0])] = "" if len(row) < 2 or row[1] is None else str(row[1])
    if found.get("format") != FORMAT or not found.get("instrument"):
        raise PaperError(_("This file is not a paper answers template: download one from the wave's page."))
    return found


def read_meta(data: bytes) -> tuple[str, str]:
    """The instrument id and version a filled template was made for; PaperError if it is none."""
    book = _open(data)
    try:
        meta = _meta(book)
    finally:
        book.close()
    return meta["instrument"], meta.get("version", "")


def _plain(value: Any) -> str | None:
    """A cell as the text a participant would have typed; None when empty."""
    return cell_text(value) or None


def _form_values(column: Column, text: str) -> list[str]:
    """The values a participant's form would post for this cell."""
    if column.kind == "multiple":
        return [part.strip() for part in text.split(";") if part.strip()]
    if column.kind == "yes_no":
        return [YES_NO.get(text.strip(), text.strip())]
    if column.kind in ("list", "integer", "decimal", "date"):
        return [text.strip()]
    return [text]


def _form_context():
    """The participant forms need a request context (CSRF, locale); the CLI has none."""
    return nullcontext() if has_request_context() else current_app.test_request_context()


def check_row(instrument: Instrument, registry: Registry, row: FilledRow, formdata: MultiDict, cells: dict) -> None:
    """Validate the row with the core's rules for a whole response (every required question of every
    shown page, page by page as online), collecting its answers and its problems by cell."""
    check = check_formdata(registry.question_types, instrument, formdata, final=True, locale=str(get_locale()))
    for key, messages in check.problems.items():
        if key in cells:
            row.problems.append(Problem(cells[key], " ".join(messages), row.row))
    row.answers = check.answers


def _header(header: tuple, cols: list[Column]) -> tuple[dict[str, int], list[Problem]]:
    """Positions of the known columns by key, and problems with unknown, doubled or missing columns."""
    known = {c.key for c in cols}
    positions: dict[str, int] = {}
    problems = []
    for index, value in enumerate(header):
        key = (_plain(value) or "").strip()
        if not key:
            continue
        cell = f"{ANSWERS}!{get_column_letter(index + 1)}1"
        if key not in known:
            problems.append(Problem(cell, _("Unknown column %(key)s.", key=key), 1))
        elif key in positions:
            problems.append(Problem(cell, _("The column %(key)s appears twice.", key=key), 1))
        else:
            positions[key] = index
    for column in cols:
        if column.key not in positions:
            problems.append(Problem(f"{ANSWERS}!1:1", _("The column %(key)s is missing.", key=column.key), 1))
    return positions, problems


def read_filled(instrument: Instrument, registry: Registry, data: bytes) -> tuple[list[FilledRow], list[Problem]]:
    """Read a filled template: its non-empty rows, each checked, and every problem in sheet order.

    Raises PaperError when the file is not a template of this instrument and version. A row whose
    answer cells are all empty is skipped, even when its code is filled in (a prefilled template).
    """
    book = _open(data)
    try:
        meta = _meta(book)
        if (meta["instrument"], meta.get("version", "")) != (instrument.id, str(instrument.version)):
            raise PaperError(
                _(
                    "This file is the template of %(found)s version %(found_version)s, "
                    "not of %(wanted)s version %(wanted_version)s.",
                    found=meta["instrument"],
                    found_version=meta.get("version", ""),
                    wanted=instrument.id,
                    wanted_version=instrument.version,
                )
            )
        with _form_context():
            return _read_rows(instrument, registry, book[ANSWERS].iter_rows(values_only=True))
    finally:
        book.close()


def _read_rows(instrument: Instrument, registry: Registry, sheet_rows) -> tuple[list[FilledRow], list[Problem]]:
    cols = columns(instrument, registry, str(get_locale()))
    by_key = {c.key: c for c in cols}
    positions, problems = _header(next(sheet_rows, None) or (), cols)
    next(sheet_rows, None)  # row 2: the questions, for people
    rows: list[FilledRow] = []
    for number, values in enumerate(sheet_rows, start=FIRST_ROW):
        if number - FIRST_ROW >= MAX_ROWS:
            raise PaperError(_("The file has more than %(n)s rows: split it into smaller files.", n=MAX_ROWS))
        texts = {key: _plain(values[i]) if i < len(values) else None for key, i in positions.items()}
        if all(text is None for key, text in texts.items() if key != CODE):
            continue
        cells = {key: f"{ANSWERS}!{get_column_letter(i + 1)}{number}" for key, i in positions.items()}
        code_cell = cells.get(CODE, f"{ANSWERS}!A{number}")
        row = FilledRow(number, (texts.get(CODE) or "").strip(), code_cell, {})
        if not row.code:
            row.problems.append(Problem(code_cell, _("Enter the participant's code."), number))
        formdata = MultiDict()
        for key, text in texts.items():
            if key != CODE and text is not None:
                for value in _form_values(by_key[key], text):
                    formdata.add(key, value)
        check_row(instrument, registry, row, formdata, cells)
        rows.append(row)
    mark_duplicates(rows)
    for row in rows:
        row.problems.sort(key=sheet_order)
        problems.extend(row.problems)
    return rows, problems


def mark_duplicates(rows: list[FilledRow]) -> None:
    by_code: dict[str, list[FilledRow]] = defaultdict(list)
    for row in rows:
        if row.code:
            by_code[row.code].append(row)
    for code, same in by_code.items():
        if len(same) > 1:
            numbers = ", ".join(str(r.row) for r in same)
            for row in same:
                message = _("The code %(code)s is in more than one row (rows %(rows)s).", code=code, rows=numbers)
                row.problems.insert(0, Problem(row.code_cell, message, row.row))
