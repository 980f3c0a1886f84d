"""What staff do with a programme on its pages: list and create programmes, read one with its people
and pairs, edit its forms of mentoring, add and remove pairs. Each change is audited."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from surveys.audit import record
from surveys.core.models import Enrolment, MentoringForm, Organisation, Pair, Participant, Programme
from surveys.extensions import db
from surveys.workspace.form_usage import carry_renames, in_use_problem, split_renames, usage, variants_in_use
from surveys.workspace.pair_history import earlier_pairings
from surveys.workspace.pair_rules import PairRefused, check_pair, duplicate_message, roles_in
from surveys.workspace.programmes import create_programme


def programmes_of(organisation: Organisation) -> list[Programme]:
    """The organisation's programmes, newest first."""
    rows = db.session.execute(
        db.select(Programme).filter_by(organisation_id=organisation.id).order_by(Programme.id.desc())
    ).scalars()
    return list(rows)


def add_programme(organisation: Organisation, name: str, seed: bool) -> Programme:
    programme = create_programme(organisation, name.strip(), seed=seed)
    record("programme.create", f"programme:{programme.id}")
    return programme


def enrolled(programme: Programme) -> list[tuple[Participant, Enrolment]]:
    """Who is enrolled in the programme, by code."""
    rows = db.session.execute(
        db.select(Participant, Enrolment)
        .join(Enrolment, Enrolment.participant_id == Participant.id)
        .where(Enrolment.programme_id == programme.id)
        .order_by(Participant.code)
    )
    return [tuple(row) for row in rows]


@dataclass(frozen=True)
class ProgrammeOverview:
    """A programme's page: who is enrolled (and how many per role), its pairs, who is paired, its forms."""

    programme: Programme
    enrolled: list[tuple[Participant, Enrolment]]
    by_role: dict[str, int]
    pairs: list[Pair]
    paired: set[int]
    forms_text: str
    earlier: dict[int, list[str]]


def overview(programme: Programme) -> ProgrammeOverview:
    people = enrolled(programme)
    pairs = list(db.session.execute(db.select(Pair).filter_by(programme_id=programme.id).order_by(Pair.id)).scalars())
    by_role: dict[str, int] = {}
    for _participant, enrolment in people:
        by_role[enrolment.role] = by_role.get(enrolment.role, 0) + 1
    paired = {pair.mentor_id for pair in pairs} | {m.participant_id for pair in pairs for m in pair.mentees}
    earlier = earlier_pairings(programme, pairs)
    return ProgrammeOverview(programme, people, by_role, pairs, paired, forms_text(programme), earlier)


def forms_text(programme: Programme) -> str:
    """Forms and variants as the curator edits them: a form per line, its variants indented below."""
    lines = []
    for form in programme.forms:
        lines.append(form.name)
        lines.extend(f"  {variant}" for variant in form.variants)
    return "\n".join(lines)


def parse_forms(text: str) -> tuple[list[tuple[str, list[str]]], list[str]]:
    """Read the forms text back: unindented lines are forms, indented lines their variants."""
    forms: list[tuple[str, list[str]]] = []
    problems = []
    for number, line in enumerate(text.replace("\r\n", "\n").split("\n"), start=1):
        if not line.strip():
            continue
        name = " ".join(line.split())
        if line[:1].isspace():
            if not forms:
                problems.append(_("Line %(n)s: a variant must come after the form it belongs to.", n=number))
                continue
            if name not in forms[-1][1]:
                forms[-1][1].append(name[:200])
        elif any(existing == name for existing, _v in forms):
            problems.append(_("Line %(n)s: the form «%(name)s» is listed twice.", n=number, name=name))
        else:
            forms.append((name[:100], []))
    return forms, problems


def save_forms(programme: Programme, text: str) -> list[str]:
    """Replace the programme's forms of mentoring with those of ``text``, where a form line
    ``old -> new`` renames a form and carries its people, pairs and questionnaires along. The problems,
    if any (a form in use left out among them), and then nothing is changed."""
    text, renames, problems = split_renames(text)
    parsed, more = parse_forms(text)
    problems += more
    before = {f.name: f.variants for f in programme.forms}
    problems += [_("The form «%(name)s» to rename does not exist.", name=old) for old in renames if old not in before]
    taken = [new for new in renames.values() if new in before and new not in renames]
    problems += [_("The form «%(name)s» already exists: choose another new name.", name=new) for new in taken]
    wanted = dict(parsed)
    for name in before:
        if renames.get(name, name) not in wanted and usage(programme, name).total:
            problems.append(in_use_problem(name, usage(programme, name)))
    problems += variants_in_use(programme, before, wanted, renames)
    if problems:
        return problems
    existing = {renames.get(f.name, f.name): f for f in programme.forms}
    for form_row in list(programme.forms):
        if renames.get(form_row.name, form_row.name) not in wanted:
            programme.forms.remove(form_row)
    for position, (name, variants) in enumerate(parsed):
        row = existing.get(name)
        if row is None:
            row = MentoringForm(name=name)
            programme.forms.append(row)
        row.name, row.variants, row.position = name, variants, position
    carry_renames(programme, renames)
    db.session.commit()
    after = {name: variants for name, variants in parsed}
    record("programme.forms", f"programme:{programme.id}", before=before, after=after, renamed=renames)
    return []


def add_pair(programme: Programme, mentor_id: int, mentee_ids: list[int], form: str, variant: str) -> Pair:
    """A pair (or group) of one mentor with the mentees, each listed once.

    Raises :class:`PairRefused` (nothing saved) when it breaks a rule of pair_rules, including when the
    same mentor and mentee were paired at the same moment by someone else (the database's constraint).
    """
    mentee_ids = list(dict.fromkeys(mentee_ids))
    check_pair(programme, mentor_id, mentee_ids, form, variant)
    pair = Pair(programme_id=programme.id, mentor_id=mentor_id, form=form, variant=variant)
    for mentee_id in mentee_ids:
        pair.add_mentee(mentee_id)
    db.session.add(pair)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        people = roles_in(programme, [mentor_id, *mentee_ids])
        codes = [people.get(i, ("?", ""))[0] for i in mentee_ids]
        raise PairRefused({"mentees": [duplicate_message(people.get(mentor_id, ("?", ""))[0], codes)]}) from None
    record("pair.create", f"pair:{pair.id}", mentees=len(pair.mentees), form=form, variant=variant)
    return pair


def remove_pair(pair: Pair) -> None:
    """Delete a pair (after the staff member confirmed it); the audit keeps its form, variant and size."""
    pair_id, details = pair.id, {"form": pair.form, "variant": pair.variant, "mentees": len(pair.mentees)}
    db.session.delete(pair)
    db.session.commit()
    record("pair.delete", f"pair:{pair_id}", programme=pair.programme_id, **details)
