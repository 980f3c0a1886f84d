"""The CSV and JSON writers: the same tables as the XLSX export, as plain text.

CSV: :func:`write_csv` always writes a ZIP archive holding one CSV file per sheet, named
``01-answers.csv``, ``02-scores.csv`` … so that the files sort in sheet order. Each file is
UTF-8 with a byte order mark (so Excel reads Cyrillic right), comma- or semicolon-separated,
with the columns as its header row. Cells are written as a spreadsheet should read them back:
``None`` is empty, booleans are ``1``/``0``, numbers are plain numbers (with ``;`` — Russian
Excel — a float gets a decimal comma), NaN and infinities are empty, dates are ISO
(``2024-05-01 09:30:00``; an aware datetime keeps its offset). Text that a spreadsheet would
read as a formula (starting with = + - @ or a tab, CR or LF) gets a leading apostrophe;
numbers never do. Control characters other than tab, CR and LF become U+FFFD; text is
never cut.

JSON: :func:`write_json` writes one UTF-8 document ``{"meta": {...}, "tables": [{"name", "key",
"columns", "column_keys", "rows"}, ...]}``: ``name`` and ``columns`` as people read them (the
interface language), ``key`` and ``column_keys`` the sheet's and the columns' ids, the same in every
language (a sheet without them repeats its name and columns). Values keep their types and their
full precision: ``None``, NaN and infinities are ``null``, booleans and numbers stay so, dates are
ISO strings; text is written unchanged (JSON is data, not a spreadsheet: no apostrophes), escaped
as JSON requires.

CSV numbers are written at full precision too (the shortest exact form), as the workbook's cells
hold them; the workbook shows statistics with 2 decimals through a number format, and its README
(the first CSV file) says that the numbers are unrounded (docs/exports.md).

Both writers stream: every sheet's ``rows`` is iterated once, row by row, and nothing but the
current row is held in memory, so a table of a million rows costs no more than one row. Table
names come from :func:`.export.sheet_names`, so the three formats name tables alike, and
``progress``/``report`` behave as in :func:`.export.write_workbook`. Lone surrogates (text that
cannot be UTF-8) become U+FFFD in both formats.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import json
import math
import numbers
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from .contracts import Sheet
from .export import PROGRESS_EVERY, WriteReport, clean_text, is_risky, sheet_names

DELIMITERS = (",", ";")
# Everything but letters and digits (any script), "_", "-" and "." — and any run of dots.
UNSAFE_FILE_CHARS = re.compile(r"[^\w.-]|\.{2,}")
SURROGATES = re.compile(r"[\ud800-\udfff]")


def member_names(names: Sequence[str]) -> list[str]:
    """Safe, unique (case-insensitive), ordered CSV file names for the given sheet names.

    ``["answers", "a/b"]`` becomes ``["01-answers.csv", "02-a_b.csv"]``: only letters, digits,
    ``-``, ``_`` and ``.`` survive, never ``..`` nor a path.
    """
    width = max(2, len(str(len(names))))
    seen: set[str] = set()
    result: list[str] = []
    for number, name in enumerate(names, start=1):
        base = UNSAFE_FILE_CHARS.sub("_", unicodedata.normalize("NFC", name)).strip(".") or "sheet"
        candidate, n = base, 2
        while candidate.lower() in seen:
            candidate, n = f"{base}_{n}", n + 1
        seen.add(candidate.lower())
        result.append(f"{number:0{width}d}-{candidate}.csv")
    return result


def write_csv(
    sheets: Iterable[Sheet],
    target: str | Path,
    delimiter: str = ",",
    progress: Callable[[int], None] | None = None,
    report: WriteReport | None = None,
) -> None:
    """Write a ZIP archive at ``target`` with one CSV file per sheet (constant memory).

    ``delimiter`` is ``","`` or ``";"`` (then floats get a decimal comma). ``progress`` is
    called with the number of rows written so far, every ``PROGRESS_EVERY`` rows and at the
    end; ``report`` collects the row counts by table name.
    """
    if delimiter not in DELIMITERS:
        raise ValueError("the CSV delimiter must be ',' or ';'")
    report = report if report is not None else WriteReport()
    sheets = list(sheets)
    names = sheet_names(s.name for s in sheets)
    written = 0
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, member, sheet in zip(names, member_names(names), sheets, strict=True):
            # force_zip64: a member's size is unknown while it streams, and may pass 2 GiB.
            raw = archive.open(member, "w", force_zip64=True)
            with io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as text:
                writer = csv.writer(text, delimiter=delimiter)
                writer.writerow([csv_cell(str(title), delimiter) for title in sheet.columns])
                count = 0
                for row in sheet.rows:
                    writer.writerow([csv_cell(value, delimiter) for value in row])
                    count += 1
                    written += 1
                    if progress is not None and written % PROGRESS_EVERY == 0:
                        progress(written)
            report.rows[name] = count
    if progress is not None:
        progress(written)


def csv_cell(value: Any, delimiter: str = ",") -> str:
    """One value as CSV text (see the module docstring for the rules)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real | decimal.Decimal):
        return _csv_number(value, delimiter)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    text = _utf8(clean_text(str(value)))
    return "'" + text if is_risky(text) else text


def _csv_number(value: numbers.Real | decimal.Decimal, delimiter: str) -> str:
    """A finite number in its shortest exact form (``repr``), else empty; ``;`` means a decimal comma."""
    if isinstance(value, decimal.Decimal):
        if not value.is_finite():
            return ""
        text = str(value)
    else:
        number = float(value)  # also turns numpy floats into plain ones (their repr is "np.float64(…)")
        if not math.isfinite(number):
            return ""
        text = repr(number)
    return text.replace(".", ",") if delimiter == ";" else text


def write_json(
    sheets: Iterable[Sheet],
    target: str | Path,
    meta: Mapping[str, Any] | None = None,
    progress: Callable[[int], None] | None = None,
    report: WriteReport | None = None,
) -> None:
    """Write the sheets as one UTF-8 JSON document at ``target``, one row per line (constant memory).

    ``progress`` and ``report`` behave as in :func:`write_csv`.
    """
    report = report if report is not None else WriteReport()
    sheets = list(sheets)
    written = 0
    with open(target, "w", encoding="utf-8", newline="\n") as out:
        out.write('{"meta": ' + _dumps(_json_meta(meta or {})) + ',\n"tables": [')
        for index, (name, sheet) in enumerate(zip(sheet_names(s.name for s in sheets), sheets, strict=True)):
            columns = [json_value(str(title)) for title in sheet.columns]
            head = f'{{"name": {_dumps(_utf8(name))}, "key": {_dumps(_utf8(sheet.key or name))}, '
            keys = list(sheet.keys) if len(sheet.keys) == len(sheet.columns) else columns
            head += f'"columns": {_dumps(columns)}, "column_keys": {_dumps([_utf8(str(k)) for k in keys])}, "rows": ['
            out.write(("," if index else "") + "\n" + head)
            count = 0
            for count, row in enumerate(sheet.rows, start=1):
                out.write(("," if count > 1 else "") + "\n" + _dumps([json_value(value) for value in row]))
                written += 1
                if progress is not None and written % PROGRESS_EVERY == 0:
                    progress(written)
            out.write("\n]}")
            report.rows[name] = count
        out.write("\n]}\n")
    if progress is not None:
        progress(written)


def json_value(value: Any) -> Any:
    """One cell as JSON data: null, a bool, a number, an ISO date string or text."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, decimal.Decimal) and value.is_finite() and value == value.to_integral_value():
        return int(value) if abs(value) < 10**18 else float(value)
    if isinstance(value, numbers.Real | decimal.Decimal):
        number = float(value)
        return number if math.isfinite(number) else None
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return _utf8(str(value))


def _json_meta(value: Any) -> Any:
    """The export's description: like cells, but objects and lists stay objects and lists."""
    if isinstance(value, Mapping):
        return {_utf8(str(key)): _json_meta(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json_meta(item) for item in value]
    return json_value(value)


def _dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, allow_nan=False)


def _utf8(text: str) -> str:
    """Text that UTF-8 can encode: lone surrogates become U+FFFD."""
    return SURROGATES.sub("\ufffd", text)
