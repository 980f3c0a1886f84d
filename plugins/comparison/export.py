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
from flask_babel import lazy_gettext as _l

from surveys.core.contracts import CampaignTables, Chart, Sheet
from surveys.core.export_labels import locale
from surveys.core.published import counted

from .method_note import note_table
from .report import build_report

COLUMNS = [
    "instrument",
    "instrument_id",
    "scale",
    "scale_id",
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
    "chart_label",
]
HEADERS = {
    "instrument": _l("Questionnaire"),
    "instrument_id": _l("Questionnaire id"),
    "scale": _l("Scale"),
    "scale_id": _l("Scale id"),
    "label": _l("Label"),
    "group": _l("Subgroup"),
    "n_pairs": _l("Pairs (n)"),
    "mean_before": _l("Mean before"),
    "mean_after": _l("Mean after"),
    "mean_difference": _l("Mean difference"),
    "ci_low": _l("95% CI, lower bound"),
    "ci_high": _l("95% CI, upper bound"),
    "wilcoxon_p": _l("Wilcoxon test, p"),
    "p_holm": _l("p with Holm's correction"),
    "t_test_p": _l("Paired t-test, p"),
    "d_z": _l("Effect size d_z"),
    "rank_biserial": _l("Rank-biserial correlation"),
    "improved": _l("Reliably improved"),
    "no_reliable_change": _l("No reliable change"),
    "deteriorated": _l("Reliably deteriorated"),
    "normalised": _l("Moved into the norm"),
    "note": _l("Note"),
    "chart_label": _l("Chart label"),
}
NOTE_HEADERS = {"method_note": _l("Method note"), "figures": _l("Figures")}
# Excel number formats: statistics with 2 decimals, p-values with 3 (the cells keep the full value).
TWO = ("mean_before", "mean_after", "mean_difference", "ci_low", "ci_high", "d_z", "rank_biserial")
THREE = ("wilcoxon_p", "p_holm", "t_test_p")
INDEX = {name: i for i, name in enumerate(COLUMNS)}


def _of(value: Any, people: Iterable[str], about: tuple[str, str]) -> Any:
    """``value`` as computed from ``people`` about a scale; an empty cell stays empty."""
    return None if value is None else counted(value, people, about)


def _titles(row: dict[str, Any], instruments) -> tuple[str, str]:
    """The row's instrument and scale titles in the export's language (the ids when not loaded)."""
    instrument = instruments.get(row["instrument"])
    scale = instrument.scale(row["scale"]) if instrument is not None else None
    language = locale()
    return (
        instrument.title.get(language) if instrument is not None else row["instrument"],
        scale.title.get(language) if scale is not None else row.get("title") or row["scale"],
    )


def _label(row: dict[str, Any], titles: tuple[str, str]) -> str:
    label = f"{titles[0]}: {titles[1]}"
    return label if row["group"] is None else f"{label} ({row['group']})"


def _row(row: dict[str, Any], instruments) -> list[Any]:
    people = row["people"]
    everyone = people["row"]
    titles = _titles(row, instruments)
    label = _label(row, titles)
    pairs = everyone if row["n_pairs"] else ()  # waves not linked: no pairs, n 0 whoever answered
    about = (row["instrument"], row["scale"])  # decided with that scale's aggregates (surveys/exports/joint.py)
    head = [titles[0], row["instrument"], titles[1], row["scale"], label, row["group"]]
    head.append(counted(row["n_pairs"], pairs, about))
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
    rows = [_row(r, instruments) for r in report["scales"]]
    chart = Chart(
        _("Mean before and after"), INDEX["chart_label"], (INDEX["mean_before"], INDEX["mean_after"]), anchor="Z2"
    )
    formats = {INDEX[key]: "0.00" for key in TWO} | {INDEX[key]: "0.000" for key in THREE}
    description = _(
        "Input/output comparison per scale: means, tests, effect sizes, reliable change; a chart of the means "
        "(a hidden row shows its mark instead of its label)."
    )
    return [
        Sheet(
            _("Comparison of waves"),
            [str(HEADERS[key]) for key in COLUMNS],
            rows,
            (chart,),
            number_formats=formats,
            description=description,
            key="comparison",
            keys=list(COLUMNS),
        ),
        Sheet(
            _("Comparison — method"),
            [str(NOTE_HEADERS[key]) for key in NOTE_HEADERS],
            note_table(report),
            widths=[80, 60],
            description=_("How the comparison was computed."),
            key="comparison method",
            keys=list(NOTE_HEADERS),
        ),
    ]
