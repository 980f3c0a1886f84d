"""The rules a pair keeps, checked before it is saved: one pair per mentor and mentee in a programme, the
mentor enrolled as a mentor and the mentees as mentees, nobody their own mentee, and the variant one of
the pair's form of mentoring. The database holds the first rule too (PairMentee's unique constraint);
docs/people.md ("Pairs") describes them for curators."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l

from surveys.core.models import Enrolment, MentoringForm, PairMentee, Participant, Programme
from surveys.extensions import db


class PairRefused(Exception):
    """A pair that breaks a rule: ``problems`` maps a field (mentor, mentees, form, variant) to messages."""

    def __init__(self, problems: dict[str, list]) -> None:
        super().__init__("; ".join(str(m) for messages in problems.values() for m in messages))
        self.problems = problems


def form_named(programme: Programme, name: str) -> MentoringForm | None:
    return next((f for f in programme.forms if f.name == name), None)


def roles_in(programme: Programme, ids: Iterable[int]) -> dict[int, tuple[str, str]]:
    """Code and role in ``programme`` (empty when not enrolled) of each of the organisation's participants
    among ``ids``."""
    ids = list(ids)
    if not ids:
        return {}
    enrolment = (Enrolment.participant_id == Participant.id) & (Enrolment.programme_id == programme.id)
    rows = db.session.execute(
        db.select(Participant.id, Participant.code, Enrolment.role)
        .outerjoin(Enrolment, enrolment)
        .where(Participant.organisation_id == programme.organisation_id, Participant.id.in_(ids))
    )
    return {pid: (code, role or "") for pid, code, role in rows}


def already_paired(programme: Programme, mentor_id: int, mentee_ids: Iterable[int]) -> set[int]:
    """The mentees among ``mentee_ids`` already in a pair with that mentor in the programme."""
    ids = list(mentee_ids)
    if not ids:
        return set()
    query = db.select(PairMentee.participant_id).where(
        PairMentee.programme_id == programme.id,
        PairMentee.mentor_id == mentor_id,
        PairMentee.participant_id.in_(ids),
    )
    return set(db.session.execute(query).scalars())


def duplicate_message(mentor_code: str, mentee_codes: Iterable[str]):
    return _l(
        "%(mentor)s is already paired with %(mentees)s in this programme: one pair per mentor and mentee.",
        mentor=mentor_code,
        mentees=", ".join(sorted(mentee_codes)),
    )


def form_problems(programme: Programme, form: str, variant: str) -> dict[str, list]:
    """The variant must be one of the chosen form's own variants."""
    found = form_named(programme, form) if form else None
    if form and found is None:
        return {"form": [_l("«%(form)s» is not a form of mentoring of this programme.", form=form)]}
    if variant and found is None:
        return {"variant": [_l("Choose the form of mentoring the variant «%(variant)s» belongs to.", variant=variant)]}
    if variant and variant not in found.variants:
        message = _l(
            "«%(variant)s» is not a variant of the form «%(form)s». Its variants: %(choices)s.",
            variant=variant,
            form=form,
            choices=", ".join(found.variants) or "—",
        )
        return {"variant": [message]}
    return {}


def check_pair(programme: Programme, mentor_id: int, mentee_ids: list[int], form: str, variant: str) -> None:
    """Raise :class:`PairRefused` with every rule the pair breaks."""
    problems: dict[str, list] = {}
    people = roles_in(programme, [mentor_id, *mentee_ids])
    if people.get(mentor_id, ("", ""))[1] != "mentor":
        problems.setdefault("mentor", []).append(_l("The mentor must be enrolled in this programme as a mentor."))
    if mentor_id in mentee_ids:
        problems.setdefault("mentees", []).append(_l("A mentor cannot be their own mentee."))
    others = [people.get(i, ("?", "")) for i in mentee_ids if i != mentor_id]
    wrong = [code for code, role in others if role != "mentee"]
    if wrong:
        message = _l("Not enrolled in this programme as mentees: %(codes)s.", codes=", ".join(wrong))
        problems.setdefault("mentees", []).append(message)
    twice = already_paired(programme, mentor_id, mentee_ids)
    if twice and mentor_id in people:
        codes = [people[i][0] for i in twice if i in people]
        problems.setdefault("mentees", []).append(duplicate_message(people[mentor_id][0], codes))
    for name, messages in form_problems(programme, form, variant).items():
        problems.setdefault(name, []).extend(messages)
    if problems:
        raise PairRefused(problems)
