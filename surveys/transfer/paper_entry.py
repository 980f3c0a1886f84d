"""Paper questionnaires on a wave's page: the entry template of a questionnaire (prefilled with the
codes of the people it is for) and the import of a filled one. Both are audited."""

from __future__ import annotations

from surveys.audit import record
from surveys.core.definitions import Instrument
from surveys.core.models import Wave
from surveys.instruments import instrument_for
from surveys.state import get_state
from surveys.transfer.paper import PaperImportResult, eligible_codes, import_paper
from surveys.transfer.paper_reading import read_filled
from surveys.transfer.paper_template import entry_template


def wave_instruments(wave: Wave) -> list[Instrument]:
    """The questionnaires of the wave's campaign that are loaded, in the campaign's order."""
    organisation_id = wave.campaign.organisation_id
    found = (instrument_for(organisation_id, a.instrument_id) for a in wave.campaign.assignments)
    return [i for i in found if i is not None]


def template_for(wave: Wave, instrument_id: str, locale: str) -> tuple[Instrument, bytes] | None:
    """The questionnaire and its entry template; None when the wave has no such questionnaire."""
    instrument = next((i for i in wave_instruments(wave) if i.id == instrument_id), None)
    if instrument is None:
        return None
    codes = eligible_codes(wave, instrument.id)
    data = entry_template(instrument, get_state().registry, locale, codes)
    record("paper.template", f"wave:{wave.id}", instrument=instrument.id, count=len(codes))
    return instrument, data


def import_filled(
    wave: Wave, instrument: Instrument, data: bytes, mode: str, replace_online: bool, **audit
) -> PaperImportResult:
    """Read and import a filled template of ``instrument``, audited (``audit``: more for the event, e.g.
    ``organisation_id`` and ``via`` on the command line). Raises ``PaperError`` when the file as a whole
    cannot be used."""
    rows, problems = read_filled(instrument, get_state().registry, data)
    result = import_paper(wave, instrument, rows, mode, problems, replace_online=replace_online)
    record(
        "paper.import",
        f"wave:{wave.id}",
        instrument=instrument.id,
        mode=result.mode,
        created=result.created,
        updated=result.updated,
        unchanged=result.unchanged,
        rejected=result.rejected,
        problems=len(result.problems),
        replace_online=bool(replace_online),
        **audit,
    )
    return result
