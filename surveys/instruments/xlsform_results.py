"""What an XLSForm conversion gives back: the converted questionnaire and its problems row by row,
and the questions and pages it is built from."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class RowProblem:
    """One problem, naming the sheet and the row as Excel shows them (None for the whole file)."""

    source: str
    sheet: str | None
    row: int | None
    message: str
    note: bool = False

    def __str__(self) -> str:
        where = f"{self.source}:{self.sheet}:{self.row}" if self.sheet else self.source
        return f"{where}: {'note: ' if self.note else ''}{self.message}"


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
