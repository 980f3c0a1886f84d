""":class:`~.analysis_columns.AnalysisColumns` from plain :class:`~.contracts.CampaignTables` (issue 25).

The database reader fills the columns straight from the store; this builds the same shape from
tables already in memory (hand-built tables in tests, ``build_report(tables, ...)``), so that every
analysis written on columns still takes tables:

- **people**: every participant of the answers and scores rows, sorted by code; each key is the
  first non-empty value of that key in the participant's answers rows (``""`` without one); with
  ``key_waves``, in their rows of those waves only (as the comparison has always read the subgroups
  from the two waves it compares). A key that no answers row (of those waves) carries is left out of
  ``keys``, so that an analysis can tell "nobody has a class" from "this campaign records no classes".
- **responses**: one per answers row; its wave is the row's ``wave_id``, else the wave whose name it
  carries when that name is unique, else -1.
- **scores**: one per score row, in the given order; a value that is not a number (None, NaN, a
  bool, text) is NaN, a missing band -1.
- ``answers_of(ids, wave_ids=None)``: the answers rows of those instruments (in those waves), in table
  order (the rows themselves).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Iterable, Mapping, Sequence
from itertools import repeat
from typing import Any

import numpy as np

from .analysis_columns import KEYS, AnalysisColumns
from .contracts import CampaignTables


def number(value: Any) -> float | None:
    """A float, or None for a missing value (None, NaN, a bool or anything not a number)."""
    if type(value) is float:  # the common case first: stored scores are floats
        return None if value != value else value
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        return None
    value = float(value)
    return None if math.isnan(value) else value


def row_wave(row: Mapping[str, Any], ids_by_name: Mapping[str, list[int]]) -> int | None:
    """An answers row's wave: its ``wave_id``, else its wave name when that name is unique."""
    if row.get("wave_id") is not None:
        return row["wave_id"]
    ids = ids_by_name.get(row.get("wave"), [])
    return ids[0] if len(ids) == 1 else None


def _index(values: Iterable[Any], names: Iterable[Any]) -> np.ndarray:
    """Each value's position in ``names`` (distinct values), as int64."""
    position = {name: i for i, name in enumerate(names)}
    return np.fromiter(map(position.__getitem__, values), dtype=np.int64)


def _values(column: Sequence[Any]) -> np.ndarray:
    """The score values as floats, NaN where :func:`number` gives None (straight through numpy when all are floats)."""
    if set(map(type, column)) <= {float, type(None)}:
        return np.array(column, dtype=float)  # None → NaN
    return np.fromiter((np.nan if (x := number(v)) is None else x for v in column), dtype=float, count=len(column))


def _people_keys(answers: list[dict[str, Any]], person: np.ndarray, keyed: np.ndarray, people: int) -> dict:
    """KEYS → each participant's first non-empty value in the ``keyed`` rows; a key no such row carries is left out."""
    keys: dict[str, np.ndarray] = {}
    absent = object()
    for key in KEYS:
        values = [row.get(key, absent) for row in answers]
        if not any(v is not absent for v, k in zip(values, keyed.tolist(), strict=True) if k):
            continue
        filled = np.fromiter((v is not absent and v not in (None, "") for v in values), dtype=bool, count=len(values))
        rows = np.flatnonzero(filled & keyed)
        who, first = np.unique(person[rows], return_index=True)
        column = np.full(people, "", dtype=object)
        column[who] = [str(values[i]) for i in rows[first].tolist()]
        keys[key] = column
    return keys


def from_tables(tables: CampaignTables, key_waves: Iterable[int] | None = None) -> AnalysisColumns:
    """The columns of ``tables`` (see the module docstring); ``key_waves`` limits the rows the keys are read from."""
    answers, scores = list(tables.answers), tables.scores
    # the score rows' fields as columns (ScoreRow is a tuple: a C loop per field)
    participant, wave_id, instrument, scale, value, band = (
        list(map(operator.itemgetter(i), scores)) for i in (0, 1, 4, 5, 6, 7)
    )
    answered = [row["participant"] for row in answers]
    codes = np.array(sorted(set(answered) | set(participant)), dtype=object)
    if codes.size == 0:
        codes = np.empty(0, dtype=object)
    where = {code: i for i, code in enumerate(codes.tolist())}
    ids_by_name: dict[str, list[int]] = {}
    for wave in tables.waves:
        ids_by_name.setdefault(wave.name, []).append(wave.id)
    waves_of_rows = [row_wave(row, ids_by_name) for row in answers]
    response_wave = np.array([-1 if w is None else w for w in waves_of_rows], dtype=np.int64)
    keyed = np.ones(len(answers), dtype=bool) if key_waves is None else np.isin(response_wave, list(key_waves))
    answered_instrument = [str(row.get("instrument")) for row in answers]
    instruments = tuple(sorted(set(answered_instrument) | set(instrument)))
    bands = tuple(sorted(set(band) - {None}))
    band_index: dict[Any, int] = {b: i for i, b in enumerate(bands)}
    scales = tuple(sorted(set(scale)))
    response_person = _index(answered, where)

    def answers_of(ids: Iterable[str], wave_ids: Iterable[int] | None = None) -> list[dict[str, Any]]:
        wanted, waves = set(ids), None if wave_ids is None else set(wave_ids)
        return [
            row
            for row, wave in zip(answers, waves_of_rows, strict=True)
            if str(row.get("instrument")) in wanted and (waves is None or wave in waves)
        ]

    return AnalysisColumns(
        campaign=tables.campaign,
        waves=list(tables.waves),
        codes=codes,
        keys=_people_keys(answers, response_person, keyed, codes.size),
        response_person=response_person,
        response_wave=response_wave,
        response_instrument=_index(answered_instrument, instruments),
        score_person=_index(participant, where),
        score_wave=np.array(wave_id, dtype=np.int64),
        score_instrument=_index(instrument, instruments),
        score_scale=_index(scale, scales),
        score_value=_values(value),
        score_band=np.fromiter(map(band_index.get, band, repeat(-1)), dtype=np.int64, count=len(band)),
        instruments=instruments,
        scales=scales,
        bands=bands,
        answers_of=answers_of,
        organisation_id=tables.organisation_id,
    )
