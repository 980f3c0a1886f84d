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

from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from flask_babel import gettext as _

from .contracts import Sheet
from .disclosure import decide_groups, hidden_label, mark_of


@dataclass(frozen=True)
class Counted:
    """A value computed from a group: shown only when the policy allows. ``group`` holds the units;
    ``about`` optionally names the measure it comes from (an ``(instrument, scale)``), so that an
    export decides it together with that scale's aggregates (surveys/exports/joint.py); a value
    about no one scale (None) is decided with every scale's."""

    value: Any
    group: frozenset[Hashable]
    about: Hashable | None = None

    @property
    def n(self) -> int:
        return len(self.group)


def counted(value: Any, group: Iterable[Hashable], about: Hashable | None = None) -> Counted:
    """``value`` as computed from ``group`` (any iterable of unit ids), about a measure or None."""
    return Counted(value, frozenset(group), about)


def threshold_caption(k: int) -> str:
    """The line every disclosed output carries: which threshold was applied and how hidden values show."""
    return _(
        "Groups of fewer than %(k)s people are hidden («<%(k)s»); a value that would let a hidden one be worked "
        "out is hidden too («%(protecting)s»).",
        k=k,
        protecting=hidden_label("protecting", k),
    )


@dataclass
class Groups:
    """The groups behind the Counted values of sheets published together, each once: ``index`` by the
    group's units; ``weights``, how many values each stands for; ``about``, the measures it is about
    (an empty set when some value of it is about no one measure)."""

    index: dict[frozenset[Hashable], int]
    weights: list[int]
    about: list[set[Hashable]]

    @property
    def sets(self) -> list[frozenset[Hashable]]:
        return list(self.index)


def groups_of(sheets: Sequence[Sheet]) -> Groups:
    """The groups of every Counted of the sheets (whose rows must be lists: they are read again)."""
    found = Groups({}, [], [])
    for sheet in sheets:
        for row in sheet.rows:
            for value in row:
                if isinstance(value, Counted):
                    number = found.index.get(value.group)
                    if number is None:
                        number = found.index[value.group] = len(found.weights)
                        found.weights.append(0)
                        found.about.append({value.about} if value.about is not None else set())
                    elif value.about is None or not found.about[number]:
                        found.about[number] = set()
                    else:
                        found.about[number].add(value.about)
                    found.weights[number] += 1
    return found


def shown_sheets(sheets: Sequence[Sheet], groups: Groups, mark: Callable[[int], str | None], k: int) -> list[Sheet]:
    """The sheets with each Counted as its value, or the label of why it is hidden (``mark`` of its
    group's index: SMALL, PROTECTING or None), each sheet's description naming the threshold. The
    rows are made as they are written, so ``mark`` may be decided after this call."""
    caption = threshold_caption(k)

    def rows(sheet: Sheet):
        for row in sheet.rows:
            out = []
            for value in row:
                if isinstance(value, Counted):
                    why = mark(groups.index[value.group])
                    value = hidden_label(why, k) if why else value.value
                out.append(value)
            yield out

    return [replace(sheet, rows=rows(sheet), description=f"{sheet.description} {caption}".strip()) for sheet in sheets]


def disclose(sheets: Sequence[Sheet], k: int) -> list[Sheet]:
    """The sheets as an aggregated audience may see them, decided together (one workbook, one answer)."""
    sheets = [replace(sheet, rows=[list(row) for row in sheet.rows]) for sheet in sheets]
    groups = groups_of(sheets)
    decision = decide_groups(groups.sets, k, groups.weights)
    shown = shown_sheets(sheets, groups, lambda i: mark_of(decision, i), k)
    return [replace(sheet, rows=list(sheet.rows)) for sheet in shown]


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
