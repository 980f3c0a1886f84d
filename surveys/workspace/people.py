"""Who takes part in a campaign, and in which role, form and group.

A participant's own ``role``/``form``/``group_name`` hold where they stand now; an Enrolment in
the campaign's programme overrides them. A campaign tied to a programme is for the people
enrolled in it; a campaign without one is for all the organisation's participants.
"""

from __future__ import annotations

from dataclasses import dataclass

from surveys.core.models import WAVE_KINDS, Campaign, Enrolment, Pair, PairMentee, Participant
from surveys.extensions import db


@dataclass(frozen=True)
class Standing:
    role: str
    form: str
    group: str


def _own(participant: Participant) -> Standing:
    return Standing(participant.role, participant.form, participant.group_name)


def standings(campaign: Campaign) -> dict[int, tuple[Participant, Standing]]:
    """Every participant the campaign can reach, by id, with their standing in it."""
    if campaign.programme_id is None:
        rows = db.session.execute(
            db.select(Participant).filter_by(organisation_id=campaign.organisation_id).order_by(Participant.code)
        ).scalars()
        return {p.id: (p, _own(p)) for p in rows}
    rows = db.session.execute(
        db.select(Participant, Enrolment)
        .join(Enrolment, Enrolment.participant_id == Participant.id)
        .where(Enrolment.programme_id == campaign.programme_id, Participant.organisation_id == campaign.organisation_id)
        .order_by(Participant.code)
    )
    return {p.id: (p, Standing(e.role, e.form, e.group_name)) for p, e in rows}


def standing_by_id(campaign: Campaign) -> dict[int, Standing]:
    """participant id → standing, like :func:`standings` but read as plain columns (for large campaigns)."""
    if campaign.programme_id is None:
        rows = db.session.execute(
            db.select(Participant.id, Participant.role, Participant.form, Participant.group_name).filter_by(
                organisation_id=campaign.organisation_id
            )
        )
    else:
        rows = db.session.execute(
            db.select(Participant.id, Enrolment.role, Enrolment.form, Enrolment.group_name)
            .join(Enrolment, Enrolment.participant_id == Participant.id)
            .where(
                Enrolment.programme_id == campaign.programme_id,
                Participant.organisation_id == campaign.organisation_id,
            )
        )
    rows = rows.yield_per(5000)  # large organisations: not all rows at once
    shared: dict[tuple[str, str, str], Standing] = {}  # one object per distinct standing: 100,000 people, a few dozen
    return {pid: shared.setdefault((role, form, group), Standing(role, form, group)) for pid, role, form, group in rows}


def standing_of(campaign: Campaign, participant: Participant) -> Standing:
    """The participant's role, form and group in this campaign (their own if not enrolled)."""
    if campaign.programme_id is not None:
        enrolment = db.session.execute(
            db.select(Enrolment).filter_by(participant_id=participant.id, programme_id=campaign.programme_id)
        ).scalar_one_or_none()
        if enrolment is not None:
            return Standing(enrolment.role, enrolment.form, enrolment.group_name)
    return _own(participant)


@dataclass(frozen=True)
class Team:
    """Whom a participant works with in a campaign's programme: their mentor's code and the pair variant."""

    mentor: str
    variant: str


def teams(campaign: Campaign) -> dict[int, Team]:
    """participant id → Team, for the mentors and mentees of the campaign's programme's pairs.

    A mentor's team is their own code. Someone in several pairs takes the earliest pair.
    Campaigns without a programme have no pairs, so the mapping is empty.
    """
    if campaign.programme_id is None:
        return {}
    found: dict[int, Team] = {}
    pairs = db.session.execute(
        db.select(Pair.id, Pair.mentor_id, Pair.variant, Participant.code)
        .join(Participant, Participant.id == Pair.mentor_id)
        .where(Pair.programme_id == campaign.programme_id)
        .order_by(Pair.id)
    ).all()
    members = db.session.execute(
        db.select(PairMentee.pair_id, PairMentee.participant_id)
        .join(Pair, Pair.id == PairMentee.pair_id)
        .where(Pair.programme_id == campaign.programme_id)
        .order_by(PairMentee.id)
    ).all()
    by_pair: dict[int, list[int]] = {}
    for pair_id, participant_id in members:
        by_pair.setdefault(pair_id, []).append(participant_id)
    for pair_id, mentor_id, variant, mentor_code in pairs:
        team = Team(mentor_code, variant or "")
        for person in [mentor_id, *by_pair.get(pair_id, [])]:
            found.setdefault(person, team)
    return found


def audience_roles(campaign: Campaign) -> set[str]:
    return {role for a in campaign.assignments for role in a.audience}


def eligible(campaign: Campaign) -> list[tuple[Participant, Standing]]:
    """The participants whose role (and form of mentoring) one of the campaign's instruments is for,
    in some wave, by code."""
    roles = audience_roles(campaign)
    takes: dict[tuple[str, str], bool] = {}  # by (role, form): a few dozen, however many people

    def reached(s: Standing) -> bool:
        key = (s.role, s.form)
        if key not in takes:
            takes[key] = any(a.applies(s.role, k, s.form) for a in campaign.assignments for k in WAVE_KINDS)
        return takes[key]

    return [(p, s) for p, s in standings(campaign).values() if not roles or (s.role in roles and reached(s))]


def enrol(participant: Participant, programme_id: int, role: str, form: str = "", group: str = "") -> Enrolment:
    """Put the participant in the programme (or update their place in it); the caller commits."""
    enrolment = db.session.execute(
        db.select(Enrolment).filter_by(participant_id=participant.id, programme_id=programme_id)
    ).scalar_one_or_none()
    if enrolment is None:
        enrolment = Enrolment(participant_id=participant.id, programme_id=programme_id)
        db.session.add(enrolment)
    enrolment.role, enrolment.form, enrolment.group_name = role, form, group
    return enrolment
