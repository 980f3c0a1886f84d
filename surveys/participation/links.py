"""Finding what a link points at, and joining a wave by an open link with a pseudonymous code.

A personal link names one participant in one wave. An open link names a wave and a role;
whoever opens it makes up a code from prompts they can answer again later, and the code's
keyed hash (HMAC-SHA-256, keyed per installation and salted per campaign) links their
input and output waves without a name ever being stored.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from functools import cache

from flask import current_app
from sqlalchemy import bindparam
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from surveys import throttle
from surveys.core.models import Campaign, Invitation, OpenLink, Participant, Wave, hash_token, utcnow
from surveys.extensions import db
from surveys.workspace import eligible_participants, enrol

MAX_TOKEN_LENGTH = 64


@cache
def _statement(model, counting: bool):
    """The select by token hash for ``model``, built once and reused (building a select with
    its loader options and caching key costs about as much as running it).

    Personal links read the wave, its campaign with its instruments, the participant and their
    responses in the same query, since every page needs them; ``counting`` adds a throttle count
    (``throttle.count_column``) to the row.
    """
    options = ()
    if model is Invitation:
        options = (
            joinedload(Invitation.wave).joinedload(Wave.campaign).joinedload(Campaign.assignments),
            joinedload(Invitation.participant),
            joinedload(Invitation.responses),
        )
    columns = (model, throttle.count_column()) if counting else (model,)
    return db.select(*columns).filter_by(token_hash=bindparam("token_hash")).options(*options)


def _lookup(model, token: str, counted: dict | None = None):
    """The row ``(model,)``, or ``(model, count)`` with ``counted`` (``throttle.count_params``),
    whose token hash matches, or None. Revoked rows are returned too, so that an unknown and a
    revoked token cost exactly the same work; callers treat both alike."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        token = "-"  # still run the query: the time taken must not depend on the input
    params = {"token_hash": hash_token(token), **(counted or {})}
    return db.session.execute(_statement(model, counted is not None), params).unique().one_or_none()


def _live(row):
    return row if row is not None and row.revoked_at is None else None


def find_invitation(token: str, counted: dict | None = None) -> tuple[Invitation | None, int | None]:
    """The live invitation for a personal link token (None when unknown or revoked), and, with
    ``counted`` (``throttle.count_params``), that throttle count, read in the same statement
    (None for an unknown token). The participant path reads its rate limit this way.
    """
    row = _lookup(Invitation, token, counted)
    if row is None:
        return None, None
    return _live(row[0]), (row[1] if counted is not None else None)


def find_open_link(token: str) -> OpenLink | None:
    """The live open link for a token, or None (unknown or revoked)."""
    row = _lookup(OpenLink, token)
    return None if row is None else _live(row[0])


def create_open_link(wave: Wave, role: str) -> tuple[OpenLink, str]:
    """A new open link for ``wave`` and participants of ``role``; returns it and its token."""
    link = OpenLink(wave_id=wave.id, role=role)
    token = link.issue_token()
    db.session.add(link)
    db.session.commit()
    return link, token


def revoke(row) -> None:
    """Stop a personal or open link at once."""
    row.revoked_at = utcnow()
    db.session.commit()


def record_open_decline(link: OpenLink) -> None:
    """Count a decline on an open link; nothing about the person is stored."""
    db.session.execute(db.update(OpenLink).where(OpenLink.id == link.id).values(declines=OpenLink.declines + 1))
    db.session.commit()


@dataclass(frozen=True)
class CodeParts:
    """The answers to the code prompts, as typed."""

    guardian_letters: str  # first two letters of a parent's (or close adult's) first name
    own_letter: str  # first letter of the participant's own first name
    birth_day: int
    birth_month: int

    def normalised(self) -> str:
        def letters(text: str) -> str:
            return "".join(text.split()).upper().replace("Ё", "Е")

        return (
            f"{letters(self.guardian_letters)}|{letters(self.own_letter)}|{self.birth_day:02d}|{self.birth_month:02d}"
        )


def pseudonym_key() -> bytes:
    """The installation's key for code hashes: SURVEYS_PSEUDONYM_KEY, else derived from the secret key.

    It must stay the same between the waves of a campaign, or their codes will not link up.
    """
    configured = current_app.config.get("SURVEYS_PSEUDONYM_KEY")
    if configured:
        return str(configured).encode()
    return hmac.new(str(current_app.config["SECRET_KEY"]).encode(), b"surveys pseudonym key", hashlib.sha256).digest()


def pseudonym_hash(key: bytes, campaign_id: int, parts: CodeParts) -> str:
    """Keyed hash of a code within one campaign: the same code in another campaign hashes differently."""
    message = f"campaign:{campaign_id}:{parts.normalised()}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _display_code() -> str:
    return "A-" + "".join(secrets.choice("23456789ABCDEFGHJKMNPQRSTVWXYZ") for _ in range(8))


def _participant_for(campaign, role: str, digest: str) -> Participant:
    for _attempt in range(5):
        found = db.session.execute(db.select(Participant).filter_by(pseudonym_hash=digest)).scalar_one_or_none()
        if found is not None:
            return found
        participant = Participant(
            organisation_id=campaign.organisation_id,
            programme_id=campaign.programme_id,
            code=_display_code(),
            role=role,
            pseudonym_hash=digest,
            tags=["open-link"],
        )
        db.session.add(participant)
        try:
            db.session.flush()
            if campaign.programme_id is not None:
                enrol(participant, campaign.programme_id, role)
            db.session.commit()
            return participant
        except IntegrityError:  # the same code joined at the same moment, or a display code clash
            db.session.rollback()
    raise RuntimeError("could not create a participant for an open-link code")


def join_open_link(link: OpenLink, parts: CodeParts) -> Invitation:
    """The invitation behind a code on this open link's wave, made on first use.

    The same code twice in one wave returns the same invitation (and so the same
    response); in another wave of the campaign, the same participant.
    """
    campaign = link.wave.campaign
    digest = pseudonym_hash(pseudonym_key(), campaign.id, parts)
    participant = _participant_for(campaign, link.role, digest)
    invitation = db.session.execute(
        db.select(Invitation).filter_by(wave_id=link.wave_id, participant_id=participant.id)
    ).scalar_one_or_none()
    if invitation is None:
        invitation = Invitation(wave_id=link.wave_id, participant_id=participant.id)
        invitation.issue_token()  # never shown: this participant comes back through the code
        db.session.add(invitation)
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            invitation = db.session.execute(
                db.select(Invitation).filter_by(wave_id=link.wave_id, participant_id=participant.id)
            ).scalar_one()
    return invitation


def generate_links(wave: Wave) -> list[tuple[Participant, str]]:
    """Create an invitation for each eligible participant who has none yet.

    Returns (participant, token) pairs: the only time the tokens exist in clear.
    """
    invited = {i.participant_id for i in db.session.execute(db.select(Invitation).filter_by(wave_id=wave.id)).scalars()}
    issued = []
    for participant in eligible_participants(wave.campaign):
        if participant.id in invited:
            continue
        invitation = Invitation(wave_id=wave.id, participant_id=participant.id)
        issued.append((participant, invitation.issue_token()))
        db.session.add(invitation)
    db.session.commit()
    return issued


def issue_links(wave: Wave, participants: list[Participant], reissue: bool) -> list[tuple[Participant, str]]:
    """Tokens for ``participants`` in ``wave``, in their order, committed together.

    A participant without an invitation gets a new one; one who has an invitation is skipped,
    unless ``reissue``: then their invitation gets a new token and the old link stops working
    (as ``reissue_link`` does, but in one transaction for the whole group).
    """
    invitations = {
        i.participant_id: i for i in db.session.execute(db.select(Invitation).filter_by(wave_id=wave.id)).scalars()
    }
    issued = []
    for participant in participants:
        invitation = invitations.get(participant.id)
        if invitation is None:
            invitation = Invitation(wave_id=wave.id, participant_id=participant.id)
            db.session.add(invitation)
        elif not reissue:
            continue
        issued.append((participant, invitation.issue_token()))
    db.session.commit()
    return issued


def reissue_link(invitation: Invitation) -> str:
    """Replace the invitation's token; the old link stops working at once."""
    token = invitation.issue_token()
    db.session.commit()
    return token
