"""Erasing a person: their personal data, answers, scores, links, places in programmes and pairs, and
every stored export that may hold them, in one transaction (docs/privacy.md, "Erasing a person").

The audit log keeps one ``participant.erase`` event with counts only; earlier events that named the
person (their code or name, their participant, invitation or response id) are scrubbed of it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import sqlalchemy as sa

from surveys import audit
from surveys.core.export_models import ExportChunk, ExportJob
from surveys.core.log_models import AuditEvent
from surveys.core.models import (
    Enrolment,
    GuardianConsent,
    Invitation,
    Pair,
    PairMentee,
    Participant,
    PersonalData,
    Response,
    Score,
    Wave,
)
from surveys.extensions import db

ERASED = "[erased]"  # what an earlier audit event shows where it named the person
AUDIT_ACTION = "participant.erase"
# Keys of audit details whose number is a participant's id (``invitation.reset_decline`` names the code).
PARTICIPANT_KEYS = ("participant", "participant_id")


@dataclass(frozen=True)
class Erased:
    """What one erasure removed, as counts (nothing that names the person)."""

    personal_data: int
    responses: int
    scores: int
    invitations: int
    guardian_consents: int
    enrolments: int
    pair_places: int
    pairs: int
    exports: int
    audit_events_scrubbed: int

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def erase(participant: Participant, *, user_id: int | None, via: str) -> Erased:
    """Remove the participant and every row about them; commit, or roll back and raise on any error."""
    try:
        erased = _erase(participant, user_id=user_id, via=via)
    except Exception:
        db.session.rollback()
        raise
    db.session.commit()
    return erased


def _ids(query) -> list[int]:
    return list(db.session.execute(query).scalars())


def _delete(model, *conditions) -> int:
    return db.session.execute(sa.delete(model).where(*conditions)).rowcount or 0


def _erase(participant: Participant, *, user_id: int | None, via: str) -> Erased:
    pid, organisation_id, code = participant.id, participant.organisation_id, participant.code
    personal = db.session.get(PersonalData, pid)
    name = (personal.full_name or "").strip() if personal else ""
    responses = _ids(db.select(Response.id).where(Response.participant_id == pid))
    invitations = _ids(db.select(Invitation.id).where(Invitation.participant_id == pid))
    campaigns = _campaigns_of(pid)
    scores = _delete(Score, Score.response_id.in_(responses)) if responses else 0
    _delete(Response, Response.id.in_(responses)) if responses else None
    _delete(Invitation, Invitation.id.in_(invitations)) if invitations else None
    consents = _delete(GuardianConsent, GuardianConsent.participant_id == pid)
    enrolments = _delete(Enrolment, Enrolment.participant_id == pid)
    places, pairs = _leave_pairs(pid)
    personal_rows = _delete(PersonalData, PersonalData.participant_id == pid)
    exports = _forget_exports(campaigns)
    scrubbed = _scrub_audit(organisation_id, pid, code, name, invitations, responses)
    _delete(Participant, Participant.id == pid)
    erased = Erased(
        personal_data=personal_rows,
        responses=len(responses),
        scores=scores,
        invitations=len(invitations),
        guardian_consents=consents,
        enrolments=enrolments,
        pair_places=places,
        pairs=pairs,
        exports=exports,
        audit_events_scrubbed=scrubbed,
    )
    audit.add(
        AUDIT_ACTION,
        "participant:erased",
        organisation_id=organisation_id,
        user_id=user_id,
        via=via,
        **erased.as_dict(),
    )
    return erased


def _campaigns_of(pid: int) -> set[int]:
    """Campaigns whose exports may hold the person: those they were invited to, answered or had a
    guardian's consent recorded in."""
    waves = db.select(Wave.campaign_id)
    answered = waves.join(Response, Response.wave_id == Wave.id).where(Response.participant_id == pid)
    invited = waves.join(Invitation, Invitation.wave_id == Wave.id).where(Invitation.participant_id == pid)
    consented = db.select(GuardianConsent.campaign_id).where(GuardianConsent.participant_id == pid)
    return {*_ids(answered), *_ids(invited), *_ids(consented)}


def _leave_pairs(pid: int) -> tuple[int, int]:
    """Take the person out of every pair: a pair they mentor goes, and so does a pair left with no
    mentee; a group pair keeps its other mentees. Returns (places as a mentee, pairs removed)."""
    mentored = _ids(db.select(Pair.id).where(Pair.mentor_id == pid))
    joined = _ids(db.select(PairMentee.pair_id).where(PairMentee.participant_id == pid))
    places = _delete(PairMentee, PairMentee.participant_id == pid)
    if mentored:
        _delete(PairMentee, PairMentee.pair_id.in_(mentored))
    left_alone = db.select(Pair.id).where(Pair.id.in_(joined), ~sa.exists().where(PairMentee.pair_id == Pair.id))
    empty = _ids(left_alone) if joined else []
    gone = set(mentored) | set(empty)
    if gone:
        _delete(Pair, Pair.id.in_(gone))
    return places, len(gone)


def _forget_exports(campaigns: set[int]) -> int:
    """Delete the stored export jobs (and files) of those campaigns: any of them may hold the person."""
    if not campaigns:
        return 0
    jobs = _ids(db.select(ExportJob.id).where(ExportJob.campaign_id.in_(campaigns)))
    if jobs:
        _delete(ExportChunk, ExportChunk.job_id.in_(jobs))
        _delete(ExportJob, ExportJob.id.in_(jobs))
    return len(jobs)


def _scrub_audit(
    organisation_id: int, pid: int, code: str, name: str, invitations: list[int], responses: list[int]
) -> int:
    """Replace the person's code, name and ids in earlier audit events by ERASED; returns how many changed."""
    targets = {f"participant:{pid}"} | {f"invitation:{i}" for i in invitations} | {f"response:{r}" for r in responses}
    events = db.session.execute(
        db.select(AuditEvent).where(
            sa.or_(AuditEvent.organisation_id == organisation_id, AuditEvent.organisation_id.is_(None))
        )
    ).scalars()
    changed = 0
    for event in events:
        target = f"{event.target.split(':', 1)[0]}:{ERASED}" if event.target in targets else event.target
        details = _scrubbed(event.details or {}, pid, code, name)
        if target != event.target or details != event.details:
            event.target, event.details = target, details
            changed += 1
    return changed


def _scrubbed(value: Any, pid: int, code: str, name: str, key: str = "") -> Any:
    """``value`` with every string that is the code, or holds the name, and every participant id replaced."""
    if isinstance(value, dict):
        return {_scrubbed(k, pid, code, name): _scrubbed(v, pid, code, name, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrubbed(item, pid, code, name, key) for item in value]
    if isinstance(value, str):
        if value == code:
            return ERASED
        return value.replace(name, ERASED) if name and name in value else value
    if key in PARTICIPANT_KEYS and value == pid and not isinstance(value, bool):
        return ERASED
    return value
