"""Importing participants from CSV and XLSX files into a programme.

``parse`` reads a file into a ``Table`` (people_files), ``validate`` checks it row by row against the
programme, ``import_people`` writes the valid rows in one transaction, and ``run_import`` does all three
in one of two modes and writes the audit event. Columns and accepted words are in people_columns;
docs/people.md describes them for curators.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import SQLAlchemyError

from surveys import audit
from surveys.core.models import Participant, PersonalData, Programme
from surveys.extensions import db
from surveys.workspace.people import enrol
from surveys.workspace.people_columns import (
    CODE_PATTERN,
    MAX_GROUP,
    MAX_NAME,
    MAX_TAG,
    MIN_BIRTH_YEAR,
    REQUIRED,
    ROLE_LOOKUP,
    SEX_LOOKUP,
    TAG_SEPARATORS,
    Problem,
    Row,
    Table,
    dashless,
    role_choices,
    words,
)
from surveys.workspace.people_files import MAX_BYTES, MAX_ROWS, parse, template_csv, template_xlsx

__all__ = [
    "MAX_BYTES",
    "MAX_ROWS",
    "MODES",
    "ImportCounts",
    "ImportReport",
    "Problem",
    "Table",
    "ValidRow",
    "audit_upload",
    "existing_codes",
    "import_people",
    "parse",
    "run_import",
    "template_csv",
    "template_xlsx",
    "validate",
]

ALL_OR_NOTHING = "all_or_nothing"
VALID_ROWS = "valid_rows"
MODES = (ALL_OR_NOTHING, VALID_ROWS)
AUDIT_ACTION = "participants.import"


@dataclass(frozen=True)
class ValidRow:
    """A checked row, ready to import. ``None`` for a personal field or tags means "not given"."""

    number: int
    code: str
    role: str
    form: str = ""
    group: str = ""
    tags: tuple[str, ...] | None = None
    full_name: str | None = None
    birth_year: int | None = None
    sex: str | None = None
    exists: bool = False  # the code is already used in the organisation: this row updates that person

    @property
    def has_personal_data(self) -> bool:
        return any(v is not None for v in (self.full_name, self.birth_year, self.sex))


@dataclass(frozen=True)
class ImportCounts:
    created: int = 0
    updated: int = 0


@dataclass
class ImportReport:
    """What ``run_import`` did: counts, whether anything was written, and every problem found."""

    mode: str
    kind: str = ""
    rows: int = 0  # data rows in the file
    created: int = 0
    updated: int = 0
    skipped: int = 0  # rows left out because of their problems
    imported: bool = False
    problems: list[Problem] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)

    def audit_details(self) -> dict:
        """Counts and mode only: never names, codes or the file's name."""
        return {
            "mode": self.mode,
            "file_type": self.kind,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "skipped": self.skipped,
            "problems": len(self.problems),
            "imported": self.imported,
        }


def existing_codes(organisation_id: int) -> set[str]:
    """Every participant code already used in the organisation."""
    rows = db.session.execute(db.select(Participant.code).filter_by(organisation_id=organisation_id))
    return set(rows.scalars())


# Validation -----------------------------------------------------------------------------------------


def validate(
    table: Table | list[Row], programme: Programme, existing_codes: set[str]
) -> tuple[list[ValidRow], list[Problem]]:
    """Check every row against the programme; return the valid rows and all problems (the table's own first).

    A row with any problem is left out of the valid rows. A missing required column is one problem on
    the header's row (row 1 unless blank rows come first), and then no row is valid. Codes used more
    than once in the file are a problem on every row that uses them; codes in ``existing_codes`` are
    not: those rows update the person.
    ``table`` may also be a plain list of ``Row``; its columns are then the ones its rows have.
    """
    if not isinstance(table, Table):
        rows = list(table)
        table = Table(columns=sorted({c for r in rows for c in r.values}), rows=rows)
    problems = list(table.problems)
    missing = [c for c in REQUIRED if c not in table.columns]
    for column in missing:
        message = _l("The required column «%(column)s» is missing.", column=column)
        problems.append(Problem(table.header_row, column, message, fatal=True))
    if missing or any(p.whole_file for p in problems):
        return [], problems
    forms = {dashless(f.name): f.name for f in programme.forms}
    rows_of: dict[str, list[int]] = {}
    for row in table.rows:
        code = row.values.get("code", "")
        if code:
            rows_of.setdefault(code, []).append(row.number)
    valid: list[ValidRow] = []
    for row in table.rows:
        found, checked = _check_row(row, forms, rows_of, existing_codes)
        problems.extend(found)
        if not found:
            valid.append(checked)
    return valid, problems


def _check_row(row: Row, forms: dict[str, str], rows_of: dict[str, list[int]], existing: set[str]):
    problems: list[Problem] = []
    values = row.values

    def problem(column: str, message) -> None:
        problems.append(Problem(row.number, column, message))

    code = values.get("code", "")
    if not code:
        problem("code", _l("A code is required."))
    elif not CODE_PATTERN.match(code):
        problem("code", _l("The code «%(value)s» may have only letters, digits, '-' and '_', up to 40.", value=code))
    elif len(rows_of.get(code, ())) > 1:
        numbers = ", ".join(map(str, rows_of[code]))
        problem(
            "code",
            _l("The code «%(value)s» is used more than once in the file (rows %(rows)s).", value=code, rows=numbers),
        )

    raw_role = values.get("role", "")
    role = ROLE_LOOKUP.get(words(raw_role), "")
    if not raw_role:
        problem("role", _l("A role is required. Use one of: %(choices)s.", choices=role_choices()))
    elif not role:
        problem(
            "role", _l("Unknown role «%(value)s». Use one of: %(choices)s.", value=raw_role, choices=role_choices())
        )

    raw_form = values.get("form", "")
    form = forms.get(dashless(raw_form), "") if raw_form else ""
    if raw_form and not form:
        if forms:
            choices = ", ".join(forms.values())
            problem(
                "form",
                _l(
                    "Unknown form of mentoring «%(value)s». This programme has: %(choices)s.",
                    value=raw_form,
                    choices=choices,
                ),
            )
        else:
            problem("form", _l("This programme has no forms of mentoring: leave «form» empty or add the form first."))

    group = values.get("group", "")
    if len(group) > MAX_GROUP:
        problem("group", _l("The group is longer than %(max)s characters.", max=MAX_GROUP))

    tags = None
    if values.get("tags"):
        tags = tuple(dict.fromkeys(t.strip() for t in TAG_SEPARATORS.split(values["tags"]) if t.strip()))
        if any(len(t) > MAX_TAG for t in tags):
            problem("tags", _l("A tag is longer than %(max)s characters.", max=MAX_TAG))

    full_name = values.get("full_name") or None
    if full_name and len(full_name) > MAX_NAME:
        problem("full_name", _l("The name is longer than %(max)s characters.", max=MAX_NAME))

    birth_year = None
    if values.get("birth_year"):
        this_year = dt.date.today().year
        text = values["birth_year"].strip()
        birth_year = int(text) if text.isascii() and text.isdigit() and len(text) == 4 else None
        if birth_year is None or not MIN_BIRTH_YEAR <= birth_year <= this_year:
            problem(
                "birth_year",
                _l(
                    "«%(value)s» is not a year of birth: write a year from %(min)s to %(max)s.",
                    value=text,
                    min=MIN_BIRTH_YEAR,
                    max=this_year,
                ),
            )

    sex = None
    if values.get("sex"):
        sex = SEX_LOOKUP.get(words(values["sex"]))
        if sex is None:
            problem("sex", _l("Unknown sex «%(value)s». Use f or m (ж or м).", value=values["sex"]))

    if problems:
        return problems, None
    checked = ValidRow(
        number=row.number,
        code=code,
        role=role,
        form=form,
        group=group,
        tags=tags,
        full_name=full_name,
        birth_year=birth_year,
        sex=sex,
        exists=code in existing,
    )
    return problems, checked


# Writing --------------------------------------------------------------------------------------------


def _participants(organisation_id: int, codes: list[str]) -> dict[str, Participant]:
    found: dict[str, Participant] = {}
    for start in range(0, len(codes), 500):
        chunk = codes[start : start + 500]
        rows = db.session.execute(
            db.select(Participant).where(Participant.organisation_id == organisation_id, Participant.code.in_(chunk))
        ).scalars()
        found.update((p.code, p) for p in rows)
    return found


def audit_upload(programme: Programme, user, details: dict, action: str = AUDIT_ACTION) -> None:
    """Add the audit event of an upload into the programme (the caller commits): counts, never data."""
    audit.add(
        action,
        f"programme:{programme.id}",
        organisation_id=programme.organisation_id,
        user_id=getattr(user, "id", None),
        **details,
    )


def import_people(
    programme: Programme, valid_rows: list[ValidRow], user, *, details: dict | None = None
) -> ImportCounts:
    """Create or update the participants of ``valid_rows`` and enrol them in the programme, in one transaction.

    A code already used in the organisation is the same person: their current role, form, group (and tags,
    when the row gives some) are updated and their enrolment in this programme is set. Personal data is
    written only for the fields a row gives. The audit event (``participants.import``, counts and
    ``details``) is committed with the data. On a database error everything is rolled back and re-raised.
    """
    existing = _participants(programme.organisation_id, [r.code for r in valid_rows])
    created = updated = 0
    try:
        for row in valid_rows:
            participant = existing.get(row.code)
            if participant is None:
                participant = Participant(organisation_id=programme.organisation_id, code=row.code, tags=[])
                db.session.add(participant)
                existing[row.code] = participant
                created += 1
            else:
                updated += 1
            participant.programme_id = programme.id
            participant.role, participant.form, participant.group_name = row.role, row.form, row.group
            if row.tags is not None:
                participant.tags = list(row.tags)
            db.session.flush()
            enrol(participant, programme.id, row.role, row.form, row.group)
            if row.has_personal_data:
                _set_personal_data(participant, row)
        audit_upload(programme, user, {**(details or {}), "created": created, "updated": updated})
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        raise
    return ImportCounts(created=created, updated=updated)


def _set_personal_data(participant: Participant, row: ValidRow) -> None:
    personal = db.session.get(PersonalData, participant.id)
    if personal is None:
        personal = PersonalData(participant_id=participant.id, full_name="", sex="")
        db.session.add(personal)
    if row.full_name is not None:
        personal.full_name = row.full_name
    if row.birth_year is not None:
        personal.birth_year = row.birth_year
    if row.sex is not None:
        personal.sex = row.sex


def run_import(programme: Programme, filename: str, data: bytes, user, mode: str = ALL_OR_NOTHING) -> ImportReport:
    """Parse, validate and (depending on ``mode``) import a file; always audited, never raises on bad input.

    ``all_or_nothing`` imports only a file without problems; ``valid_rows`` imports the valid rows and
    reports the rest. A problem of the file itself (unreadable, a missing column) stops both modes.
    """
    mode = mode if mode in MODES else ALL_OR_NOTHING
    table = parse(filename, data)
    valid, problems = validate(table, programme, existing_codes(programme.organisation_id))
    report = ImportReport(
        mode=mode,
        kind=table.kind,
        rows=len(table.rows),
        problems=problems,
        headers=table.headers,
        ignored=table.ignored,
    )
    blocked = any(p.whole_file for p in problems) or (mode == ALL_OR_NOTHING and bool(problems))
    if valid and not blocked:
        report.skipped = report.rows - len(valid)
        try:
            counts = import_people(programme, valid, user, details=_pending(report))
        except SQLAlchemyError:
            report.problems.append(
                Problem(None, "", _l("The participants could not be saved, and nothing was imported. Try again."))
            )
        else:
            report.created, report.updated, report.imported = counts.created, counts.updated, True
            return report
    report.skipped = report.rows
    audit_upload(programme, user, report.audit_details())
    db.session.commit()
    return report


def _pending(report: ImportReport) -> dict:
    details = report.audit_details()
    details["imported"] = True
    return details
