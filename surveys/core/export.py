"""The export writer: the only code that touches a workbook.

Text cells are always written as text, never as formulas; text that a spreadsheet
would read as a formula (starting with = + - @ or a control character) also gets
Excel's quote prefix, so that it stays inert when the file is re-saved as CSV.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterable

import xlsxwriter

from .contracts import Chart, Sheet

RISKY_START = ("=", "+", "-", "@", "\t", "\r", "\n")
BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def is_risky(text: str) -> bool:
    return text.startswith(RISKY_START)


def sheet_names(names: Iterable[str]) -> list[str]:
    """Excel-safe, unique sheet names of at most 31 characters."""
    result: list[str] = []
    for name in names:
        base = BAD_SHEET_CHARS.sub("_", name).strip("'")[:31] or "Sheet"
        candidate, n = base, 2
        while candidate.lower() in (r.lower() for r in result):
            suffix = f" ({n})"
            candidate, n = base[: 31 - len(suffix)] + suffix, n + 1
        result.append(candidate)
    return result


def write_workbook(sheets: list[Sheet]) -> bytes:
    """Write the sheets into an XLSX file and return its bytes."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        buffer,
        {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False},
    )
    header = workbook.add_format({"bold": True, "text_wrap": True, "valign": "top"})
    quoted = workbook.add_format({"quote_prefix": True})
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    for name, sheet in zip(sheet_names(s.name for s in sheets), sheets, strict=True):
        ws = workbook.add_worksheet(name)
        for col, title in enumerate(sheet.columns):
            ws.write_string(0, col, str(title), header)
            ws.set_column(col, col, min(max(10, len(str(title)) + 2), 40))
        for row_index, row in enumerate(sheet.rows, start=1):
            for col, value in enumerate(row):
                _write_cell(ws, row_index, col, value, quoted, date_format)
        ws.freeze_panes(1, 0)
        if sheet.columns:
            ws.autofilter(0, 0, max(len(sheet.rows), 1), len(sheet.columns) - 1)
        for chart in sheet.charts:
            _add_chart(workbook, ws, name, sheet, chart)
    workbook.close()
    return buffer.getvalue()


def _add_chart(workbook, ws, name: str, sheet: Sheet, chart: Chart) -> None:
    """A native chart over the sheet's rows: one series per value column."""
    if not sheet.rows:
        return
    options = {"type": chart.kind}
    if chart.subtype:
        options["subtype"] = chart.subtype
    drawn = workbook.add_chart(options)
    last = len(sheet.rows)
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


def _write_cell(ws, row, col, value, quoted, date_format) -> None:
    if value is None or value == "":
        return
    if isinstance(value, bool):
        ws.write_boolean(row, col, value)
    elif isinstance(value, int | float):
        ws.write_number(row, col, value)
    elif isinstance(value, dt.datetime | dt.date):
        ws.write_datetime(row, col, value, date_format)
    else:
        text = str(value)
        ws.write_string(row, col, text, quoted if is_risky(text) else None)
