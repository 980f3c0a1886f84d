"""``/campaigns/<id>/responses`` and ``/scores``: individual answers and scores, under pseudonymous codes.

This is individual data (most respondents are minors): every read is written to the audit log
with the token, the filters and the page, before the data leaves the server.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify

from ..core.models import Participant, Response, Score, Wave
from ..extensions import db
from .access import campaign_or_404, record_api, wave_filter
from .blueprint import operation
from .pagination import page_of_query
from .schemas import ResponseArgsSchema, ResponseSchema, ScoreArgsSchema, ScoreSchema, page_schema


def response_of(response: Response, code: str) -> dict[str, Any]:
    """A response under the participant's code; while it is being edited, the submitted answers."""
    return {
        "id": response.id,
        "participant": code,
        "wave": response.wave_id,
        "instrument": response.instrument_id,
        "version": response.instrument_version,
        "status": response.status,
        "source": response.source,
        "answers": dict(response.answers or {}),
        "started_at": response.started_at,
        "updated_at": response.updated_at,
        "submitted_at": response.submitted_at,
    }


def score_of(score: Score, response: Response, code: str) -> dict[str, Any]:
    """A stored scale score with where it comes from."""
    return {
        "response": response.id,
        "participant": code,
        "wave": response.wave_id,
        "instrument": response.instrument_id,
        "scale": score.scale,
        "raw": score.raw,
        "value": score.value,
        "band": score.band,
        "n_answered": score.n_answered,
        "missing_reason": score.missing_reason,
        "norm": score.norm,
        "norm_kind": score.norm_kind,
        "scored_by": score.scored_by,
        "scoring_version": score.scoring_version,
    }


def _filters(args: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    return {name: args[name] for name in names if args.get(name) is not None}


def _of_campaign(query, campaign, args):
    """``query`` (over Response) limited to the campaign's responses of its own organisation's
    participants, and to the ``wave`` and ``instrument`` asked for (a wave of another campaign: 404)."""
    wave_filter(campaign, args.get("wave"))
    query = (
        query.join(Participant, Participant.id == Response.participant_id)
        .join(Wave, Wave.id == Response.wave_id)
        .where(Wave.campaign_id == campaign.id, Participant.organisation_id == campaign.organisation_id)
    )
    if args.get("wave") is not None:
        query = query.where(Response.wave_id == args["wave"])
    if args.get("instrument") is not None:
        query = query.where(Response.instrument_id == args["instrument"])
    return query


@operation(
    "/campaigns/<int:campaign_id>/responses",
    summary="Individual responses (audited)",
    scope="responses:read",
    args=ResponseArgsSchema,
    result=page_schema(ResponseSchema),
    tag="responses",
    audited=True,
)
def responses(campaign_id: int, args):
    """The campaign's responses by id: participant code, wave, questionnaire and version, status and answers.
    Every call is written to the audit log."""
    campaign = campaign_or_404(campaign_id)
    query = _of_campaign(db.select(Response, Participant.code), campaign, args).order_by(Response.id)
    if args.get("status") is not None:
        query = query.where(Response.status == args["status"])
    body = page_of_query(query, args, lambda row: response_of(row[0], row[1]))
    filters = _filters(args, ("wave", "instrument", "status"))
    record_api("api.responses.read", f"campaign:{campaign.id}", page=args["page"], count=len(body["items"]), **filters)
    return jsonify(page_schema(ResponseSchema)().dump(body))


@operation(
    "/campaigns/<int:campaign_id>/scores",
    summary="Individual scale scores (audited)",
    scope="scores:read",
    args=ScoreArgsSchema,
    result=page_schema(ScoreSchema),
    tag="responses",
    audited=True,
)
def scores(campaign_id: int, args):
    """The campaign's stored scores: participant code, wave, questionnaire, scale, raw and final value, band,
    items answered, why a value is missing, who scored it and with which key version. Every call is audited."""
    campaign = campaign_or_404(campaign_id)
    query = db.select(Score, Response, Participant.code).join(Response, Response.id == Score.response_id)
    query = _of_campaign(query, campaign, args).order_by(Score.id)
    if args.get("scale") is not None:
        query = query.where(Score.scale == args["scale"])
    body = page_of_query(query, args, lambda row: score_of(row[0], row[1], row[2]))
    filters = _filters(args, ("wave", "instrument", "scale"))
    record_api("api.scores.read", f"campaign:{campaign.id}", page=args["page"], count=len(body["items"]), **filters)
    return jsonify(page_schema(ScoreSchema)().dump(body))
