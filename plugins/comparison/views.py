"""The comparison page, mounted by the core under /plugins/comparison."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, render_template, request
from flask_babel import gettext as _
from flask_login import login_required

from surveys.core.contracts import MIN_GROUP
from surveys.core.models import Campaign
from surveys.web import INDIVIDUAL, allowed, owned_or_404

from . import explain, numbers
from .method_note import note_blocks

bp = Blueprint("comparison", __name__, template_folder="templates")
# The words for the numbers, for this page and for the dashboard and report panels (comparison/_explain.html).
bp.add_app_template_global(explain.statistics, "comparison_statistics")
bp.add_app_template_global(explain.glossary, "comparison_glossary")
bp.add_app_template_global(explain.reason, "comparison_reason")
bp.add_app_template_global(explain.group_name, "comparison_group")
bp.add_app_template_global(note_blocks, "comparison_note_blocks")
# Decimals with the interface language's separator («44,4» in Russian), p below 0.001 as «<0,001».
bp.add_app_template_global(numbers.decimal, "comparison_decimal")
bp.add_app_template_global(numbers.p_value, "comparison_p")
GROUPINGS = ("form", "role", "group", "variant", "mentor")


@bp.get("/campaigns/<int:campaign_id>")
@login_required
def campaign(campaign_id: int):
    """The administration's comparison page: per scale and subgroup, with charts and the method note."""
    from surveys.reporting import slope_chart, stacked_share

    from .service import campaign_report, default_waves

    found = owned_or_404(Campaign, campaign_id)
    waves = {w.id: w for w in found.waves}
    defaults = default_waves(found)
    before = request.args.get("before", type=int)
    after = request.args.get("after", type=int)
    if before not in waves or after not in waves or before == after:
        before, after = defaults if defaults else (None, None)
    group_by = request.args.get("by") if request.args.get("by") in GROUPINGS else None
    individual = allowed(*INDIVIDUAL)  # the psychologist sees the report as built; others, as disclosed
    report = campaign_report(found, before, after, group_by, individual) if before is not None else None
    charts = {}
    names = {w.id: w.name for w in found.waves}
    for index, row in enumerate((report or {}).get("scales", [])):
        if row.get("hidden"):
            continue
        chart = {}
        pairs = row.get("pairs")  # person by person: in the psychologist's report only
        if pairs:
            ups = sum(p[2] for p in pairs if p[1] > p[0])
            downs = sum(p[2] for p in pairs if p[1] < p[0])
            same = sum(p[2] for p in pairs if p[1] == p[0])
            title = row.get("title") or row["scale"]
            alt = _(
                "Before and after, pair by pair: the score rose for %(up)s, fell for %(down)s, "
                "stayed the same for %(same)s.",
                up=ups,
                down=downs,
                same=same,
            )
            chart["lines"] = slope_chart(pairs, names[before], names[after], title, alt, higher_is=row.get("higher_is"))
        rci = row.get("rci")
        if rci and all(rci[name] is not None for name in ("improved", "no_change", "deteriorated")):
            counts = [(_("improved"), rci["improved"]), (_("no reliable change"), rci["no_change"])]
            counts.append((_("deteriorated"), rci["deteriorated"]))
            words = ", ".join(f"{label} {n}" for label, n in counts)
            chart["rci"] = stacked_share(counts, _("Reliable change"), _("Reliable change: %(counts)s.", counts=words))
        if chart or rci or row.get("bands"):
            charts[index] = chart
    chart_keys = []  # the statistics the charts section shows, for its legend
    shown = [report["scales"][index] for index in charts]
    if any(row.get("rci") for row in shown):
        chart_keys.append("rci")
    if any(row.get("bands") and row["bands"].get("table") for row in shown):
        chart_keys += ["bands", "band_test", "normalised"]
    items = []  # the expectations' items in words, in the report's order
    if report and report.get("expectations"):
        from surveys.instruments import catalogue

        from .panels import item_text

        instruments = catalogue(found.organisation_id)
        items = [item_text(row, instruments) for row in report["expectations"]]
    return render_template(
        "comparison/campaign.html",
        campaign=found,
        waves=found.waves,
        before=before,
        after=after,
        group_by=group_by,
        groupings=GROUPINGS,
        report=report,
        charts=charts,
        chart_keys=chart_keys,
        items=items,
        min_group=(report or {}).get("min_group", MIN_GROUP),
    )


@bp.get("/campaigns/<int:campaign_id>/report.json")
@login_required
def report_json(campaign_id: int):
    """The comparison report as JSON (the same numbers as ``surveys compare --json``)."""
    from .service import campaign_report, wave_id

    found = owned_or_404(Campaign, campaign_id)
    before = wave_id(found, request.args.get("from"))
    after = wave_id(found, request.args.get("to"))
    group_by = request.args.get("by") or None
    try:
        return jsonify(campaign_report(found, before, after, group_by, allowed(*INDIVIDUAL)))
    except ValueError as err:
        abort(400, str(err))
