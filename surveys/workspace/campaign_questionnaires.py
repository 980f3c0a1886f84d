"""Changing a running campaign's questionnaires: add one, remove one, restore a removed one.

A questionnaire added once a wave has opened is marked with ``added_at``: those who had finished a
wave before it was added are not asked for it there (:mod:`surveys.workspace.asking`). Removing one
that nobody has answered deletes it; one with answers is retired (``retired_at``): nobody new is asked
for it, and its answers stay in every export and analysis.
"""

from __future__ import annotations

from flask_babel import gettext as _

from surveys.audit import record
from surveys.core.models import Assignment, Campaign, Programme, Response, utcnow
from surveys.extensions import db
from surveys.instruments import catalogue
from surveys.workspace.campaigns import default_assignment
from surveys.workspace.programmes import form_names


class QuestionnaireError(Exception):
    """A questionnaire that cannot be added, with the reason for the curator."""


def has_started(campaign: Campaign) -> bool:
    """Whether any wave of the campaign has opened (open or closed now) or has responses."""
    if any(wave.state() != "not_open" for wave in campaign.waves):
        return True
    wave_ids = [wave.id for wave in campaign.waves]
    return (
        bool(wave_ids)
        and db.session.execute(db.select(Response.id).where(Response.wave_id.in_(wave_ids)).limit(1)).first()
        is not None
    )


def answer_count(campaign: Campaign, instrument_id: str) -> int:
    """How many responses (started or submitted) the campaign's waves hold for the questionnaire."""
    wave_ids = [wave.id for wave in campaign.waves]
    if not wave_ids:
        return 0
    query = db.select(db.func.count(Response.id)).where(
        Response.wave_id.in_(wave_ids), Response.instrument_id == instrument_id
    )
    return db.session.execute(query).scalar_one()


def assignment_of(campaign: Campaign, instrument_id: str) -> Assignment | None:
    """The campaign's assignment of the instrument, if the campaign has it."""
    return next((a for a in campaign.assignments if a.instrument_id == instrument_id), None)


def add_questionnaire(campaign: Campaign, instrument_id: str) -> Assignment:
    """Add the instrument for its default audience; audited. Raises :class:`QuestionnaireError`."""
    instrument = catalogue(campaign.organisation_id).get(instrument_id)
    if instrument is None:
        raise QuestionnaireError(_("Unknown questionnaire «%(id)s».", id=instrument_id))
    if assignment_of(campaign, instrument_id) is not None:
        raise QuestionnaireError(_("The campaign already has the questionnaire «%(id)s».", id=instrument_id))
    programme = db.session.get(Programme, campaign.programme_id) if campaign.programme_id else None
    position = max((a.position for a in campaign.assignments), default=-1) + 1
    assignment = default_assignment(instrument, form_names(programme), position)
    running = has_started(campaign)
    if running:
        assignment.added_at = utcnow()
    campaign.assignments.append(assignment)
    db.session.flush()
    record(
        "campaign.questionnaire.add",
        f"campaign:{campaign.id}",
        instrument=instrument_id,
        audience=assignment.audience,
        waves=assignment.wave_kinds,
        forms=assignment.forms,
        running=running,
    )
    return assignment


def remove_questionnaire(campaign: Campaign, assignment: Assignment) -> str:
    """Delete the questionnaire when it has no responses, else retire it; audited. Returns
    ``deleted`` or ``retired``."""
    answers = answer_count(campaign, assignment.instrument_id)
    if answers:
        assignment.retired_at = utcnow()
        outcome = "retired"
    else:
        campaign.assignments.remove(assignment)
        db.session.delete(assignment)
        outcome = "deleted"
    record(
        "campaign.questionnaire.remove",
        f"campaign:{campaign.id}",
        instrument=assignment.instrument_id,
        outcome=outcome,
        responses=answers,
    )
    return outcome


def restore_questionnaire(campaign: Campaign, assignment: Assignment) -> None:
    """Ask a retired questionnaire again, as if added now; audited."""
    assignment.retired_at = None
    assignment.added_at = utcnow()
    record("campaign.questionnaire.restore", f"campaign:{campaign.id}", instrument=assignment.instrument_id)
