"""The comparison sheets of the curator's workbook: the report's numbers, with a native Excel chart.

Every number is computed from a group of people and goes out wrapped in ``counted`` with their
participant codes (surveys/core/published.py), so that the export's disclosure policy decides, over
the whole workbook, which ones an aggregated audience may see; the psychologist's individual export
shows them all. A row's numbers come from its pairs; each reliable change class and «normalised»
count from exactly the people in it; when the waves are not linked, the mean before from the before
wave's participants and the mean after from the after wave's. The report's own hiding (rows under
``min_group``, and the complements of hidden groups) stays: the policy decides on top of it.

A hidden value is a text in its cell, which an Excel chart would draw as 0. So the chart of means
takes its categories from the ``chart label`` column, the row's label wrapped with the row's people:
when the policy hides the row's numbers, the label is hidden with them and the category reads «<5»
or that it is hidden, never as a mean of 0. The reliable change classes of one row can be hidden one
by one (a class of three people is), which no category label can say, so they are not charted.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import gettext as _

from surveys.core.contracts import CampaignTables, Chart, Sheet
from surveys.core.published import counted

from .method_note import note_table
from .report import build_report

COLUMNS = [
    "instrument",
    "scale",
    "label",
    "group",
    "n_pairs",
    "mean_before",
    "mean_after",
    "mean_difference",
    "ci_low",
    "ci_high",
    "wilcoxon_p",
    "p_holm",
    "t_test_p",
    "d_z",
    "rank_biserial",
    "improved",
    "no_reliable_change",
    "deteriorated",
    "normalised",
    "note",
    "chart label",
]
INDEX = {name: i for i, name in enumerate(COLUMNS)}


def _of(value: Any, people: Iterable[str], about: tuple[str, str]) -> Any:
    """``value`` as computed from ``people`` about a scale; an empty cell stays empty."""
    return None if value is None else counted(value, people, about)


def _label(row: dict[str, Any]) -> str:
    label = f"{row['instrument']}: {row.get('title') or row['scale']}"
    return label if row["group"] is None else f"{label} ({row['group']})"


def _row(row: dict[str, Any]) -> list[Any]:
    people = row["people"]
    everyone = people["row"]
    label = _label(row)
    pairs = everyone if row["n_pairs"] else ()  # waves not linked: no pairs, n 0 whoever answered
    about = (row["instrument"], row["scale"])  # decided with that scale's aggregates (surveys/exports/joint.py)
    head = [row["instrument"], row["scale"], label, row["group"], counted(row["n_pairs"], pairs, about)]
    chart_label = counted(label, everyone, about)
    if row["hidden"]:  # the report left only n: the reason says why (a size, no figure of the group)
        return [*head, *[None] * 14, row["reason"], chart_label]
    rci, bands = row.get("rci") or {}, row.get("bands") or {}
    numbers = [
        _of(row["before"]["mean"], people["before"], about),
        _of(row["after"]["mean"], people["after"], about),
        _of(row["difference"]["mean"], everyone, about),
        _of(row["difference"].get("ci_low"), everyone, about),
        _of(row["difference"].get("ci_high"), everyone, about),
        _of((row.get("wilcoxon") or {}).get("p"), everyone, about),
        _of(row.get("p_holm"), everyone, about),
        _of((row.get("t_test") or {}).get("p"), everyone, about),
        _of(row.get("d_z"), everyone, about),
        _of(row.get("rank_biserial"), everyone, about),
        *(_of(rci.get(name), people.get(name, ()), about) for name in ("improved", "no_change", "deteriorated")),
        _of(bands.get("normalised"), people.get("normalised", ()), about),
    ]
    # Why a test is missing can tell about the group's answers (all differences zero): it goes with them.
    return [*head, *numbers, _of(row.get("reason"), everyone, about), chart_label]


def comparison_sheets(
    tables: CampaignTables, instruments, before: int, after: int, group_by: str | None = None
) -> list[Sheet]:
    """The 'comparison' sheet (everyone per scale, and per subgroup with ``group_by``) with its chart,
    and the method note; every figure ``counted`` with the participant codes it comes from."""
    report = build_report(tables, instruments, before, after, group_by=group_by, with_people=True)
    rows = [_row(r) for r in report["scales"]]
    chart = Chart(
        "Mean before and after", INDEX["chart label"], (INDEX["mean_before"], INDEX["mean_after"]), anchor="W2"
    )
    description = _(
        "Input/output comparison per scale: means, tests, effect sizes, reliable change; a chart of the means "
        "(a hidden row shows its mark instead of its label)."
    )
    return [
        Sheet("comparison", COLUMNS, rows, (chart,), description=description),
        Sheet(
            "comparison method",
            ["method note", "figures"],
            note_table(report),
            description=_("How the comparison was computed."),
        ),
    ]
