"""What staff do on a wave's and a campaign's participation pages: consent settings, guardians'
consents, the wave's dates, personal and open links. Each change is audited."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from surveys.audit import record
from surveys.core.models import Campaign, GuardianConsent, Invitation, OpenLink, Participant, PersonalData, Wave
from surveys.extensions import db
from surveys.participation.consent import SECTIONS, set_guardian_consents
from surveys.participation.links import create_open_link, generate_links, issue_links, reissue_link, revoke
from surveys.workspace import eligible_participants, has_pupils, wave_status


@dataclass(frozen=True)
class ConsentSettings:
    """What the curator chose on the consent settings page."""

    mode: str
    allow_editing: bool
    texts: dict[str, str | None]
    support_contact: str = ""
    confirmed_self: bool = False  # "self" although the programme has pupils, confirmed by the curator


def self_needs_confirmation(campaign: Campaign, mode: str) -> bool:
    """Whether choosing ``mode`` must be confirmed: participants consenting themselves in a programme
    with pupils (``assent`` and ``guardian`` are for minors and need none)."""
    return mode == "self" and has_pupils(campaign)


def save_consent_settings(campaign: Campaign, chosen: ConsentSettings) -> None:
    """How participants agree, whether they may change answers after submitting, the texts of the
    consent page (empty sections keep the default text) and where to turn for support. Audited with
    the values before and after of each field that changed (none of them is personal data)."""
    before = _consent_fields(campaign)
    campaign.consent_mode = chosen.mode
    campaign.allow_editing = chosen.allow_editing
    typed = {key: (chosen.texts.get(key) or "").strip() for key in SECTIONS}
    campaign.consent_texts = {key: text for key, text in typed.items() if text}
    campaign.support_contact = (chosen.support_contact or "").strip()
    db.session.commit()
    confirmed = {"confirmed_self_with_pupils": True} if chosen.mode == "self" and chosen.confirmed_self else {}
    after = _consent_fields(campaign)
    changed = {key: {"before": before[key], "after": after[key]} for key in after if before[key] != after[key]}
    record(
        "campaign.consent_settings",
        f"campaign:{campaign.id}",
        mode=campaign.consent_mode,
        support_contact=campaign.support_contact,
        changed=changed,
        **confirmed,
    )


def _consent_fields(campaign: Campaign) -> dict:
    texts = campaign.consent_texts or {}
    return {
        "mode": campaign.consent_mode,
        "allow_editing": campaign.allow_editing,
        "support_contact": campaign.support_contact,
        **{f"text.{key}": texts.get(key, "") for key in SECTIONS},
    }


@dataclass(frozen=True)
class Guardians:
    """The campaign's participants, their names (kept apart), and whose guardian's consent is recorded."""

    people: list[Participant]
    names: dict[int, str]
    recorded: set[int]


def guardians_of(campaign: Campaign) -> Guardians:
    people = eligible_participants(campaign)
    rows = db.session.execute(db.select(PersonalData).where(PersonalData.participant_id.in_([p.id for p in people])))
    consents = db.session.execute(db.select(GuardianConsent).filter_by(campaign_id=campaign.id)).scalars()
    return Guardians(
        people, {p.participant_id: p.full_name for p in rows.scalars()}, {g.participant_id for g in consents}
    )


def save_guardians(campaign: Campaign, people: list[Participant], chosen: set[int], user_id: int) -> tuple[int, int]:
    """Record exactly ``chosen`` (among ``people``) as having their guardian's consent: (added, withdrawn)."""
    allowed = {p.id for p in people}
    added, withdrawn = set_guardian_consents(campaign, {i for i in chosen if i in allowed}, user_id)
    record("guardians.update", f"campaign:{campaign.id}", added=added, withdrawn=withdrawn)
    return added, withdrawn


def schedule(wave: Wave, opens_at: dt.datetime | None, closes_at: dt.datetime | None, closed: bool) -> None:
    """When the wave opens and closes (UTC), or closed now; audited with the values before and after."""
    before = _schedule_of(wave)
    wave.opens_at, wave.closes_at, wave.closed = opens_at, closes_at, closed
    db.session.commit()
    record("wave.schedule", f"wave:{wave.id}", closed=wave.closed, before=before, after=_schedule_of(wave))


def _schedule_of(wave: Wave) -> dict:
    moments = {"opens_at": wave.opens_at, "closes_at": wave.closes_at}
    return {"closed": wave.closed, **{key: value.isoformat() if value else None for key, value in moments.items()}}


@dataclass(frozen=True)
class WavePage:
    """A wave's participants with their links and answers, and its open links."""

    rows: list
    open_links: list[OpenLink]


def wave_page(wave: Wave) -> WavePage:
    open_links = db.session.execute(db.select(OpenLink).filter_by(wave_id=wave.id).order_by(OpenLink.id)).scalars()
    return WavePage(wave_status(wave), list(open_links))


def new_links(wave: Wave, selected: set[int], only_selected: bool) -> list[tuple[Participant, str]]:
    """Links for everyone eligible who has none, or (``only_selected``) new links for the ``selected``
    participants (their old links stop working). The tokens exist in clear only here."""
    if only_selected:
        chosen = [p for p in eligible_participants(wave.campaign) if p.id in selected]
        issued = issue_links(wave, chosen, True)
    else:
        issued = generate_links(wave)
    record("links.generate", f"wave:{wave.id}", count=len(issued), selected=bool(selected))
    return issued


def new_link(invitation: Invitation) -> str:
    """A new token for one participant's link; the old link stops working."""
    token = reissue_link(invitation)
    record("links.reissue", f"invitation:{invitation.id}")
    return token


def declined_in(wave: Wave) -> set[int]:
    """The participants who declined to take part in ``wave`` (a new link keeps their decline)."""
    query = db.select(Invitation.participant_id).where(
        Invitation.wave_id == wave.id, Invitation.declined_at.is_not(None)
    )
    return set(db.session.execute(query).scalars())


def reset_decline(invitation: Invitation) -> bool:
    """Clear a participant's decline, so their link shows the information page again; False when
    there was none. Audited with the participant's code and the wave."""
    if invitation.declined_at is None:
        return False
    invitation.declined_at = None
    db.session.commit()
    record(
        "invitation.reset_decline",
        f"invitation:{invitation.id}",
        participant=invitation.participant.code,
        wave=invitation.wave_id,
    )
    return True


def stop_link(invitation: Invitation) -> None:
    revoke(invitation)
    record("links.revoke", f"invitation:{invitation.id}")


def new_open_link(wave: Wave, role: str) -> tuple[OpenLink, str]:
    link, token = create_open_link(wave, role)
    record("open_link.create", f"wave:{wave.id}", open_link=link.id, role=link.role)
    return link, token


def stop_open_link(link: OpenLink) -> None:
    revoke(link)
    record("open_link.revoke", f"open_link:{link.id}")
