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

Recoverability is decided exactly, over the rationals (fraction-free integer elimination), not by
rules of thumb about siblings and margins. The functions are pure: no database, no request.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from math import gcd

from flask_babel import gettext as _

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


class Span:
    """The row space of 0/1 vectors over the rationals, kept in echelon form with integer rows.

    Each row remembers which of the added vectors (by the ``label`` given to :meth:`add`) it is an
    integer combination of, so that :meth:`support` can say which shown cells a recovery uses.
    """

    def __init__(self, rows: Iterable[frozenset[int]] = ()) -> None:
        self._rows: list[tuple[int, dict[int, int], dict[int, int]]] = []  # (pivot, row, combination)
        for label, row in enumerate(rows):
            self.add(row, label)

    def _reduce(self, vector: dict[int, int], combination: dict[int, int]) -> tuple[dict[int, int], dict[int, int]]:
        for pivot, row, made_of in self._rows:
            value = vector.get(pivot, 0)
            if value:
                scale = row[pivot]
                merged = {j: vector.get(j, 0) * scale - row.get(j, 0) * value for j in vector.keys() | row.keys()}
                vector = {j: v for j, v in merged.items() if v}
                mixed = {
                    j: combination.get(j, 0) * scale - made_of.get(j, 0) * value
                    for j in combination.keys() | made_of.keys()
                }
                combination = {j: v for j, v in mixed.items() if v}
                divisor = 0
                for v in (*vector.values(), *combination.values()):
                    divisor = gcd(divisor, v)
                if divisor > 1:
                    vector = {j: v // divisor for j, v in vector.items()}
                    combination = {j: v // divisor for j, v in combination.items()}
        return vector, combination

    def add(self, atoms: frozenset[int], label: int = -1) -> None:
        rest, combination = self._reduce(dict.fromkeys(atoms, 1), {label: 1})
        if rest:
            self._rows.append((min(rest), rest, combination))
            self._rows.sort(key=lambda item: item[0])

    def contains(self, atoms: frozenset[int]) -> bool:
        """True when the cell made of ``atoms`` is a linear combination of the rows."""
        return not atoms or not self._reduce(dict.fromkeys(atoms, 1), {})[0]

    def support(self, atoms: frozenset[int]) -> set[int] | None:
        """The labels of the added vectors one combination giving ``atoms`` uses; None when none does."""
        rest, combination = self._reduce(dict.fromkeys(atoms, 1), {})
        return None if rest else set(combination)


def recovered(members: Sequence[frozenset[int]], shown: Iterable[int], targets: Iterable[int]) -> list[int]:
    """The cells among ``targets`` whose value follows exactly from the ``shown`` cells."""
    span = Span(members[i] for i in shown)
    return [t for t in targets if members[t] and span.contains(members[t])]


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
    return _settle(atom_sizes, members, k, weights)


def decide_groups(groups: Sequence[frozenset[Hashable]], k: int, weights: Sequence[int] | None = None) -> Decision:
    """Which of the values published together may be shown, each given as the set of what it sums over
    (participants, or a participant's answer in a wave: any hashable ids, the same for the same unit).

    The atoms are the units that belong to the same values; a value's cell is the atoms it sums over.
    ``weights``: how many published values each group stands for; secondary suppression hides the
    groups that cost the fewest values first (a total shown once before a group's 28 means).
    """
    signature: dict[Hashable, list[int]] = {}
    for number, group in enumerate(groups):
        for unit in group:
            signature.setdefault(unit, []).append(number)
    atom_of: dict[tuple[int, ...], int] = {}
    atom_sizes: list[int] = []
    members: list[set[int]] = [set() for _group in groups]
    for cells_in in signature.values():
        key = tuple(cells_in)
        if key not in atom_of:
            atom_of[key] = len(atom_sizes)
            atom_sizes.append(0)
            for number in key:
                members[number].add(atom_of[key])
        atom_sizes[atom_of[key]] += 1
    return _settle(atom_sizes, [frozenset(m) for m in members], k, weights)


def _settle(
    atom_sizes: Sequence[int], members: Sequence[frozenset[int]], k: int, weights: Sequence[int] | None = None
) -> Decision:
    """Primary and secondary suppression over cells given as sets of atoms of the given sizes.

    Secondary suppression is greedy, in rounds: for each small cell that can be worked out, take one
    combination of shown cells that gives it (a cell that every such combination needs is in it) and hide
    the cheapest cell it uses (with ``weights``, the fewest values; then the smallest group); then look
    again, until no small cell can be worked out; then give back, the costliest first, every hidden cell
    whose showing lets no small cell be worked out. Cells of
    the same people (a class that is its form's only class, say) are one group: they are shown or
    hidden together, since showing one shows the other.
    """
    sizes = tuple(sum(atom_sizes[a] for a in atoms) for atoms in members)
    small = {i for i, n in enumerate(sizes) if 0 < n < k}
    protecting: set[int] = set()
    alike: dict[frozenset[int], list[int]] = {}  # cells of the same people: shown or hidden together
    for i, atoms in enumerate(members):
        alike.setdefault(atoms, []).append(i)

    def cost(cells: list[int]) -> tuple:
        return (sum(weights[i] for i in cells) if weights else 0, sizes[cells[0]], -cells[-1])

    while True:
        shown = [i for i in range(len(members)) if i not in small and i not in protecting]
        span = Span()
        for i in shown:
            span.add(members[i], i)
        chosen: set[int] = set()
        for target in sorted(small):
            uses = span.support(members[target]) if members[target] else None
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
    for i in sorted(protecting, key=lambda i: cost(alike[members[i]]), reverse=True):
        if i not in protecting:
            continue
        trial = protecting - set(alike[members[i]])
        shown = [j for j in range(len(members)) if j not in small and j not in trial]
        if not recovered(members, shown, sorted(small)):
            protecting = trial
    return Decision(k, sizes, frozenset(small), frozenset(protecting))


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
