"""Reading participants files (CSV, XLSX) into a ``Table``, and writing the downloadable templates.

Nothing here raises on a bad upload: whatever is wrong becomes a ``Problem`` of the table.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import unicodedata
import zipfile
from collections.abc import Iterable

import xlsxwriter
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from surveys.core.cells import cell_text
from surveys.core.export import is_risky, sheet_names
from surveys.core.models import Programme
from surveys.workspace.people_columns import (
    COLUMN_LABELS,
    COLUMNS,
    HEADER_ALIASES,
    HEADERS,
    MIN_BIRTH_YEAR,
    PERSONAL,
    REQUIRED,
    ROLE_WORDS,
    TEMPLATE_HEADERS,
    TEMPLATE_SEX,
    Problem,
    Row,
    Table,
    template_roles,
    words,
)
from surveys.workspace.programmes import form_names

MAX_BYTES = 5 * 1024 * 1024  # an upload larger than this is refused
MAX_UNZIPPED = 50 * 1024 * 1024  # an XLSX that unpacks to more than this is refused (zip bombs)
MAX_ROWS = 5000
DELIMITERS = (";", ",", "\t")
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls


def parse(filename: str, data: bytes, headers: dict[str, str] | None = None) -> Table:
    """Read an uploaded CSV or XLSX file into a ``Table``; every failure is a problem of the table.

    ``headers`` maps each accepted header (as ``words`` gives it) to a column id: the participants
    file's (``HEADERS``) unless another file (the pairs file) gives its own."""
    headers = HEADERS if headers is None else headers
    name = (filename or "").lower()
    if len(data) > MAX_BYTES:
        return _failed(_l("The file is larger than %(size)s MB. Split it into smaller files.", size=MAX_BYTES >> 20))
    if not data.strip():
        return _failed(_l("The file is empty."))
    if data.startswith(OLE_MAGIC) or name.endswith(".xls"):
        return _failed(_l("Old Excel files (.xls) cannot be read. Save the file as .xlsx or CSV and upload it again."))
    if data.startswith(ZIP_MAGIC):  # an XLSX, whatever its name says
        return _read_xlsx(data, headers)
    if name.endswith(".xlsx"):
        return _failed(_l("The file is not a valid XLSX workbook. Save it from Excel again, or upload a CSV."))
    if name.endswith((".csv", ".txt")):
        return _read_csv(data, headers)
    return _failed(_l("Only CSV and XLSX files can be imported."))


def _failed(message) -> Table:
    return Table(problems=[Problem(None, "", message)])


def _decode(data: bytes) -> str | None:
    """UTF-8 with or without BOM, UTF-16 with BOM (Excel's "Unicode text"), else Windows-1251."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings = ("utf-16",)
    elif data.startswith(codecs.BOM_UTF8):
        encodings = ("utf-8-sig",)
    else:
        encodings = ("utf-8", "cp1251")
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def _is_text(text: str) -> bool:
    return not any(unicodedata.category(c) == "Cc" and c not in "\t\r\n" for c in text)


def _delimiter(text: str) -> str:
    """The separator of the header line: the most frequent of ``;``, ``,`` and tab (``;`` on a tie)."""
    line = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: line.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ";"


def _read_csv(data: bytes, headers: dict[str, str]) -> Table:
    text = _decode(data)
    if text is None or not _is_text(text):
        return _failed(_l("The file is not a text CSV file. Save the table as CSV (UTF-8) or XLSX."))
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text)))
    except csv.Error:
        return _failed(_l("The CSV file could not be read: check its quotes and separators."))
    return _table("csv", enumerate(records, start=1), headers)


def _read_xlsx(data: bytes, headers: dict[str, str]) -> Table:
    import openpyxl  # imported here: only uploads of workbooks need it

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNZIPPED:
                return _failed(_l("The workbook is too large. Split it into smaller files."))
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds of errors on a broken workbook
        return _failed(_l("The file is not a valid XLSX workbook. Save it from Excel again, or upload a CSV."))
    try:
        if not workbook.worksheets:
            return _failed(_l("The workbook has no sheets."))
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        records = ((n, [cell_text(v) for v in row]) for n, row in enumerate(rows, start=1))
        return _table("xlsx", records, headers)
    except Exception:
        return _failed(_l("The file is not a valid XLSX workbook. Save it from Excel again, or upload a CSV."))
    finally:
        workbook.close()


def _table(kind: str, records: Iterable[tuple[int, list[str]]], headers: dict[str, str]) -> Table:
    """Find the header (the first non-empty row), map it to column ids, and collect the data rows."""
    table = Table(kind=kind)
    index: dict[int, str] = {}
    header_seen = False
    for number, cells in records:
        cells = [c.strip() for c in cells]
        if not any(cells):
            continue
        if not header_seen:
            header_seen = True
            table.header_row = number
            index = _map_header(table, number, cells, headers)
            continue
        values = {column: cells[i] for i, column in index.items() if i < len(cells)}
        if not any(values.values()):  # text only in ignored columns (a "№" column) makes no participant
            continue
        if len(table.rows) >= MAX_ROWS:
            message = _l("The file has more than %(count)s rows. Split it into smaller files.", count=MAX_ROWS)
            table.problems.append(Problem(None, "", message))
            table.rows = []
            return table
        table.rows.append(Row(number, values))
    if not header_seen:
        table.problems.append(Problem(None, "", _l("The file is empty.")))
    elif not table.rows and not table.problems:
        table.problems.append(Problem(None, "", _l("The file has a header but no rows below it.")))
    return table


def _map_header(table: Table, number: int, cells: list[str], headers: dict[str, str]) -> dict[int, str]:
    index: dict[int, str] = {}
    for i, header in enumerate(cells):
        if not header:
            continue
        column = headers.get(words(header.lstrip("\ufeff")))
        if column is None:
            table.ignored.append(header)
        elif column in table.headers:
            table.problems.append(
                Problem(
                    number,
                    column,
                    _l(
                        "The columns «%(first)s» and «%(second)s» both mean «%(column)s»: keep one of them.",
                        first=table.headers[column],
                        second=header,
                        column=column,
                    ),
                    fatal=True,
                )
            )
        else:
            index[i] = column
            table.headers[column] = header
            table.columns.append(column)
    return index


# Templates ------------------------------------------------------------------------------------------


def _examples(locale: str, form: str) -> list[list[str]]:
    roles = template_roles(locale)
    female, male = TEMPLATE_SEX.get(locale, TEMPLATE_SEX["en"])
    if locale == "ru":
        first = ["P-001", roles[0], form, "10А", "", "Иванова Анна Сергеевна", "2009", female]
        second = ["P-002", roles[1], form, "7Б", "одарённый, ОВЗ", "Петров Илья Андреевич", "2013", male]
    else:
        first = ["P-001", roles[0], form, "10A", "", "Anna Ivanova", "2009", female]
        second = ["P-002", roles[1], form, "7B", "gifted, special needs", "Ilya Petrov", "2013", male]
    return [first, second]


def _headers(locale: str) -> tuple[str, ...]:
    return TEMPLATE_HEADERS.get(locale, TEMPLATE_HEADERS["en"])


def template_csv(locale: str = "ru") -> bytes:
    """A CSV template: UTF-8 with BOM (so Excel reads Cyrillic), ``;``-separated, header and two examples."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(_headers(locale))
    writer.writerows(_examples(locale, form_names(None)[0]))
    return buffer.getvalue().encode("utf-8-sig")


def _text(ws, row: int, col: int, value: str, fmt=None) -> None:
    """Write text that stays text (never a formula), whoever typed it (form names come from curators)."""
    ws.write_string(row, col, value, fmt)


def template_xlsx(programme: Programme, locale: str = "ru") -> bytes:
    """An XLSX template for the programme: header, two examples, drop-down lists for role, form and sex,
    a year check, and a help sheet describing every column."""
    forms = form_names(programme)
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        buffer,
        {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False},
    )
    bold = workbook.add_format({"bold": True, "text_wrap": True, "valign": "top"})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    as_text = workbook.add_format({"num_format": "@"})
    quoted = workbook.add_format({"quote_prefix": True})
    data_name, help_name = sheet_names([_("Participants"), _("Help")])
    data = workbook.add_worksheet(data_name)
    help_sheet = workbook.add_worksheet(help_name)
    lists = workbook.add_worksheet("lists")
    for i, role in enumerate(template_roles(locale)):
        _text(lists, i, 0, role)
    for i, form in enumerate(forms):
        _text(lists, i, 1, form, quoted if is_risky(form) else None)
    sexes = TEMPLATE_SEX.get(locale, TEMPLATE_SEX["en"])
    for i, sex in enumerate(sexes):
        _text(lists, i, 2, sex)
    lists.hide()

    for col, title in enumerate(_headers(locale)):
        _text(data, 0, col, title, bold)
        data.set_column(col, col, 28 if COLUMNS[col] == "full_name" else 16, as_text if col != 6 else None)
    for r, example in enumerate(_examples(locale, forms[0] if forms else ""), start=1):
        for col, value in enumerate(example):
            if col == 6:
                data.write_number(r, col, int(value))
            elif value:
                _text(data, r, col, value)
    data.freeze_panes(1, 0)
    role_col, form_col, year_col, sex_col = (COLUMNS.index(c) for c in ("role", "form", "birth_year", "sex"))
    _dropdown(data, role_col, f"=lists!$A$1:$A${len(template_roles(locale))}", _("Choose a role from the list."))
    if forms:
        _dropdown(data, form_col, f"=lists!$B$1:$B${len(forms)}", _("Choose a form of mentoring of this programme."))
    _dropdown(data, sex_col, f"=lists!$C$1:$C${len(sexes)}", _("Choose a value from the list."))
    year = {"validate": "integer", "criteria": "between", "minimum": MIN_BIRTH_YEAR, "maximum": dt.date.today().year}
    data.data_validation(
        1, year_col, MAX_ROWS, year_col, {**year, **_warning(_("Write a year between 1900 and this year."))}
    )
    _write_help(help_sheet, locale, forms, bold, wrap, quoted)
    workbook.close()
    return buffer.getvalue()


def _warning(message: str) -> dict:
    """A warning (not a refusal) on other values: the importer accepts more spellings than a list shows."""
    return {"error_type": "warning", "error_title": _("Check the value"), "error_message": message}


def _dropdown(ws, col: int, source: str, message: str) -> None:
    ws.data_validation(1, col, MAX_ROWS, col, {"validate": "list", "source": source, **_warning(message)})


def _write_help(ws, locale: str, forms: list[str], bold, wrap, quoted) -> None:
    ws.set_column(0, 0, 22)
    ws.set_column(1, 1, 14)
    ws.set_column(2, 2, 70)
    for col, title in enumerate((_("Column"), _("Required"), _("What to write"))):
        _text(ws, 0, col, title, bold)
    explain = {
        "code": _("A pseudonymous code: letters, digits, '-' and '_', up to 40 characters. No names."),
        "role": _("One of: %(words)s.", words=", ".join(template_roles(locale))),
        "form": _("One of this programme's forms of mentoring (see below), or empty."),
        "group": _("A class or group, e.g. 7Б."),
        "tags": _("Tags separated by ';' or ',', e.g. одарённый, ОВЗ, группа риска."),
        "full_name": _("Personal data: kept apart from answers and not exported unless asked for."),
        "birth_year": _("Personal data: a year between 1900 and this year."),
        "sex": _("Personal data: %(values)s.", values=" / ".join(TEMPLATE_SEX.get(locale, TEMPLATE_SEX["en"]))),
    }
    headers = _headers(locale)
    for r, column in enumerate(COLUMNS, start=1):
        aliases = ", ".join(dict.fromkeys([headers[r - 1], *HEADER_ALIASES[column]]))
        _text(ws, r, 0, f"{headers[r - 1]} ({COLUMN_LABELS[column]})", bold)
        _text(ws, r, 1, _("yes") if column in REQUIRED else _("no"))
        _text(ws, r, 2, explain[column] + " " + _("Headers accepted: %(aliases)s.", aliases=aliases), wrap)
    r = len(COLUMNS) + 2
    _text(ws, r, 0, _("Roles"), bold)
    for offset, (role, aliases) in enumerate(ROLE_WORDS.items(), start=1):
        _text(ws, r + offset, 0, role)
        _text(ws, r + offset, 2, ", ".join(aliases), wrap)
    r += len(ROLE_WORDS) + 2
    _text(ws, r, 0, _("Forms of mentoring"), bold)
    for offset, form in enumerate(forms, start=1):
        _text(ws, r + offset, 0, form, quoted if is_risky(form) else None)
    r += len(forms) + 2
    notes = (
        _("Row 1 is the header. One participant per row. A code already used in your organisation is the same person."),
        _(
            "Personal data (%(columns)s) may be left empty.",
            columns=", ".join(headers[COLUMNS.index(c)] for c in PERSONAL),
        ),
    )
    for offset, note in enumerate(notes):
        _text(ws, r + offset, 0, note)
