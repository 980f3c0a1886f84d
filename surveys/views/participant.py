"""Personal links: ``/s/<token>`` for one participant in one wave.

The order is fixed: the link must be live, the wave open, a guardian's consent recorded
where the campaign needs one, and the participant's own consent given, before any question.
"""

from __future__ import annotations

from flask import Blueprint, redirect, url_for

from ..extensions import csrf
from ..survey_forms import ParticipantForm
from .answering import (
    Urls,
    autosave,
    invitation_or_refusal,
    personal_gate,
    questionnaire,
    record_decision,
    reopen,
)

bp = Blueprint("participant", __name__)
csrf.exempt(bp)  # the token in the address does the job: see ParticipantForm


def _urls(token: str) -> Urls:
    return Urls(
        here=url_for("participant.take", token=token),
        consent=url_for("participant.consent", token=token),
        autosave=url_for("participant.save", token=token),
        edit=url_for("participant.edit", token=token),
    )


@bp.route("/s/<token>", methods=["GET", "POST"])
def take(token: str):
    invitation, refusal = invitation_or_refusal(token)  # past the lock, every token is refused
    if refusal is not None:
        return refusal
    urls = _urls(token)
    return personal_gate(invitation, urls) or questionnaire(invitation, urls)


@bp.post("/s/<token>/consent")
def consent(token: str):
    invitation, refusal = invitation_or_refusal(token)  # past the lock, every token is refused
    if refusal is not None:
        return refusal
    if ParticipantForm().validate_on_submit():
        record_decision(invitation)
    return redirect(url_for("participant.take", token=token))


@bp.post("/s/<token>/autosave")
def save(token: str):
    invitation, refusal = invitation_or_refusal(token)  # past the lock, every token is refused
    if refusal is not None:
        return refusal
    urls = _urls(token)
    if personal_gate(invitation, urls) is not None:
        return {"saved": False, "reason": "closed"}, 409
    return autosave(invitation)


@bp.post("/s/<token>/edit")
def edit(token: str):
    invitation, refusal = invitation_or_refusal(token)  # past the lock, every token is refused
    if refusal is not None:
        return refusal
    urls = _urls(token)
    return personal_gate(invitation, urls) or reopen(invitation, urls)
