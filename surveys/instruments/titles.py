"""An instrument's title as staff see it, for the plugins' instruments and an organisation's uploads alike.

Pages, exports and plugins name a questionnaire through this one lookup, so that an upload is never
shown by its id where a plugin's instrument would be shown by its title.
"""

from __future__ import annotations

from flask_babel import get_locale

from surveys.instruments.catalogues import catalogue


def instrument_title(organisation_id: int | None, instrument_id: str, language: str | None = None) -> str:
    """The title in ``language`` (the page's by default) of what the organisation can use under this id;
    the id itself for an instrument no longer loaded."""
    instrument = catalogue(organisation_id).get(instrument_id)
    if instrument is None:
        return instrument_id
    return instrument.title.get(language or str(get_locale())) or instrument_id
