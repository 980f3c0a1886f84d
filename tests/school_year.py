"""A programme with everything a campaign can hold, for the tests of renaming, archiving and
deleting: forms, enrolled people in a pair, a campaign with two waves, links, an open link, a
guardian's consent, an answered questionnaire with its score, an export file, a SWOT document and a
programme indicator. Rows are made directly: these tests are about what hangs on what."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from plugins.swot.models import SwotDocument
from surveys.core.export_models import ExportChunk, ExportJob
from surveys.core.models import (
    Assignment,
    Campaign,
    Enrolment,
    GuardianConsent,
    Invitation,
    MentoringForm,
    OpenLink,
    Pair,
    PairMentee,
    Participant,
    Programme,
    Response,
    Score,
    Wave,
)
from surveys.core.report_models import Indicator, IndicatorValue, ReportConclusion
from surveys.extensions import db


@dataclass(frozen=True)
class SchoolYear:
    programme_id: int
    campaign_id: int
    wave_ids: tuple[int, int]
    participant_ids: tuple[int, int]
    pair_id: int
    invitation_id: int
    open_link_id: int


def school_year(organisation_id: int, name: str = "2025/26", answered: bool = True) -> SchoolYear:
    """Build it in the current app context; ``answered``: one submitted response with a score."""
    programme = Programme(organisation_id=organisation_id, name=name)
    programme.forms.append(MentoringForm(name="ученик–ученик", variants=["успевающий – неуспевающий"]))
    db.session.add(programme)
    db.session.flush()
    mentor = Participant(organisation_id=organisation_id, code=f"M-{programme.id}", role="mentor", tags=[])
    mentee = Participant(organisation_id=organisation_id, code=f"E-{programme.id}", role="mentee", tags=[])
    mentee.programme_id = programme.id
    db.session.add_all([mentor, mentee])
    db.session.flush()
    for person in (mentor, mentee):
        enrolment = Enrolment(participant_id=person.id, programme_id=programme.id, role=person.role)
        enrolment.form = "ученик–ученик"
        db.session.add(enrolment)
    pair = Pair(programme_id=programme.id, mentor_id=mentor.id, form="ученик–ученик")
    pair.add_mentee(mentee.id)
    campaign = Campaign(organisation_id=organisation_id, name=f"Мониторинг {name}", programme_id=programme.id)
    campaign.assignments.append(Assignment(instrument_id="wellbeing_check", audience=["mentee"]))
    campaign.waves.extend([Wave(kind="input", name="Вход", position=0), Wave(kind="output", name="Выход", position=1)])
    db.session.add_all([pair, campaign])
    db.session.flush()
    first = campaign.waves[0]
    invitation = Invitation(wave_id=first.id, participant_id=mentee.id)
    invitation.issue_token()
    link = OpenLink(wave_id=first.id, role="mentee")
    link.issue_token()
    db.session.add_all([invitation, link, GuardianConsent(campaign_id=campaign.id, participant_id=mentee.id)])
    db.session.flush()
    if answered:
        response = Response(
            wave_id=first.id,
            participant_id=mentee.id,
            invitation_id=invitation.id,
            instrument_id="wellbeing_check",
            instrument_version="1",
            status="submitted",
            answers={"q1": 2},
        )
        response.scores.append(Score(scale="total", raw=2, value=2))
        db.session.add(response)
    job = ExportJob(organisation_id=organisation_id, campaign_id=campaign.id, format="xlsx", status="done")
    db.session.add(job)
    db.session.flush()
    db.session.add(ExportChunk(job_id=job.id, seq=0, data=b"xlsx"))
    draft = SwotDocument(organisation_id=organisation_id, campaign_id=campaign.id, wave_id=first.id)
    db.session.add(draft)
    db.session.flush()
    approved = SwotDocument(
        organisation_id=organisation_id, campaign_id=campaign.id, wave_id=first.id, version=1, based_on=draft.id
    )
    indicator = Indicator(organisation_id=organisation_id, programme_id=programme.id, name="Посещаемость")
    indicator.values.append(IndicatorValue(period=dt.date(2025, 9, 1), value=90))
    conclusion = ReportConclusion(organisation_id=organisation_id, programme_id=programme.id, text="Итоги")
    db.session.add_all([approved, indicator, conclusion])
    db.session.commit()
    return SchoolYear(
        programme.id,
        campaign.id,
        (campaign.waves[0].id, campaign.waves[1].id),
        (mentor.id, mentee.id),
        pair.id,
        invitation.id,
        link.id,
    )


# Every table that hangs on a campaign or a programme, and how to count its rows of one school year.
CAMPAIGN_TABLES = (
    Assignment,
    Wave,
    Invitation,
    OpenLink,
    GuardianConsent,
    Response,
    Score,
    ExportJob,
    ExportChunk,
    SwotDocument,
)
PROGRAMME_TABLES = (MentoringForm, Enrolment, Pair, PairMentee, Indicator, IndicatorValue, ReportConclusion)


def rows_of(model) -> int:
    return db.session.execute(db.select(db.func.count()).select_from(model)).scalar_one()
