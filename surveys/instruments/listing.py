"""The questionnaires an organisation sees on its Questionnaires page and when it starts a campaign."""

from __future__ import annotations

from dataclasses import dataclass

from surveys.core.definitions import Instrument
from surveys.core.instrument_models import InstrumentTexts, UploadedInstrument
from surveys.extensions import db
from surveys.instruments.catalogues import catalogue, versions
from surveys.instruments.text_packs import needs_texts
from surveys.state import get_state

PREVIEW = ("admin", "curator", "psychologist")  # who may preview a questionnaire: whoever chooses or writes them


@dataclass(frozen=True)
class Listing:
    """The organisation's questionnaires by id (one entry per id), the plugin each comes from, the ids it
    has a text pack for, its uploads in every version, and the ids of uploads that a plugin's
    questionnaire shadows (stored before such uploads were refused) with that plugin."""

    instruments: list[Instrument]
    owner: dict[str, str]
    packs: set[str]
    uploads: list[UploadedInstrument]
    shadowed: dict[str, str]


def instruments_of(organisation_id: int) -> Listing:
    packs = db.session.execute(db.select(InstrumentTexts.instrument_id).filter_by(organisation_id=organisation_id))
    owner = get_state().registry.instrument_owner
    uploads = versions(organisation_id)
    return Listing(
        sorted(catalogue(organisation_id).values(), key=lambda i: i.id),
        owner,
        set(packs.scalars()),
        uploads,
        {row.instrument_id: owner[row.instrument_id] for row in uploads if row.instrument_id in owner},
    )


def campaign_choices(organisation_id: int) -> list[tuple[Instrument, bool]]:
    """Every questionnaire a campaign may use, by id, with True where it still needs its item texts."""
    instruments = sorted(catalogue(organisation_id).values(), key=lambda i: i.id)
    return [(instrument, needs_texts(organisation_id, instrument)) for instrument in instruments]
