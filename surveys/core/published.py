"""Aggregated sheets on their way out: every value from a group passes the disclosure policy.

A plugin (or the core) writes a number, a mean or a quote that comes from a group of people as
:class:`Counted`: the value and the units it was computed from (participant codes, or a code with
the wave, for a value of one wave: the same ids for the same unit in every sheet). Before an
aggregated workbook, CSV or JSON export is written, :func:`disclose` decides over every Counted of
every sheet published together (surveys/core/disclosure.py): a value from fewer than ``k`` units
shows «<k», a value that would let a hidden one be worked out shows that it is hidden to protect a
small group, and each sheet's description names the threshold. The psychologist's exports, which
hold individual data anyway, get the values as they are (:func:`reveal`).

A plugin sheet of an aggregated export that shows a bare number outside its ``plain_columns`` (ids,
versions, years: numbers that describe, not count) is left out: the policy cannot check it
(:func:`bare_numbers`).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from flask_babel import gettext as _

from .contracts import Sheet
from .disclosure import decide_groups, hidden_label, mark_of


@dataclass(frozen=True)
class Counted:
    """A value computed from a group: shown only when the policy allows. ``group`` holds the units."""

    value: Any
    group: frozenset[Hashable]

    @property
    def n(self) -> int:
        return len(self.group)


def counted(value: Any, group: Iterable[Hashable]) -> Counted:
    """``value`` as computed from ``group`` (any iterable of unit ids)."""
    return Counted(value, frozenset(group))


def threshold_caption(k: int) -> str:
    """The line every disclosed output carries: which threshold was applied and how hidden values show."""
    return _(
        "Groups of fewer than %(k)s people are hidden («<%(k)s»); a value that would let a hidden one be worked "
        "out is hidden too («%(protecting)s»).",
        k=k,
        protecting=hidden_label("protecting", k),
    )


def _rows(sheet: Sheet) -> list[list[Any]]:
    return [list(row) for row in sheet.rows]


def disclose(sheets: Sequence[Sheet], k: int) -> list[Sheet]:
    """The sheets as an aggregated audience may see them, decided together (one workbook, one answer)."""
    tables = [_rows(sheet) for sheet in sheets]
    groups: dict[frozenset[Hashable], int] = {}
    weights: list[int] = []  # how many values each group stands for: hiding costs that many
    for rows in tables:
        for row in rows:
            for value in row:
                if isinstance(value, Counted):
                    if value.group not in groups:
                        groups[value.group] = len(groups)
                        weights.append(0)
                    weights[groups[value.group]] += 1
    decision = decide_groups(list(groups), k, weights)
    caption = threshold_caption(k)
    result = []
    for sheet, rows in zip(sheets, tables, strict=True):
        shown = []
        for row in rows:
            out = []
            for value in row:
                if isinstance(value, Counted):
                    mark = mark_of(decision, groups[value.group])
                    value = hidden_label(mark, k) if mark else value.value
                out.append(value)
            shown.append(out)
        description = f"{sheet.description} {caption}".strip()
        result.append(replace(sheet, rows=shown, description=description))
    return result


def reveal(sheets: Sequence[Sheet]) -> list[Sheet]:
    """The sheets with every Counted as its value (for the psychologist, who sees individual data)."""
    return [
        replace(sheet, rows=[[v.value if isinstance(v, Counted) else v for v in row] for row in sheet.rows])
        for sheet in sheets
    ]


def bare_numbers(sheet: Sheet) -> list[tuple[int, int]]:
    """(row, column) of each number not wrapped in Counted outside the sheet's ``plain_columns``; rows
    from 0. The sheet's rows must be a list (read more than once)."""
    return [
        (r, c)
        for r, row in enumerate(sheet.rows)
        for c, value in enumerate(row)
        if isinstance(value, int | float) and not isinstance(value, bool) and c not in sheet.plain_columns
    ]
