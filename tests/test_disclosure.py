"""The disclosure policy (surveys/core/disclosure.py): small groups stay hidden, and nothing hidden
can be worked out from what is shown. The attacker here is independent of the policy: it solves the
published equations exactly with sympy's rational linear algebra."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import sympy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from surveys.core import disclosure
from surveys.core import span as algebra
from surveys.core.disclosure import (
    PROTECTING,
    SMALL,
    Indexed,
    atoms_of,
    decide,
    decide_groups,
    hidden_label,
    mark_of,
)
from surveys.core.published import Publication

K = 5
ATTRIBUTES = {
    "role": ("mentor", "mentee", "curator"),
    "form": ("ученик–ученик", "учитель–ученик"),
    "wave": ("in", "out"),
}


def margins(attributes: dict[str, tuple[str, ...]]) -> list[dict[str, str]]:
    """Everyone, then every combination of one, two, … attributes: the tables a workbook publishes."""
    cells: list[dict[str, str]] = [{}]
    names = sorted(attributes)
    for size in range(1, len(names) + 1):
        for chosen in itertools.combinations(names, size):
            for values in itertools.product(*(attributes[name] for name in chosen)):
                cells.append(dict(zip(chosen, values, strict=True)))
    return cells


def attacker_recovers(people, cells, shown, target) -> bool:
    """True when the target cell's count (and so its sum) is a rational combination of the shown ones."""
    _sizes, members = atoms_of(people, cells)
    width = 1 + max((a for m in members for a in m), default=0)

    def row(i):
        return [1 if a in members[i] else 0 for a in range(width)]

    if not members[target]:
        return False
    published = sympy.Matrix([row(i) for i in shown]) if shown else sympy.zeros(0, width)
    with_target = published.col_join(sympy.Matrix([row(target)]))
    return with_target.rank() == published.rank()


def people_of(counts: dict[tuple[str, ...], int]) -> list[dict[str, str]]:
    names = sorted(ATTRIBUTES)
    return [dict(zip(names, key, strict=True)) for key, n in counts.items() for _ in range(n)]


def test_a_hidden_group_is_not_given_away_by_the_total_minus_the_others():
    """The reproduction of issue 20: GAD-7 for everyone (9) and for the mentees (5) gave the 4 mentors' mean."""
    people = [{"role": "mentee"}] * 5 + [{"role": "mentor"}] * 4
    cells = [{}, {"role": "mentee"}, {"role": "mentor"}]
    decision = decide(people, cells, K)
    assert decision.sizes == (9, 5, 4)
    assert decision.small == {2} and len(decision.protecting) == 1
    assert not attacker_recovers(people, cells, [i for i in range(3) if decision.shown(i)], 2)
    assert attacker_recovers(people, cells, [0, 1], 2), "hiding only the small group would give it away"


def test_cells_of_five_or_more_are_all_shown_when_nothing_small_is_near():
    people = [{"role": "mentee"}] * 7 + [{"role": "mentor"}] * 6
    decision = decide(people, [{}, {"role": "mentee"}, {"role": "mentor"}], K)
    assert decision.hidden == set() and decision.sizes == (13, 7, 6)


def test_an_empty_group_is_shown_and_protects_nothing():
    people = [{"role": "mentee"}] * 6
    decision = decide(people, [{}, {"role": "mentee"}, {"role": "mentor"}], K)
    assert decision.hidden == set() and decision.sizes == (6, 6, 0)


def test_a_small_group_across_two_tables_is_protected_in_both():
    """Class × role and class totals published together: a class's one small role is protected across them."""
    people = (
        [{"group": "9А", "role": "mentee"}] * 6
        + [{"group": "9А", "role": "mentor"}] * 2
        + [{"group": "9Б", "role": "mentee"}] * 7
        + [{"group": "9Б", "role": "mentor"}] * 8
    )
    cells = [{"group": g} for g in ("9А", "9Б")] + [
        {"group": g, "role": r} for g in ("9А", "9Б") for r in ("mentee", "mentor")
    ]
    cells += [{"role": r} for r in ("mentee", "mentor")] + [{}]
    decision = decide(people, cells, K)
    small = [i for i, n in enumerate(decision.sizes) if 0 < n < K]
    assert decision.small == set(small) and small
    shown = [i for i in range(len(cells)) if decision.shown(i)]
    assert not any(attacker_recovers(people, cells, shown, i) for i in small)
    assert decision.protecting, "the 9А total and the mentors' total would give the small cell away"


def support(rows, target, modular=False):
    """The rows (by position) the one expansion of ``target`` over them uses; None when it is not in their span."""
    cells = [*rows, target]
    return algebra.expansions(algebra.gram_of(cells), range(len(rows)), [len(rows)], modular)[len(rows)]


def test_the_span_agrees_with_sympy_on_a_known_dependency():
    assert support([frozenset({0, 1}), frozenset({1, 2}), frozenset({0})], frozenset({2})) is not None
    assert support([frozenset({0, 1}), frozenset({1, 2})], frozenset({0})) is None  # (1,2) − (0,1) + (0) = (2)


def test_the_span_names_the_shown_cells_a_recovery_uses():
    rows = [frozenset({0, 1}), frozenset({1, 2}), frozenset({0}), frozenset({3})]
    assert support(rows, frozenset({2})) == {0, 1, 2}  # (1,2) − (0,1) + (0): the cell of 3 is not used
    assert support(rows, frozenset({4})) is None


def test_the_cheapest_cell_is_hidden_to_protect_a_small_one():
    """Everyone (10) = mentees (6) + mentors (4): one of the two shown cells must go; the weights (how many
    values each stands for) decide which."""
    people = [{"role": "mentee"}] * 6 + [{"role": "mentor"}] * 4
    cells = [{}, {"role": "mentee"}, {"role": "mentor"}]
    assert decide(people, cells, K, weights=[1, 30, 1]).protecting == {0}
    assert decide(people, cells, K, weights=[30, 1, 1]).protecting == {1}


def test_marks_say_why_a_cell_is_hidden(app):
    people = [{"role": "mentee"}] * 5 + [{"role": "mentor"}] * 4
    decision = decide(people, [{}, {"role": "mentee"}, {"role": "mentor"}], K)
    assert [mark_of(decision, i) for i in range(3)] == [None, PROTECTING, SMALL]
    with app.test_request_context():
        assert hidden_label(SMALL, K) == "<5"
        assert hidden_label(PROTECTING, K) == "скрыто для защиты малой группы"


sizes = st.integers(min_value=0, max_value=2 * K + 1)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(sizes, min_size=12, max_size=12))
def test_no_small_group_can_be_recovered_from_every_margin_published_together(counts):
    """Groups of every size around k in roles × forms × waves; every margin is published at once."""
    keys = list(itertools.product(*(ATTRIBUTES[name] for name in sorted(ATTRIBUTES))))
    people = people_of(dict(zip(keys, counts, strict=True)))
    cells = margins(ATTRIBUTES)
    decision = decide(people, cells, K)
    shown = [i for i in range(len(cells)) if decision.shown(i)]
    assert all(not 0 < decision.sizes[i] < K for i in shown), "a small group is shown"
    for target in sorted(decision.small):
        assert not attacker_recovers(people, cells, shown, target), cells[target]
    assert all(decision.sizes[i] >= K for i in decision.protecting), "a «protecting» mark on a small group"


cell_sets = st.frozensets(st.integers(min_value=0, max_value=7), max_size=6)


@settings(max_examples=60, deadline=None)
@given(st.lists(cell_sets, min_size=1, max_size=9), cell_sets.filter(bool))
def test_the_span_gives_the_expansion_sympy_finds_in_the_first_independent_cells(rows, target):
    """Decided from the Gram matrix alone, the span must say what elimination on the cells says: the
    target is in the span exactly when sympy finds it there, and the shown cells it uses are those with
    a nonzero coefficient in its one expansion over the cells kept in order (each independent of those
    before it)."""

    def vector(atoms):
        return [1 if a in atoms else 0 for a in range(8)]

    basis: list[int] = []
    for label in range(len(rows)):
        if sympy.Matrix([vector(rows[i]) for i in [*basis, label]]).rank() > len(basis):
            basis.append(label)
    found, modular = support(rows, target), support(rows, target, modular=True)
    assert found == modular, "modulo the prime the same answer"
    if not basis:
        assert found is None
        return
    published = sympy.Matrix([vector(rows[i]) for i in basis]).T
    try:
        solution, free = published.gauss_jordan_solve(sympy.Matrix(vector(target)))
    except ValueError:  # no solution: the target is not in the span
        assert found is None
        return
    assert not free.shape[0], "the basis is independent: one expansion"
    assert found == {basis[i] for i, c in enumerate(solution) if c != 0}


@settings(max_examples=25, deadline=None)
@given(st.lists(st.frozensets(st.integers(min_value=0, max_value=59), max_size=40), min_size=2, max_size=14))
def test_groups_of_many_people_give_no_small_group_away(groups):
    """More people than groups (the Gram matrix is then much smaller than the cells' vectors): whatever
    the policy shows, sympy cannot work a small group out of it."""
    decision = decide_groups(groups, K)
    units = sorted(set().union(*groups))
    shown = [i for i in range(len(groups)) if decision.shown(i)]
    matrix = sympy.Matrix([[1 if u in groups[i] else 0 for u in units] for i in shown]) if shown else None
    for target in decision.small:
        row = sympy.Matrix([[1 if u in groups[target] else 0 for u in units]])
        if matrix is None:
            continue
        assert matrix.col_join(row).rank() > matrix.rank(), f"group {target} is worked out"
    assert all(not 0 < decision.sizes[i] < K for i in shown)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.frozensets(st.integers(min_value=0, max_value=29), max_size=20), min_size=2, max_size=12))
def test_choosing_modulo_the_prime_decides_as_exact_elimination_does(groups):
    """The policy chooses modulo a 62-bit prime and checks the result exactly: the choices are the
    exact ones (the prime divides none of these minors)."""
    atoms = sorted(set().union(*groups))
    members = [frozenset(atoms.index(u) for u in g) for g in groups]
    sizes, gram = [len(m) for m in members], algebra.gram_of(members)
    chosen = disclosure._settle(sizes, members, gram, K, modular=True)
    assert chosen == disclosure._settle(sizes, members, gram, K, modular=False)


def test_a_prime_that_misleads_the_choice_is_caught_by_the_exact_check(monkeypatch):
    """Three shown groups over three sets of people, A = x + y, B = y + z, C = x + z, give the 3 people
    of x as (A − B + C) / 2. Modulo 2 the halving is impossible and the leak is not seen; the exact
    check of the final choice sees it and the decision is made again exactly: one of A, B, C is hidden,
    as with the real prime."""
    x, y, z = ({f"{name}{i}" for i in range(n)} for name, n in (("x", 3), ("y", 5), ("z", 5)))
    groups = [frozenset(x | y), frozenset(y | z), frozenset(x | z), frozenset(x)]
    honest = decide_groups(groups, K)
    assert honest.small == {3} and len(honest.protecting) == 1
    exact_runs = []
    settle = disclosure._settle

    def spy(*args, **kwargs):
        exact_runs.append(kwargs.get("modular", True) is False)
        return settle(*args, **kwargs)

    monkeypatch.setattr(disclosure, "_settle", spy)
    monkeypatch.setattr(algebra, "PRIME", 2)
    assert algebra.expansions(
        algebra.gram_of([frozenset({0, 1}), frozenset({1, 2}), frozenset({0, 2}), frozenset({0})]),
        [0, 1, 2],
        [3],
        modular=True,
    ) == {3: None}
    assert decide_groups(groups, K) == honest
    assert exact_runs == [False, True], "the exact run must have been needed"


def test_an_indexed_group_is_the_same_group_as_its_ids():
    """A report hands its groups over as positions in its codes; mixed with groups of ids from another
    panel on the same page, the same people are the same units: the decision is the one taken on ids."""
    codes = np.array([f"P{i:02d}" for i in range(14)], dtype=object)
    mentees, mentors = np.arange(0, 10), np.arange(10, 14)
    by_ids = [frozenset(codes.tolist()), frozenset(codes[mentees].tolist()), frozenset(codes[mentors].tolist())]
    mixed = [frozenset(codes.tolist()), Indexed(codes, mentees), Indexed(codes, mentors)]
    decision = decide_groups(mixed, K)
    assert decision == decide_groups(by_ids, K)
    assert decision.small == {2} and len(decision.protecting) == 1, "everyone − the mentees gives the 4 mentors"
    assert Indexed(codes, mentors).ids() == ["P10", "P11", "P12", "P13"]
    shuffled = [mixed[0], mixed[1], Indexed(codes, np.array([13, 10, 12, 10, 11]))]  # out of order, one twice
    assert decide_groups(shuffled, K) == decision
    publication = Publication(K)
    hidden: list[str] = []
    publication.add(by_ids[0], 1, hidden.append)
    publication.add(Indexed(codes, mentees), 1, hidden.append)
    publication.add(Indexed(codes, mentees.copy()), 1, hidden.append)  # the same group again: one figure more
    publication.add(Indexed(codes, mentors), 1, hidden.append)
    publication.settle()
    assert len(publication.sets) == 3 and publication.weights == [1, 2, 1]
    assert hidden.count(SMALL) == 1 and hidden.count(PROTECTING) == 1  # the total costs fewer values


def test_the_gram_matrix_counts_shared_people_across_blocks_of_columns():
    """The Gram matrix is built a block of people at a time: groups spread over several blocks, given
    as sorted positions, unsorted positions or sets, share exactly as many people as their sets do."""
    rng = np.random.default_rng(25)
    groups = [rng.choice(30_000, size=size, replace=False) for size in (0, 1, 9, 8_192, 8_193, 20_000, 29_999)]
    given = [np.sort(groups[0]), groups[1], frozenset(groups[2].tolist()), np.sort(groups[3]), *groups[4:]]
    gram = algebra.gram_of(given)
    sets = [set(g.tolist()) for g in groups]
    assert gram.tolist() == [[len(a & b) for b in sets] for a in sets]


@settings(max_examples=40, deadline=None)
@given(st.lists(cell_sets.filter(bool), min_size=3, max_size=9), st.data())
def test_the_residuals_say_what_one_more_shown_cell_gives_away(rows, data):
    """The give-back's bookkeeping (span.residuals, span.shown_too) against sympy: a cell adds nothing
    exactly when what is left of it is 0; a cell t outside the span is in it with v exactly when what is
    left of the two is parallel; showing v then leaves what sympy's span of the larger set leaves."""
    split = data.draw(st.integers(min_value=1, max_value=len(rows) - 2))
    shown, others = list(range(split)), list(range(split, len(rows)))

    def rank(cells):
        return sympy.Matrix([[1 if a in rows[c] else 0 for a in range(8)] for c in cells]).rank() if cells else 0

    def inside(cell, cells):
        return rank([*cells, cell]) == rank(cells)

    gram = algebra.gram_of(rows)
    left = algebra.residuals(gram, shown, others)
    for a, cell in enumerate(others):
        assert (left[a, a] == 0) == inside(cell, shown)
    v = next((a for a, cell in enumerate(others) if not inside(cell, shown)), None)
    if v is None:
        return
    for a, cell in enumerate(others):
        if a != v and not inside(cell, shown):
            parallel = left[a, a] * left[v, v] == left[a, v] * left[v, a]
            assert parallel == inside(cell, [*shown, others[v]])
    after = algebra.shown_too(left, v)
    for a, cell in enumerate(others):
        assert (after[a, a] == 0) == inside(cell, [*shown, others[v]])


@pytest.mark.parametrize("prime", [None, 7, 2])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(cell_sets.filter(bool), min_size=2, max_size=10), st.data())
def test_the_quick_proof_that_no_small_cell_follows_is_never_wrong(monkeypatch, prime, rows, data):
    """span.apart proves, without exact elimination, that no target is a combination of the shown cells.
    Whatever the prime (the real one, or one so small that the modular work is often wrong), when it
    says proven, sympy agrees; with the real prime it proves the cases with nothing to find."""
    if prime is not None:
        monkeypatch.setattr(algebra, "PRIME", prime)
    split = data.draw(st.integers(min_value=1, max_value=len(rows) - 1))
    shown, targets = list(range(split)), list(range(split, len(rows)))

    def rank(cells):
        return sympy.Matrix([[1 if a in rows[c] else 0 for a in range(8)] for c in cells]).rank() if cells else 0

    recoverable = [t for t in targets if rank([*shown, t]) == rank(shown)]
    proven = algebra.apart(algebra.gram_of(rows), shown, targets)
    assert not (proven and recoverable), "proven apart, but sympy works a target out"
    if prime is None and not recoverable:
        assert proven, "nothing to find, and the relations of 0/1 cells are short: the proof should go through"


def test_the_quick_proof_checks_its_relations_over_the_integers(monkeypatch):
    """Modulo 2, C = A + B for A = x + y, B = y + z, C = x + z (each atom twice), so the shown cells
    look two-dimensional and x looks apart from them; over the integers A + B − C = 2y, not 0: the
    relation fails its check and nothing is proven (x = (A − B + C) / 2 is recoverable)."""
    rows = [frozenset({0, 1}), frozenset({1, 2}), frozenset({0, 2}), frozenset({0})]
    assert not algebra.apart(algebra.gram_of(rows), [0, 1, 2], [3])
    monkeypatch.setattr(algebra, "PRIME", 2)
    assert not algebra.apart(algebra.gram_of(rows), [0, 1, 2], [3])
    assert algebra.apart(algebra.gram_of(rows), [0, 1], [3])  # without C it is apart, and proven so
