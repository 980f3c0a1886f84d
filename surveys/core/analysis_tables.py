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
- ``answers_of(ids)``: the answers rows of those instruments, in table order (the rows themselves).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
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


def _index(values: list[Any], names: Iterable[Any]) -> np.ndarray:
    """Each value's position in ``names`` (a tuple of distinct values), as int64."""
    position = {name: i for i, name in enumerate(names)}
    return np.fromiter((position[v] for v in values), dtype=np.int64, count=len(values))


def _people_keys(answers: list[dict[str, Any]], codes: np.ndarray, where: dict[str, int]) -> dict[str, np.ndarray]:
    keys: dict[str, np.ndarray] = {}
    for key in KEYS:
        if not any(key in row for row in answers):
            continue
        column = np.full(codes.size, "", dtype=object)
        found = np.zeros(codes.size, dtype=bool)
        for row in answers:
            value = row.get(key)
            i = where[row["participant"]]
            if value not in (None, "") and not found[i]:
                column[i], found[i] = str(value), True
        keys[key] = column
    return keys


def from_tables(tables: CampaignTables, key_waves: Iterable[int] | None = None) -> AnalysisColumns:
    """The columns of ``tables`` (see the module docstring); ``key_waves`` limits the rows the keys are read from."""
    answers, scores = list(tables.answers), tables.scores
    codes = np.array(sorted({r["participant"] for r in answers} | {s.participant for s in scores}), dtype=object)
    if codes.size == 0:
        codes = np.empty(0, dtype=object)
    where = {code: i for i, code in enumerate(codes.tolist())}
    ids_by_name: dict[str, list[int]] = {}
    for wave in tables.waves:
        ids_by_name.setdefault(wave.name, []).append(wave.id)
    waves_of_rows = [row_wave(row, ids_by_name) for row in answers]
    keyed = answers
    if key_waves is not None:
        chosen = set(key_waves)
        keyed = [row for row, wave in zip(answers, waves_of_rows, strict=True) if wave in chosen]
    instruments = tuple(sorted({str(r.get("instrument")) for r in answers} | {s.instrument for s in scores}))
    scales = tuple(sorted({s.scale for s in scores}))
    bands = tuple(sorted({s.band for s in scores if s.band is not None}))
    band_index = {band: i for i, band in enumerate(bands)}
    n = len(scores)
    value = np.fromiter((number(s.value) for s in scores), dtype=float, count=n) if n else np.empty(0)

    def answers_of(ids: Iterable[str]) -> list[dict[str, Any]]:
        wanted = set(ids)
        return [row for row in answers if str(row.get("instrument")) in wanted]

    return AnalysisColumns(
        campaign=tables.campaign,
        waves=list(tables.waves),
        codes=codes,
        keys=_people_keys(keyed, codes, where),
        response_person=_index([r["participant"] for r in answers], where),
        response_wave=np.array([-1 if w is None else w for w in waves_of_rows], dtype=np.int64),
        response_instrument=_index([str(r.get("instrument")) for r in answers], instruments),
        score_person=_index([s.participant for s in scores], where),
        score_wave=np.fromiter((s.wave_id for s in scores), dtype=np.int64, count=n),
        score_instrument=_index([s.instrument for s in scores], instruments),
        score_scale=_index([s.scale for s in scores], scales),
        score_value=value,
        score_band=np.fromiter((band_index.get(s.band, -1) for s in scores), dtype=np.int64, count=n),
        instruments=instruments,
        scales=scales,
        bands=bands,
        answers_of=answers_of,
        organisation_id=tables.organisation_id,
    )
