"""Campaigns, waves and links: what a curator does before and during a wave."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from surveys.core.contracts import CampaignTables, ScoreRow, WaveInfo
from surveys.core.definitions import Instrument
from surveys.core.mentoring_forms import is_pupil
from surveys.core.models import (
    PAIR_ROLES,
    Assignment,
    Campaign,
    Invitation,
    Organisation,
    Participant,
    Programme,
    Response,
    Score,
    Wave,
)
from surveys.extensions import db
from surveys.instruments import catalogue
from surveys.workspace.asking import asked
from surveys.workspace.people import Standing, Team, eligible, standing_by_id, standing_of, teams
from surveys.workspace.programmes import SEED_FORMS, form_names

# The side a form's name must give for every mentor/mentee role of the audience, by ``ages``.
AGE_SIDES = {"adults": False, "pupils": True}


def default_forms(instrument: Instrument, forms: list[str]) -> list[str]:
    """The forms of mentoring an instrument goes to by default, of ``forms`` (empty: every form).

    ``ages: adults`` keeps the forms in which every mentor/mentee role of its audience is held by an
    adult, ``pupils`` those held by a pupil; a form whose name does not say is left out, so an
    adults-only questionnaire never reaches pupils by accident. When no form qualifies, the seeded
    ones that do are named instead: nobody in the programme gets it, rather than everybody.
    """
    side = AGE_SIDES.get(instrument.ages)
    pair = [role for role in instrument.audience if role in PAIR_ROLES]
    if side is None or not pair:
        return []

    def fits(names) -> list[str]:
        return [f for f in names if all(is_pupil(f, role) is side for role in pair)]

    return fits(forms) or fits(SEED_FORMS)


def default_assignment(instrument: Instrument, forms: list[str], position: int) -> Assignment:
    """The instrument for its own audience and waves, in the forms of ``forms`` its ``ages`` allow."""
    return Assignment(
        instrument_id=instrument.id,
        audience=list(instrument.audience),
        wave_kinds=list(instrument.waves),
        forms=default_forms(instrument, forms),
        position=position,
    )


def create_campaign(
    organisation: Organisation,
    name: str,
    instrument_ids: list[str],
    wave_name: str,
    programme_id: int | None = None,
) -> Campaign:
    """A campaign with one assignment per instrument (for the instrument's audience, and the forms of
    mentoring its ``ages`` allow in the programme) and its input wave. The consent mode stays the
    model's; the curator's page and the demo choose guardians' consent where the programme has pupils
    (:func:`surveys.workspace.minors.default_consent_mode`)."""
    available = catalogue(organisation.id)
    campaign = Campaign(organisation_id=organisation.id, name=name, programme_id=programme_id or None)
    forms = form_names(db.session.get(Programme, programme_id) if programme_id else None)
    for position, instrument_id in enumerate(instrument_ids):
        campaign.assignments.append(default_assignment(available[instrument_id], forms, position))
    campaign.waves.append(Wave(kind="input", name=wave_name, position=0))
    db.session.add(campaign)
    db.session.commit()
    return campaign


def add_wave(campaign: Campaign, kind: str, name: str) -> Wave:
    wave = Wave(kind=kind, name=name, position=len(campaign.waves))
    campaign.waves.append(wave)
    db.session.commit()
    return wave


def eligible_participants(campaign: Campaign) -> list[Participant]:
    """The participants whose role (in the campaign's programme) one of its instruments is for."""
    return [participant for participant, _standing in eligible(campaign)]


@dataclass(frozen=True)
class ParticipantStatus:
    participant: Participant
    standing: Standing
    invitation: Invitation | None
    submitted: int
    started: int
    expected: int

    @property
    def label(self) -> str:
        if self.invitation is None:
            return "not_invited"
        if self.invitation.declined_at:
            return "declined"
        if self.expected and self.submitted >= self.expected:
            return "done"
        if self.started or self.submitted:
            return "in_progress"
        return "invited"


def wave_status(wave: Wave) -> list[ParticipantStatus]:
    invitations = {
        i.participant_id: i for i in db.session.execute(db.select(Invitation).filter_by(wave_id=wave.id)).scalars()
    }
    responses: dict[int, list[Response]] = {}
    for response in db.session.execute(db.select(Response).filter_by(wave_id=wave.id)).scalars():
        responses.setdefault(response.participant_id, []).append(response)
    rows = []
    for participant, standing in eligible(wave.campaign):
        mine = responses.get(participant.id, [])
        by_instrument = {r.instrument_id: r for r in mine}
        wanted = {a.instrument_id for a in asked(wave.campaign, standing.role, standing.form, wave, by_instrument)}
        if not wanted:  # nothing in this wave is for their role and form (e.g. curators in the input wave)
            continue
        mine = [r for r in mine if r.instrument_id in wanted]  # a retired questionnaire's draft is not progress
        rows.append(
            ParticipantStatus(
                participant=participant,
                standing=standing,
                invitation=invitations.get(participant.id),
                submitted=sum(r.status == "submitted" for r in mine),
                started=sum(r.status != "submitted" for r in mine),
                expected=len(wanted),
            )
        )
    return rows


def answers_row(code: str, standing: Standing, team: Team, wave: WaveInfo, response: tuple) -> dict[str, Any]:
    """One submitted response as an answers row of ``CampaignTables`` (``response``: instrument id,
    version, submitted at, answers), with the participant's subgroup keys."""
    instrument_id, version, submitted_at, answers = response
    return {
        "participant": code,
        "role": standing.role,
        "form": standing.form,
        "group": standing.group,
        "variant": team.variant,
        "mentor": team.mentor,
        "wave": wave.name,
        "wave_id": wave.id,
        "wave_kind": wave.kind,
        "instrument": instrument_id,
        "instrument_version": version,
        "submitted_at": submitted_at,
        "answers": dict(answers or {}),
    }


def campaign_tables(campaign: Campaign, wave_ids: Iterable[int] | None = None) -> CampaignTables:
    """Read a campaign's submitted answers and scores into plain rows for exports and analyses.

    ``wave_ids`` limits the rows to those waves (``waves`` still lists every wave). The rows are
    read as plain columns, not ORM objects: a campaign can hold millions of scores.
    """
    waves = [WaveInfo(w.id, w.name, w.kind, w.position) for w in campaign.waves]
    by_id = {w.id: w for w in waves}
    tables = CampaignTables(campaign=campaign.name, waves=waves, organisation_id=campaign.organisation_id)
    wanted = [w for w in by_id if wave_ids is None or w in set(wave_ids)]
    if not wanted:
        return tables
    submitted = (Response.wave_id.in_(wanted), Response.status == "submitted")
    query = (
        db.select(
            Response.id,
            Response.wave_id,
            Response.instrument_id,
            Response.instrument_version,
            Response.submitted_at,
            Response.answers,
            Participant.id,
            Participant.code,
        )
        .join(Participant, Participant.id == Response.participant_id)
        .where(*submitted)
        .order_by(Response.wave_id, Participant.code, Response.instrument_id)
    )
    respondents = {}
    known = standing_by_id(campaign)
    paired = teams(campaign)
    nobody = Team("", "")
    for response_id, wave_id, instrument_id, version, submitted_at, answers, participant_id, code in db.session.execute(
        query
    ):
        wave = by_id[wave_id]
        respondents[response_id] = (code, wave, instrument_id)
        standing = known.get(participant_id) or standing_of(campaign, db.session.get(Participant, participant_id))
        team = paired.get(participant_id, nobody)
        tables.answers.append(answers_row(code, standing, team, wave, (instrument_id, version, submitted_at, answers)))
    if respondents:
        scores = db.session.execute(
            db.select(
                Score.response_id,
                Score.scale,
                Score.value,
                Score.band,
                Score.missing_reason,
                Score.raw,
                Score.norm,
                Score.norm_kind,
                Score.scoring_version,
            )
            .join(Response, Response.id == Score.response_id)
            .where(*submitted)
            .order_by(Score.id)
        )
        for response_id, *stored in scores:
            code, wave, instrument_id = respondents[response_id]
            tables.scores.append(ScoreRow(code, wave.id, wave.name, wave.kind, instrument_id, *stored))
    return tables
