"""``/campaigns``: the organisation's campaigns with their waves and questionnaires, and their participants.

Participants are given by pseudonymous code with their role, form of mentoring and group in the
campaign; names and other personal data (``PersonalData``) and tags are never given out.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify
from sqlalchemy.orm import selectinload

from surveys.workspace import Standing, eligible

from ..core.models import Campaign, Programme, Wave, utcnow
from ..extensions import db
from .access import campaign_or_404
from .auth import current_token
from .blueprint import operation
from .pagination import page_of_list, page_of_query
from .schemas import CampaignSchema, PageArgsSchema, ParticipantSchema, page_schema


def wave_of(wave: Wave, now) -> dict[str, Any]:
    """A wave with its kind, dates and state at ``now``."""
    return {
        "id": wave.id,
        "kind": wave.kind,
        "name": wave.name,
        "position": wave.position,
        "state": wave.state(now),
        "closed": wave.closed,
        "opens_at": wave.opens_at,
        "closes_at": wave.closes_at,
    }


def campaign_of(campaign: Campaign, programmes: dict[int, str], now) -> dict[str, Any]:
    """A campaign with its programme, questionnaires (for which roles and wave kinds) and waves."""
    programme = None
    if campaign.programme_id is not None:
        programme = {"id": campaign.programme_id, "name": programmes.get(campaign.programme_id, "")}
    return {
        "id": campaign.id,
        "name": campaign.name,
        "programme": programme,
        "consent_mode": campaign.consent_mode,
        "allow_editing": campaign.allow_editing,
        "support_contact": campaign.support_contact or "",
        "created_at": campaign.created_at,
        "instruments": [
            {
                "instrument": a.instrument_id,
                "audience": list(a.audience or []),
                "wave_kinds": list(a.wave_kinds or []),
                "forms": list(a.forms or []),
            }
            for a in campaign.assignments
        ],
        "waves": [wave_of(wave, now) for wave in campaign.waves],
    }


def participant_of(standing: Standing, code: str) -> dict[str, str]:
    """A participant as the API gives them out: code, role, form and group only."""
    return {"code": code, "role": standing.role, "form": standing.form, "group": standing.group}


def _programme_names(campaigns: list[Campaign]) -> dict[int, str]:
    ids = {c.programme_id for c in campaigns if c.programme_id is not None}
    if not ids:
        return {}
    rows = db.session.execute(db.select(Programme.id, Programme.name).where(Programme.id.in_(ids)))
    return {row.id: row.name for row in rows}


@operation(
    "/campaigns",
    summary="The organisation's campaigns",
    scope="campaigns:read",
    args=PageArgsSchema,
    result=page_schema(CampaignSchema),
    tag="campaigns",
)
def campaigns(args):
    """Campaigns by id, each with its waves (kind, dates, state) and questionnaires."""
    query = (
        db.select(Campaign)
        .filter_by(organisation_id=current_token().organisation_id)
        .options(selectinload(Campaign.waves), selectinload(Campaign.assignments))
        .order_by(Campaign.id)
    )
    body = page_of_query(query, args, lambda row: row[0])
    names, now = _programme_names(body["items"]), utcnow()
    body["items"] = [campaign_of(campaign, names, now) for campaign in body["items"]]
    return jsonify(page_schema(CampaignSchema)().dump(body))


@operation(
    "/campaigns/<int:campaign_id>",
    summary="One campaign",
    scope="campaigns:read",
    result=CampaignSchema,
    tag="campaigns",
)
def campaign(campaign_id: int):
    """The campaign with its programme, waves (kind, dates, state now) and questionnaires per role."""
    found = campaign_or_404(campaign_id)
    return jsonify(CampaignSchema().dump(campaign_of(found, _programme_names([found]), utcnow())))


@operation(
    "/campaigns/<int:campaign_id>/participants",
    summary="The campaign's participants, by pseudonymous code",
    scope="participants:read",
    args=PageArgsSchema,
    result=page_schema(ParticipantSchema),
    tag="campaigns",
)
def participants(campaign_id: int, args):
    """Everyone the campaign's questionnaires are for, by code, with their role, form and group in it.
    Never names or other personal data."""
    found = campaign_or_404(campaign_id)
    body = page_of_list(eligible(found), args, lambda pair: participant_of(pair[1], pair[0].code))
    return jsonify(page_schema(ParticipantSchema)().dump(body))
