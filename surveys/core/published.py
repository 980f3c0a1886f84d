"""Aggregated sheets on their way out: every value from a group passes the disclosure policy.

A plugin (or the core) writes a number, a mean or a quote that comes from a group of people as
:class:`Counted`: the value and the units it was computed from (participant codes, or a code with
the wave, for a value of one wave: the same ids for the same unit in every sheet). Every Counted of
every sheet published together is decided at once (surveys/core/disclosure.py): a value from fewer
than ``k`` units shows «<k», a value that would let a hidden one be worked out shows that it is
hidden to protect a small group, and each sheet's description names the threshold. :func:`disclose`
does this for sheets alone; an aggregated export decides its plugin sheets together with its
aggregates (surveys/exports/joint.py, with :func:`groups_of` and :func:`shown_sheets`). The
psychologist's exports, which hold individual data anyway, get the values as they are (:func:`reveal`).

A plugin sheet of an aggregated export that shows a bare number outside its ``plain_columns`` (ids,
versions, years: numbers that describe, not count) is left out: the policy cannot check it
(:func:`bare_numbers`).

Dashboard panels go the same way, a page at a time (:func:`publish_panels`): the Counted values of
every panel, and the figures plugins add to the page's :class:`Publication` themselves (the
comparison's report), are decided together; a panel with a bare number outside its ``plain`` keys
is left out.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, is_dataclass, replace
from typing import Any

from flask_babel import gettext as _

from .contracts import Sheet
from .disclosure import Group, Indexed, decide_groups, hidden_label, mark_of


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
    """The groups behind the Counted values of sheets published together, each once: ``sets`` in order,
    ``index`` their positions by the group's units; ``weights``, how many values each stands for;
    ``about``, the measures it is about (an empty set when some value of it is about no one measure)."""

    sets: list[frozenset[Hashable]] = field(default_factory=list)
    index: dict[frozenset[Hashable], int] = field(default_factory=dict)
    weights: list[int] = field(default_factory=list)
    about: list[set[Hashable]] = field(default_factory=list)


def groups_of(sheets: Sequence[Sheet]) -> Groups:
    """The groups of every Counted of the sheets (whose rows must be lists: they are read again)."""
    found = Groups()
    for sheet in sheets:
        for row in sheet.rows:
            for value in row:
                if isinstance(value, Counted):
                    number = found.index.get(value.group)
                    if number is None:
                        number = found.index[value.group] = len(found.sets)
                        found.sets.append(value.group)
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


class Publication:
    """The figures of one output — a dashboard page, a printed report — decided together.

    Whoever shows a figure adds it with the group behind it (any hashable unit ids, the same for the
    same person everywhere), how many values it stands for, and what to do if it is hidden
    (``hide(mark)``, with SMALL or PROTECTING). :meth:`settle` decides once, over every figure added,
    then runs what was asked to run :meth:`after` it (a text written from what is shown, a chart).
    """

    def __init__(self, k: int) -> None:
        self.k = k
        self.groups: dict[Hashable, int] = {}  # a group's key (its members, or its index) → its number
        self.sets: list[Group] = []
        self.weights: list[int] = []
        self.hiders: list[tuple[int, Callable[[str], None]]] = []
        self.later: list[Callable[[], None]] = []
        self.settled = False

    def add(self, group: Group | None, weight: int, hide: Callable[[str], None]) -> None:
        """A figure from ``group`` (unit ids, or an :class:`~surveys.core.disclosure.Indexed` group of them)
        standing for ``weight`` values; ``hide(mark)`` runs if it is hidden."""
        if self.settled:
            raise RuntimeError("a figure was added after the publication was decided")
        members: Group = group if isinstance(group, Indexed) else frozenset(group or ())
        key = (id(group.units), group.index.tobytes()) if isinstance(group, Indexed) else members
        if key not in self.groups:
            self.groups[key] = len(self.weights)
            self.sets.append(members)
            self.weights.append(0)
        self.weights[self.groups[key]] += weight
        self.hiders.append((self.groups[key], hide))

    def after(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once the figures are decided (at once if they are)."""
        if self.settled:
            callback()
        else:
            self.later.append(callback)

    def settle(self) -> None:
        """Decide over every figure added (once), hide what must be hidden, then run the callbacks."""
        if self.settled:
            return
        self.settled = True
        decision = decide_groups(self.sets, self.k, self.weights)
        for index, hide in self.hiders:
            mark = mark_of(decision, index)
            if mark:
                hide(mark)
        for callback in self.later:
            callback()


def _counted_in(value: Any, found: list[Counted]) -> None:
    if isinstance(value, Counted):
        found.append(value)
    elif isinstance(value, Mapping):
        for item in value.values():
            _counted_in(item, found)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            _counted_in(item, found)
    elif is_dataclass(value) and not isinstance(value, type):
        for item in fields(value):
            _counted_in(getattr(value, item.name), found)


def _shown(value: Any, show: Callable[[Counted], Any]) -> Any:
    """``value`` with every Counted in it (in dicts, lists, tuples, dataclasses) as ``show`` gives it."""
    if isinstance(value, Counted):
        return show(value)
    if isinstance(value, Mapping):
        return {key: _shown(item, show) for key, item in value.items()}
    if isinstance(value, list):
        return [_shown(item, show) for item in value]
    if isinstance(value, tuple) and not hasattr(value, "_fields"):
        return tuple(_shown(item, show) for item in value)
    if is_dataclass(value) and not isinstance(value, type):
        changed = {f.name: _shown(getattr(value, f.name), show) for f in fields(value) if f.init}
        return replace(value, **changed)
    return value


def bare_number_in(value: Any, where: str = "data") -> str | None:
    """Where in ``value`` a number stands that is not wrapped in Counted (``data['rows'][2]``), else None."""
    if isinstance(value, bool | Counted) or value is None:
        return None  # a Counted is the policy's to decide
    if isinstance(value, int | float):
        return where
    if isinstance(value, Mapping):
        items = ((f"{where}[{key!r}]", item) for key, item in value.items())
    elif isinstance(value, list | tuple):
        items = ((f"{where}[{number}]", item) for number, item in enumerate(value))
    elif is_dataclass(value) and not isinstance(value, type):
        items = ((f"{where}.{f.name}", getattr(value, f.name)) for f in fields(value))
    else:
        return None  # strings, stored objects, charts: not numbers
    return next((found for path, item in items if (found := bare_number_in(item, path))), None)


def publish_panels(panels: Sequence[Any], publication: Publication) -> tuple[list[Any], list[str]]:
    """The panels of one page as an aggregated audience may see them, and what was left out and why.

    A panel whose ``data``, as the plugin made it, has a bare number outside its ``plain`` keys is left
    out (see :class:`Panel`). Every Counted in the other panels' ``data`` and headlines joins the page's
    ``publication`` with the figures the plugins added to it themselves; once all are in, the
    publication is decided, each Counted becomes its value or the label of why it is hidden, and each
    panel's ``finish`` makes the rest from what is shown.
    """
    k = publication.k
    checked, problems = [], []
    for panel in panels:
        data = panel.data
        if isinstance(data, Mapping):
            data = {key: item for key, item in data.items() if key not in panel.plain}
        where = bare_number_in(data)
        if where is None:
            checked.append(panel)
        else:
            problems.append(f"panel {panel.name!r}: the number at {where} is not wrapped in Counted")
    marks: dict[frozenset[Hashable], str] = {}
    wrapped: set[int] = set()  # the panels with a Counted in their data (the rest keep their data as it is)
    for number, panel in enumerate(checked):
        found: list[Counted] = []
        _counted_in(panel.data, found)
        if found:
            wrapped.add(number)
        for headline in panel.headlines:
            _counted_in(headline.value, found)
        for value in found:

            def hide(mark: str, group: frozenset[Hashable] = value.group) -> None:
                marks[group] = mark

            publication.add(value.group, 1, hide)
    publication.settle()

    def show(value: Counted) -> Any:
        mark = marks.get(value.group)
        return hidden_label(mark, k) if mark else value.value

    kept = []
    for number, panel in enumerate(checked):
        headlines = tuple(
            replace(h, value=str(show(h.value))) if isinstance(h.value, Counted) else h for h in panel.headlines
        )
        data = _shown(panel.data, show) if number in wrapped else panel.data
        panel = replace(panel, data=data, headlines=headlines)
        if panel.finish is not None:
            panel = panel.finish(panel)
        if panel is not None:
            kept.append(panel)
    return kept, problems
