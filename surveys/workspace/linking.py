"""Linking a campaign's waves: who answered before, after or both, and merging two codes of one person.

Waves link by participant: a personal link names the participant, and an open-link code leads
to the same participant in every wave of the campaign. When one person ended up under two codes
(a mistyped code on an open link, a second personal record), the curator merges them: the answers,
links, enrolments, pairs and consents of one code move to the other, and the merge is audited.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from surveys.audit import record
from surveys.core.models import (
    Campaign,
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


@dataclass
class Attrition:
    """Participants with submitted answers in the first wave only, the second only, or both."""

    both: list[Participant] = field(default_factory=list)
    before_only: list[Participant] = field(default_factory=list)
    after_only: list[Participant] = field(default_factory=list)


def answered(wave_id: int) -> dict[int, Participant]:
    """The participants with at least one submitted response in the wave, by id."""
    ids = db.select(Response.participant_id).where(Response.wave_id == wave_id, Response.status == "submitted")
    rows = db.session.execute(db.select(Participant).where(Participant.id.in_(ids))).scalars()
    return {p.id: p for p in rows}


def attrition(before_wave_id: int, after_wave_id: int) -> Attrition:
    """Who answered which of two waves, each list by code."""
    before, after = answered(before_wave_id), answered(after_wave_id)

    def by_code(ids):
        return sorted((before.get(i) or after[i] for i in ids), key=lambda p: p.code)

    return Attrition(
        both=by_code(before.keys() & after.keys()),
        before_only=by_code(before.keys() - after.keys()),
        after_only=by_code(after.keys() - before.keys()),
    )


class MergeError(Exception):
    """Two codes that cannot be merged, with the reason."""


def merge_conflicts(keep: Participant, drop: Participant) -> list[str]:
    """Why the two cannot be merged: the same questionnaire answered twice in one wave."""
    if keep.id == drop.id:
        return ["the same participant"]
    if keep.organisation_id != drop.organisation_id:
        return ["participants of different organisations"]
    mine = {
        (r.wave_id, r.instrument_id)
        for r in db.session.execute(db.select(Response).filter_by(participant_id=keep.id)).scalars()
    }
    theirs = db.session.execute(db.select(Response).filter_by(participant_id=drop.id)).scalars()
    return [
        f"both answered {r.instrument_id} in wave {r.wave_id}" for r in theirs if (r.wave_id, r.instrument_id) in mine
    ]


def merge_participants(keep: Participant, drop: Participant) -> dict[str, int]:
    """Move everything of ``drop`` to ``keep`` and delete ``drop``; one transaction. Returns what moved.

    Raises MergeError when the same questionnaire was answered by both in one wave: the curator
    has to decide which answers are right, so nothing is merged.
    """
    conflicts = merge_conflicts(keep, drop)
    if conflicts:
        raise MergeError("; ".join(conflicts))
    moved = {"responses": 0, "invitations": 0, "enrolments": 0, "pairs": 0, "consents": 0}
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
            moved["invitations"] += 1
        else:
            db.session.flush()
            db.session.delete(invitation)
    for response in db.session.execute(db.select(Response).filter_by(participant_id=drop.id)).scalars():
        response.participant_id = keep.id
        moved["responses"] += 1
    kept_programmes = {
        e.programme_id for e in db.session.execute(db.select(Enrolment).filter_by(participant_id=keep.id)).scalars()
    }
    for enrolment in db.session.execute(db.select(Enrolment).filter_by(participant_id=drop.id)).scalars():
        if enrolment.programme_id in kept_programmes:
            db.session.delete(enrolment)
        else:
            enrolment.participant_id = keep.id
            moved["enrolments"] += 1
    for pair in db.session.execute(db.select(Pair).filter_by(mentor_id=drop.id)).scalars():
        pair.mentor_id = keep.id
        moved["pairs"] += 1
    for membership in db.session.execute(db.select(PairMentee).filter_by(participant_id=drop.id)).scalars():
        already = db.session.execute(
            db.select(PairMentee).filter_by(pair_id=membership.pair_id, participant_id=keep.id)
        ).scalar_one_or_none()
        if already is not None:
            db.session.delete(membership)
        else:
            membership.participant_id = keep.id
            moved["pairs"] += 1
    kept_consents = {
        g.campaign_id
        for g in db.session.execute(db.select(GuardianConsent).filter_by(participant_id=keep.id)).scalars()
    }
    for consent in db.session.execute(db.select(GuardianConsent).filter_by(participant_id=drop.id)).scalars():
        if consent.campaign_id in kept_consents:
            db.session.delete(consent)
        else:
            consent.participant_id = keep.id
            moved["consents"] += 1
    personal = db.session.get(PersonalData, drop.id)
    if personal is not None:
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
    keep.tags = sorted(set(keep.tags or []) | set(drop.tags or []))
    db.session.flush()
    db.session.delete(drop)
    db.session.commit()
    return moved


def campaign_wave_pairs(campaign: Campaign) -> list[tuple[int, int]]:
    """The pairs of waves to link: the first wave against every later one."""
    waves = sorted(campaign.waves, key=lambda w: w.position)
    return [(waves[0].id, later.id) for later in waves[1:]]


@dataclass(frozen=True)
class Section:
    """Two consecutive waves of a campaign and who answered which."""

    before: Wave
    after: Wave
    found: Attrition


def sections(campaign: Campaign) -> list[Section]:
    """The linking page of a campaign: each pair of consecutive waves with its attrition."""
    return [
        Section(db.session.get(Wave, before_id), db.session.get(Wave, after_id), attrition(before_id, after_id))
        for before_id, after_id in campaign_wave_pairs(campaign)
    ]


def merge_codes(campaign: Campaign, keep_id: int, drop_id: int) -> tuple[str, str]:
    """Merge participant ``drop_id`` (an after-only code) into ``keep_id``; audited. Returns the two codes.

    Raises :class:`MergeError`, with nothing changed, when the two cannot be one person."""
    keep, drop = db.session.get(Participant, keep_id), db.session.get(Participant, drop_id)
    codes = (keep.code, drop.code)
    try:
        moved = merge_participants(keep, drop)
    except MergeError:
        db.session.rollback()
        raise
    record("participants.merge", f"campaign:{campaign.id}", keep=codes[0], merged=codes[1], moved=moved)
    return codes
