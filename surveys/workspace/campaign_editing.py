"""What staff do with campaigns and participants on their pages: list, start a campaign, read one,
choose who answers what, and add a participant by hand (names kept apart)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from surveys.audit import record
from surveys.core.models import Campaign, Organisation, Participant, PersonalData, Programme, Wave
from surveys.extensions import db
from surveys.state import get_state
from surveys.workspace.audience import Groups, audience_groups
from surveys.workspace.campaigns import ParticipantStatus, add_wave, create_campaign, wave_status
from surveys.workspace.minors import default_consent_mode
from surveys.workspace.participant_editing import split_tags
from surveys.workspace.people import enrol


def campaigns_of(organisation: Organisation) -> list[Campaign]:
    """The organisation's campaigns, newest first."""
    rows = db.session.execute(
        db.select(Campaign).filter_by(organisation_id=organisation.id).order_by(Campaign.id.desc())
    ).scalars()
    return list(rows)


def start_campaign(
    organisation: Organisation, name: str, instrument_ids: list[str], wave_name: str, programme_id: int | None
) -> Campaign:
    campaign = create_campaign(organisation, name.strip(), instrument_ids, wave_name.strip(), programme_id)
    campaign.consent_mode = default_consent_mode(campaign)  # guardians' consent where the programme has pupils
    db.session.commit()
    return campaign


@dataclass(frozen=True)
class CampaignPage:
    """A campaign's page: its programme, each wave's participants and status, the analyses with pages."""

    campaign: Campaign
    programme: Programme | None
    statuses: dict[int, list[ParticipantStatus]]
    analyses: list[Any]
    registry: Any
    groups: Groups  # who gets what, by role and form of mentoring


def campaign_page(campaign: Campaign) -> CampaignPage:
    registry = get_state().registry
    return CampaignPage(
        campaign,
        db.session.get(Programme, campaign.programme_id) if campaign.programme_id else None,
        {wave.id: wave_status(wave) for wave in campaign.waves},
        [a for a in registry.analyses.values() if a.endpoint],
        registry,
        audience_groups(campaign),
    )


def save_assignments(
    campaign: Campaign,
    audiences: dict[int, list[str]],
    kinds: dict[int, list[str]],
    every: int,
    forms: dict[int, list[str]] | None = None,
):
    """Which roles answer each questionnaire, in which kinds of wave (all ``every`` kinds ticked is
    the same as none: every wave) and, for mentors and mentees, in which forms of mentoring (none
    ticked: every form). Returns the questionnaires left without a role or a wave, and then nothing
    is changed."""
    empty = [a.instrument_id for a in campaign.assignments if not audiences[a.id] or not kinds[a.id]]
    if empty:
        return empty
    for assignment in campaign.assignments:
        assignment.audience = audiences[assignment.id]
        assignment.wave_kinds = [] if len(kinds[assignment.id]) == every else kinds[assignment.id]
        if forms is not None:
            assignment.forms = forms[assignment.id]
    db.session.commit()
    record(
        "campaign.assignments",
        f"campaign:{campaign.id}",
        audience={a.instrument_id: a.audience for a in campaign.assignments},
        waves={a.instrument_id: a.wave_kinds for a in campaign.assignments},
        forms={a.instrument_id: a.forms for a in campaign.assignments},
    )
    return []


def new_wave(campaign: Campaign, kind: str, name: str) -> Wave:
    """Add a wave (input, intermediate or output) at the end of the campaign; audited."""
    wave = add_wave(campaign, kind, name.strip())
    record("wave.add", f"campaign:{campaign.id}", wave=wave.id, before=None, after={"kind": kind, "name": wave.name})
    return wave


def participants_of(organisation: Organisation) -> list[Participant]:
    rows = db.session.execute(
        db.select(Participant).filter_by(organisation_id=organisation.id).order_by(Participant.code)
    ).scalars()
    return list(rows)


@dataclass(frozen=True)
class NewParticipant:
    """What the curator typed for one participant; the name, birth year and sex go to PersonalData."""

    code: str
    role: str
    form: str
    group: str
    tags: str
    programme_id: int | None
    full_name: str
    birth_year: int | None
    sex: str


def add_participant(organisation: Organisation, typed: NewParticipant) -> Participant | None:
    """The new participant (a random code when none was typed); None when the code is taken here."""
    code = typed.code.strip() or secrets.token_hex(3).upper()
    taken = db.session.execute(
        db.select(Participant).filter_by(organisation_id=organisation.id, code=code)
    ).scalar_one_or_none()
    if taken:
        return None
    person = Participant(
        organisation_id=organisation.id,
        code=code,
        role=typed.role,
        form=typed.form.strip(),
        group_name=typed.group.strip(),
        tags=list(split_tags(typed.tags)),
    )
    db.session.add(person)
    db.session.flush()
    if typed.programme_id:
        enrol(person, typed.programme_id, person.role, person.form, person.group_name)
    if typed.full_name.strip() or typed.birth_year or typed.sex:
        db.session.add(
            PersonalData(
                participant_id=person.id,
                full_name=typed.full_name.strip(),
                birth_year=typed.birth_year,
                sex=typed.sex,
            )
        )
    db.session.commit()
    return person
