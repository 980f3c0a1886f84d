"""The participant's path: one call per request, returning what to show or where to go next.

Personal links (``/s/<token>``) name one invitation. Open links (``/o/<token>``) are shared by a
wave and role: the participant agrees, types a pseudonymous code, and the browser remembers the
joined invitation in ``memory`` (the signed session cookie, so any app server can serve it).
The pages parse the request, call one function here, and render its :mod:`outcome
<surveys.participation.outcomes>`.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import replace

from flask import current_app
from werkzeug.datastructures import MultiDict

from surveys import throttle
from surveys.core.models import Campaign, Invitation, OpenLink, Organisation, utcnow
from surveys.extensions import db
from surveys.participation.gates import (
    consent_page,
    invitation_or_refusal,
    personal_gate,
    reconsider_page,
    record_decision,
    refusal_while_limited,  # noqa: F401 - the open links ask it first
    refuse_link,
    too_many,
    wave_gate,
)
from surveys.participation.links import CodeParts, find_open_link, join_open_link, record_open_decline
from surveys.participation.outcomes import GoTo, Outcome, Saved, Show
from surveys.participation.questionnaire import autosave, next_step, questionnaire, reopen

# ---- personal links ---------------------------------------------------------------------


def _of(campaign: Campaign, outcome: Outcome) -> Outcome:
    """A page of a valid link names its school and campaign in the header (never an unknown link's)."""
    if not isinstance(outcome, Show):
        return outcome
    organisation = db.session.get(Organisation, campaign.organisation_id)
    header = {"school": organisation.name if organisation is not None else "", "campaign": campaign.name}
    return replace(outcome, values={"link_header": header, **outcome.values})


def personal_page(token: str, address: str, posted: MultiDict | None, wanted: str | None = None) -> Outcome:
    """``/s/<token>``: the gates, then the questionnaire (``posted`` is the form of a POST; ``wanted``
    the page a review's «Change» link asks for)."""
    invitation, refusal = invitation_or_refusal(token, address)  # past the lock, every token is refused
    if refusal is not None:
        return refusal
    return _of(invitation.wave.campaign, personal_gate(invitation) or questionnaire(invitation, posted, wanted))


def personal_decision(token: str, address: str, decision: str | None) -> Outcome:
    """``/s/<token>/consent``: agree or decline (None when the form did not validate)."""
    invitation, refusal = invitation_or_refusal(token, address)
    if refusal is not None:
        return refusal
    if decision is not None:
        record_decision(invitation, decision)
    return GoTo("questionnaire")


def personal_reconsider(token: str, address: str) -> Outcome:
    """``/s/<token>/again``: after a decline, the information page again, so the participant can agree."""
    invitation, refusal = invitation_or_refusal(token, address)
    if refusal is not None:
        return refusal
    return reconsider_page(invitation) or GoTo("questionnaire")


def personal_autosave(token: str, address: str, posted: MultiDict) -> Outcome:
    """``/s/<token>/autosave``: keep the page's answers where the participant may still answer."""
    invitation, refusal = invitation_or_refusal(token, address)
    if refusal is not None:
        return refusal
    if personal_gate(invitation) is not None:
        return Saved(False, "closed", 409)
    return autosave(invitation, posted)


def personal_reopen(token: str, address: str, instrument_id: str) -> Outcome:
    """``/s/<token>/edit``: change a submitted questionnaire, where the campaign allows it."""
    invitation, refusal = invitation_or_refusal(token, address)
    if refusal is not None:
        return refusal
    return _of(invitation.wave.campaign, personal_gate(invitation) or reopen(invitation, instrument_id))


# ---- open links --------------------------------------------------------------------------

JOINED, CONSENTED, DECLINED = "open_joined", "open_consent", "open_declined"


def _remembered(link: OpenLink, memory: MutableMapping, key: str) -> bool:
    return str(link.id) in memory.get(key, [])


def _remember(link: OpenLink, memory: MutableMapping, key: str) -> None:
    memory[key] = sorted(set(memory.get(key, [])) | {str(link.id)})


def _joined(link: OpenLink, memory: MutableMapping) -> Invitation | None:
    invitation_id = memory.get(JOINED, {}).get(str(link.id))
    invitation = db.session.get(Invitation, invitation_id) if invitation_id else None
    if invitation is None or invitation.wave_id != link.wave_id or invitation.revoked_at is not None:
        return None
    return invitation


def _forget(link: OpenLink, memory: MutableMapping) -> None:
    joined = dict(memory.get(JOINED, {}))
    joined.pop(str(link.id), None)
    memory[JOINED] = joined
    for key in (CONSENTED, DECLINED):
        memory[key] = [i for i in memory.get(key, []) if i != str(link.id)]


def _gate(link: OpenLink) -> Show | None:
    closed = wave_gate(link.wave)
    if closed is not None:
        return closed
    if link.wave.campaign.consent_mode == "guardian":  # a guardian's consent needs a named participant
        return Show("guardian", status=403)
    return None


def _open_link(token: str, address: str) -> tuple[OpenLink | None, Show | None]:
    """(link, None) for a live link whose wave is open; else (link or None, the page to show)."""
    link = find_open_link(token)
    if link is None:
        return None, refuse_link(address)
    return link, _gate(link)


def _joined_or_start(token: str, address: str, memory: MutableMapping):
    """(link, invitation, None) when the browser has joined; else (.., .., what to answer)."""
    link, other = _open_link(token, address)
    if other is not None:
        return link, None, other
    invitation = _joined(link, memory)
    if invitation is None:
        return link, None, GoTo("start")
    return link, invitation, None


def open_start(token: str, address: str, memory: MutableMapping) -> Outcome:
    """``/o/<token>``: the consent page, or where this browser got to."""
    link, other = _open_link(token, address)
    if other is not None:
        return other
    if _joined(link, memory) is not None:
        return GoTo("questionnaire")
    if _remembered(link, memory, DECLINED):
        return _of(link.wave.campaign, Show("declined"))
    if _remembered(link, memory, CONSENTED):
        return GoTo("code")
    return _of(link.wave.campaign, consent_page(link.wave.campaign))


def open_decision(token: str, address: str, memory: MutableMapping, decision: str | None) -> Outcome:
    """``/o/<token>/consent``: agreeing is remembered by the browser; a decline is also counted."""
    link = find_open_link(token)
    if link is None:
        return refuse_link(address)
    if decision is not None and _gate(link) is None:
        if decision == "agree":
            _remember(link, memory, CONSENTED)
        elif decision == "decline" and not _remembered(link, memory, DECLINED):
            record_open_decline(link)
            _remember(link, memory, DECLINED)
    return GoTo("start")


def open_join(token: str, address: str, memory: MutableMapping, parts: CodeParts | None) -> Outcome:
    """``/o/<token>/code``: the code form (``parts`` is None until it validates), then the questionnaire."""
    link, other = _open_link(token, address)
    if other is not None:
        return other
    if not _remembered(link, memory, CONSENTED):
        return GoTo("start")
    if parts is None:
        return _of(link.wave.campaign, Show("code"))
    config = current_app.config
    if throttle.hit(f"code:{address}:{link.id}", config["SURVEYS_CODE_WINDOW"]) > config["SURVEYS_CODE_LIMIT"]:
        return too_many(config["SURVEYS_CODE_WINDOW"])
    invitation = join_open_link(link, parts)
    if invitation.consented_at is None:
        invitation.consented_at = utcnow()
        db.session.commit()
    memory[JOINED] = {**memory.get(JOINED, {}), str(link.id): invitation.id}
    return GoTo("questionnaire")


def open_page(
    token: str, address: str, memory: MutableMapping, posted: MultiDict | None, wanted: str | None = None
) -> Outcome:
    """``/o/<token>/survey``: the questionnaire of the joined invitation."""
    link, invitation, other = _joined_or_start(token, address, memory)
    if other is not None:
        return other
    outcome = questionnaire(invitation, posted, wanted)
    if posted is None and not link.wave.campaign.allow_editing and next_step(invitation) is None:
        _forget(link, memory)  # the completed page is shown once; on a shared computer the next person starts afresh
    return _of(link.wave.campaign, outcome)


def open_autosave(token: str, address: str, memory: MutableMapping, posted: MultiDict) -> Outcome:
    """``/o/<token>/autosave``."""
    _link, invitation, other = _joined_or_start(token, address, memory)
    if other is not None:
        return Saved(False, "closed", 409)
    return autosave(invitation, posted)


def open_reopen(token: str, address: str, memory: MutableMapping, instrument_id: str) -> Outcome:
    """``/o/<token>/edit``."""
    _link, invitation, other = _joined_or_start(token, address, memory)
    return other if other is not None else reopen(invitation, instrument_id)


def open_forget(token: str, memory: MutableMapping, confirmed: bool) -> Outcome:
    """``/o/<token>/forget`` ("not me"): this browser forgets the code, so someone else can start."""
    link = find_open_link(token)
    if link is not None and confirmed:
        _forget(link, memory)
    return GoTo("start")
