"""Aggregated sheets through the disclosure policy (surveys/core/published.py): values wrapped in
Counted are decided together across the sheets of one export; bare numbers are found. The attacker
is sympy's exact rank test, independent of the policy's own elimination."""

from __future__ import annotations

import sympy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from surveys.core.contracts import Sheet
from surveys.core.disclosure import decide_groups
from surveys.core.published import Counted, bare_numbers, counted, disclose, reveal, threshold_caption

K = 5


def people(prefix: str, n: int) -> list[str]:
    return [f"{prefix}{i}" for i in range(n)]


def test_a_mean_and_its_n_from_three_people_show_the_threshold_and_the_caption_names_it(app):
    three = people("a", 3)
    sheet = Sheet("swot", ["point", "n"], [[counted("Тревожность: 12.60", three), counted(3, three)]])
    with app.test_request_context():
        (shown,) = disclose([sheet], K)
        assert shown.rows == [["<5", "<5"]]
        assert threshold_caption(K) in shown.description and "5" in threshold_caption(K)


def test_a_group_is_protected_across_two_sheets_published_together(app):
    """Everyone (9) on one sheet, the mentees (5) on another: the 4 mentors, hidden on a third, would follow."""
    mentees, mentors = people("e", 5), people("m", 4)
    everyone = Sheet("all", ["n", "mean"], [[counted(9, mentees + mentors), counted(11.56, mentees + mentors)]])
    by_role = Sheet(
        "roles",
        ["role", "n", "mean"],
        [
            ["mentee", counted(5, mentees), counted(12.6, mentees)],
            ["mentor", counted(4, mentors), counted(10.25, mentors)],
        ],
    )
    with app.test_request_context():
        first, second = disclose([everyone, by_role], K)
        hidden = "скрыто для защиты малой группы"
        assert second.rows[1] == ["mentor", "<5", "<5"]
        assert hidden in first.rows[0] or hidden in second.rows[0]  # one of the two others goes
        shown = [row for row in (first.rows[0], second.rows[0][1:]) if hidden not in row]
        assert len(shown) == 1
        # each sheet alone would have been shown whole
        assert disclose([everyone], K)[0].rows == [[9, 11.56]]


def test_reveal_gives_every_value_and_bare_numbers_are_found_outside_plain_columns():
    sheet = Sheet(
        "s", ["version", "n", "mean", "flag"], [[3, counted(2, "ab"), 4.5, True]], plain_columns=frozenset({0})
    )
    assert bare_numbers(sheet) == [(0, 2)]
    (open_,) = reveal([sheet])
    assert open_.rows == [[3, 2, 4.5, True]]
    assert bare_numbers(Sheet("t", ["n"], [[counted(1, "a")]])) == []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.frozensets(st.integers(0, 14), min_size=1, max_size=12), min_size=1, max_size=9),
)
def test_no_hidden_small_group_follows_from_what_is_shown(groups):
    decision = decide_groups(groups, K)
    assert all(0 < decision.sizes[i] < K for i in decision.small)
    assert all(decision.sizes[i] >= K or decision.sizes[i] == 0 for i in range(len(groups)) if decision.shown(i))
    units = sorted(set().union(*groups))

    def row(group):
        return [1 if u in group else 0 for u in units]

    shown = [row(groups[i]) for i in range(len(groups)) if decision.shown(i)]
    published = sympy.Matrix(shown) if shown else sympy.zeros(0, len(units))
    for i in decision.small:
        assert published.col_join(sympy.Matrix([row(groups[i])])).rank() > published.rank(), (groups, i)


def test_counted_is_its_value_and_group():
    value = Counted(12.5, frozenset({"p1", "p2"}))
    assert value.n == 2 and counted(12.5, ["p2", "p1", "p1"]) == value
