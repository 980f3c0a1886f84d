"""The comparison sheets of the curator's workbook: the report's numbers, with native Excel charts."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from surveys.core.contracts import CampaignTables, Chart, Sheet

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
]


def _row(row: dict[str, Any]) -> list[Any]:
    label = f"{row['instrument']}: {row.get('title') or row['scale']}"
    if row["hidden"]:
        return [row["instrument"], row["scale"], label, row["group"], row["n_pairs"]] + [None] * 14 + [row["reason"]]
    rci, bands = row.get("rci") or {}, row.get("bands") or {}
    return [
        row["instrument"],
        row["scale"],
        label,
        row["group"],
        row["n_pairs"],
        row["before"]["mean"],
        row["after"]["mean"],
        row["difference"]["mean"],
        row["difference"].get("ci_low"),
        row["difference"].get("ci_high"),
        (row.get("wilcoxon") or {}).get("p"),
        row.get("p_holm"),
        (row.get("t_test") or {}).get("p"),
        row.get("d_z"),
        row.get("rank_biserial"),
        rci.get("improved"),
        rci.get("no_change"),
        rci.get("deteriorated"),
        bands.get("normalised"),
        row.get("reason"),
    ]


def comparison_sheets(tables: CampaignTables, instruments, before: int, after: int) -> list[Sheet]:
    """The 'comparison' sheet (everyone, per scale) with charts, and the method note."""
    report = build_report(tables, instruments, before, after)
    rows = [_row(r) for r in report["scales"] if r["group"] is None]
    index = {name: i for i, name in enumerate(COLUMNS)}
    charts = (
        Chart("Mean before and after", index["label"], (index["mean_before"], index["mean_after"]), anchor="V2"),
        Chart(
            "Reliable change",
            index["label"],
            (index["improved"], index["no_reliable_change"], index["deteriorated"]),
            kind="bar",
            subtype="stacked",
            anchor="V20",
        ),
    )
    note = [[paragraph] for paragraph in report["method_note"].split("\n\n") if paragraph.strip()]
    return [
        Sheet(
            "comparison",
            COLUMNS,
            rows,
            charts,
            description=_("Input/output comparison per scale: means, tests, effect sizes, reliable change; charts."),
        ),
        Sheet("comparison method", ["method note"], note, description=_("How the comparison was computed.")),
    ]
