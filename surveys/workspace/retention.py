"""The retention rule: personal data of people whose programmes were all archived more than
``SURVEYS_RETENTION_DAYS`` days ago is removed (``surveys retention run``, docs/privacy.md "Retention").

Anonymising keeps the code, the answers and the scores (they are pseudonymous and the comparison of
waves needs them); it deletes the PersonalData row, revokes the person's links and sets
``Participant.anonymised_at``. A person never enrolled in any programme is never due.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa

from surveys import audit
from surveys.core.models import Enrolment, Invitation, Organisation, Participant, PersonalData, Programme, utcnow
from surveys.extensions import db

AUDIT_ACTION = "retention.run"


@dataclass
class OrganisationRun:
    """What the rule found (and, unless a dry run, did) in one organisation."""

    organisation_id: int
    name: str
    codes: list[str] = field(default_factory=list)  # the people due, by code
    personal_data: int = 0  # PersonalData rows removed
    invitations: int = 0  # links revoked


def due(days: int, now: dt.datetime | None = None) -> dict[int, list[Participant]]:
    """People due for anonymisation by organisation: every programme they are in (their enrolments and
    their own programme) archived at least ``days`` days before ``now``, and personal data or links
    still held (or not yet marked anonymised)."""
    cutoff = (now or utcnow()) - dt.timedelta(days=days)
    archived = dict(db.session.execute(db.select(Programme.id, Programme.archived_at)).all())
    programmes: dict[int, set[int]] = defaultdict(set)
    for participant_id, programme_id in db.session.execute(db.select(Enrolment.participant_id, Enrolment.programme_id)):
        programmes[participant_id].add(programme_id)
    holding = set(db.session.execute(db.select(PersonalData.participant_id)).scalars())
    open_links = set(
        db.session.execute(db.select(Invitation.participant_id).where(Invitation.revoked_at.is_(None))).scalars()
    )
    found: dict[int, list[Participant]] = defaultdict(list)
    for person in db.session.execute(db.select(Participant).order_by(Participant.code)).scalars():
        theirs = programmes[person.id] | ({person.programme_id} if person.programme_id else set())
        if not theirs or any(archived.get(p) is None or archived[p] > cutoff for p in theirs):
            continue
        if person.anonymised_at is None or person.id in holding or person.id in open_links:
            found[person.organisation_id].append(person)
    return dict(found)


def run(days: int, *, dry_run: bool, now: dt.datetime | None = None) -> list[OrganisationRun]:
    """Anonymise everyone due (nothing is changed on a dry run); one audit event per organisation."""
    now = now or utcnow()
    runs = []
    for organisation_id, people in sorted(due(days, now).items()):
        organisation = db.session.get(Organisation, organisation_id)
        result = OrganisationRun(organisation_id, organisation.name, [p.code for p in people])
        if not dry_run:
            ids = [p.id for p in people]
            result.personal_data = _count(
                db.session.execute(sa.delete(PersonalData).where(PersonalData.participant_id.in_(ids)))
            )
            revoke = sa.update(Invitation).where(Invitation.participant_id.in_(ids), Invitation.revoked_at.is_(None))
            result.invitations = _count(db.session.execute(revoke.values(revoked_at=now)))
            for person in people:
                person.anonymised_at = person.anonymised_at or now
            audit.add(
                AUDIT_ACTION,
                f"organisation:{organisation_id}",
                organisation_id=organisation_id,
                days=days,
                anonymised=len(people),
                personal_data=result.personal_data,
                invitations_revoked=result.invitations,
            )
        runs.append(result)
    if not dry_run:
        db.session.commit()
    return runs


def _count(result) -> int:
    return result.rowcount or 0
