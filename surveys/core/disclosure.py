"""The disclosure policy: which cells of aggregated outputs published together may be shown.

A *cell* is a group of people described by attribute values (``{"role": "mentee", "wave": "input"}``;
``{}`` is everyone); what an output shows of it — a count, a mean, a distribution, a band transition —
is a sum over the people in it, so each shown cell is a linear equation over the finest groups (the
*atoms*: people with the same values of every attribute the cells use). Two rules decide:

- primary: a cell of fewer than ``k`` people (but not none) is hidden;
- secondary: more cells are hidden until no hidden small cell is a linear combination of the shown
  ones, within one table and across every table published together (a workbook, a page, a report,
  an API answer). Counts and means are covered alike: a mean times its n is a sum, and sums subtract
  the same way as counts.

Recoverability is decided exactly, over the rationals, not by rules of thumb about siblings and
margins. It is worked out from the cells' Gram matrix (how many atoms each two cells share), whose
size is the number of cells whatever the number of people (surveys/core/span.py): the greedy choices
are made modulo a 62-bit prime, and the final choice is proven exactly (short integer relations, else
fraction-free elimination; should the proof find a leak, the decision is made again exactly), so a
campaign of 10,000 participants decides as fast as one of 300. The functions are pure: no database,
no request.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from flask_babel import gettext as _

from .span import apart, distinct, expansions, gram_of, residuals, shown_too

Cell = Mapping[str, str]  # attribute -> value; a person belongs to the cell when every value matches


@dataclass(frozen=True)
class Decision:
    """What may be shown of the cells, by their position in the list given to ``decide``.

    ``small``: hidden because fewer than ``k`` people are in it (marked «‹k»); ``protecting``: hidden
    so that a small cell cannot be worked out from the others (marked as hidden to protect a small
    group); ``sizes``: every cell's number of people.
    """

    k: int
    sizes: tuple[int, ...]
    small: frozenset[int]
    protecting: frozenset[int]

    @property
    def hidden(self) -> frozenset[int]:
        return self.small | self.protecting

    def shown(self, index: int) -> bool:
        return index not in self.hidden


def _matches(person: Mapping[str, str], cell: Cell) -> bool:
    return all(person.get(name) == value for name, value in cell.items())


def atoms_of(
    people: Sequence[Mapping[str, str]], cells: Sequence[Cell], counts: Sequence[int] | None = None
) -> tuple[list[int], list[frozenset[int]]]:
    """The atoms' sizes and, per cell, the atoms it is made of (indexes into the sizes). With
    ``counts``, ``people[i]`` stands for ``counts[i]`` people with the same attributes."""
    names = sorted({name for cell in cells for name in cell})
    index: dict[tuple, int] = {}
    sizes: list[int] = []
    for number, person in enumerate(people):
        key = tuple(person.get(name) for name in names)
        if key not in index:
            index[key] = len(sizes)
            sizes.append(0)
        sizes[index[key]] += 1 if counts is None else counts[number]
    members = []
    for cell in cells:
        found = frozenset(number for key, number in index.items() if _matches(dict(zip(names, key, strict=True)), cell))
        members.append(found)
    return sizes, members


def decide(
    people: Sequence[Mapping[str, str]],
    cells: Sequence[Cell],
    k: int,
    counts: Sequence[int] | None = None,
    weights: Sequence[int] | None = None,
) -> Decision:
    """Which of ``cells`` (published together, about ``people``) may be shown, for a threshold ``k``
    (``counts``: as for ``atoms_of``; ``weights``: as for ``decide_groups``)."""
    atom_sizes, members = atoms_of(people, cells, counts)
    sizes = [sum(atom_sizes[a] for a in atoms) for atoms in members]
    return _settle(sizes, members, gram_of(members), k, weights)


@dataclass(frozen=True, eq=False)
class Indexed:
    """A group given as positions in an array of unit ids shared by many groups (a report's participant
    codes, say): how a group of 100,000 is handed over without a Python object per member. ``units`` must
    be the same array object for every group that shares it; ``index`` holds distinct positions."""

    units: np.ndarray
    index: np.ndarray

    def __len__(self) -> int:
        return int(self.index.size)

    def __iter__(self) -> Iterator[Hashable]:
        return iter(self.ids())

    def ids(self) -> list[Hashable]:
        """The unit ids themselves (what iterating gives: a reader that wants ids gets them)."""
        return self.units[self.index].tolist()


Group = Iterable[Hashable] | Indexed


def decide_groups(groups: Sequence[Group], k: int, weights: Sequence[int] | None = None) -> Decision:
    """Which of the values published together may be shown, each given as the set of what it sums over
    (participants, or a participant's answer in a wave: any hashable ids, the same for the same unit;
    or an :class:`Indexed` group of them).

    The units stand for the atoms: their Gram matrix is the atoms' weighted by how many units each
    holds, which has the same linear relations (so the same decisions) without grouping the units.
    ``weights``: how many published values each group stands for; secondary suppression hides the
    groups that cost the fewest values first (a total shown once before a group's 28 means).
    """
    number: dict[Hashable, int] = {}
    shared: dict[int, np.ndarray] = {}  # id of an Indexed group's units → their numbers

    def numbers(group: Group) -> np.ndarray:
        if isinstance(group, Indexed):
            if id(group.units) not in shared:
                ids = group.units.tolist()
                shared[id(group.units)] = np.fromiter(
                    (number.setdefault(u, len(number)) for u in ids), np.int64, len(ids)
                )
            return distinct(shared[id(group.units)][group.index])
        return distinct(np.fromiter((number.setdefault(u, len(number)) for u in group), np.int64))

    units = [numbers(group) for group in groups]
    same = [u.tobytes() for u in units]  # groups of the same people, whichever way they were given
    return _settle([u.size for u in units], same, gram_of(units), k, weights)


def _settle(
    sizes: Sequence[int],
    members: Sequence[Hashable],
    gram: np.ndarray,
    k: int,
    weights: Sequence[int] | None = None,
    modular: bool = True,
) -> Decision:
    """Primary and secondary suppression over cells of the given sizes; ``members`` tells cells of the
    same people apart (equal when the people are the same) and ``gram`` is their Gram matrix.

    Secondary suppression is greedy, in rounds: for each small cell that can be worked out, take one
    combination of shown cells that gives it (a cell that every such combination needs is in it) and hide
    the cheapest cell it uses (with ``weights``, the fewest values; then the smallest group); then look
    again, until no small cell can be worked out; then give back, the costliest first, every hidden cell
    whose showing lets no small cell be worked out. Cells of
    the same people (a class that is its form's only class, say) are one group: they are shown or
    hidden together, since showing one shows the other.

    The choices are made with :func:`_expansions` modulo a large prime (``modular``) and the result is
    then checked exactly; should the check find a small cell that can be worked out (the prime dividing
    one of the minors), the whole decision is made again with exact elimination throughout.
    """
    sizes = tuple(sizes)
    small = {i for i, n in enumerate(sizes) if 0 < n < k}
    protecting: set[int] = set()
    alike: dict[Hashable, list[int]] = {}  # cells of the same people: shown or hidden together
    for i, atoms in enumerate(members):
        alike.setdefault(atoms, []).append(i)

    def cost(cells: list[int]) -> tuple:
        return (sum(weights[i] for i in cells) if weights else 0, sizes[cells[0]], -cells[-1])

    targets = sorted(small)
    while True:
        shown = [i for i in range(len(members)) if i not in small and i not in protecting]
        found = expansions(gram, shown, targets, modular)
        chosen: set[int] = set()
        for target in targets:
            uses = found[target]
            if uses is None or uses & chosen:
                continue  # not recoverable, or perhaps stopped by what this round hides: looked at again
            # Only a cell this recovery uses can stop it (a cell that every recovery needs is in this one).
            groups = [[j for j in alike[members[i]] if j not in protecting] for i in uses if sizes[i] > 0]
            chosen.update(min(groups, key=cost))
        if not chosen:
            break
        protecting |= chosen
    # A round hides one cell per leak without looking further, so some may be needed no longer: give back,
    # the costliest first, each group of cells whose showing lets no small cell be worked out.
    order = sorted(protecting, key=lambda i: cost(alike[members[i]]), reverse=True)
    if modular:
        protecting = _give_back(gram, targets, shown, protecting, [alike[members[i]] for i in order])
    else:  # exactly: one elimination per group
        for i in order:
            trial = protecting - set(alike[members[i]])
            shown = [j for j in range(len(members)) if j not in small and j not in trial]
            if i in protecting and all(uses is None for uses in expansions(gram, shown, targets).values()):
                protecting = trial
    shown = [j for j in range(len(members)) if j not in small and j not in protecting]
    # The final choice proven exactly: by integer relations (span.apart, quick), else by exact elimination.
    if (
        modular
        and not apart(gram, shown, targets)
        and any(found is not None for found in expansions(gram, shown, targets).values())
    ):
        return _settle(sizes, members, gram, k, weights, modular=False)
    return Decision(k, sizes, frozenset(small), frozenset(protecting))


def _give_back(
    gram: np.ndarray, targets: list[int], shown: list[int], protecting: set[int], groups: list[list[int]]
) -> set[int]:
    """The give-back of :func:`_settle` modulo the prime, with one elimination: what is left of the
    small cells and the hidden ones once the shown ones are projected out (``span.residuals``), then
    each group in turn (costliest first) shown unless a small cell would then be in the span, the
    residuals updated by one outer product when it is."""
    if not protecting:
        return protecting
    others = [*targets, *sorted(protecting)]
    at = {cell: i for i, cell in enumerate(others)}
    left = residuals(gram, shown, others)
    protecting = set(protecting)
    for group in groups:
        group = [cell for cell in group if cell in protecting]
        if not group:
            continue  # given back with a cell of the same people
        v = at[group[0]]
        if left[v, v] != 0:
            if any(left[at[t], at[t]] * left[v, v] == left[at[t], v] * left[v, at[t]] for t in targets):
                continue  # showing it would let a small cell be worked out
            left = shown_too(left, v)
        protecting -= set(group)
    return protecting


SMALL, PROTECTING = "small", "protecting"


def mark_of(decision: Decision, index: int) -> str | None:
    """Why cell ``index`` is hidden: ``SMALL``, ``PROTECTING``, or None when it is shown."""
    if index in decision.small:
        return SMALL
    return PROTECTING if index in decision.protecting else None


def hidden_label(mark: str, k: int) -> str:
    """What a hidden value shows: «<k» only for a group under the threshold; a group hidden to
    protect another says so."""
    return f"<{k}" if mark == SMALL else _("hidden to protect a small group")
