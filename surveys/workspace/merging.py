"""Merging two codes of one person: the answers, links, enrolments, pairs and consents of one code move
to the other, which is kept; the other is deleted. Used by the linking page of a campaign and by the
participant's page.

Pairs are kept one per mentor and mentee in a programme (the database enforces it): when both codes
were in pairs with the same mentor or mentee, the duplicate goes away, and so does a place where the
kept code would become its own mentee; a pair left without mentees is deleted.
"""

from __future__ import annotations

from flask_babel import gettext as _

from surveys.audit import record
from surveys.core.models import (
    Enrolment,
    GuardianConsent,
    Invitation,
    Pair,
    PairMentee,
    Participant,
    PersonalData,
    Response,
    Wave,
)
from surveys.extensions import db


class MergeError(Exception):
    """Two codes that cannot be merged, with the reason."""


def merge_conflicts(keep: Participant, drop: Participant) -> list[str]:
    """Why the two cannot be merged: the same questionnaire answered twice in one wave."""
    if keep.id == drop.id:
        return [_("it is the same participant")]
    if keep.organisation_id != drop.organisation_id:
        return [_("the participants are in different organisations")]
    mine = {
        (r.wave_id, r.instrument_id)
        for r in db.session.execute(db.select(Response).filter_by(participant_id=keep.id)).scalars()
    }
    theirs = db.session.execute(db.select(Response).filter_by(participant_id=drop.id)).scalars()
    return [
        _("both answered %(instrument)s in the wave «%(wave)s»", instrument=r.instrument_id, wave=_wave_name(r.wave_id))
        for r in theirs
        if (r.wave_id, r.instrument_id) in mine
    ]


def _wave_name(wave_id: int) -> str:
    wave = db.session.get(Wave, wave_id)
    return wave.name if wave is not None else str(wave_id)


def merge_participants(keep: Participant, drop: Participant) -> dict[str, int]:
    """Move everything of ``drop`` to ``keep`` and delete ``drop``; one transaction. Returns what moved.

    Raises MergeError when the same questionnaire was answered by both in one wave: the curator
    has to decide which answers are right, so nothing is merged.
    """
    conflicts = merge_conflicts(keep, drop)
    if conflicts:
        raise MergeError("; ".join(conflicts))
    moved = {"responses": 0, "invitations": 0, "enrolments": 0, "pairs": 0, "consents": 0}
    moved["invitations"] = _move_invitations(keep, drop)
    for response in db.session.execute(db.select(Response).filter_by(participant_id=drop.id)).scalars():
        response.participant_id = keep.id
        moved["responses"] += 1
    moved["enrolments"] = _move_unless_kept(Enrolment, "programme_id", keep, drop)
    moved["pairs"] = _move_pairs(keep, drop)
    moved["consents"] = _move_unless_kept(GuardianConsent, "campaign_id", keep, drop)
    _move_personal_data(keep, drop)
    keep.tags = sorted(set(keep.tags or []) | set(drop.tags or []))
    db.session.flush()
    db.session.delete(drop)
    db.session.commit()
    return moved


def _move_invitations(keep: Participant, drop: Participant) -> int:
    """Move drop's links to keep; where keep has a link to the same wave, its responses go to keep's."""
    moved = 0
    keep_waves = {
        i.wave_id: i for i in db.session.execute(db.select(Invitation).filter_by(participant_id=keep.id)).scalars()
    }
    for invitation in db.session.execute(db.select(Invitation).filter_by(participant_id=drop.id)).scalars():
        target = keep_waves.get(invitation.wave_id)
        responses = db.session.execute(db.select(Response).filter_by(invitation_id=invitation.id)).scalars()
        for response in responses:
            response.invitation_id = target.id if target is not None else invitation.id
        if target is None:
            invitation.participant_id = keep.id
            moved += 1
        else:
            db.session.flush()
            db.session.delete(invitation)
    return moved


def _move_unless_kept(model, key: str, keep: Participant, drop: Participant) -> int:
    """Move drop's rows of ``model`` to keep, except where keep has one for the same ``key``."""
    kept = {
        getattr(row, key) for row in db.session.execute(db.select(model).filter_by(participant_id=keep.id)).scalars()
    }
    moved = 0
    for row in db.session.execute(db.select(model).filter_by(participant_id=drop.id)).scalars():
        if getattr(row, key) in kept:
            db.session.delete(row)
        else:
            row.participant_id = keep.id
            moved += 1
    return moved


def _move_pairs(keep: Participant, drop: Participant) -> int:
    """Make keep the mentor or mentee wherever drop was, one place per (programme, mentor, mentee)."""
    both = (keep.id, drop.id)
    pairs = set(db.session.execute(db.select(Pair).where(Pair.mentor_id.in_(both))).scalars())
    memberships = db.session.execute(db.select(PairMentee).where(PairMentee.participant_id.in_(both))).scalars()
    pairs |= {m.pair for m in memberships}
    rows = [(pair, row) for pair in pairs for row in pair.mentees]
    # keep's own places first, so that where two places become one, keep's is the one left
    rows.sort(key=lambda pr: (drop.id in (pr[0].mentor_id, pr[1].participant_id), pr[0].id, pr[1].id or 0))

    def as_keep(person_id: int) -> int:
        return keep.id if person_id == drop.id else person_id

    seen: set[tuple[int, int, int]] = set()
    gone, staying = [], []
    for pair, row in rows:
        place = (pair.programme_id, as_keep(pair.mentor_id), as_keep(row.participant_id))
        if place[1] == place[2] or place in seen:
            gone.append((pair, row))
        else:
            seen.add(place)
            staying.append(row)
    for pair, row in gone:  # first, so no moved place meets the one it replaces
        pair.mentees.remove(row)
    db.session.flush()
    moved = 0
    for pair in pairs:
        if pair.mentor_id == drop.id:
            pair.mentor_id = keep.id
            moved += 1
    for row in staying:
        if row.participant_id == drop.id:
            row.participant_id = keep.id
            moved += 1
    for pair in pairs:
        if not pair.mentees:
            db.session.delete(pair)
    return moved


def _move_personal_data(keep: Participant, drop: Participant) -> None:
    personal = db.session.get(PersonalData, drop.id)
    if personal is None:
        return
    if db.session.get(PersonalData, keep.id) is None:
        db.session.add(
            PersonalData(
                participant_id=keep.id,
                full_name=personal.full_name,
                birth_year=personal.birth_year,
                sex=personal.sex,
            )
        )
    db.session.delete(personal)


def merge_audited(keep: Participant, drop: Participant, target: str) -> tuple[str, str]:
    """Merge ``drop`` into ``keep`` and write ``participants.merge`` on ``target``; returns the two codes.

    Raises :class:`MergeError`, with nothing changed, when the two cannot be one person."""
    codes = (keep.code, drop.code)
    try:
        moved = merge_participants(keep, drop)
    except MergeError:
        db.session.rollback()
        raise
    record("participants.merge", target, keep=codes[0], merged=codes[1], moved=moved)
    return codes
