"""What stands between a link and its first question: bad-link limits, the wave's dates, a decline,
a guardian's consent, and the participant's own consent, in that order."""

from __future__ import annotations

from flask import current_app

from surveys import throttle
from surveys.core.models import Campaign, Invitation, Participant, Wave, utcnow
from surveys.extensions import db
from surveys.participation.consent import MODE_NOTES, mode_for, sections, waits_for_guardian
from surveys.participation.forms import ParticipantForm
from surveys.participation.links import find_invitation
from surveys.participation.outcomes import Show


def _bad_link_key(address: str) -> str:
    return f"bad-link:{address}"


def too_many(window: int) -> Show:
    """The wait page: 429, with the seconds to wait."""
    return Show("too_many", status=429, headers={"Retry-After": str(window)})


def refusal_while_limited(address: str) -> Show | None:
    """Before any link is looked up: the wait page (429), for every token, valid ones included,
    from an address past ``SURVEYS_BAD_LINK_LOCK`` refusals in this window.

    Two tiers. Past ``SURVEYS_BAD_LINK_LIMIT`` (20) refusals, unknown tokens get the wait page
    but valid ones still open, so a school behind one address keeps working when a class tries
    old or mistyped links. Past the lock (200), nothing opens until the window ends: a guesser,
    who could otherwise tell a right token (200) from a wrong one (429), is held to that many
    guesses per window. A valid token never counts as a refusal, however often it is used.
    """
    config = current_app.config
    window = config["SURVEYS_BAD_LINK_WINDOW"]
    if throttle.exceeded(_bad_link_key(address), config["SURVEYS_BAD_LINK_LOCK"], window):
        return too_many(window)
    return None


def invitation_or_refusal(token: str, address: str) -> tuple[Invitation | None, Show | None]:
    """A personal link's live invitation, or the page refusing it: ``(invitation, None)`` or
    ``(None, page)``.

    The same rule as ``refusal_while_limited``, in fewer statements: the lock count is read in
    the same statement as the token, so a valid link costs one statement. An unknown token,
    and any token from an address past the lock, then read the count again on its own, so a
    right and a wrong token past the lock do exactly the same work before the wait page.
    """
    config = current_app.config
    key, window, lock = _bad_link_key(address), config["SURVEYS_BAD_LINK_WINDOW"], config["SURVEYS_BAD_LINK_LOCK"]
    invitation, refused = find_invitation(token, throttle.count_params(key, window))
    if invitation is None or refused >= lock:
        if throttle.exceeded(key, lock, window):
            return None, too_many(window)
        if invitation is None:
            return None, refuse_link(address)
    return invitation, None


def refuse_link(address: str) -> Show:
    """The page for an unknown or revoked token: one page, one status, the same work for both.

    Each refusal counts against the client address; past the limit the page says to wait
    (429), and past the lock ``refusal_while_limited`` refuses every token from that address
    until the window ends.
    """
    config = current_app.config
    seen = throttle.hit(_bad_link_key(address), config["SURVEYS_BAD_LINK_WINDOW"])
    if seen > config["SURVEYS_BAD_LINK_LIMIT"]:
        return too_many(config["SURVEYS_BAD_LINK_WINDOW"])
    return Show("invalid", status=404)


def wave_gate(wave: Wave) -> Show | None:
    """A page for a wave that is not open now, or None when it is."""
    state = wave.state()
    if state == "closed":
        return Show("closed", status=410)
    if state == "not_open":
        return Show("not_open", {"opens_at": wave.opens_at}, status=404)
    return None


def consent_page(campaign: Campaign, participant: Participant | None = None) -> Show:
    """What the participant is told before agreeing, in the consent mode that applies to them."""
    mode = mode_for(campaign, participant)
    return Show(
        "consent",
        {
            "sections": sections(campaign),
            "note": MODE_NOTES[mode],
            "assent": mode != "self",
            "form": ParticipantForm(),
        },
    )


def personal_gate(invitation: Invitation) -> Show | None:
    """Everything between a valid personal link and its first question, or None to go on."""
    closed = wave_gate(invitation.wave)
    if closed is not None:
        return closed
    if invitation.declined_at is not None:
        return Show("declined")
    campaign = invitation.wave.campaign
    if waits_for_guardian(campaign, invitation.participant):
        return Show("guardian", status=403)
    if invitation.consented_at is None:
        return consent_page(campaign, invitation.participant)
    return None


def reconsider_page(invitation: Invitation) -> Show | None:
    """After a decline, the information page again while the wave is open ("I changed my mind"), or
    what stands before it; None when there is no decline to reconsider."""
    if invitation.declined_at is None:
        return None
    closed = wave_gate(invitation.wave)
    if closed is not None:
        return closed
    campaign = invitation.wave.campaign
    if waits_for_guardian(campaign, invitation.participant):
        return Show("guardian", status=403)
    return consent_page(campaign, invitation.participant)


def record_decision(invitation: Invitation, decision: str | None) -> None:
    """Store agree or decline once; a decline stores nothing but its time, and a later agree on the
    same link, while the wave is open, undoes it (the participant changed their mind).

    Nothing is recorded while the wave is not open or a required guardian consent is missing.
    """
    if invitation.consented_at is not None and invitation.declined_at is None:
        return
    if wave_gate(invitation.wave) is not None or waits_for_guardian(invitation.wave.campaign, invitation.participant):
        return
    if decision == "agree":
        invitation.consented_at, invitation.declined_at = utcnow(), None
    elif decision == "decline" and invitation.declined_at is None:
        invitation.declined_at = utcnow()
    else:
        return
    db.session.commit()
