"""Read a stored campaign as :class:`~surveys.core.analysis_columns.AnalysisColumns` (issue 25).

:func:`read_columns` gives the analyses the same data as :func:`~surveys.workspace.campaign_tables`
(the submitted responses of the chosen waves and their scores), as numpy columns:

- the **responses** and the **scores** are each one SQL query fetched into Arrow
  (:mod:`surveys.workspace.arrow_fetch`): on PostgreSQL straight through ADBC, with no Python
  object per row; on SQLite through the session's DB-API cursor, which makes the driver's tuple per
  row and nothing more (ADBC's own SQLite library would break the app's locks, see there). Then
  participant ids become positions in ``codes`` with ``searchsorted``, and instrument, scale and
  band names become indexes with ``pyarrow.compute`` (``unique`` then ``index_in``): no Python loop
  over the rows;
- the **subgroup keys** (role, form, group from the participant's standing in the campaign; pair
  variant and mentor from the programme's pairs) are read once per participant with SQLAlchemy,
  through the functions ``campaign_tables`` uses, and aligned with ``codes``;
- the **answers** are not read at all until ``answers_of(instrument_ids, wave_ids=None)`` asks for
  some instruments (in some waves): only their responses' JSON is then fetched and parsed, as
  ``campaign_tables`` rows.

The keys and the answers are read with the caller's session. On PostgreSQL the responses and scores
come through a connection of their own, which sees committed rows only.

The responses are in ``campaign_tables``' order (wave, code, instrument; codes in code point order,
which a database collation may not follow), the scores in stored order.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa

from surveys.core.analysis_columns import KEYS, AnalysisColumns
from surveys.core.contracts import WaveInfo
from surveys.core.models import Campaign, Participant, Response, Score
from surveys.extensions import db
from surveys.workspace.arrow_fetch import fetch_arrow
from surveys.workspace.campaigns import answers_row
from surveys.workspace.people import Standing, Team, standing_by_id, standing_of, teams

INT = pa.int64()
TEXT = pa.string()
FLAG = pa.bool_()
NOBODY = Team("", "")


def _submitted(wave_ids: list[int]) -> tuple:
    return Response.wave_id.in_(wave_ids), Response.status == "submitted"


def response_query(wave_ids: list[int]) -> sa.Select:
    """participant id, code, wave id and instrument of each submitted response of the waves."""
    return (
        sa.select(
            Response.participant_id.label("person"),
            Participant.code.label("code"),
            Response.wave_id.label("wave"),
            Response.instrument_id.label("instrument"),
        )
        .join(Participant, Participant.id == Response.participant_id)
        .where(*_submitted(wave_ids))
    )


def score_query(wave_ids: list[int]) -> sa.Select:
    """The scores of those responses with their ids (the stored order: sorted by the reader, which is
    cheaper than the server's sort of millions of rows); value and band without NULLs (each with an
    ``IS NULL`` column), as ADBC's SQLite driver needs (:func:`fetch_arrow`)."""
    return (
        sa.select(
            Score.id.label("id"),
            Response.participant_id.label("person"),
            Response.wave_id.label("wave"),
            Response.instrument_id.label("instrument"),
            Score.scale.label("scale"),
            sa.func.coalesce(sa.cast(Score.value, sa.Float), 0.0).label("value"),
            Score.value.is_(None).label("no_value"),
            sa.func.coalesce(Score.band, "").label("band"),
            Score.band.is_(None).label("no_band"),
        )
        .join(Response, Response.id == Score.response_id)
        .where(*_submitted(wave_ids))
    )


RESPONSE_TYPES = (INT, TEXT, INT, TEXT)
SCORE_TYPES = (INT, INT, INT, TEXT, TEXT, pa.float64(), FLAG, TEXT, FLAG)


def _numbers(column: pa.ChunkedArray) -> np.ndarray:
    return np.asarray(column.to_numpy(), dtype=np.int64)


def _flags(column: pa.ChunkedArray) -> np.ndarray:
    return np.asarray(column.to_numpy(), dtype=bool)


def _labels(column: pa.ChunkedArray, missing: np.ndarray | None = None) -> pa.Array:
    """The distinct values of a text column (leaving out the rows marked ``missing``), sorted."""
    if missing is not None:
        column = column.filter(pa.array(~missing))
    distinct = pc.unique(column)
    return distinct.take(pc.array_sort_indices(distinct))


def _positions(column: pa.ChunkedArray, labels: pa.Array, missing: np.ndarray | None = None) -> np.ndarray:
    """Each row's index into ``labels``; -1 for a row marked ``missing``."""
    found = pc.fill_null(pc.index_in(column, value_set=labels), -1)
    positions = np.asarray(found.to_numpy(), dtype=np.int64)
    if missing is not None:
        positions[missing] = -1
    return positions


def _people(responses: pa.Table) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[int]]:
    """The respondents' codes, sorted; their participant ids, sorted by id, with ``rank`` such that
    ``rank[searchsorted(ids, id)]`` is a participant id's position in ``codes``; and the participant
    ids in the order of ``codes``."""
    ids, first = np.unique(_numbers(responses["person"]), return_index=True)
    code_of_id = responses["code"].take(pa.array(first))
    by_code = np.asarray(pc.array_sort_indices(code_of_id).to_numpy(), dtype=np.int64)
    codes = np.asarray(code_of_id.take(pa.array(by_code)).to_numpy(zero_copy_only=False), dtype=object)
    rank = np.empty(len(ids), dtype=np.int64)
    rank[by_code] = np.arange(len(ids))
    return codes, ids, rank, ids[by_code].tolist()


def _keys(campaign: Campaign, person_ids: list[int]) -> tuple[list[Standing], list[Team]]:
    """Each participant's standing and team in the campaign, as ``campaign_tables`` finds them."""
    known = standing_by_id(campaign)
    paired = teams(campaign)
    standings = [known.get(p) or standing_of(campaign, db.session.get(Participant, p)) for p in person_ids]
    return standings, [paired.get(p, NOBODY) for p in person_ids]


def _key_columns(standings: list[Standing], found: list[Team]) -> dict[str, np.ndarray]:
    values = {
        "role": [s.role for s in standings],
        "form": [s.form for s in standings],
        "group": [s.group for s in standings],
        "variant": [t.variant for t in found],
        "mentor": [t.mentor for t in found],
    }
    columns = {}
    for key in KEYS:
        column = np.empty(len(values[key]), dtype=object)
        column[:] = values[key]
        columns[key] = column
    return columns


def _answers_reader(campaign: Campaign, waves: dict[int, WaveInfo], keys: dict[int, tuple[Standing, Team]]):
    """``answers_of``: the answers rows of some instruments, read and parsed when asked for."""
    wave_ids = list(waves)

    def answers_of(instrument_ids: Iterable[str], only: Iterable[int] | None = None) -> list[dict[str, Any]]:
        wanted = sorted(set(instrument_ids))
        chosen = wave_ids if only is None else [w for w in wave_ids if w in set(only)]
        if not wanted or not chosen:
            return []
        query = (
            db.select(
                Response.wave_id,
                Response.instrument_id,
                Response.instrument_version,
                Response.submitted_at,
                Response.answers,
                Participant.id,
                Participant.code,
            )
            .join(Participant, Participant.id == Response.participant_id)
            .where(*_submitted(chosen), Response.instrument_id.in_(wanted))
            .order_by(Response.wave_id, Participant.code, Response.instrument_id)
        )
        rows = []
        for wave_id, instrument_id, version, submitted_at, answers, participant_id, code in db.session.execute(query):
            wave = waves[wave_id]
            standing, team = keys.get(participant_id) or _unpack(_keys(campaign, [participant_id]))
            rows.append(answers_row(code, standing, team, wave, (instrument_id, version, submitted_at, answers)))
        return rows

    return answers_of


def _unpack(keys_of: tuple[list[Standing], list[Team]]) -> tuple[Standing, Team]:
    standings, found = keys_of
    return standings[0], found[0]


def read_columns(campaign: Campaign, wave_ids: Iterable[int] | None = None) -> AnalysisColumns:
    """The campaign's submitted responses and scores in ``wave_ids`` (every wave when None) as
    columns; ``waves`` lists every wave of the campaign, as in ``campaign_tables``."""
    waves = [WaveInfo(w.id, w.name, w.kind, w.position) for w in campaign.waves]
    chosen = None if wave_ids is None else set(wave_ids)
    wanted = [w.id for w in waves if chosen is None or w.id in chosen]
    known = wanted or [-1]  # no wave chosen: queries that find nothing, with the same columns
    responses, unsorted = fetch_arrow((response_query(known), RESPONSE_TYPES), (score_query(known), SCORE_TYPES))
    scores = unsorted.take(pa.array(np.argsort(_numbers(unsorted["id"]), kind="stable")))  # stored order

    codes, ids, rank, person_ids = _people(responses)
    instruments = _labels(responses["instrument"])
    scales = _labels(scores["scale"])
    no_band = _flags(scores["no_band"])
    bands = _labels(scores["band"], no_band)

    response_person = rank[np.searchsorted(ids, _numbers(responses["person"]))]
    response_wave = _numbers(responses["wave"])
    response_instrument = _positions(responses["instrument"], instruments)
    order = np.lexsort((response_instrument, response_person, response_wave))

    standings, found = _keys(campaign, person_ids)
    by_id = dict(zip(person_ids, zip(standings, found, strict=True), strict=True))
    value = np.asarray(scores["value"].to_numpy(), dtype=np.float64)
    return AnalysisColumns(
        campaign=campaign.name,
        waves=waves,
        codes=codes,
        keys=_key_columns(standings, found),
        response_person=response_person[order],
        response_wave=response_wave[order],
        response_instrument=response_instrument[order],
        score_person=rank[np.searchsorted(ids, _numbers(scores["person"]))],
        score_wave=_numbers(scores["wave"]),
        score_instrument=_positions(scores["instrument"], instruments),
        score_scale=_positions(scores["scale"], scales),
        score_value=np.where(_flags(scores["no_value"]), np.nan, value),
        score_band=_positions(scores["band"], bands, no_band),
        instruments=tuple(instruments.to_pylist()),
        scales=tuple(scales.to_pylist()),
        bands=tuple(bands.to_pylist()),
        answers_of=_answers_reader(campaign, {w.id: w for w in waves if w.id in set(wanted)}, by_id),
        organisation_id=campaign.organisation_id,
    )
