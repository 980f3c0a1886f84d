"""The response-rate tracker page of a campaign."""

from __future__ import annotations

from flask import render_template

from surveys.core.models import Campaign
from surveys.web import MANAGE, owned_or_404, require_role, staff_blueprint
from surveys.workspace.tracking import campaign_progress

bp = staff_blueprint("tracker", __name__)


@bp.get("/campaigns/<int:campaign_id>/tracker")
@require_role(*MANAGE)
def tracker(campaign_id: int):
    """Progress of every wave by role, class and form, and who has not answered yet."""
    campaign = owned_or_404(Campaign, campaign_id)
    return render_template("staff/tracker.html", campaign=campaign, waves=campaign_progress(campaign))
