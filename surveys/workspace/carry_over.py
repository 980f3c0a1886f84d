"""Carry a programme into the next cycle: a new programme with the same forms of mentoring and variants,
the chosen people enrolled again (same Participant rows, so the same codes) in their new roles and
groups, and, if asked, the pairs that still hold. The old programme is left as it was: it is history.

:func:`plan` works out what would happen (for the preview); :func:`carry_over` does it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask_babel import gettext as _

from surveys.audit import add as audit_add
from surveys.audit import signed_in_user_id
from surveys.core.models import MentoringForm, Pair, Participant, Programme
from surveys.extensions import db
from surveys.workspace.people import enrol
from surveys.workspace.programme_editing import enrolled

LAST_CLASS = 11  # the last year of a Russian school: its classes are not advanced (see docs/workspace.md)
# "7А", "7 А", "7-А", "10Б", "8 кл": a class number and at most a short letter part.
CLASS = re.compile(r"^(\d{1,2})(\s*[-–]?\s*[^\W\d_]{0,3})$")
# "2025/26", "2025/2026", "2025–2026", "2025-26": a school year inside a programme's name.
SCHOOL_YEAR = re.compile(r"(?<!\d)(\d{4})(\s*[/–—-]\s*)(\d{4}|\d{2})(?!\d)")


def next_group(group: str) -> tuple[str, bool]:
    """The class a group becomes next school year, and whether it is a last-year class (kept as it is).

    A group that does not look like a class number ("МО математики") stays as it is."""
    found = CLASS.match(group.strip())
    if found is None:
        return group, False
    number = int(found.group(1))
    if number < 1 or number > LAST_CLASS:
        return group, False
    if number == LAST_CLASS:
        return group, True
    return f"{number + 1}{found.group(2)}", False


def next_name(name: str) -> str:
    """A name for the next cycle: the school year in the name moved on by one, else "<name> (next cycle)"."""
    found = SCHOOL_YEAR.search(name)
    if found is None:
        return _("%(name)s (next cycle)", name=name)
    start, dash, end = found.groups()
    following = str(int(end) + 1) if len(end) == 4 else f"{(int(end) + 1) % 100:02d}"
    return f"{name[: found.start()]}{int(start) + 1}{dash}{following}{name[found.end() :]}"


@dataclass(frozen=True)
class Choice:
    """What happens to one enrolled person: carried over or not, and their role and group next cycle."""

    participant_id: int
    include: bool
    role: str
    group: str


@dataclass(frozen=True)
class Move:
    """One person carried over: code, role and group before and after, and the form they keep."""

    participant_id: int
    code: str
    form: str
    old_role: str
    role: str
    old_group: str
    group: str
    last_class: bool  # a last-year class with "advance classes" on: the group is kept, the curator may leave them out


@dataclass(frozen=True)
class PairFate:
    """A pair of the old programme: copied or not, and why not."""

    pair: Pair
    reason: str  # "" when copied


@dataclass
class Plan:
    source: Programme
    name: str
    moves: list[Move] = field(default_factory=list)
    left: list[str] = field(default_factory=list)  # codes not carried over
    pairs: list[PairFate] = field(default_factory=list)
    copy_pairs: bool = False
    created: Programme | None = None  # set by carry_over

    @property
    def copied(self) -> list[Pair]:
        return [fate.pair for fate in self.pairs if not fate.reason] if self.copy_pairs else []

    @property
    def broken(self) -> list[PairFate]:
        return [fate for fate in self.pairs if fate.reason]


def name_taken(programme: Programme, name: str) -> bool:
    """Whether another programme of the organisation already has this name."""
    found = db.session.execute(
        db.select(Programme.id).filter_by(organisation_id=programme.organisation_id, name=name.strip())
    ).first()
    return found is not None


def plan(source: Programme, name: str, choices: list[Choice], *, advance: bool, copy_pairs: bool) -> Plan:
    """What carrying ``source`` over would do; nothing is changed. People not enrolled in ``source``
    are ignored, and so is anyone without a choice (they are not carried over)."""
    chosen = {c.participant_id: c for c in choices}
    result = Plan(source, name.strip(), copy_pairs=copy_pairs)
    for participant, enrolment in enrolled(source):
        choice = chosen.get(participant.id)
        if choice is None or not choice.include:
            result.left.append(participant.code)
            continue
        group, last = next_group(choice.group) if advance else (choice.group, False)
        result.moves.append(
            Move(
                participant.id,
                participant.code,
                enrolment.form,
                enrolment.role,
                choice.role,
                enrolment.group_name,
                group.strip()[:100],
                last,
            )
        )
    moved = {m.participant_id: m for m in result.moves}
    pairs = db.session.execute(db.select(Pair).filter_by(programme_id=source.id).order_by(Pair.id)).scalars()
    for pair in pairs:
        members = [(pair.mentor_id, "mentor"), *((m.participant_id, "mentee") for m in pair.mentees)]
        if any(pid not in moved for pid, _role in members):
            result.pairs.append(PairFate(pair, "left"))
        elif any(moved[pid].role != role for pid, role in members):
            result.pairs.append(PairFate(pair, "role"))
        else:
            result.pairs.append(PairFate(pair, ""))
    return result


def carry_over(source: Programme, name: str, choices: list[Choice], *, advance: bool, copy_pairs: bool) -> Plan:
    """Make the next cycle's programme as :func:`plan` says, audited, in one transaction; returns the
    plan with ``plan.created`` set to the new programme. The source programme is not changed."""
    result = plan(source, name, choices, advance=advance, copy_pairs=copy_pairs)
    new = Programme(organisation_id=source.organisation_id, name=result.name, previous_id=source.id)
    for form in source.forms:
        new.forms.append(MentoringForm(name=form.name, variants=list(form.variants), position=form.position))
    db.session.add(new)
    db.session.flush()
    ids = [m.participant_id for m in result.moves]
    people = {p.id: p for p in db.session.execute(db.select(Participant).where(Participant.id.in_(ids))).scalars()}
    for move in result.moves:
        person = people[move.participant_id]
        enrol(person, new.id, move.role, move.form, move.group)
        person.programme_id = new.id
        person.role, person.form, person.group_name = move.role, move.form, move.group
    for old in result.copied:
        pair = Pair(programme_id=new.id, mentor_id=old.mentor_id, form=old.form, variant=old.variant)
        for mentee in old.mentees:
            pair.add_mentee(mentee.participant_id)
        db.session.add(pair)
    audit_add(
        "programme.carry_over",
        f"programme:{new.id}",
        organisation_id=source.organisation_id,
        user_id=signed_in_user_id(),
        previous=source.id,
        people=len(result.moves),
        left=len(result.left),
        roles_changed={m.code: [m.old_role, m.role] for m in result.moves if m.role != m.old_role},
        groups_changed=sum(1 for m in result.moves if m.group != m.old_group),
        pairs_copied=len(result.copied),
        pairs_not_copied=len(result.broken),
    )
    db.session.commit()
    result.created = new
    return result
