"""A pair's history across cycles: the pairs a person was in, programme by programme, and whether a
programme's mentor and mentee were already paired in an earlier programme. Only reads: pairs of past
(archived) programmes stay as they were."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, tuple_

from surveys.core.models import Pair, PairMentee, Participant, Programme
from surveys.extensions import db


@dataclass(frozen=True)
class PastPair:
    """One pair of a participant: the programme, their role in the pair, the other people's codes."""

    programme_id: int
    programme: str
    role: str  # "mentor" or "mentee"
    partners: tuple[str, ...]  # a mentor's mentees, or a mentee's mentor
    form: str
    variant: str
    archived: bool


def participant_pairs(participant: Participant) -> list[PastPair]:
    """Every pair the participant is or was in, across the organisation's programmes, oldest first."""
    query = (
        db.select(Pair, Programme)
        .join(Programme, Programme.id == Pair.programme_id)
        .where(
            Programme.organisation_id == participant.organisation_id,
            or_(
                Pair.mentor_id == participant.id,
                Pair.id.in_(db.select(PairMentee.pair_id).where(PairMentee.participant_id == participant.id)),
            ),
        )
        .order_by(Programme.created_at, Programme.id, Pair.id)
    )
    history = []
    for pair, programme in db.session.execute(query):
        if pair.mentor_id == participant.id:
            role, partners = "mentor", tuple(sorted(m.participant.code for m in pair.mentees))
        else:
            role, partners = "mentee", (pair.mentor.code,)
        archived = programme.archived_at is not None
        history.append(PastPair(programme.id, programme.name, role, partners, pair.form, pair.variant, archived))
    return history


def earlier_pairings(programme: Programme, pairs: list[Pair]) -> dict[int, list[str]]:
    """For each pair of ``programme`` (by id): the names of earlier programmes of the organisation in which
    its mentor was already paired with one of its mentees, oldest first. Pairs with none are left out."""
    keys = {(pair.mentor_id, m.participant_id): pair.id for pair in pairs for m in pair.mentees}
    if not keys:
        return {}
    earlier = or_(
        Programme.created_at < programme.created_at,
        (Programme.created_at == programme.created_at) & (Programme.id < programme.id),
    )
    found: dict[int, list[str]] = {}
    items = list(keys)
    for start in range(0, len(items), 300):
        query = (
            db.select(PairMentee.mentor_id, PairMentee.participant_id, Programme.name)
            .join(Programme, Programme.id == PairMentee.programme_id)
            .where(
                Programme.organisation_id == programme.organisation_id,
                Programme.id != programme.id,
                earlier,
                tuple_(PairMentee.mentor_id, PairMentee.participant_id).in_(items[start : start + 300]),
            )
            .order_by(Programme.created_at, Programme.id)
        )
        for mentor_id, mentee_id, name in db.session.execute(query):
            names = found.setdefault(keys[(mentor_id, mentee_id)], [])
            if name not in names:
                names.append(name)
    return found
