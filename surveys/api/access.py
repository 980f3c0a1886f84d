"""What a token may reach: its own organisation's objects (anything else is a 404 like a missing one),
the plugins that are loaded, and the audit log of reads and writes of individual data."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from ..audit import record
from ..core.models import Campaign, Wave
from ..extensions import db
from ..state import get_state
from .auth import current_token
from .errors import ApiError

MAX_ID = 2**31 - 1  # ids are 32-bit integers in PostgreSQL: a larger one names nothing


def campaign_or_404(campaign_id: int) -> Campaign:
    """The token's organisation's campaign; 404 for a missing one and for another organisation's alike."""
    found = None
    if 0 < campaign_id <= MAX_ID:
        query = (
            db.select(Campaign)
            .filter_by(id=campaign_id, organisation_id=current_token().organisation_id)
            .options(selectinload(Campaign.waves), selectinload(Campaign.assignments))
        )
        found = db.session.execute(query).scalar_one_or_none()
    if found is None:
        raise ApiError(404, _("There is no such campaign."))
    return found


def wave_or_404(campaign: Campaign, wave_id: int) -> Wave:
    """A wave of ``campaign`` (already checked to be the token's); 404 otherwise."""
    found = next((wave for wave in campaign.waves if wave.id == wave_id), None)
    if found is None:
        raise ApiError(404, _("There is no such wave in this campaign."))
    return found


def wave_filter(campaign: Campaign, wave_id: int | None, name: str = "wave") -> int | None:
    """A wave named in the query string (parameter ``name``), checked against the campaign's waves;
    400 naming the parameter otherwise."""
    if wave_id is not None and all(wave.id != wave_id for wave in campaign.waves):
        raise ApiError(400, fields={name: [_("There is no such wave in this campaign.")]})
    return wave_id


def plugin_or_404(name: str) -> None:
    """Refuse an analysis whose plugin is not loaded on this server."""
    if not get_state().pm.has_plugin(name):
        raise ApiError(404, _("The %(plugin)s plugin is not loaded on this server.", plugin=name))


def record_api(action: str, target: str, **details: Any) -> None:
    """Write an API call to the organisation's audit log, naming the token that made it, and commit."""
    token = current_token()
    record(action, target, organisation_id=token.organisation_id, token=token.id, token_name=token.name, **details)
