"""The comparison page, mounted by the core under /plugins/comparison."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, render_template, request
from flask_login import login_required

from surveys.core.contracts import MIN_GROUP
from surveys.core.models import Campaign
from surveys.state import get_state
from surveys.views.access import owned_or_404

bp = Blueprint("comparison", __name__, template_folder="templates")
GROUPINGS = ("form", "role", "group", "variant", "mentor")


@bp.get("/campaigns/<int:campaign_id>")
@login_required
def campaign(campaign_id: int):
    """The administration's comparison page: per scale and subgroup, with charts and the method note."""
    from .charts import slope_lines, stacked_bar
    from .service import campaign_report, default_waves

    found = owned_or_404(Campaign, campaign_id)
    waves = {w.id: w for w in found.waves}
    defaults = default_waves(found)
    before = request.args.get("before", type=int)
    after = request.args.get("after", type=int)
    if before not in waves or after not in waves or before == after:
        before, after = defaults if defaults else (None, None)
    group_by = request.args.get("by") if request.args.get("by") in GROUPINGS else None
    report = campaign_report(found, before, after, group_by) if before is not None else None
    charts = {}
    for index, row in enumerate((report or {}).get("scales", [])):
        if row.get("hidden"):
            continue
        rci = row.get("rci") or {}
        counts = [("improved", "improved"), ("same", "no_change"), ("worse", "deteriorated")]
        charts[index] = {
            "lines": slope_lines(row.get("pairs") or []),
            "rci": stacked_bar([(label, rci.get(key, 0)) for label, key in counts]) if rci else [],
        }
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
        registry=get_state().registry,
        min_group=MIN_GROUP,
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
        return jsonify(campaign_report(found, before, after, group_by))
    except ValueError as err:
        abort(400, str(err))
