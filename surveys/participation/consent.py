"""The information and consent page: its sections, per-campaign texts and guardian consent.

Each campaign chooses how participants agree (``Campaign.consent_mode``):

- ``self``: the participant consents (adults, staff, employers);
- ``assent``: a minor gives their own assent on the page;
- ``guardian``: a parent's or guardian's consent must be recorded by the curator before
  the link opens; the minor then gives their own assent too. Adults in such a campaign (a teacher
  mentor, an employer) consent for themselves (:func:`surveys.workspace.minors.known_adult`).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from surveys.core.models import Campaign, GuardianConsent, Participant, utcnow
from surveys.core.threshold import min_group
from surveys.extensions import db
from surveys.workspace import known_adult

SECTIONS = ("purpose", "access", "rights", "data")

HEADINGS = {
    "purpose": _l("Why we ask"),
    "access": _l("Who sees your answers"),
    "rights": _l("Your rights"),
    "data": _l("Personal data"),
}

DEFAULT_TEXTS = {
    "purpose": _l(
        "This questionnaire is part of monitoring the mentoring programme at your school. "
        "It helps to understand what works and what to improve."
    ),
    "access": _l(
        "Your answers are stored under a code, without your name. The curator and the school "
        "administration see only totals for groups of at least %(k)s people. Only the school "
        "psychologist can see individual results."
    ),
    "rights": _l(
        "Taking part is voluntary. You can skip questions that are not marked as required, "
        "stop at any moment and come back later with the same link."
    ),
    "data": _l(
        "By agreeing, you consent to the processing of your answers for the purposes of the "
        "programme under Federal Law No. 152-FZ «On Personal Data»."
    ),
}

MODE_LABELS = {
    "self": _l("The participant consents (adults)"),
    "assent": _l("The participant gives their own assent (minors)"),
    "guardian": _l("A guardian's consent is recorded by the curator first, then the participant assents"),
}

MODE_NOTES = {
    "self": None,
    "assent": _l("Your parents have been told about this survey. Whether to take part is your own choice."),
    "guardian": _l(
        "Your parent or guardian has agreed that you may take part. Whether to take part is still your own choice."
    ),
}


@dataclass(frozen=True)
class Section:
    key: str
    heading: str
    paragraphs: list[str]


def default_texts() -> dict[str, str]:
    """The standard texts in the current language, with the app's disclosure threshold in them."""
    return {key: str(text).replace("%(k)s", str(min_group())) for key, text in DEFAULT_TEXTS.items()}


def sections(campaign: Campaign) -> list[Section]:
    """The page's sections in order, with the campaign's own text where it has one."""
    custom, defaults = campaign.consent_texts or {}, default_texts()
    found = []
    for key in SECTIONS:
        text = (custom.get(key) or "").strip() or defaults[key]
        paragraphs = [" ".join(p.split()) for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]
        found.append(Section(key, str(HEADINGS[key]), paragraphs))
    return found


def guardian_consent(campaign: Campaign, participant: Participant) -> GuardianConsent | None:
    return db.session.execute(
        db.select(GuardianConsent).filter_by(campaign_id=campaign.id, participant_id=participant.id)
    ).scalar_one_or_none()


def mode_for(campaign: Campaign, participant: Participant | None) -> str:
    """How this participant agrees: the campaign's mode, but an adult consents for themselves."""
    if campaign.consent_mode == "guardian" and participant is not None and known_adult(campaign, participant):
        return "self"
    return campaign.consent_mode


def waits_for_guardian(campaign: Campaign, participant: Participant) -> bool:
    """True while a guardian's consent is required for this participant and not recorded."""
    if campaign.consent_mode != "guardian" or guardian_consent(campaign, participant) is not None:
        return False  # the common case on every page of a link: no question of age asked
    return not known_adult(campaign, participant)


def set_guardian_consents(campaign: Campaign, participant_ids: set[int], user_id: int | None) -> tuple[int, int]:
    """Make the recorded guardian consents exactly ``participant_ids``; returns (added, withdrawn)."""
    existing = {
        g.participant_id: g
        for g in db.session.execute(db.select(GuardianConsent).filter_by(campaign_id=campaign.id)).scalars()
    }
    added = withdrawn = 0
    for participant_id in participant_ids - set(existing):
        db.session.add(
            GuardianConsent(
                campaign_id=campaign.id, participant_id=participant_id, recorded_by=user_id, recorded_at=utcnow()
            )
        )
        added += 1
    for participant_id in set(existing) - participant_ids:
        db.session.delete(existing[participant_id])
        withdrawn += 1
    db.session.commit()
    return added, withdrawn
