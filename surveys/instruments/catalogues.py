"""Which instruments an organisation can use: the plugins' instruments and its own uploads.

Plugins' instruments are loaded once at start-up and are the same for everyone. Instruments a
psychologist uploads (``UploadedInstrument``) belong to one organisation and come in versions;
they are read from the database, so every app server sees an upload at once, and each stored
version is parsed once per process (rows never change).
"""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Mapping

from flask import current_app, g

from surveys.core.definitions import Instrument
from surveys.core.instrument_models import UploadedInstrument
from surveys.core.loader import load_instrument
from surveys.extensions import db
from surveys.state import get_state

_PARSED = "surveys_uploaded_instruments"  # app.extensions key: row id → Instrument


def parsed(row: UploadedInstrument) -> Instrument:
    """The loaded instrument of one stored upload (parsed once per process)."""
    cache = current_app.extensions.setdefault(_PARSED, {})
    found = cache.get(row.id)
    if found is None:
        found = load_instrument(row.filename, get_state().registry.question_types, text=row.source)
        cache[row.id] = found
    return found


def versions(organisation_id: int) -> list[UploadedInstrument]:
    """Every stored upload of the organisation, newest first within each instrument."""
    query = db.select(UploadedInstrument).filter_by(organisation_id=organisation_id)
    query = query.order_by(UploadedInstrument.instrument_id, UploadedInstrument.id.desc())
    return list(db.session.execute(query).scalars())


def _latest_rows(organisation_id: int) -> list[UploadedInstrument]:
    latest: dict[str, UploadedInstrument] = {}
    for row in versions(organisation_id):
        latest.setdefault(row.instrument_id, row)
    return list(latest.values())


def uploaded(organisation_id: int) -> dict[str, Instrument]:
    """The organisation's uploaded instruments, the latest version of each (cached per request)."""
    cache = g.setdefault("surveys_uploads", {})
    if organisation_id not in cache:
        cache[organisation_id] = {row.instrument_id: parsed(row) for row in _latest_rows(organisation_id)}
    return cache[organisation_id]


def catalogue(organisation_id: int | None) -> Mapping[str, Instrument]:
    """Every instrument the organisation can use, by id: the plugins' and its own latest uploads.

    An upload that takes a plugin instrument's id is refused; one stored before that was refused is
    shadowed by the plugin's here, and the Questionnaires page warns about it (``Listing.shadowed``).
    """
    registry = get_state().registry.instruments
    if organisation_id is None:
        return registry
    return ChainMap(registry, uploaded(organisation_id))


def version(organisation_id: int, instrument_id: str, number: str) -> Instrument | None:
    """One stored version of an organisation's uploaded instrument, or None."""
    row = db.session.execute(
        db.select(UploadedInstrument).filter_by(
            organisation_id=organisation_id, instrument_id=instrument_id, version=number
        )
    ).scalar_one_or_none()
    return parsed(row) if row is not None else None
