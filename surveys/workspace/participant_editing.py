"""Correcting a participant: code, role, form, group, tags, personal data and their place in each
programme (moving between forms). Audited with before and after values, except personal data, of
which only the names of the changed fields are written."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from surveys.audit import record
from surveys.core.models import Enrolment, Participant, PersonalData, Programme
from surveys.extensions import db
from surveys.workspace.archiving import check_editable

PERSONAL = ("full_name", "birth_year", "sex")


@dataclass(frozen=True)
class Placement:
    """A participant's role, form and group in one programme."""

    role: str
    form: str = ""
    group: str = ""


@dataclass(frozen=True)
class Details:
    """Everything the edit page changes about a participant."""

    code: str
    role: str
    form: str = ""
    group: str = ""
    tags: tuple[str, ...] = ()
    full_name: str = ""
    birth_year: int | None = None
    sex: str = ""
    enrolments: dict[int, Placement] = field(default_factory=dict)  # by programme id


class CodeTaken(Exception):
    """Another participant of the organisation already has the code."""


def split_tags(text: str) -> tuple[str, ...]:
    return tuple(t.strip() for t in text.replace(";", ",").split(",") if t.strip())


def enrolments_of(participant: Participant) -> list[tuple[Enrolment, Programme]]:
    """The participant's programme places, by programme name."""
    rows = db.session.execute(
        db.select(Enrolment, Programme)
        .join(Programme, Programme.id == Enrolment.programme_id)
        .where(Enrolment.participant_id == participant.id)
        .order_by(Programme.name)
    )
    return [(e, p) for e, p in rows]


def details_of(participant: Participant) -> Details:
    personal = db.session.get(PersonalData, participant.id) or PersonalData(full_name="", birth_year=None, sex="")
    return Details(
        code=participant.code,
        role=participant.role,
        form=participant.form or "",
        group=participant.group_name or "",
        tags=tuple(participant.tags or ()),
        full_name=personal.full_name or "",
        birth_year=personal.birth_year,
        sex=personal.sex or "",
        enrolments={
            e.programme_id: Placement(e.role, e.form or "", e.group_name or "") for e, _p in enrolments_of(participant)
        },
    )


def log_personal_read(participant: Participant) -> None:
    """Audit that the participant's personal data were shown on their page (when they have some)."""
    if db.session.get(PersonalData, participant.id) is not None:
        record("participant.personal_data.read", f"participant:{participant.id}", participant=participant.code)


def code_taken(participant: Participant, code: str) -> bool:
    query = db.select(Participant.id).where(
        Participant.organisation_id == participant.organisation_id,
        Participant.code == code,
        Participant.id != participant.id,
    )
    return db.session.execute(query).first() is not None


def save_details(participant: Participant, wanted: Details) -> dict[str, object]:
    """Write what changed and audit it; returns the audit details (empty: nothing changed).

    Raises :class:`CodeTaken` for a code of another participant, and the archived page (409) for a
    change to a place in an archived programme; nothing is written then."""
    before = details_of(participant)
    if wanted.code != before.code and code_taken(participant, wanted.code):
        raise CodeTaken(wanted.code)
    places = {e.programme_id: (e, p) for e, p in enrolments_of(participant)}
    moved = {
        pid: place for pid, place in wanted.enrolments.items() if pid in places and place != before.enrolments[pid]
    }
    for programme_id in moved:
        check_editable(places[programme_id][1])
    old, new = asdict(before), asdict(wanted)
    changes = {
        name: [old[name], new[name]] for name in ("code", "role", "form", "group", "tags") if old[name] != new[name]
    }
    personal = [name for name in PERSONAL if old[name] != new[name]]
    participant.code, participant.role, participant.form = wanted.code, wanted.role, wanted.form
    participant.group_name, participant.tags = wanted.group, list(wanted.tags)
    if personal:
        _write_personal(participant, wanted)
    enrolments = {}
    for programme_id, place in moved.items():
        enrolment = places[programme_id][0]
        was = before.enrolments[programme_id]
        enrolment.role, enrolment.form, enrolment.group_name = place.role, place.form, place.group
        enrolments[places[programme_id][1].name] = {
            name: [getattr(was, name), getattr(place, name)]
            for name in ("role", "form", "group")
            if getattr(was, name) != getattr(place, name)
        }
    if "tags" in changes:
        changes["tags"] = [list(v) for v in changes["tags"]]
    audit = {
        **changes,
        **({"personal": personal} if personal else {}),
        **({"enrolments": enrolments} if enrolments else {}),
    }
    if audit:
        record("participant.edit", f"participant:{participant.id}", participant=participant.code, **audit)
    else:
        db.session.commit()
    return audit


def _write_personal(participant: Participant, wanted: Details) -> None:
    personal = db.session.get(PersonalData, participant.id)
    if personal is None:
        personal = PersonalData(participant_id=participant.id)
        db.session.add(personal)
    personal.full_name, personal.birth_year, personal.sex = wanted.full_name, wanted.birth_year, wanted.sex
