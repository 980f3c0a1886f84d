"""Importing pairs into a programme from a CSV or XLSX file, by participant code: all or nothing.

One row per mentee: mentor code, mentee code, form of mentoring, pair variant. Rows with the same
mentor, form and variant make one group pair. The file is read by people_files (the same encodings,
separators and header matching as the participants import); every row is checked against the pair
rules (pair_rules) and, if any row has a problem, nothing is saved. docs/people.md ("Importing pairs")
describes the file for curators.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from surveys.core.models import Enrolment, Pair, PairMentee, Participant, Programme
from surveys.extensions import db
from surveys.workspace.pair_rules import form_problems
from surveys.workspace.people_columns import HEADER_ALIASES, Problem, Row, dashless, words
from surveys.workspace.people_files import parse
from surveys.workspace.people_import import audit_upload

COLUMNS = ("mentor", "mentee", "form", "variant")
REQUIRED = ("mentor", "mentee")
PAIR_HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "mentor": ("mentor", "mentor code", "наставник", "код наставника"),
    "mentee": ("mentee", "mentee code", "наставляемый", "код наставляемого"),
    "form": HEADER_ALIASES["form"],
    "variant": ("variant", "pair variant", "вариант", "вариант пары"),
}
HEADERS = {words(alias): column for column, aliases in PAIR_HEADER_ALIASES.items() for alias in aliases}
TEMPLATE_HEADERS = {"ru": ("код наставника", "код наставляемого", "форма", "вариант"), "en": COLUMNS}
AUDIT_ACTION = "pairs.import"


@dataclass
class PairImportReport:
    """What an import did or would do: the groups found, the problems by row, whether it saved."""

    kind: str = ""
    rows: int = 0
    groups: list[tuple[str, str, str, list[str]]] = field(default_factory=list)  # mentor, form, variant, mentees
    problems: list[Problem] = field(default_factory=list)
    imported: bool = False

    def audit_details(self, checked_only: bool) -> dict:
        """Counts only: never codes or the file's name."""
        mentees = sum(len(group[3]) for group in self.groups)
        return {
            "file_type": self.kind,
            "rows": self.rows,
            "pairs": len(self.groups) if self.imported else 0,
            "mentees": mentees if self.imported else 0,
            "problems": len(self.problems),
            "imported": self.imported,
            "checked_only": checked_only,
        }


def _people(programme: Programme, codes: set[str]) -> dict[str, tuple[int, str]]:
    """Id and role in the programme (empty when not enrolled) of the organisation's participants by code."""
    found: dict[str, tuple[int, str]] = {}
    enrolment = (Enrolment.participant_id == Participant.id) & (Enrolment.programme_id == programme.id)
    listed = sorted(codes)
    for start in range(0, len(listed), 500):
        rows = db.session.execute(
            db.select(Participant.code, Participant.id, Enrolment.role)
            .outerjoin(Enrolment, enrolment)
            .where(
                Participant.organisation_id == programme.organisation_id,
                Participant.code.in_(listed[start : start + 500]),
            )
        )
        found.update((code, (pid, role or "")) for code, pid, role in rows)
    return found


def _existing_pairs(programme: Programme) -> set[tuple[int, int]]:
    """(mentor id, mentee id) of every pair already in the programme."""
    query = db.select(PairMentee.mentor_id, PairMentee.participant_id).where(PairMentee.programme_id == programme.id)
    return {(mentor, mentee) for mentor, mentee in db.session.execute(query)}


def _described(groups: dict[tuple, list[tuple[int, int]]]) -> list[tuple[str, str, str, list[str]]]:
    """The groups with codes instead of ids, for the page: (mentor, form, variant, mentees)."""
    ids = {i for (mentor, _f, _v), rows in groups.items() for i in (mentor, *(m for _n, m in rows))}
    codes: dict[int, str] = {}
    listed = sorted(ids)
    for start in range(0, len(listed), 500):
        query = db.select(Participant.id, Participant.code).where(Participant.id.in_(listed[start : start + 500]))
        codes.update((pid, code) for pid, code in db.session.execute(query))
    return [(codes[m], f, v, [codes[x] for _n, x in rows]) for (m, f, v), rows in groups.items()]


def _person(people: dict, code: str, role: str, column: str, problem) -> int | None:
    if not code:
        problem(column, _l("A code is required."))
        return None
    if code not in people:
        problem(column, _l("No participant has the code «%(code)s» in your organisation.", code=code))
        return None
    if people[code][1] != role:
        if role == "mentor":
            message = _l("«%(code)s» is not enrolled in this programme as a mentor.", code=code)
        else:
            message = _l("«%(code)s» is not enrolled in this programme as a mentee.", code=code)
        problem(column, message)
        return None
    return people[code][0]


def validate(programme: Programme, rows: list[Row]) -> tuple[dict[tuple, list[tuple[int, int]]], list[Problem]]:
    """The groups of a pairs file (key ``(mentor id, form, variant)`` → ``[(row, mentee id)]``) and its
    problems by row."""
    forms = {dashless(f.name): f.name for f in programme.forms}
    variants = {(f.name, dashless(v)): v for f in programme.forms for v in f.variants}
    people = _people(programme, {r.values.get(c, "") for r in rows for c in REQUIRED} - {""})
    problems: list[Problem] = []
    groups: dict[tuple, list[tuple[int, int]]] = {}
    first_row: dict[tuple[int, int], int] = {}
    existing = _existing_pairs(programme)
    for row in rows:
        found: list[Problem] = []

        def problem(column: str, message, number=row.number, found=found) -> None:
            found.append(Problem(number, column, message))

        mentor_code, mentee_code = row.values.get("mentor", ""), row.values.get("mentee", "")
        mentor = _person(people, mentor_code, "mentor", "mentor", problem)
        mentee = _person(people, mentee_code, "mentee", "mentee", problem)
        raw_form, variant = row.values.get("form", ""), " ".join(row.values.get("variant", "").split())
        form = forms.get(dashless(raw_form), raw_form) if raw_form else ""
        variant = variants.get((form, dashless(variant)), variant)
        for column, messages in form_problems(programme, form, variant).items():
            for message in messages:
                problem(column, message)
        if mentor is not None and mentor == mentee:
            problem("mentee", _l("A mentor cannot be their own mentee."))
        if mentor is not None and mentee is not None and not found:
            key = (mentor, mentee)
            if key in first_row:
                message = _l(
                    "%(mentor)s and %(mentee)s are already paired in row %(row)s of the file.",
                    mentor=mentor_code,
                    mentee=mentee_code,
                    row=first_row[key],
                )
                problem("mentee", message)
            elif key in existing:
                message = _l(
                    "%(mentor)s and %(mentee)s are already a pair in this programme.",
                    mentor=mentor_code,
                    mentee=mentee_code,
                )
                problem("mentee", message)
            else:
                first_row[key] = row.number
                groups.setdefault((mentor, form, variant), []).append((row.number, mentee))
        problems.extend(found)
    return groups, problems


def run_import(programme: Programme, filename: str, data: bytes, user, *, save: bool) -> PairImportReport:
    """Read and check a pairs file; with ``save`` and no problem at all, create its pairs in one
    transaction. Always audited (counts only); never raises on bad input."""
    table = parse(filename, data, HEADERS)
    report = PairImportReport(kind=table.kind, rows=len(table.rows), problems=list(table.problems))
    for column in REQUIRED:
        if not report.problems and column not in table.columns:
            message = _l("The required column «%(column)s» is missing.", column=column)
            report.problems.append(Problem(table.header_row, column, message, fatal=True))
    groups: dict = {}
    if not report.problems:
        groups, problems = validate(programme, table.rows)
        report.problems.extend(problems)
    report.groups = _described(groups)
    if save and groups and not report.problems:
        report.imported = True
        try:
            for (mentor, form, variant), rows in groups.items():
                pair = Pair(programme_id=programme.id, mentor_id=mentor, form=form, variant=variant)
                for _number, mentee in rows:
                    pair.add_mentee(mentee)
                db.session.add(pair)
            audit_upload(programme, user, report.audit_details(checked_only=False), AUDIT_ACTION)
            db.session.commit()
            return report
        except IntegrityError:
            db.session.rollback()
            report.imported = False
            report.problems.append(
                Problem(
                    None,
                    "",
                    _l("Someone paired the same people meanwhile: nothing was imported. Check the file again."),
                )
            )
    audit_upload(programme, user, report.audit_details(checked_only=not save), AUDIT_ACTION)
    db.session.commit()
    return report


def template_csv(locale: str, programme: Programme) -> bytes:
    """A CSV template (UTF-8 with BOM, ``;``-separated): the header and two example rows of one group pair."""
    form = programme.forms[0] if programme.forms else None
    variant = form.variants[0] if form is not None and form.variants else ""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(TEMPLATE_HEADERS.get(locale, COLUMNS))
    for mentee in ("P-002", "P-003"):
        writer.writerow(["P-001", mentee, form.name if form else "", variant])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
