"""The comparison page, mounted by the core under /plugins/comparison."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, render_template, request
from flask_login import login_required

from surveys.campaigns import campaign_tables
from surveys.core.contracts import MIN_GROUP, WavePair
from surveys.core.models import Campaign
from surveys.state import get_state
from surveys.views.access import owned_or_404

bp = Blueprint("comparison", __name__, template_folder="templates")


@bp.get("/campaigns/<int:campaign_id>")
@login_required
def campaign(campaign_id: int):
    found = owned_or_404(Campaign, campaign_id)
    waves = {w.id: w for w in found.waves}
    ordered = list(waves)
    before = request.args.get("before", type=int)
    after = request.args.get("after", type=int)
    if before not in waves:
        before = ordered[0] if ordered else None
    if after not in waves:
        after = ordered[-1] if ordered else None
    rows = []
    if before is not None and after is not None and before != after:
        analysis = get_state().registry.analyses["comparison"]
        rows = analysis.run(WavePair(campaign_tables(found), before, after))
    return render_template(
        "comparison/campaign.html",
        campaign=found,
        waves=found.waves,
        before=before,
        after=after,
        rows=rows,
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
