"""Paper answers: read a filled entry template and import it into a wave.

``entry_template`` (in ``paper_template``) writes the XLSX; ``read_filled`` reads it back and checks
every cell with the same WTForms checks as a participant's page, page by page so that ``show_if``
conditions hold as online; ``import_paper`` stores the good rows as submitted responses with
``source="paper"``. Problems name the cell, e.g. ``answers!C7: Choose one of the options offered.``
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from surveys import audit
from surveys.core.definitions import Instrument
from surveys.core.models import Assignment, Invitation, Participant, Response, Wave, utcnow
from surveys.extensions import db
from surveys.participation import notify_submitted, store_scores, visible_answers
from surveys.transfer.paper_reading import (
    FilledRow,
    PaperError,
    Problem,
    read_filled,
    read_meta,
    sheet_order,
)
from surveys.transfer.paper_template import (
    FIRST_ROW,
    entry_template,
)
from surveys.workspace import Standing, assignment_of, offered, standings

__all__ = [
    "PaperError",
    "Problem",
    "FilledRow",
    "PaperImportResult",
    "entry_template",
    "read_meta",
    "read_filled",
    "import_paper",
    "eligible_codes",
    "assignment_of",
]

MODES = ("all_or_nothing", "valid_rows")
IMPORTED = ("paper", "api")  # sources of responses an import may replace (not typed online)


@dataclass
class PaperImportResult:
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


# ---- import ------------------------------------------------------------------------------
def _takes(assignment: Assignment, standing: Standing, wave: Wave) -> bool:
    return offered(assignment, standing.role, wave.kind, standing.form)


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
    result: PaperImportResult,
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
) -> PaperImportResult:
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
    result = PaperImportResult(mode=mode, rows=len(rows), problems=list(problems))
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
