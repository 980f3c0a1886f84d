"""The XLSX writer: the only code that touches a workbook.

Text cells are always written as text, never as formulas; text that a spreadsheet
would read as a formula (starting with = + - @ or a control character) also gets
Excel's quote prefix, so that it stays inert when the file is re-saved as CSV.
Control characters that XML cannot hold are replaced by U+FFFD, and text longer than
an Excel cell holds (32,767 characters) is cut with a visible mark; the CSV and JSON
exports keep it whole.

Sheets are written row by row as their ``rows`` iterables yield them. Given a file path
the workbook is written in XlsxWriter's constant-memory mode, so a sheet of a million rows
costs no more memory than one row.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import xlsxwriter

from .contracts import Chart, Sheet

RISKY_START = ("=", "+", "-", "@", "\t", "\r", "\n")
BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
# Characters XML 1.0 cannot carry (all C0 controls except tab, newline and carriage return).
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
CELL_LIMIT = 32767
CUT_MARK = " […]"
PROGRESS_EVERY = 1000  # rows between progress callbacks
INFINITIES = (float("inf"), float("-inf"))


def is_risky(text: str) -> bool:
    return text.startswith(RISKY_START)


def clean_text(text: str) -> str:
    """Text an XML cell can hold: illegal control characters become U+FFFD."""
    return XML_ILLEGAL.sub("\ufffd", text)


SHEET_NAME_LENGTH = 31  # Excel's limit


def shorten(text: str, limit: int) -> str:
    """``text`` in at most ``limit`` characters, with «…» to show it was cut: after a whole word when that
    keeps two thirds of the room, else inside the word."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space >= 2 * limit // 3:
        cut = cut[:space]
    return cut.rstrip(" —-–,.:;") + "…"


def sheet_names(names: Iterable[str]) -> list[str]:
    """Excel-safe, unique sheet names of at most 31 characters, long ones cut after a whole word."""
    result: list[str] = []
    for name in names:
        whole = BAD_SHEET_CHARS.sub("_", name).strip("'").strip() or "Sheet"
        candidate, n = shorten(whole, SHEET_NAME_LENGTH), 2
        while candidate.lower() in (r.lower() for r in result):
            suffix = f" ({n})"
            candidate, n = shorten(whole, SHEET_NAME_LENGTH - len(suffix)) + suffix, n + 1
        result.append(candidate)
    return result


@dataclass
class WriteReport:
    """What a writer wrote: rows per table (in order) and how many cells were cut to fit a cell."""

    rows: dict[str, int] = field(default_factory=dict)
    cut_cells: int = 0


def write_workbook(
    sheets: Iterable[Sheet],
    target: str | Path | None = None,
    progress: Callable[[int], None] | None = None,
    report: WriteReport | None = None,
) -> bytes | None:
    """Write the sheets into an XLSX file at ``target`` (constant memory), or return its bytes.

    ``progress`` is called with the number of rows written so far, every ``PROGRESS_EVERY`` rows
    and at the end; ``report`` collects the row counts and the number of cut cells.
    """
    buffer = io.BytesIO() if target is None else None
    options = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    options |= {"in_memory": True} if target is None else {"constant_memory": True}
    workbook = xlsxwriter.Workbook(buffer if target is None else str(target), options)
    styles = _Styles(workbook)
    report = report if report is not None else WriteReport()
    written = 0
    sheets = list(sheets)
    for name, sheet in zip(sheet_names(s.name for s in sheets), sheets, strict=True):
        ws = workbook.add_worksheet(name)
        widths = list(sheet.widths or [])
        for col, title in enumerate(sheet.columns):
            ws.write_string(0, col, clean_text(str(title)), styles.header)
            width = widths[col] if col < len(widths) else min(max(10, len(str(title)) + 2), 40)
            ws.set_column(col, col, width, styles.number(sheet.number_formats.get(col)))
        formats = [styles.number(sheet.number_formats.get(col)) for col in range(len(sheet.columns))]
        count = 0
        for count, row in enumerate(sheet.rows, start=1):
            report.cut_cells += _write_row(ws, count, row, formats, styles)
            written += 1
            if progress is not None and written % PROGRESS_EVERY == 0:
                progress(written)
        report.rows[name] = count
        ws.freeze_panes(1, 0)
        if sheet.columns:
            ws.autofilter(0, 0, max(count, 1), len(sheet.columns) - 1)
        for chart in sheet.charts:
            _add_chart(workbook, ws, name, count, chart)
    workbook.close()
    if progress is not None:
        progress(written)
    return buffer.getvalue() if buffer is not None else None


class _Styles:
    def __init__(self, workbook) -> None:
        self._workbook = workbook
        self.header = workbook.add_format({"bold": True, "text_wrap": True, "valign": "top"})
        self.quoted = workbook.add_format({"quote_prefix": True})
        self.date = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
        self._numbers: dict[str, Any] = {}

    def number(self, num_format: str | None):
        if num_format is None:
            return None
        if num_format not in self._numbers:
            self._numbers[num_format] = self._workbook.add_format({"num_format": num_format})
        return self._numbers[num_format]


def _add_chart(workbook, ws, name: str, last: int, chart: Chart) -> None:
    """A native chart over the sheet's rows (1..last): one series per value column."""
    if not last:
        return
    options = {"type": chart.kind}
    if chart.subtype:
        options["subtype"] = chart.subtype
    drawn = workbook.add_chart(options)
    for col in chart.values:
        drawn.add_series(
            {
                "name": [name, 0, col],
                "categories": [name, 1, chart.categories, last, chart.categories],
                "values": [name, 1, col, last, col],
            }
        )
    drawn.set_title({"name": chart.title})
    ws.insert_chart(chart.anchor, drawn)


def _write_row(ws, row: int, values, formats: list, styles: _Styles) -> int:
    """Write one row; returns how many of its cells had to be cut to fit. The hot loop of every export:
    numbers and plain text go straight through, everything else by :func:`_write_other`."""
    cut = 0
    width = len(formats)
    # XlsxWriter's own per-cell methods, as its write_row uses them (the public write_* add an
    # argument-converting wrapper that costs a fifth of the writing time on large exports).
    number, string, quoted = ws._write_number, ws._write_string, styles.quoted
    for col, value in enumerate(values):
        kind = type(value)
        if kind is int or (kind is float and value == value and value not in INFINITIES):
            number(row, col, value, formats[col] if col < width else None)
        elif kind is str:
            if not value:
                continue
            if len(value) <= CELL_LIMIT and not XML_ILLEGAL.search(value):
                string(row, col, value, quoted if value.startswith(RISKY_START) else None)
            else:
                cut += _write_text(ws, row, col, value, styles)
        elif value is not None:
            cut += _write_other(ws, row, col, value, styles, formats[col] if col < width else None)
    return cut


def _write_other(ws, row: int, col: int, value: Any, styles: _Styles, number_format) -> int:
    """Cells that are not a plain int, a finite float or a str (or None)."""
    if isinstance(value, bool):
        ws.write_boolean(row, col, value)
    elif isinstance(value, int | float):  # numpy numbers, NaN and the infinities
        number = float(value)
        if number != number or number in INFINITIES:  # not numbers in XLSX
            ws.write_string(row, col, str(number))
        else:
            ws.write_number(row, col, number, number_format)
    elif isinstance(value, dt.datetime | dt.date):
        ws.write_datetime(row, col, value, styles.date)
    else:
        return _write_text(ws, row, col, str(value), styles)
    return 0


def _write_text(ws, row: int, col: int, text: str, styles: _Styles) -> int:
    """Text as text: XML-safe, cut to a cell's limit (returns 1 if cut), quoted when it looks like a formula."""
    if XML_ILLEGAL.search(text):
        text = clean_text(text)
    cut = len(text) > CELL_LIMIT
    if cut:
        text = text[: CELL_LIMIT - len(CUT_MARK)] + CUT_MARK
    ws.write_string(row, col, text, styles.quoted if text.startswith(RISKY_START) else None)
    return int(cut)
