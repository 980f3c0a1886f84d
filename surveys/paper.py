"""Paper answers: read a filled entry template and import it into a wave.

``entry_template`` (in ``paper_template``) writes the XLSX; ``read_filled`` reads it back and checks
every cell with the same WTForms checks as a participant's page, page by page so that ``show_if``
conditions hold as online; ``import_paper`` stores the good rows as submitted responses with
``source="paper"``. Problems name the cell, e.g. ``answers!C7: Choose one of the options offered.``
"""

from __future__ import annotations

import io
from collections import defaultdict
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any

import openpyxl
from flask import current_app, has_request_context
from flask_babel import get_locale
from flask_babel import gettext as _
from openpyxl.utils import get_column_letter
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import MultiDict

from . import audit
from .core.answers import check_formdata
from .core.cells import cell_text
from .core.definitions import Instrument
from .core.models import Assignment, Campaign, Invitation, Participant, Response, Wave, utcnow
from .extensions import db
from .paper_template import ANSWERS, CODE, FIRST_ROW, FORMAT, META, YES_NO, Column, columns, entry_template
from .people import Standing, standings
from .plugins import Registry
from .responses import notify_submitted, store_scores, visible_answers

__all__ = [
    "PaperError",
    "Problem",
    "FilledRow",
    "ImportResult",
    "entry_template",
    "read_meta",
    "read_filled",
    "import_paper",
    "eligible_codes",
    "assignment_of",
]

MODES = ("all_or_nothing", "valid_rows")
IMPORTED = ("paper", "api")  # sources of responses an import may replace (not typed online)
MAX_ROWS = 20000


class PaperError(Exception):
    """The file as a whole cannot be used (not an XLSX, not a template, another instrument)."""


@dataclass(frozen=True)
class Problem:
    """A problem at one cell (``answers!C7``), or at the header row (``row`` 1)."""

    cell: str
    message: str
    row: int

    def __str__(self) -> str:
        return f"{self.cell}: {self.message}"


@dataclass
class FilledRow:
    """One non-empty row of a filled template: its code, its checked answers and its problems."""

    row: int
    code: str
    code_cell: str
    answers: dict[str, Any]
    problems: list[Problem] = field(default_factory=list)


@dataclass
class ImportResult:
    """What an import did: counts of responses and every problem, in sheet order."""

    mode: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def written(self) -> int:
        return self.created + self.updated


def sheet_order(problem: Problem) -> tuple[int, int, str]:
    """Sort key of problems: by row, then by column (B before AA)."""
    return problem.row, len(problem.cell), problem.cell


def _open(data: bytes):
    try:
        return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as err:  # zip, XML and openpyxl errors alike: the upload is not a workbook
        raise PaperError(_("The file could not be read as an XLSX workbook.")) from err


def _meta(book) -> dict[str, str]:
    if META not in book.sheetnames or ANSWERS not in book.sheetnames:
        raise PaperError(_("This file is not a paper answers template: download one from the wave's page."))
    found = {}
    for row in book[META].iter_rows(max_col=2, values_only=True):
        if row and row[0] is not None:
            found[str(row[0])] = "" if len(row) < 2 or row[1] is None else str(row[1])
    if found.get("format") != FORMAT or not found.get("instrument"):
        raise PaperError(_("This file is not a paper answers template: download one from the wave's page."))
    return found


def read_meta(data: bytes) -> tuple[str, str]:
    """The instrument id and version a filled template was made for; PaperError if it is none."""
    book = _open(data)
    try:
        meta = _meta(book)
    finally:
        book.close()
    return meta["instrument"], meta.get("version", "")


def _plain(value: Any) -> str | None:
    """A cell as the text a participant would have typed; None when empty."""
    return cell_text(value) or None


def _form_values(column: Column, text: str) -> list[str]:
    """The values a participant's form would post for this cell."""
    if column.kind == "multiple":
        return [part.strip() for part in text.split(";") if part.strip()]
    if column.kind == "yes_no":
        return [YES_NO.get(text.strip(), text.strip())]
    if column.kind in ("list", "integer", "decimal", "date"):
        return [text.strip()]
    return [text]


def _form_context():
    """The participant forms need a request context (CSRF, locale); the CLI has none."""
    return nullcontext() if has_request_context() else current_app.test_request_context()


def check_row(instrument: Instrument, registry: Registry, row: FilledRow, formdata: MultiDict, cells: dict) -> None:
    """Validate the row with the core's rules for a whole response (every required question of every
    shown page, page by page as online), collecting its answers and its problems by cell."""
    check = check_formdata(registry.question_types, instrument, formdata, final=True, locale=str(get_locale()))
    for key, messages in check.problems.items():
        if key in cells:
            row.problems.append(Problem(cells[key], " ".join(messages), row.row))
    row.answers = check.answers


def _header(header: tuple, cols: list[Column]) -> tuple[dict[str, int], list[Problem]]:
    """Positions of the known columns by key, and problems with unknown, doubled or missing columns."""
    known = {c.key for c in cols}
    positions: dict[str, int] = {}
    problems = []
    for index, value in enumerate(header):
        key = (_plain(value) or "").strip()
        if not key:
            continue
        cell = f"{ANSWERS}!{get_column_letter(index + 1)}1"
        if key not in known:
            problems.append(Problem(cell, _("Unknown column %(key)s.", key=key), 1))
        elif key in positions:
            problems.append(Problem(cell, _("The column %(key)s appears twice.", key=key), 1))
        else:
            positions[key] = index
    for column in cols:
        if column.key not in positions:
            problems.append(Problem(f"{ANSWERS}!1:1", _("The column %(key)s is missing.", key=column.key), 1))
    return positions, problems


def read_filled(instrument: Instrument, registry: Registry, data: bytes) -> tuple[list[FilledRow], list[Problem]]:
    """Read a filled template: its non-empty rows, each checked, and every problem in sheet order.

    Raises PaperError when the file is not a template of this instrument and version. A row whose
    answer cells are all empty is skipped, even when its code is filled in (a prefilled template).
    """
    book = _open(data)
    try:
        meta = _meta(book)
        if (meta["instrument"], meta.get("version", "")) != (instrument.id, str(instrument.version)):
            raise PaperError(
                _(
                    "This file is the template of %(found)s version %(found_version)s, "
                    "not of %(wanted)s version %(wanted_version)s.",
                    found=meta["instrument"],
                    found_version=meta.get("version", ""),
                    wanted=instrument.id,
                    wanted_version=instrument.version,
                )
            )
        with _form_context():
            return _read_rows(instrument, registry, book[ANSWERS].iter_rows(values_only=True))
    finally:
        book.close()


def _read_rows(instrument: Instrument, registry: Registry, sheet_rows) -> tuple[list[FilledRow], list[Problem]]:
    cols = columns(instrument, registry, str(get_locale()))
    by_key = {c.key: c for c in cols}
    positions, problems = _header(next(sheet_rows, None) or (), cols)
    next(sheet_rows, None)  # row 2: the questions, for people
    rows: list[FilledRow] = []
    for number, values in enumerate(sheet_rows, start=FIRST_ROW):
        if number - FIRST_ROW >= MAX_ROWS:
            raise PaperError(_("The file has more than %(n)s rows: split it into smaller files.", n=MAX_ROWS))
        texts = {key: _plain(values[i]) if i < len(values) else None for key, i in positions.items()}
        if all(text is None for key, text in texts.items() if key != CODE):
            continue
        cells = {key: f"{ANSWERS}!{get_column_letter(i + 1)}{number}" for key, i in positions.items()}
        code_cell = cells.get(CODE, f"{ANSWERS}!A{number}")
        row = FilledRow(number, (texts.get(CODE) or "").strip(), code_cell, {})
        if not row.code:
            row.problems.append(Problem(code_cell, _("Enter the participant's code."), number))
        formdata = MultiDict()
        for key, text in texts.items():
            if key != CODE and text is not None:
                for value in _form_values(by_key[key], text):
                    formdata.add(key, value)
        check_row(instrument, registry, row, formdata, cells)
        rows.append(row)
    mark_duplicates(rows)
    for row in rows:
        row.problems.sort(key=sheet_order)
        problems.extend(row.problems)
    return rows, problems


def mark_duplicates(rows: list[FilledRow]) -> None:
    by_code: dict[str, list[FilledRow]] = defaultdict(list)
    for row in rows:
        if row.code:
            by_code[row.code].append(row)
    for code, same in by_code.items():
        if len(same) > 1:
            numbers = ", ".join(str(r.row) for r in same)
            for row in same:
                message = _("The code %(code)s is in more than one row (rows %(rows)s).", code=code, rows=numbers)
                row.problems.insert(0, Problem(row.code_cell, message, row.row))


# ---- import ------------------------------------------------------------------------------
def assignment_of(campaign: Campaign, instrument_id: str) -> Assignment | None:
    """The campaign's assignment of the instrument, if the campaign has it."""
    return next((a for a in campaign.assignments if a.instrument_id == instrument_id), None)


def _takes(assignment: Assignment, standing: Standing, wave: Wave) -> bool:
    return assignment.applies(standing.role, wave.kind)


def eligible_codes(wave: Wave, instrument_id: str) -> list[str]:
    """Codes of the participants the instrument is for in the wave's campaign, by code."""
    assignment = assignment_of(wave.campaign, instrument_id)
    if assignment is None:
        return []
    reach = standings(wave.campaign).values()
    return sorted(p.code for p, standing in reach if _takes(assignment, standing, wave))


def typed_online(response: Response | None) -> bool:
    """Whether the response holds the participant's own online answers (submitted, or started with
    at least one answer): an import never replaces those unless asked to."""
    if response is None or response.source in IMPORTED:
        return False
    if response.status == "submitted":
        return True
    return any(value not in (None, "", []) for value in {**(response.answers or {}), **(response.draft or {})}.values())


def plan_rows(
    wave: Wave,
    instrument: Instrument,
    rows: list[FilledRow],
    result: ImportResult,
    rejected: set[int],
    replace_online: bool = False,
):
    """Match rows to participants and existing responses; record problems and rejected rows; return what to write.

    A response imported before (on paper or through the API) may be replaced; one the participant
    answered online only when ``replace_online`` says so (``import_paper`` audits each one)."""
    campaign = wave.campaign
    assignment = assignment_of(campaign, instrument.id)
    if assignment is None:
        raise PaperError(_("The questionnaire %(id)s is not part of this campaign.", id=instrument.id))
    reach = {p.code: (p, s) for p, s in standings(campaign).values()}
    codes = [r.code for r in rows if r.code]
    in_organisation = set()
    if codes:
        query = db.select(Participant.code).where(
            Participant.organisation_id == campaign.organisation_id, Participant.code.in_(codes)
        )
        in_organisation = set(db.session.execute(query).scalars())
    ids = [p.id for p, _s in reach.values()]
    existing = {}
    if ids:
        query = db.select(Response).where(
            Response.wave_id == wave.id, Response.instrument_id == instrument.id, Response.participant_id.in_(ids)
        )
        existing = {r.participant_id: r for r in db.session.execute(query.with_for_update()).scalars()}
    plan = []
    for row in rows:
        if row.problems:
            rejected.add(row.row)
            continue
        found = reach.get(row.code)
        response = existing.get(found[0].id) if found else None
        if found is None and row.code not in in_organisation:
            message = _("There is no participant with the code %(code)s.", code=row.code)
        elif found is None or not _takes(assignment, found[1], wave):
            message = _("The participant %(code)s does not take this questionnaire in this campaign.", code=row.code)
        elif typed_online(response) and not replace_online:
            if response.status == "submitted":
                message = _(
                    "%(code)s has already submitted this questionnaire online; the paper answers were not imported.",
                    code=row.code,
                )
            else:
                message = _(
                    "%(code)s has started this questionnaire online: their answers were kept and this row was not "
                    "imported. To overwrite them, import again and choose to replace online answers.",
                    code=row.code,
                )
        else:
            plan.append((row, found[0], response))
            continue
        result.problems.append(Problem(row.code_cell, message, row.row))
        rejected.add(row.row)
    return plan


def _audit_replacement(wave: Wave, instrument: Instrument, participant: Participant, response: Response, source):
    """An audit entry for online answers an import overwrites (committed with the import)."""
    details = {"code": participant.code, "instrument": instrument.id, "wave": wave.id, "status": response.status}
    audit.add(
        "responses.replace_online",
        f"response:{response.id}",
        organisation_id=wave.campaign.organisation_id,
        user_id=audit.signed_in_user_id(),
        via=source,
        **details,
    )


def import_paper(
    wave: Wave,
    instrument: Instrument,
    rows: list[FilledRow],
    mode: str = "all_or_nothing",
    problems=(),
    source: str = "paper",
    replace_online: bool = False,
) -> ImportResult:
    """Store the rows as submitted paper responses of ``wave``, scored; one response per participant.

    ``problems`` are those ``read_filled`` reported. In ``all_or_nothing`` mode any problem means
    nothing is written; in ``valid_rows`` mode the rows without problems are written, unless the
    columns themselves have problems. A response submitted online is never overwritten; a paper
    response imported before is updated (or left alone when its answers are the same).
    ``source`` is stored with each response: ``paper``, or ``api`` for the JSON API's import.
    ``replace_online``: the curator asked to overwrite answers participants typed online; each
    one overwritten is written to the audit log with its code and the answers' former state.
    """
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}")
    result = ImportResult(mode=mode, rows=len(rows), problems=list(problems))
    rejected: set[int] = set()
    plan = plan_rows(wave, instrument, rows, result, rejected, replace_online)
    result.problems.sort(key=sheet_order)
    result.rejected = len(rejected)
    header_problems = any(p.row < FIRST_ROW for p in result.problems)
    if header_problems or (mode == "all_or_nothing" and result.problems):
        db.session.rollback()
        return result
    invitations = {
        i.participant_id: i.id for i in db.session.execute(db.select(Invitation).filter_by(wave_id=wave.id)).scalars()
    }
    written = []
    now = utcnow()
    for row, participant, response in plan:
        answers = visible_answers(instrument, row.answers)
        if response is None:
            response = Response(
                wave_id=wave.id,
                participant_id=participant.id,
                invitation_id=invitations.get(participant.id),
                instrument_id=instrument.id,
                started_at=now,
            )
            db.session.add(response)
            result.created += 1
        elif response.source == source and response.answers == answers and response.status == "submitted":
            result.unchanged += 1
            continue
        else:
            result.updated += 1
            if typed_online(response):
                _audit_replacement(wave, instrument, participant, response, source)
        response.instrument_version = str(instrument.version)
        response.source, response.status, response.answers = source, "submitted", answers
        response.editing, response.draft = False, {}
        response.submitted_at = response.updated_at = now
        store_scores(response, instrument)
        written.append(response)
    try:
        db.session.commit()
    except IntegrityError as err:  # an online response was started for the same person meanwhile
        db.session.rollback()
        raise PaperError(_("Answers for the same participants were saved meanwhile: import the file again.")) from err
    for response in written:
        notify_submitted(response)
    return result
