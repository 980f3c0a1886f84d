"""Reading an XLSForm workbook's sheets into rows of named cells, refusing files we cannot read safely.

Rows keep the number Excel shows (the header is usually row 1), so every problem can name its sheet and row.
Limits (checked before or while reading, each refusing the file with its reason): the file's size, the size
of its parts once unpacked, the rows of a sheet and the characters of a cell (see
:mod:`surveys.instruments.xlsform_cells`). openpyxl's warnings are caught and reported, never printed.
"""

from __future__ import annotations

import os
import warnings
import zipfile
from pathlib import Path
from typing import IO

import openpyxl
from flask_babel import gettext

from surveys.instruments.xlsform_cells import MAX_CELL as MAX_CELL
from surveys.instruments.xlsform_cells import MAX_ROWS as MAX_ROWS
from surveys.instruments.xlsform_cells import Warn, read_sheet
from surveys.instruments.xlsform_results import Refused
from surveys.instruments.xlsform_sheets import SHEETS, Sheet

MAX_FILE = 20 * 1024 * 1024  # bytes of the .xlsx: a form of thousands of rows is well under 1 MB
MAX_UNPACKED = 100 * 1024 * 1024  # bytes of its parts unpacked: 100,000 rows of XML, not a zip bomb
SUFFIXES = (".xlsx", ".xlsm")


class Unreadable(ValueError):
    """The file is not an .xlsx workbook we can read; the message says why."""


def _ignore(*args, **kwargs) -> None:
    return None


def read_workbook(source: str | Path | IO[bytes], warn: Warn = _ignore) -> dict[str, Sheet]:
    """The survey, choices and settings sheets of an .xlsx file (those present), or raise Unreadable
    (the file as a whole) or :class:`Refused` (a row or cell past a limit). Problems of single rows and
    cells go to ``warn(sheet, row, message, note=False)``."""
    if isinstance(source, str | Path) and Path(source).suffix.lower() not in SUFFIXES:
        raise Unreadable(gettext("not an .xlsx workbook; save the form as .xlsx first"))
    _check_size(source)
    with warnings.catch_warnings(record=True) as log:
        warnings.simplefilter("always")
        try:
            _check_unpacked(source)
            book = openpyxl.load_workbook(source, read_only=True, data_only=True)
        except Unreadable:
            raise
        except Exception as err:  # openpyxl raises many kinds for broken files: report them all the same way
            raise _unreadable(err) from None
        for record in log:  # warnings of the workbook as a whole
            if issubclass(record.category, UserWarning):
                warn(None, None, gettext("the spreadsheet reader says: %(warning)s", warning=str(record.message)), True)
        del log[:]
        try:
            return _read_sheets(book, warn, log)
        except (Unreadable, Refused):
            raise
        except Exception as err:  # a damaged sheet part shows up only while rows are read
            raise _unreadable(err) from None
        finally:
            book.close()


def _read_sheets(book, warn: Warn, log: list) -> dict[str, Sheet]:
    sheets: dict[str, Sheet] = {}
    for worksheet in book.worksheets:
        name = worksheet.title.strip().lower()
        if name not in SHEETS:
            continue
        if name in sheets:
            message = gettext("a second sheet named '%(title)s' is ignored; only the first %(sheet)s sheet is read")
            warn(None, None, message % {"title": worksheet.title, "sheet": name})
            continue
        sheets[name] = read_sheet(name, worksheet, warn, log)
    return sheets


def _unreadable(err: Exception) -> Unreadable:
    return Unreadable(gettext("cannot be read as an .xlsx workbook: %(error)s", error=err or type(err).__name__))


def _check_size(source) -> None:
    """Refuse a file past MAX_FILE before anything of it is read."""
    if isinstance(source, str | Path):
        try:
            size = os.path.getsize(source)
        except OSError as err:
            raise _unreadable(err) from None
    else:
        position = source.tell()
        size = source.seek(0, os.SEEK_END)
        source.seek(position)
    if size > MAX_FILE:
        message = gettext("the file has %(size)s MB, more than the %(limit)s MB a form may have")
        raise Unreadable(message % {"size": round(size / 2**20, 1), "limit": MAX_FILE // 2**20})


def _check_unpacked(source) -> None:
    """Refuse a workbook whose parts would unpack past MAX_UNPACKED (the sizes the zip declares bound
    what Python's zipfile unpacks)."""
    with zipfile.ZipFile(source) as archive:
        size = sum(info.file_size for info in archive.infolist())
    if not isinstance(source, str | Path):
        source.seek(0)
    if size > MAX_UNPACKED:
        message = gettext("the workbook unpacks to %(size)s MB, more than the %(limit)s MB a form may have")
        raise Unreadable(message % {"size": size // 2**20, "limit": MAX_UNPACKED // 2**20})
