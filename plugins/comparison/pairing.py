"""Each scale's scores in the two waves as arrays over the participants (issue 25: no loop per person).

A participant is their index into ``AnalysisColumns.codes`` (sorted by code), so every array here
is aligned with the codes, and the participants picked by a mask come out in code order: the order
in which the report has always paired them, which keeps every float sum identical.

:func:`scale_sides` sorts the two waves' score rows once by (instrument, scale, wave, participant)
and reads, per group of rows, the last one (a later score of the same participant wins, as in
``CampaignTables``) and the position of the first one (the order in which the participant first
appears: the unpaired comparison keeps it). :func:`group_codes` turns a subgroup key into one small
integer per participant, so that a subgroup is a comparison of integers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from surveys.core.analysis_columns import AnalysisColumns


@dataclass(frozen=True)
class Side:
    """One scale in one wave: one entry per participant."""

    has: np.ndarray  # bool: the participant has a score row (with or without a value)
    value: np.ndarray  # float64, the last row's value, NaN for none
    band: np.ndarray  # int64, the last row's band (index into ``AnalysisColumns.bands``), -1 for none
    first: np.ndarray  # int64, where the participant's first row of the scale in the wave stands

    @property
    def measured(self) -> np.ndarray:
        """The participants with a value."""
        return self.has & ~np.isnan(self.value)


def _side(people: int, person: np.ndarray, value: np.ndarray, band: np.ndarray, first: np.ndarray) -> Side:
    has = np.zeros(people, dtype=bool)
    values = np.full(people, np.nan)
    bands = np.full(people, -1, dtype=np.int64)
    firsts = np.full(people, np.iinfo(np.int64).max, dtype=np.int64)
    has[person], values[person], bands[person], firsts[person] = True, value, band, first
    return Side(has, values, bands, firsts)


def scale_sides(columns: AnalysisColumns, pair: tuple[int, int]) -> dict[tuple[str, str], tuple[Side, Side]]:
    """{(instrument, scale): (before, after)} for every scale with a score row in either wave."""
    people = int(columns.codes.size)
    side = np.full(columns.score_wave.size, -1, dtype=np.int64)
    side[columns.score_wave == pair[0]] = 0
    side[columns.score_wave == pair[1]] = 1
    rows = np.flatnonzero(side >= 0)
    if rows.size == 0:
        return {}
    scale_key = columns.score_instrument[rows] * len(columns.scales) + columns.score_scale[rows]
    key = (scale_key * 2 + side[rows]) * people + columns.score_person[rows]
    unique, first = np.unique(key, return_index=True)
    _, from_end = np.unique(key[::-1], return_index=True)
    last = rows[key.size - 1 - from_end]
    person = unique % people
    value, band = columns.score_value[last], columns.score_band[last]
    out: dict[tuple[str, str], tuple[Side, Side]] = {}
    for k in np.unique(unique // (2 * people)).tolist():
        lo, mid, hi = np.searchsorted(unique, [2 * k * people, (2 * k + 1) * people, (2 * k + 2) * people])
        before = _side(people, person[lo:mid], value[lo:mid], band[lo:mid], first[lo:mid])
        after = _side(people, person[mid:hi], value[mid:hi], band[mid:hi], first[mid:hi])
        name = (columns.instruments[k // len(columns.scales)], columns.scales[k % len(columns.scales)])
        out[name] = (before, after)
    return out


def group_codes(labels: np.ndarray) -> tuple[list[str], np.ndarray]:
    """The sorted distinct labels and each participant's index into them."""
    if labels.size == 0:
        return [], np.zeros(0, dtype=np.int64)
    names, inverse = np.unique(labels, return_inverse=True)
    return names.tolist(), inverse.astype(np.int64).reshape(-1)


def labels_of(columns: AnalysisColumns, key: str, missing: str | None) -> np.ndarray | None:
    """Each participant's value of ``key`` (object array), ``missing`` for none; None when no row carries it."""
    values = columns.keys.get(key)
    if values is None:
        return None
    out = values.astype(object, copy=True)
    out[values == ""] = missing
    return out
