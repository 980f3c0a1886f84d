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


# ---- dashboard panels: one page, one decision --------------------------------------------------------


def test_the_panels_of_a_page_are_decided_together_and_finished_from_what_is_shown(app):
    """Everyone (9) in one panel, the mentees (5) in another, the mentors (4) in a third: the mentors are
    «<5», and one of the other two is hidden to protect them, though no panel alone shows a leak. A
    figure a plugin adds to the page's publication itself (as the comparison's report does) is decided
    with them; ``finish`` sees only what is shown; a bare number leaves its panel out."""
    from dataclasses import replace

    from surveys.core.contracts import Headline, Panel
    from surveys.core.published import Publication, publish_panels

    mentees, mentors = people("e", 5), people("o", 4)
    everyone = mentees + mentors
    publication = Publication(K)
    registered: dict[str, str] = {}
    publication.add(mentors, 1, lambda mark: registered.update(mentors=mark))  # a plugin's own figure
    drawn = []

    def draw(panel):  # a chart drawn after the decision, from what is shown
        drawn.append(panel.data["n"])
        return replace(panel, data={**panel.data, "chart": f"bar of {panel.data['n']}"})

    panels = [
        Panel("all", "Все", "t.html", {"n": counted(9, everyone)}, 1, (Headline("n", "n", counted(9, everyone)),)),
        Panel("mentees", "Наставляемые", "t.html", {"n": counted(5, mentees)}, 2, finish=draw),
        Panel("mentors", "Наставники", "t.html", {"rows": [{"n": counted(4, mentors)}]}, 3),
        Panel("years", "Годы", "t.html", {"year": 2026, "n": counted(9, everyone)}, 4, plain=frozenset({"year"})),
        Panel("forgot", "Забыл", "t.html", {"rows": [{"n": 9}]}, 5),
    ]
    with app.test_request_context():
        kept, problems = publish_panels(panels, publication)
    shown = {panel.name: panel for panel in kept}
    assert shown["mentors"].data == {"rows": [{"n": "<5"}]} and registered == {"mentors": "small"}
    protecting = "скрыто для защиты малой группы"
    values = [shown["all"].data["n"], shown["mentees"].data["n"]]
    assert sorted(values, key=str) == sorted([protecting, 9 if values[0] == 9 else 5], key=str)
    assert protecting in values and (9 in values or 5 in values)
    assert shown["all"].headlines[0].value == str(shown["all"].data["n"])  # a headline as its panel shows it
    assert drawn == [shown["mentees"].data["n"]] and shown["mentees"].data["chart"] == f"bar of {drawn[0]}"
    assert shown["years"].data == {"year": 2026, "n": shown["all"].data["n"]}  # the same people, the same fate
    assert "forgot" not in shown and problems == [
        "panel 'forgot': the number at data['rows'][0]['n'] is not wrapped in Counted"
    ]
    assert publication.settled
