"""The export's scores sheet (individual data): one row per stored scale score, with the instruments,
scales and bands by title beside their ids, roles, wave kinds and missing reasons in words. Its rows
feed the aggregates as they stream (docs/exports.md)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from flask_babel import gettext as _

from surveys.core.contracts import Sheet
from surveys.core.definitions import Instrument
from surveys.core.export_labels import headers, locale, missing_reason_label, role_label, sheet_name, wave_kind_label
from surveys.core.models import Participant, Response, Score, Wave
from surveys.extensions import db

SCORE_COLUMNS = ["participant", "role", "form", "group", "wave", "wave_kind", "instrument", "instrument_id", "scale"]
SCORE_COLUMNS += ["scale_id", "raw", "value", "band", "band_id", "norm", "norm_kind", "missing_reason"]
SCORE_COLUMNS += ["scoring_version"]
BATCH = 2000  # rows fetched from the database at a time


def stream(query, batch: int = BATCH) -> Iterator[Any]:
    """Rows of ``query`` fetched ``batch`` at a time (a server-side cursor on PostgreSQL)."""
    yield from db.session.execute(query.execution_options(yield_per=batch))


def score_rows(
    waves: dict[int, Wave], instruments: list[str], people, taps, available: Mapping[str, Instrument]
) -> Iterator[list[Any]]:
    """The scores of the waves and instruments, each added to ``taps.aggregates`` as it is yielded."""
    query = (
        db.select(
            Response.participant_id,
            Participant.code,
            Response.wave_id,
            Response.instrument_id,
            Score.scale,
            Score.raw,
            Score.value,
            Score.band,
            Score.norm,
            Score.norm_kind,
            Score.missing_reason,
            Score.scoring_version,
        )
        .join(Response, Response.id == Score.response_id)
        .join(Participant, Participant.id == Response.participant_id)
        .where(Response.wave_id.in_(list(waves)), Response.status == "submitted")
        .where(Response.instrument_id.in_(instruments))
        .order_by(Response.wave_id, Response.instrument_id, Participant.code, Score.id)
    )
    collector = taps.aggregates
    names = Titles(available)
    for participant_id, code, wave_id, instrument_id, *rest in stream(query):
        if not people.kept(participant_id):
            continue
        s = people.of(participant_id)
        wave = waves[wave_id]
        scale, raw, value, band, norm, norm_kind, missing_reason, scoring_version = rest
        collector.add(participant_id, wave_id, instrument_id, scale, value, band)
        yield [
            code,
            role_label(s.role),
            s.form,
            s.group,
            wave.name,
            wave_kind_label(wave.kind),
            names.instrument(instrument_id),
            instrument_id,
            names.scale(instrument_id, scale),
            scale,
            raw,
            value,
            names.band(instrument_id, scale, band),
            band,
            norm,
            norm_kind,
            missing_reason_label(missing_reason),
            scoring_version,
        ]
    collector.complete = True


class Titles:
    """Instruments', scales' and bands' titles in the export's language, looked up once each (an
    instrument no longer loaded shows its id)."""

    def __init__(self, available: Mapping[str, Instrument]) -> None:
        self.available = available
        self.language = locale()
        self.found: dict[tuple[str, ...], str | None] = {}

    def instrument(self, instrument_id: str) -> str:
        key = (instrument_id,)
        if key not in self.found:
            instrument = self.available.get(instrument_id)
            self.found[key] = instrument.title.get(self.language) if instrument else instrument_id
        return self.found[key] or instrument_id

    def scale(self, instrument_id: str, scale_id: str) -> str:
        key = (instrument_id, scale_id)
        if key not in self.found:
            instrument = self.available.get(instrument_id)
            scale = instrument.scale(scale_id) if instrument else None
            self.found[key] = scale.title.get(self.language) if scale else scale_id
        return self.found[key] or scale_id

    def band(self, instrument_id: str, scale_id: str, band_id: str | None) -> str | None:
        if band_id is None:
            return None
        key = (instrument_id, scale_id, band_id)
        if key not in self.found:
            instrument = self.available.get(instrument_id)
            scale = instrument.scale(scale_id) if instrument else None
            band = next((b for b in scale.bands if b.id == band_id), None) if scale else None
            self.found[key] = band.label.get(self.language) if band else band_id
        return self.found[key]


def scores_sheet(
    waves: dict[int, Wave], instruments: list[str], people, taps, available: Mapping[str, Instrument]
) -> Sheet:
    return Sheet(
        sheet_name("scores"),
        headers(SCORE_COLUMNS),
        score_rows(waves, instruments, people, taps, available),
        number_formats={SCORE_COLUMNS.index(key): "0.00" for key in ("raw", "value", "norm")},
        widths=[12, 12, 18, 10, 18, 14, 30, 16, 26, 14, 8, 8, 20, 10, 8, 10, 28, 10],
        description=_("Scale scores of each response: raw and final value, band, norm, why a score is missing."),
        key="scores",
        keys=list(SCORE_COLUMNS),
    )
