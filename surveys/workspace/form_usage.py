"""Forms of mentoring that are in use: who and what names a programme's form (enrolled people, pairs,
campaign questionnaires limited to it), so that the curator can neither remove one silently nor lose
them when renaming it. A form line written ``old name -> new name`` renames the form and carries
everything that names it along."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from surveys.core.models import Assignment, Campaign, Enrolment, Pair, Programme
from surveys.extensions import db

ARROWS = ("->", "→")


def split_renames(text: str) -> tuple[str, dict[str, str], list[str]]:
    """The forms text with each ``old -> new`` form line replaced by ``new``, the renames (old: new)
    and the problems, by line number."""
    lines, renames, problems = [], {}, []
    for number, line in enumerate(text.replace("\r\n", "\n").split("\n"), start=1):
        arrow = next((a for a in ARROWS if a in line), None)
        if arrow is None or line[:1].isspace():
            lines.append(line)
            continue
        old, new = (" ".join(part.split()) for part in line.split(arrow, 1))
        if not old or not new or any(a in new for a in ARROWS):
            problems.append(_("Line %(n)s: write a renamed form as «old name -> new name».", n=number))
            continue
        renames[old] = new
        lines.append(new)
    return "\n".join(lines), renames, problems


@dataclass(frozen=True)
class Usage:
    """How many enrolled people, pairs and campaign questionnaires name a form of mentoring."""

    enrolled: int
    pairs: int
    questionnaires: int

    @property
    def total(self) -> int:
        return self.enrolled + self.pairs + self.questionnaires


def _assignments(programme: Programme) -> list[Assignment]:
    query = db.select(Assignment).join(Campaign, Campaign.id == Assignment.campaign_id)
    return list(db.session.execute(query.where(Campaign.programme_id == programme.id)).scalars())


def usage(programme: Programme, name: str) -> Usage:
    count = db.func.count()
    enrolled = db.select(count).select_from(Enrolment).filter_by(programme_id=programme.id, form=name)
    pairs = db.select(count).select_from(Pair).filter_by(programme_id=programme.id, form=name)
    return Usage(
        db.session.execute(enrolled).scalar_one(),
        db.session.execute(pairs).scalar_one(),
        sum(1 for a in _assignments(programme) if name in (a.forms or [])),
    )


def in_use_problem(name: str, found: Usage) -> str:
    return _(
        "The form «%(name)s» is used by %(enrolled)s enrolled people, %(pairs)s pairs and %(questionnaires)s "
        "campaign questionnaires: it was not removed. Rename it with a line «%(name)s -> new name», or move "
        "them to another form first.",
        name=name,
        enrolled=found.enrolled,
        pairs=found.pairs,
        questionnaires=found.questionnaires,
    )


def carry_renames(programme: Programme, renames: dict[str, str]) -> None:
    """Give the enrolments, pairs and campaign questionnaires of ``programme`` the forms' new names
    (in the caller's transaction)."""
    for old, new in renames.items():
        for model in (Enrolment, Pair):
            db.session.execute(db.update(model).filter_by(programme_id=programme.id, form=old).values(form=new))
    for assignment in _assignments(programme):
        if any(name in renames for name in assignment.forms or []):
            assignment.forms = [renames.get(name, name) for name in assignment.forms]


def variants_in_use(
    programme: Programme, before: dict[str, list[str]], wanted: dict[str, list[str]], renames
) -> list[str]:
    """A problem for each pair variant that pairs of the programme use but the new forms text leaves out
    of its (kept) form: the pair would name a variant its form no longer has."""
    problems = []
    for name, variants in before.items():
        kept = wanted.get(renames.get(name, name))
        for variant in variants if kept is not None else []:
            if variant in kept:
                continue
            query = db.select(db.func.count()).select_from(Pair)
            used = db.session.execute(query.filter_by(programme_id=programme.id, form=name, variant=variant))
            count = used.scalar_one()
            if count:
                problems.append(
                    _(
                        "The pair variant «%(variant)s» of the form «%(name)s» is used by %(n)s pairs: it was not "
                        "removed. Change those pairs' variant first.",
                        variant=variant,
                        name=name,
                        n=count,
                    )
                )
    return problems
