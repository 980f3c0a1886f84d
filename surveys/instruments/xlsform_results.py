"""What an XLSForm conversion gives back: the converted questionnaire and its problems row by row,
and the questions and pages it is built from."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from flask_babel import gettext as _


@dataclass(frozen=True)
class RowProblem:
    """One problem, naming the sheet and the row as Excel shows them (None for the whole file)."""

    source: str
    sheet: str | None
    row: int | None
    message: str
    note: bool = False

    def __str__(self) -> str:
        where = ":".join(str(part) for part in (self.source, self.sheet, self.row) if part)  # FILE[:SHEET[:ROW]]
        message = _("note: %(message)s", message=self.message) if self.note else self.message
        return f"{where}: {message}"


class Refused(Exception):
    """Something in the form that stops the whole conversion (a hostile cell, a limit passed): nothing is
    written. Raised anywhere inside the conversion; ``convert`` reports it on its sheet and row (exit 2)."""

    def __init__(self, sheet: str | None, row: int | None, message: str):
        super().__init__(message)
        self.sheet, self.row, self.message = sheet, row, message


@dataclass
class Conversion:
    """The questionnaire as a plain dict (None when nothing usable was found) and every problem."""

    definition: dict | None
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """True when nothing of the form was lost or changed (notes aside)."""
        return self.definition is not None and not any(not p.note for p in self.problems)


@dataclass
class Item:
    """A converted question, with the conditions still to translate: (row, relevant, from a group)."""

    row: int
    name: str
    kind: str
    question: dict
    values: dict[str, Any] = field(default_factory=dict)
    conditions: list[tuple[int, str, bool]] = field(default_factory=list)


@dataclass
class Page:
    name: str
    title: Any = None
    items: list[Item] = field(default_factory=list)


@dataclass
class Group:
    row: int
    relevant: str
    page: Page


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:  # a title shared by split pages is written out twice
        return True


def to_yaml(definition: dict, source: str) -> str:
    """The converted questionnaire as YAML, with a comment naming the form it came from."""
    body = yaml.dump(definition, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=120)
    return f"# Imported from the XLSForm {Path(source).name} by 'surveys instrument import-xlsform'.\n{body}"
