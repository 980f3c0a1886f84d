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
size is the number of cells whatever the number of people, by fraction-free integer elimination
(FLINT, through python-flint): a campaign of 10,000 participants decides as fast as one of 300.
The functions are pure: no database, no request.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import flint
import numpy as np
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


def _gram(members: Sequence[Iterable[int]]) -> np.ndarray:
    """How many atoms (or units) each two cells share: the Gram matrix of their 0/1 vectors (exact).

    A block of columns at a time, as a dense 0/1 matrix multiplied by its transpose (BLAS): float32
    counts are exact up to 2**24, far more than a block's width. For 321 groups of 100,000 people
    (a comparison's figures) about 0.1 s, against 1 s for a sparse product."""
    cells = [
        _distinct(np.asarray(atoms, dtype=np.int64) if isinstance(atoms, np.ndarray) else np.fromiter(atoms, np.int64))
        for atoms in members
    ]
    width = max((int(c[-1]) + 1 for c in cells if c.size), default=0)
    gram = np.zeros((len(cells), len(cells)), dtype=np.int64)
    step = max(256, min(8192, (1 << 22) // max(len(cells), 1)))  # a block of about 16 MB at most
    block = np.zeros((len(cells), step), dtype=np.float32)
    for low in range(0, width, step):
        block[:] = 0
        for row, cell in enumerate(cells):
            start, stop = np.searchsorted(cell, (low, low + step))
            block[row, cell[start:stop] - low] = 1
        gram += np.rint(block @ block.T).astype(np.int64)
    return gram


PRIME = (1 << 62) - 57  # the largest prime below 2**62: FLINT's word-size modular arithmetic


def _expansions(
    gram: np.ndarray, shown: Sequence[int], targets: Sequence[int], modular: bool = False
) -> dict[int, set[int] | None]:
    """For each target cell, the shown cells its one expansion uses, or None when it is not a linear
    combination of the shown cells (``gram`` from :func:`_gram`; targets must not be empty cells).

    The shown cells are taken in order, each kept when it is independent of those kept before (the
    basis); a target in their span has one expansion in that basis. All of this follows from the
    Gram matrix alone, whatever the number of atoms: the reduced row echelon form of
    ``[G(shown, shown) | G(shown, targets)]`` has its pivots at the basis and gives the coefficients
    ``c`` of each target's projection on the span; the target is in the span exactly when what is
    left, ``G(t, t) − Σ c·G(basis, t)``, is zero (its squared distance to the span).

    Exact (fraction-free integer elimination, FLINT) by default; ``modular``: the same modulo
    :data:`PRIME`, several times faster, and the same answer unless the prime divides one of the
    minors involved (integers of a few hundred digits): :func:`_settle` uses it to choose and
    checks its final choice exactly.
    """
    if not targets:
        return {}
    if not shown:
        return dict.fromkeys(targets)
    shown_at, target_at = np.asarray(shown), np.asarray(targets)
    block = np.concatenate((gram[np.ix_(shown_at, shown_at)], gram[np.ix_(shown_at, target_at)]), axis=1)
    if modular:
        reduced, rank = flint.nmod_mat(block.tolist(), PRIME).rref()
        denominator = 1
    else:
        reduced, denominator, rank = flint.fmpz_mat(block.tolist()).rref()
        denominator = int(denominator)
    width = len(shown)
    pivots: list[int] = []  # the basis: each row's first nonzero column, increasing (read entry by entry:
    column = 0  # the entries are large integers, and only these and the targets' columns are needed)
    for row in range(rank):
        while column < width and reduced[row, column] == 0:
            column += 1
        pivots.append(column)
        column += 1
    found: dict[int, set[int] | None] = {}
    for column, target in enumerate(targets, start=width):
        coefficients = [(shown[p], int(reduced[row, column])) for row, p in enumerate(pivots) if p < width]
        left = denominator * int(gram[target, target]) - sum(c * int(gram[cell, target]) for cell, c in coefficients)
        if modular:
            left %= PRIME
        found[target] = None if left else {cell for cell, c in coefficients if c}
    return found


class Span:
    """The row space of 0/1 vectors (cells, as sets of atoms) over the rationals.

    Each added vector has a ``label``; :meth:`support` says which of them a combination giving a cell
    uses (the first independent ones, in the order added). Decided exactly by :func:`_expansions`.
    """

    def __init__(self, rows: Iterable[frozenset[int]] = ()) -> None:
        self._rows: list[tuple[int, frozenset[int]]] = []
        for label, row in enumerate(rows):
            self.add(row, label)

    def add(self, atoms: frozenset[int], label: int = -1) -> None:
        self._rows.append((label, atoms))

    def support(self, atoms: frozenset[int]) -> set[int] | None:
        """The labels of the added vectors one combination giving ``atoms`` uses; None when none does."""
        if not atoms:
            return set()
        cells = [row for _label, row in self._rows] + [atoms]
        uses = _expansions(_gram(cells), range(len(self._rows)), [len(self._rows)])[len(self._rows)]
        return None if uses is None else {self._rows[i][0] for i in uses}

    def contains(self, atoms: frozenset[int]) -> bool:
        """True when the cell made of ``atoms`` is a linear combination of the rows."""
        return self.support(atoms) is not None


def recovered(members: Sequence[frozenset[int]], shown: Iterable[int], targets: Iterable[int]) -> list[int]:
    """The cells among ``targets`` whose value follows exactly from the ``shown`` cells."""
    wanted = [t for t in targets if members[t]]
    found = _expansions(_gram(members), list(shown), wanted)
    return [t for t in wanted if found[t] is not None]


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
    return _settle(sizes, members, _gram(members), k, weights)


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


def _distinct(numbers: np.ndarray) -> np.ndarray:
    """The numbers sorted, each once (as they mostly come already: positions picked from a mask)."""
    if numbers.size < 2 or bool((numbers[1:] > numbers[:-1]).all()):
        return numbers
    return np.unique(numbers)


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
            return _distinct(shared[id(group.units)][group.index])
        return _distinct(np.fromiter((number.setdefault(u, len(number)) for u in group), np.int64))

    units = [numbers(group) for group in groups]
    same = [u.tobytes() for u in units]  # groups of the same people, whichever way they were given
    return _settle([u.size for u in units], same, _gram(units), k, weights)


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
        expansions = _expansions(gram, shown, targets, modular)
        chosen: set[int] = set()
        for target in targets:
            uses = expansions[target]
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
        if all(uses is None for uses in _expansions(gram, shown, targets, modular).values()):
            protecting = trial
    shown = [j for j in range(len(members)) if j not in small and j not in protecting]
    if modular and any(uses is not None for uses in _expansions(gram, shown, targets).values()):
        return _settle(sizes, members, gram, k, weights, modular=False)
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
