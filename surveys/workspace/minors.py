"""Whether a campaign reaches pupils, so that it asks for their parents' consent by default.

Someone in the campaign's programme (enrolled in it, or with it as their own programme; every
participant of the organisation when the campaign has no programme) is a pupil when:

- their side of their form of mentoring is a pupil's (``ученик–ученик`` mentor or mentee, the
  mentee of ``учитель–ученик``, …: :func:`surveys.core.mentoring_forms.is_pupil`), or
- their birth year says they may be under 18 in the year the campaign was created: only the
  year is stored, so someone who turns 18 that year still counts.

A programme with nobody in it yet counts by its forms: any form with a pupil side.

In a campaign that asks for guardians' consent, only someone who may be a minor waits for it:
:func:`known_adult` lets adults (by birth year, by a staff-like role, or by the adult side of their
form of mentoring) consent for themselves.
"""

from __future__ import annotations

from surveys.core.mentoring_forms import is_pupil, sides
from surveys.core.models import Campaign, Enrolment, Participant, PersonalData, Programme, utcnow
from surveys.extensions import db
from surveys.workspace.people import standing_of
from surveys.workspace.programmes import form_names

ADULT_AGE = 18
ADULT_ROLES = ("curator", "teacher", "parent", "employer")  # roles no pupil holds


def _sources(campaign: Campaign) -> list[tuple[tuple, tuple]]:
    """Where the campaign's programme's people are: ((participant id, role, form) columns, conditions)."""
    here = Participant.organisation_id == campaign.organisation_id
    own = (Participant.id, Participant.role, Participant.form)
    if campaign.programme_id is None:
        return [(own, (here,))]
    enrolled = (Enrolment.participant_id, Enrolment.role, Enrolment.form)
    in_programme = (Enrolment.participant_id == Participant.id, Enrolment.programme_id == campaign.programme_id)
    return [(enrolled, (*in_programme, here)), (own, (Participant.programme_id == campaign.programme_id, here))]


def _pupil_by_form(sources) -> bool:
    for (_id, role, form), where in sources:
        kinds = db.session.execute(db.select(role, form).where(*where).distinct())
        if any(is_pupil(form or "", role) for role, form in kinds):
            return True
    return False


def _pupil_by_birth_year(sources, year: int) -> bool:
    for (participant_id, _role, _form), where in sources:
        young = db.select(PersonalData.participant_id).where(
            PersonalData.participant_id.in_(db.select(participant_id).where(*where)),
            PersonalData.birth_year >= year - ADULT_AGE,
        )
        if db.session.execute(young.limit(1)).first() is not None:
            return True
    return False


def _nobody(sources) -> bool:
    return all(db.session.execute(db.select(ids[0]).where(*where).limit(1)).first() is None for ids, where in sources)


def has_pupils(campaign: Campaign) -> bool:
    """Whether the campaign's programme has pupils (see the module's docstring)."""
    sources = _sources(campaign)
    year = (campaign.created_at or utcnow()).year
    if _pupil_by_form(sources) or _pupil_by_birth_year(sources, year):
        return True
    if not _nobody(sources):
        return False
    programme = db.session.get(Programme, campaign.programme_id) if campaign.programme_id else None
    return any(True in sides(form) for form in form_names(programme))


def default_consent_mode(campaign: Campaign) -> str:
    """``guardian`` for a campaign whose programme has pupils, else ``self``."""
    return "guardian" if has_pupils(campaign) else "self"


def known_adult(campaign: Campaign, participant: Participant) -> bool:
    """Whether the participant is certainly an adult: a birth year at least 18 years before the
    campaign's, else a role no pupil holds, else the adult side of their form of mentoring. Anyone
    else (a pupil, an unknown form, the role "other") may be a minor."""
    data = db.session.get(PersonalData, participant.id)
    if data is not None and data.birth_year is not None:
        return data.birth_year < (campaign.created_at or utcnow()).year - ADULT_AGE
    standing = standing_of(campaign, participant)
    if standing.role in ADULT_ROLES:
        return True
    return is_pupil(standing.form or "", standing.role) is False
