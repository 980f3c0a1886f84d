"""The rows of an uploaded workbook's first sheet, read as they are parsed and never all at once.

openpyxl's read-only mode opens a workbook by reading each sheet's ``<dimension>``; a sheet without
one (openpyxl's own write-only files, and any file made to hurt) is parsed from end to end first,
some seconds per 100,000 rows, before the first row is seen, so a row limit could not stop it early.
Here the first sheet is opened without that pass: rows come as the parser reaches them, so the
caller's limit stops reading at the row past it. A ``<dimension>`` that understates the sheet is not
believed either: every row there is is read.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

from openpyxl.reader.excel import ExcelReader
from openpyxl.styles.stylesheet import apply_stylesheet
from openpyxl.worksheet._read_only import ReadOnlyWorksheet


class _Sheet(ReadOnlyWorksheet):
    """A read-only sheet whose size is not looked up when it is opened."""

    def _get_size(self) -> None:
        return None


def first_sheet_rows(source: IO[bytes]) -> Iterator[tuple[Any, ...]]:
    """The values of the first worksheet's rows, in order (missing rows as empty tuples).

    Raises what openpyxl raises for a file that is not a workbook, when it is opened (the first
    ``next``) or while rows are read; an empty iterator for a workbook without worksheets.
    """
    reader = ExcelReader(source, read_only=True, data_only=True)
    try:
        reader.read_manifest()
        reader.read_strings()
        reader.read_workbook()
        apply_stylesheet(reader.archive, reader.wb)
        for sheet, rel in reader.parser.find_sheets():
            if rel.target in reader.valid_files and "chartsheet" not in rel.Type:
                yield from _Sheet(reader.wb, sheet.name, rel.target, reader.shared_strings).iter_rows(values_only=True)
                return
    finally:
        reader.archive.close()
