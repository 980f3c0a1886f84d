"""The comparison report as an aggregated audience sees it: every figure through the core's policy.

:func:`disclosed` takes a report built with ``with_people=True`` (who is behind each figure) and
decides over all its figures at once with the core's disclosure policy
(``surveys.core.disclosure.decide_groups``; docs/privacy.md): a figure from fewer than ``k`` people is
hidden, and so is any figure that would let a hidden one be worked out (the total minus the groups,
a cross-table's margins, the attrition counts). What it returns has no participant codes, and:

- a hidden figure is ``None``; ``marks`` (on the row, the correlation, the expectation, the report
  for the attrition) names why with the label to show: «<5» for a small group, «скрыто для защиты
  малой группы» for a group hidden to protect one. Scale rows hidden as a whole also get
  ``hidden: true`` and ``mark``.
- a band table's symmetry test (McNemar, Bowker) is left out when any of its cells is hidden: its
  statistic is a function of the cells and can give a hidden one back;
- ``pairs`` (each pair's before and after scores, for the slope chart) is left out: trajectories
  person by person are individual results, which only the psychologist sees.
- ``disclosure`` names the threshold and the two labels; the method note is written anew from what
  is shown.

The psychologist's page and a token with ``responses:read`` get the report as built.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import numpy as np

from surveys.core.disclosure import PROTECTING, SMALL, Indexed, hidden_label
from surveys.core.published import Publication

from .method_note import method_note

ROW_FIGURES = ("difference", "wilcoxon", "t_test", "d_z", "rank_biserial", "p_holm", "independent", "rci", "bands")
RCI_CLASSES = ("improved", "no_change", "deteriorated")


def _mark(target: dict[str, Any], key: str, k: int) -> Callable[[str], None]:
    def hide(mark: str) -> None:
        target.setdefault("marks", {})[key] = hidden_label(mark, k)

    return hide


def _row(figures: Publication, row: dict[str, Any], k: int) -> None:
    people = row.pop("people")

    def hide_row(mark: str) -> None:
        row.update(hidden=True, mark=mark, reason=hidden_label(mark, k))
        row["n_pairs"] = None
        for name in ROW_FIGURES:
            row[name] = None
        row["difference"] = {"mean": None, "ci_low": None, "ci_high": None}
        row.setdefault("marks", {})["n"] = hidden_label(mark, k)

    def hide_wave(which: str) -> Callable[[str], None]:
        def hide(mark: str) -> None:
            row[which] = {"mean": None, "median": None, "n": None}
            row.setdefault("marks", {})[which] = hidden_label(mark, k)
            # the row's difference and tests come from both waves: with the other wave's mean shown,
            # they would give this one back (unlinked waves), so they go with it
            hide_row(mark)

        return hide

    figures.add(people["row"], 12, hide_row)
    figures.add(people["before"], 3, hide_wave("before"))
    figures.add(people["after"], 3, hide_wave("after"))
    rci, bands = row.get("rci"), row.get("bands")
    for name in RCI_CLASSES if rci else ():

        def hide_class(mark: str, name: str = name) -> None:
            if row.get("rci"):
                row["rci"][name] = None
            _mark(row, name, k)(mark)

        figures.add(people.get(name), 1, hide_class)
    if bands and bands.get("normalised") is not None:

        def hide_normalised(mark: str) -> None:
            if row.get("bands"):
                row["bands"]["normalised"] = None
            _mark(row, "normalised", k)(mark)

        figures.add(people.get("normalised"), 1, hide_normalised)
    cross = (people.get("bands") or []) if bands else []
    size = len(cross)
    for i, cells in enumerate(cross):
        for j, cell in enumerate(cells):

            def hide_cell(mark: str, i: int = i, j: int = j) -> None:
                if row.get("bands"):
                    row["bands"]["table"][i][j] = None
                    # the symmetry test is a function of the cells: with one hidden, it could give it away
                    row["bands"]["test"] = None
                marks = row.setdefault("marks", {}).setdefault("bands", [[None] * size for _ in range(size)])
                marks[i][j] = hidden_label(mark, k)

            figures.add(cell, 1, hide_cell)
    # Each wave's count in a band is a margin of the table (a row's sum before, a column's after), and
    # pages show it: a margin is a figure of its own, so that a small one is neither shown nor left to
    # be worked out as the total minus the other margins. Hiding it hides its cells (a page shows a
    # margin only when all its cells are shown).
    for margin in (*_margins(cross, by_row=True), *_margins(cross, by_row=False)):

        def hide_margin(_mark: str, margin: tuple[tuple[int, int], ...] = margin[1]) -> None:
            for i, j in margin:
                if row.get("bands") and row["bands"]["table"][i][j] is not None:
                    row["bands"]["table"][i][j] = None
                    row["bands"]["test"] = None
                    marks = row.setdefault("marks", {}).setdefault("bands", [[None] * size for _ in range(size)])
                    small = 0 < len(cross[i][j] or ()) < k  # «<k» only for a cell of that few
                    marks[i][j] = hidden_label(SMALL if small else PROTECTING, k)

        figures.add(margin[0], 1, hide_margin)
    row.pop("pairs", None)


def _margins(cross: list[list[Any]], by_row: bool) -> list[tuple[frozenset, tuple[tuple[int, int], ...]]]:
    """Each row's (``by_row``) or column's people, and the cells that make it up."""
    size = len(cross)
    out = []
    for line in range(size):
        cells = tuple((line, j) if by_row else (j, line) for j in range(size))
        out.append((_union([cross[i][j] for i, j in cells]), cells))
    return out


def _union(groups: list[Any]) -> Any:
    """The people of several groups together: positions put together when the groups are positions
    in the same codes (a report's), else a set of the codes."""
    if groups and all(isinstance(g, Indexed) and g.units is groups[0].units for g in groups):
        return Indexed(groups[0].units, np.unique(np.concatenate([g.index for g in groups])))
    return frozenset().union(*(g or () for g in groups))


TEST_FIGURES = {
    "spearman": ("n", "rho", "p"),
    "mann_whitney": ("n", "u", "rank_biserial", "p"),
    "kruskal_wallis": ("n", "h", "epsilon_squared", "p"),
}


def _hide_entry(entry: dict[str, Any], names: tuple[str, ...], k: int) -> Callable[[str], None]:
    def hide(mark: str) -> None:
        entry.update(dict.fromkeys(names), hidden=True)
        if "categories" in entry:  # a rank test's per-category n go with its figures
            for category in entry["categories"]:
                category["n"] = None
        entry["marks"] = {"n": hidden_label(mark, k)}

    return hide


def _factor(figures: Publication, entry: dict[str, Any], k: int) -> None:
    """A correlation or rank test with a factor: its figures with the people behind its n and, for a
    rank test, each category's n with its people (hiding any of them hides the whole entry); the
    people of its scale's change it leaves out (no category, or one under ``k``) are a group of their
    own that is never shown, but is the scale's pairs minus the test's n: added when small, it is
    hidden at once and the policy hides what would let it be worked out."""
    names = TEST_FIGURES.get(entry.get("test", "spearman"), TEST_FIGURES["spearman"])
    hide = _hide_entry(entry, names, k)
    figures.add(entry.pop("people", ()), len(names), hide)
    for group in entry.pop("people_by_category", ()):
        figures.add(group, 1, hide)
    left_out = entry.pop("people_left_out", ())
    if 0 < len(left_out) < k:  # small, so hidden at once: the policy then keeps it from being worked out
        figures.add(left_out, 1, lambda _mark: None)


def disclosed(report: dict[str, Any], k: int, publication: Publication | None = None) -> dict[str, Any]:
    """The report for an aggregated audience (see the module docstring); ``report`` is left as it was.

    With ``publication`` (a page's, with other panels' figures) its figures are decided with the others
    when the page settles it, and the report is complete only then; without, at once."""
    # The people behind the figures are read, never changed, and are most of the report: shared, not copied.
    people = [report.get("people"), *(row.get("people") for row in report["scales"])]
    for entry in (*report["correlations"], *report["expectations"]):
        people += [entry.get(name) for name in ("people", "people_by_category", "people_left_out")]
    out = copy.deepcopy(report, {id(group): group for group in people if group is not None})
    figures = Publication(k) if publication is None else publication
    for row in out["scales"]:
        _row(figures, row, k)
    people = out.pop("people", {})
    for key in ("both", "before_only", "after_only"):

        def hide_attrition(mark: str, key: str = key) -> None:
            out["attrition"][key] = None
            out.setdefault("attrition_marks", {})[key] = hidden_label(mark, k)

        figures.add(people.get(key), 1, hide_attrition)
    for entry in out["correlations"]:
        _factor(figures, entry, k)
    for entry in out["expectations"]:
        names = ("n", "mean_expected", "mean_real", "mean_gap")
        figures.add(entry.pop("people", ()), len(names), _hide_entry(entry, names, k))
    out["disclosure"] = {"min_group": k, "small": hidden_label(SMALL, k), "protecting": hidden_label(PROTECTING, k)}

    def write_note() -> None:
        out["method_note"] = method_note(out)  # from what is shown

    figures.after(write_note)
    if publication is None:
        figures.settle()
    return out
