"""Reading an export back by its ids: sheets by key (the README lists each sheet's id), columns by key.

The workbook shows sheet names and headers in the interface language; scripts (and these tests) find
a sheet by the id in the README's «id листа» column and a column by the header the export writes for
its key, in the locale the export was made in. JSON carries the keys itself (``key``,
``column_keys``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import force_locale

from plugins.comparison.export import HEADERS as COMPARISON_HEADERS
from plugins.comparison.export import NOTE_HEADERS
from plugins.satisfaction import HEADERS as SATISFACTION_HEADERS
from plugins.swot.export import HEADERS as SWOT_HEADERS
from surveys.core.export_labels import HEADERS

SHEET_HEADERS: dict[str, Mapping[str, Any]] = {
    "comparison": COMPARISON_HEADERS,
    "comparison method": NOTE_HEADERS,
    "satisfaction gap": SATISFACTION_HEADERS,
    "swot": SWOT_HEADERS,
}


def sheet_keys(book) -> dict[str, str]:
    """Each sheet's key → its name, from the README (the first sheet; its own key is ``readme``)."""
    readme = book.worksheets[0]
    return readme_keys(readme.title, list(readme.iter_rows(values_only=True)))


def readme_keys(name: str, rows: list[tuple]) -> dict[str, str]:
    """The README's list of sheets (after the row headed like its «id» column) as key → name."""
    found = {"readme": name}
    heading = rows[0][2]
    start = next(i for i, row in enumerate(rows[1:], start=1) if len(row) > 2 and row[2] == heading)
    for row in rows[start + 1 :]:
        found[row[2]] = row[0]
    return found


def header_keys(app, sheet_key: str, locale: str = "ru") -> dict[str, str]:
    """A sheet's headers as the export writes them in ``locale`` → the columns' keys."""
    table = SHEET_HEADERS.get(sheet_key, HEADERS)
    with app.test_request_context(), force_locale(locale):
        return {str(title): key for key, title in table.items()}


class Keyed:
    """An export's tables by sheet key, each a header row of column keys and the rows (the shape
    ``openpyxl``'s ``iter_rows(values_only=True)`` gives), from a workbook, a JSON document or CSV."""

    def __init__(self, tables: dict[str, list[tuple]]) -> None:
        self.tables = tables
        self.sheetnames = list(tables)

    def __getitem__(self, key: str) -> Keyed:
        self.rows = self.tables[key]
        return self

    def __contains__(self, key: str) -> bool:
        return key in self.tables

    def iter_rows(self, values_only: bool = True):
        return iter(self.rows)

    @classmethod
    def from_tables(cls, app, named: dict[str, list[tuple]], keys: dict[str, str], locale: str = "ru") -> Keyed:
        """``named``: the tables by sheet name, first row the headers; ``keys``: sheet key → name."""
        tables = {}
        for key, name in keys.items():
            rows = named[name]
            mapping = header_keys(app, key, locale)
            tables[key] = [tuple(mapping.get(h, h) for h in rows[0]), *rows[1:]]
        return cls(tables)

    @classmethod
    def from_workbook(cls, app, book, locale: str = "ru") -> Keyed:
        named = {ws.title: list(ws.iter_rows(values_only=True)) for ws in book.worksheets}
        return cls.from_tables(app, named, sheet_keys(book), locale)

    @classmethod
    def from_json(cls, document: dict[str, Any]) -> Keyed:
        return cls({t["key"]: [tuple(t["column_keys"]), *map(tuple, t["rows"])] for t in document["tables"]})


def keyed_rows(app, book, key: str, locale: str = "ru") -> list[dict[str, Any]]:
    """A workbook sheet's rows as dicts by column key."""
    rows = list(book[sheet_keys(book)[key]].iter_rows(values_only=True))
    mapping = header_keys(app, key, locale)
    columns = [mapping.get(h, h) for h in rows[0]]
    return [dict(zip(columns, row, strict=True)) for row in rows[1:]]
