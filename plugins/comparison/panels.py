"""The comparison's panels on a programme's dashboard and in its printed report.

For each campaign of the programme that has two waves to compare (input → output by default),
the report by form of mentoring (:func:`.report.build_report`) gives four panels: key scales
before and after by form, the share with a reliable improvement, the band distributions, and
expected vs real; a fifth carries the method note. Rows the report hides stay hidden; counts of
people in a category (reliable change, a band) under the threshold are hidden together with
their complements, so no small group can be worked out from the rest.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flask_babel import gettext as _

from surveys.core.contracts import MIN_GROUP, Headline, Panel, ProgrammeView
from surveys.core.disclosure import PROTECTING, SMALL, hidden_label
from surveys.exports import hide_complements

from .service import default_waves

SIGNIFICANT = 0.05
GREY = "#6b6b6b"
BAND_COLOURS = ("#0b5cad", "#5b8fc7", "#c98a2b", "#8a4b00", "#b3261e", "#5c1a12")


def verdict(row: Mapping[str, Any], min_group: int = MIN_GROUP) -> str:
    """In words, what the change of one row means for the reader (hidden, too few, better, worse, none)."""
    if row.get("hidden"):
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


def shown_counts(counts: Sequence[tuple[str, int]], min_group: int) -> list[tuple[str, int | None]]:
    """Category counts with those under ``min_group`` (and their complements) as None."""
    hidden = hide_complements({label: n for label, n in counts if n}, min_group)
    return [(label, None if label in hidden else n) for label, n in counts]


def chart_segments(counts: Sequence[tuple[str, int | None]], total: int) -> list[tuple[str, int]]:
    """Every category in order (a hidden one as 0), then the hidden ones pooled into a last segment
    (0 when none is hidden; never under the threshold otherwise), so colours line up across bars."""
    segments = [(label, n or 0) for label, n in counts]
    return [*segments, (_("hidden (small groups)"), total - sum(n for _, n in segments))]


def _percent(n: int | None, total: int, original: int = 0, min_group: int = 5) -> str:
    """A share as whole per cent; a hidden one says why: «<5» only when the group itself is under
    the threshold (``original``), else that it is hidden to protect a small group."""
    if n is None:
        return hidden_label(SMALL if original < min_group else PROTECTING, min_group)
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
    words = "; ".join(f"{label}: {b:.1f} → {a:.1f}" for label, b, a in groups)
    before, after = report["before"]["name"], report["after"]["name"]
    alt = _("Mean of %(scale)s before and after, by form of mentoring: %(values)s.", scale=entry["title"], values=words)
    return means_chart(groups, before, after, entry["title"], alt, higher_is=entry["overall"]["higher_is"])


def _rci(entry: Mapping[str, Any], min_group: int, charts: bool) -> dict[str, Any] | None:
    rci = (entry["overall"] or {}).get("rci")
    if not rci or entry["overall"].get("hidden"):
        return None
    raw = [(_("improved"), rci["improved"]), (_("no reliable change"), rci["no_change"])]
    raw.append((_("deteriorated"), rci["deteriorated"]))
    total = sum(n for _, n in raw)
    counts = shown_counts(raw, min_group)
    result = {
        "title": entry["title"],
        "total": total,
        "counts": [(label, n, _percent(n, total, dict(raw)[label], min_group)) for label, n in counts],
    }
    result["improved"] = _percent(counts[0][1], total, raw[0][1], min_group)
    result["chart"] = None
    if charts and total:
        from surveys.reporting import RCI_COLOURS, stacked_share

        words = ", ".join(f"{label} {p}" for label, _n, p in result["counts"])
        alt = _("%(scale)s, reliable change: %(counts)s.", scale=entry["title"], counts=words)
        segments = chart_segments(counts, total)
        result["chart"] = stacked_share(segments, entry["title"], alt, colours=[*RCI_COLOURS, GREY])
    return result


def _bands(entry: Mapping[str, Any], report: Mapping[str, Any], min_group: int, charts: bool) -> dict | None:
    bands = (entry["overall"] or {}).get("bands")
    if not bands or entry["overall"].get("hidden"):
        return None
    table, labels = bands["table"], bands["labels"]
    before = [(label, sum(table[i])) for i, label in enumerate(labels)]
    after = [(label, sum(row[j] for row in table)) for j, label in enumerate(labels)]
    total = sum(n for _, n in before)
    waves = []
    for name, counts in ((report["before"]["name"], before), (report["after"]["name"], after)):
        shown = shown_counts(counts, min_group)
        percents = [(label, n, _percent(n, total, dict(counts)[label], min_group)) for label, n in shown]
        waves.append({"wave": name, "counts": percents, "raw": shown})
    normalised = bands.get("normalised")
    result = {"title": entry["title"], "labels": labels, "total": total, "waves": waves, "normalised": normalised}
    result["chart"] = None
    if charts and total:
        from surveys.reporting import share_rows

        rows = [(w["wave"], chart_segments(w["raw"], total)) for w in waves]
        colours = [*(BAND_COLOURS * 2)[: len(labels)], GREY]
        words = "; ".join(w["wave"] + ": " + ", ".join(f"{label} {p}" for label, _n, p in w["counts"]) for w in waves)
        alt = _("%(scale)s, share in each band: %(values)s.", scale=entry["title"], values=words)
        result["chart"] = share_rows(rows, entry["title"], alt, colours)
    return result


def _expectations(report: Mapping[str, Any], instruments: Mapping[str, Any]) -> dict[str, Any] | None:
    """Everyone's rows by role (each item, then the index), and the index by form of mentoring."""
    by_role: dict[str, list[dict[str, Any]]] = {}
    forms = []
    for row in report.get("expectations") or []:
        instrument = instruments.get(f"satisfaction_{row['role']}")
        question = instrument.question(row["item"]) if instrument is not None else None
        text = str(question.text) if question is not None else row["item"]
        if row["item"] == "index":
            text = _("Satisfaction index (mean of the items)")
        entry = {**row, "text": text}
        if row["form"] is None:
            by_role.setdefault(row["role"], []).append(entry)
        elif row["item"] == "index":
            forms.append(entry)
    return {"roles": by_role, "forms": forms} if by_role else None


def campaign_panels(view: ProgrammeView, campaign: Any, instruments: Mapping[str, Any]) -> list[Panel]:
    """The comparison panels of one campaign of the programme (none without two waves with scores)."""
    from .report import build_report

    waves = default_waves(campaign)
    if waves is None:
        return []
    tables = view.tables(campaign)
    if not tables.scores:
        return []
    report = build_report(tables, instruments, *waves, group_by="form", min_group=view.min_group)
    entries = [e for e in _scale_rows(report) if e["overall"] is not None]
    if not entries:
        return []
    suffix = f"-{campaign.id}"
    scales = [
        {
            **e,
            "verdict": verdict(e["overall"], view.min_group),
            "chart": _means_chart(e, report) if view.charts else None,
        }
        for e in entries
    ]
    for entry in scales:
        entry["form_verdicts"] = [verdict(row, view.min_group) for row in entry["forms"]]
    rci = [r for r in (_rci(e, view.min_group, view.charts) for e in entries) if r]
    bands = [b for b in (_bands(e, report, view.min_group, view.charts) for e in entries) if b]
    common = {"campaign": campaign, "report": report}
    headlines = tuple(
        Headline(f"improved:{r['title']}", _("Reliable improvement: %(scale)s", scale=r["title"]), r["improved"])
        for r in rci
    )
    panels = [
        Panel(
            f"scales{suffix}",
            _("Key scales before and after"),
            "comparison/panel_scales.html",
            {**common, "scales": scales},
            30,
        ),
        Panel(
            f"method{suffix}",
            _("How the comparison was computed"),
            "comparison/panel_method.html",
            common,
            90,
            report_order=5,
        ),
    ]
    if rci:
        panels.append(
            Panel(
                f"rci{suffix}",
                _("Reliable improvement"),
                "comparison/panel_rci.html",
                {**common, "rows": rci},
                32,
                headlines,
            )
        )
    if bands:
        panels.append(
            Panel(
                f"bands{suffix}", _("Band distributions"), "comparison/panel_bands.html", {**common, "rows": bands}, 34
            )
        )
    expected = _expectations(report, instruments)
    if expected is not None:
        panels.append(
            Panel(
                f"expectations{suffix}",
                _("Expected and real"),
                "comparison/panel_expectations.html",
                {**common, **expected},
                40,
            )
        )
    return panels
