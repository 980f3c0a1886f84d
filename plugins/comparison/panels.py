"""The comparison's panels on a programme's dashboard and in its printed report.

For each campaign of the programme that has two waves to compare (input → output by default),
the report by form of mentoring (:func:`.report.build_report`) gives four panels: key scales
before and after by form, the share with a reliable improvement, the band distributions, and
expected vs real; a fifth carries the method note. Everyone in the organisation reads the
dashboard, so the panels are made from the report as the disclosure policy gives it
(:func:`.disclosed.disclosed`, docs/privacy.md): every figure of the report is decided together,
and a figure hidden there shows its mark here. The band counts of each wave are sums of a row or a
column of the band cross-table: shown when every cell of it is, else hidden with «<5» (a band of
fewer than 5 people) or as hidden to protect a small group.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from flask_babel import gettext as _

from surveys.core.contracts import MIN_GROUP, Headline, Panel, ProgrammeView
from surveys.core.disclosure import PROTECTING, SMALL, hidden_label

from .numbers import decimal
from .service import default_waves

SIGNIFICANT = 0.05
GREY = "#6b6b6b"
BAND_COLOURS = ("#0b5cad", "#5b8fc7", "#c98a2b", "#8a4b00", "#b3261e", "#5c1a12")


def verdict(row: Mapping[str, Any], min_group: int = MIN_GROUP) -> str:
    """In words, what the change of one row means for the reader (hidden, too few, better, worse, none)."""
    if row.get("hidden"):
        if row.get("mark") == PROTECTING:
            return hidden_label(PROTECTING, min_group)
        return _("hidden: fewer than %(n)s people", n=min_group)
    p = row.get("p_holm")
    if p is None:
        return _("too few people for a conclusion")
    change = (row.get("difference") or {}).get("mean")
    if p >= SIGNIFICANT or not change:
        return _("no noticeable change")
    if row.get("higher_is") not in ("better", "worse"):
        return _("a noticeable rise") if change > 0 else _("a noticeable fall")
    better = (change > 0) == (row.get("higher_is") == "better")
    return _("a noticeable improvement") if better else _("a noticeable deterioration")


def _noticeable(row: Mapping[str, Any]) -> bool:
    change = (row.get("difference") or {}).get("mean")
    return not row.get("hidden") and row.get("p_holm") is not None and row["p_holm"] < SIGNIFICANT and bool(change)


def _means(row: Mapping[str, Any]) -> str:
    before, after = row["before"]["mean"], row["after"]["mean"]
    return f"{decimal(before, 1)} → {decimal(after, 1)}" if before is not None and after is not None else "—"


def key_points(entry: Mapping[str, Any], min_group: int = MIN_GROUP) -> list[str]:
    """The report's key changes for one scale, in words, from the row as shown: the verdict for everyone
    with the means, and each form of mentoring whose change is noticeable. A hidden row gives none."""
    overall = entry["overall"]
    if overall is None or overall.get("hidden"):
        return []
    forms = [row for row in entry["forms"] if _noticeable(row)]
    if not _noticeable(overall) and not forms:
        return [_("%(scale)s: %(verdict)s.", scale=entry["title"], verdict=verdict(overall, min_group))]
    text = _(
        "%(scale)s: %(verdict)s for everyone (mean %(means)s).",
        scale=entry["title"],
        verdict=verdict(overall, min_group),
        means=_means(overall),
    )
    if forms:
        found = "; ".join(f"{row['group']} — {verdict(row, min_group)} ({_means(row)})" for row in forms)
        text += " " + _("By form of mentoring: %(forms)s.", forms=found)
    return [text]


def chart_segments(counts: Sequence[tuple[str, int | None]], total: int) -> list[tuple[str, int]]:
    """Every category in order (a hidden one as 0), then the hidden ones pooled into a last segment
    (0 when none is hidden; never under the threshold otherwise), so colours line up across bars."""
    segments = [(label, n or 0) for label, n in counts]
    return [*segments, (_("hidden (small groups)"), total - sum(n for _, n in segments))]


def _percent(n: int | None, total: int, mark: str | None) -> str:
    """A share as whole per cent; a hidden one shows its mark («<5», or hidden to protect a small group)."""
    if n is None:
        return mark or "—"
    return f"{round(100 * n / total)} %" if total else "—"


def _scale_rows(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One entry per scale: its overall row and its rows per form."""
    scales: dict[tuple[str, str], dict[str, Any]] = {}
    for row in report["scales"]:
        entry = scales.setdefault(
            (row["instrument"], row["scale"]), {"title": row["title"], "overall": None, "forms": []}
        )
        if row["group"] is None:
            entry["overall"] = row
        else:
            entry["forms"].append(row)
    return list(scales.values())


def _means_chart(entry: Mapping[str, Any], report: Mapping[str, Any]):
    from surveys.reporting import means_chart

    rows = [entry["overall"], *entry["forms"]]
    groups = [
        (row["group"] or _("everyone"), row["before"]["mean"], row["after"]["mean"])
        for row in rows
        if not row.get("hidden") and row["before"]["mean"] is not None and row["after"]["mean"] is not None
    ]
    if not groups:
        return None
    words = "; ".join(f"{label}: {decimal(b, 1)} → {decimal(a, 1)}" for label, b, a in groups)
    before, after = report["before"]["name"], report["after"]["name"]
    alt = _("Mean of %(scale)s before and after, by form of mentoring: %(values)s.", scale=entry["title"], values=words)
    return means_chart(groups, before, after, entry["title"], alt, higher_is=entry["overall"]["higher_is"])


def _rci(entry: Mapping[str, Any], charts: bool) -> dict[str, Any] | None:
    overall = entry["overall"] or {}
    rci = overall.get("rci")
    if not rci or overall.get("hidden"):
        return None
    marks = overall.get("marks") or {}
    names = [("improved", _("improved")), ("no_change", _("no reliable change")), ("deteriorated", _("deteriorated"))]
    counts = [(label, rci[name]) for name, label in names]
    total = overall["n_pairs"]
    result = {
        "title": entry["title"],
        "total": total,
        "counts": [(label, rci[name], _percent(rci[name], total, marks.get(name))) for name, label in names],
    }
    result["improved"] = _percent(rci["improved"], total, marks.get("improved"))
    result["chart"] = None
    if charts and total:
        from surveys.reporting import RCI_COLOURS, stacked_share

        words = ", ".join(f"{label} {p}" for label, _n, p in result["counts"])
        alt = _("%(scale)s, reliable change: %(counts)s.", scale=entry["title"], counts=words)
        segments = chart_segments(counts, total)
        result["chart"] = stacked_share(segments, entry["title"], alt, colours=[*RCI_COLOURS, GREY])
    return result


def margins(table: Sequence[Sequence[int | None]], true: Sequence[Sequence[int]], k: int) -> tuple[list, list]:
    """Each wave's band counts with their marks: (count or None, mark or None) per band, before (the
    rows' sums) and after (the columns'). A sum of shown cells adds nothing to what is shown; a sum
    with a hidden cell is hidden: «<k» when the band holds fewer than k people, else as protecting."""

    def one(cells: Sequence[int | None], truth: Sequence[int]) -> tuple[int | None, str | None]:
        if all(cell is not None for cell in cells):
            return sum(cells), None
        return None, hidden_label(SMALL if 0 < sum(truth) < k else PROTECTING, k)

    size = range(len(table))
    before = [one(table[i], true[i]) for i in size]
    after = [one([table[i][j] for i in size], [true[i][j] for i in size]) for j in size]
    return before, after


def _bands(entry: Mapping[str, Any], report: Mapping[str, Any], true: Mapping[str, Any], charts: bool) -> dict | None:
    overall = entry["overall"] or {}
    bands = overall.get("bands")
    if not bands or overall.get("hidden"):
        return None
    labels, k = bands["labels"], report["min_group"]
    truth = true["bands"]["table"]
    total = sum(map(sum, truth))
    waves = []
    names = (report["before"]["name"], report["after"]["name"])
    for name, counts in zip(names, margins(bands["table"], truth, k), strict=True):
        percents = [(label, n, _percent(n, total, mark)) for label, (n, mark) in zip(labels, counts, strict=True)]
        waves.append({"wave": name, "counts": percents, "raw": [(label, n) for label, n, _p in percents]})
    marks = overall.get("marks") or {}
    normalised = bands.get("normalised")
    result = {"title": entry["title"], "labels": labels, "total": total, "waves": waves, "normalised": normalised}
    result["normalised_mark"] = marks.get("normalised")
    result["chart"] = None
    if charts and total:
        from surveys.reporting import share_rows

        rows = [(w["wave"], chart_segments(w["raw"], total)) for w in waves]
        colours = [*(BAND_COLOURS * 2)[: len(labels)], GREY]
        words = "; ".join(w["wave"] + ": " + ", ".join(f"{label} {p}" for label, _n, p in w["counts"]) for w in waves)
        alt = _("%(scale)s, share in each band: %(values)s.", scale=entry["title"], values=words)
        result["chart"] = share_rows(rows, entry["title"], alt, colours)
    return result


def item_text(row: Mapping[str, Any], instruments: Mapping[str, Any]) -> str:
    """The words of an expectations row's item: the question's text, or the satisfaction index."""
    if row["item"] == "index":
        return _("Satisfaction index (mean of the items)")
    instrument = instruments.get(f"satisfaction_{row['role']}")
    question = instrument.question(row["item"]) if instrument is not None else None
    return str(question.text) if question is not None else row["item"]


def _expectations(report: Mapping[str, Any], instruments: Mapping[str, Any]) -> dict[str, Any] | None:
    """Everyone's rows by role (each item, then the index), and the index by form of mentoring."""
    by_role: dict[str, list[dict[str, Any]]] = {}
    forms = []
    for row in report.get("expectations") or []:
        entry = {**row, "text": item_text(row, instruments)}
        if row["form"] is None:
            by_role.setdefault(row["role"], []).append(entry)
        elif row["item"] == "index":
            forms.append(entry)
    return {"roles": by_role, "forms": forms} if by_role else None


def campaign_panels(view: ProgrammeView, campaign: Any, instruments: Mapping[str, Any]) -> list[Panel]:
    """The comparison panels of one campaign of the programme (none without two waves with scores).

    The report's figures join the page's publication (``view.publication``): they are decided with the
    other panels' figures when the page is complete, so each panel is made in its ``finish``, from the
    report as it is shown then (a chart never draws a figure that is hidden)."""
    from .report import build_report

    waves = default_waves(campaign)
    if waves is None:
        return []
    tables = view.tables(campaign)
    if not tables.scores:
        return []
    from .disclosed import disclosed

    built = build_report(tables, instruments, *waves, group_by="form", min_group=view.min_group, with_people=True)
    if not any(row["group"] is None for row in built["scales"]):
        return []
    report = disclosed(built, view.min_group, view.publication)  # complete once the page is decided
    true = {(r["instrument"], r["scale"], r["group"]): r for r in built["scales"]}
    suffix = f"-{campaign.id}"
    common = {"campaign": campaign, "report": report}
    plain = frozenset({"report", "scales", "rows", "roles", "forms"})  # the report's figures, in the publication

    def entries() -> list[dict[str, Any]]:
        return [e for e in _scale_rows(report) if e["overall"] is not None]

    def scales_panel(panel: Panel) -> Panel:
        scales = [
            {
                **e,
                "verdict": verdict(e["overall"], view.min_group),
                "chart": _means_chart(e, report) if view.charts else None,
            }
            for e in entries()
        ]
        for entry in scales:
            entry["form_verdicts"] = [verdict(row, view.min_group) for row in entry["forms"]]
        points = tuple(point for entry in scales for point in key_points(entry, view.min_group))
        return replace(panel, data={**common, "scales": scales}, key_points=points)

    def rci_panel(panel: Panel) -> Panel | None:
        rci = [r for r in (_rci(e, view.charts) for e in entries()) if r]
        headlines = tuple(
            Headline(f"improved:{r['title']}", _("Reliable improvement: %(scale)s", scale=r["title"]), r["improved"])
            for r in rci
        )
        points = tuple(
            _(
                "%(scale)s: reliable improvement in %(improved)s, reliable deterioration in %(deteriorated)s "
                "(n = %(n)s).",
                scale=r["title"],
                improved=r["improved"],
                deteriorated=r["counts"][2][2],
                n=r["total"],
            )
            for r in rci
        )
        return replace(panel, data={**common, "rows": rci}, headlines=headlines, key_points=points) if rci else None

    def bands_panel(panel: Panel) -> Panel | None:
        rows = [
            _bands(e, report, true[(e["overall"]["instrument"], e["overall"]["scale"], None)], view.charts)
            for e in entries()
        ]
        rows = [b for b in rows if b]
        return replace(panel, data={**common, "rows": rows}) if rows else None

    def expectations_panel(panel: Panel) -> Panel | None:
        expected = _expectations(report, instruments)
        return replace(panel, data={**common, **expected}) if expected is not None else None

    def made(name: str, title: str, template: str, order: int, finish, **more: Any) -> Panel:
        return Panel(f"{name}{suffix}", title, template, common, order, finish=finish, plain=plain, **more)

    return [
        made("scales", _("Key scales before and after"), "comparison/panel_scales.html", 30, scales_panel),
        made("method", _("How the comparison was computed"), "comparison/panel_method.html", 90, None, appendix=True),
        made("rci", _("Reliable improvement"), "comparison/panel_rci.html", 32, rci_panel),
        made("bands", _("Band distributions"), "comparison/panel_bands.html", 34, bands_panel),
        made("expectations", _("Expected and real"), "comparison/panel_expectations.html", 40, expectations_panel),
    ]
