"""The response-rate tracker page of a campaign."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import login_required

from ..campaigns import wave_status
from ..core.models import Campaign
from ..tracking import progress
from .access import MANAGE, owned_or_404, require_role

bp = Blueprint("tracker", __name__, url_prefix="/staff")


@bp.before_request
@login_required
def require_login():
    """Every staff page needs a signed-in user."""


@bp.get("/campaigns/<int:campaign_id>/tracker")
@require_role(*MANAGE)
def tracker(campaign_id: int):
    """Progress of every wave by role, class and form, and who has not answered yet."""
    campaign = owned_or_404(Campaign, campaign_id)
    waves = [(wave, progress(wave_status(wave))) for wave in campaign.waves]
    return render_template("staff/tracker.html", campaign=campaign, waves=waves)
