"""The programme factors a scale's change is correlated with, and the correlations (linked waves only).

Everyone together, scales shown overall, each scale's change with

- the form of mentoring and the pair variant (categories without an order, when there are two or
  more): compared between the categories by a rank test (:func:`.stats_groups.between_categories`:
  Mann–Whitney U for two, Kruskal–Wallis H for three or more), the categories under ``min_group``
  left out;

and Spearman's ρ of the change with the ordered or numeric factors:

- the satisfaction index (scores of ``satisfaction`` scales, the mean per participant, in the
  after wave, else the before wave);
- the number of meetings, where recorded: the participant's submitted responses to meeting
  records (instruments with ``extensions.comparison.meeting_record: true``) in the waves from the
  before wave to the after wave, by wave position, both included; only when someone has one.

Everything is an array over the participants (``AnalysisColumns.codes``, sorted): a factor without
a value is NaN (numbers) or None (categories); the changes are taken in code order, as always.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from surveys.core.analysis_columns import AnalysisColumns
from surveys.core.definitions import Instrument
from surveys.core.disclosure import Indexed

from .stats_groups import between_category_arrays, spearman_arrays
from .stats_paired import DECIMALS

SATISFACTION = "satisfaction"
MEETINGS = "meetings"


def _means(person: np.ndarray, value: np.ndarray, people: int) -> np.ndarray:
    """Each participant's mean of their values (NaN for none), summed in stored order as ``np.mean`` of a list."""
    count = np.bincount(person, minlength=people)
    total = np.zeros(people)
    np.add.at(total, person, value)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(count > 0, total / np.maximum(count, 1), np.nan)
    for p in np.flatnonzero(count > 2).tolist():  # np.mean sums three or more pairwise: take it itself
        out[p] = float(np.mean(value[person == p]))
    return out


def satisfaction_index(columns: AnalysisColumns, before: int, after: int) -> np.ndarray:
    """The mean ``satisfaction`` score of each participant in the after wave, else (nobody there) the before wave."""
    people = int(columns.codes.size)
    if SATISFACTION not in columns.scales:
        return np.full(people, np.nan)
    rows = (columns.score_scale == columns.scales.index(SATISFACTION)) & ~np.isnan(columns.score_value)
    for wave in (after, before):
        chosen = rows & (columns.score_wave == wave)
        if chosen.any():
            return _means(columns.score_person[chosen], columns.score_value[chosen], people)
    return np.full(people, np.nan)


def meeting_counts(
    columns: AnalysisColumns, instruments: Mapping[str, Instrument], before_wave_id: int, after_wave_id: int
) -> np.ndarray:
    """Each participant's submitted meeting records in the waves from ``before`` to ``after`` (by position).

    NaN for a participant without one (all NaN when no instrument is a meeting record).
    """
    records = [
        i.id for i in instruments.values() if ((i.extensions.get("comparison") or {}).get("meeting_record") is True)
    ]
    counts = np.zeros(columns.codes.size)
    position = {w.id: w.position for w in columns.waves}
    low, high = sorted((position[before_wave_id], position[after_wave_id]))
    rows = columns.answers_of(records) if records else []
    found = [
        row["participant"] for row in rows if row.get("wave_id") in position and low <= position[row["wave_id"]] <= high
    ]
    if found:
        np.add.at(counts, np.searchsorted(columns.codes, np.array(found, dtype=object)), 1.0)
    counts[counts == 0] = np.nan
    return counts


def _rounded(change: np.ndarray) -> np.ndarray:
    """``round(x, DECIMALS)`` of every change (Python's, correctly rounded), once per distinct value."""
    distinct, inverse = np.unique(change, return_inverse=True)
    return np.array([round(x, DECIMALS) for x in distinct.tolist()], dtype=float)[inverse.reshape(-1)]


def correlations(sides, pair, rows, categories, numbers, min_group, min_pairs, codes=None) -> list[dict]:
    """The test of each shown overall row's change against each programme factor (docs/comparison.md).

    ``sides`` are :func:`.pairing.scale_sides`; ``categories`` is ``{factor: (names, category per
    participant)}`` (an index into the names, -1 for none; a rank test between the categories);
    ``numbers`` is ``{factor: value per participant}`` (NaN for none; Spearman's ρ). Each result has
    ``test`` ("spearman", "mann_whitney" or "kruskal_wallis"); with ``codes`` also ``people``, the
    codes behind its n, and a categorical one ``people_by_category`` (in the order of its
    ``categories``) and ``people_left_out`` (the changes without a category or in a category left
    out), for the disclosure policy.
    """
    out = []
    for row in rows:
        if row["group"] is not None or row["hidden"]:
            continue
        before, after = sides[(row["instrument"], row["scale"])]
        idx = np.flatnonzero(before.measured & after.measured)
        change = _rounded(after.value[idx] - before.value[idx])
        head = {"instrument": row["instrument"], "scale": row["scale"]}
        for name, (labels, of) in categories.items():
            category = of[idx]
            present = np.flatnonzero(category >= 0)
            if np.unique(category[present]).size < 2:
                continue
            result = between_category_arrays(change[present], category[present], labels, min_group, min_pairs)
            out.append({**head, "factor": name, **result})
            if codes is not None:
                kept = [labels.index(c["name"]) for c in result["categories"]]
                by_category = [Indexed(codes, idx[present[category[present] == k]]) for k in kept]
                inside = np.zeros(idx.size, dtype=bool)
                inside[present[np.isin(category[present], kept)]] = True
                out[-1].update(people=Indexed(codes, idx[inside]), people_by_category=by_category)
                out[-1]["people_left_out"] = Indexed(codes, idx[~inside])
        for name, of in numbers.items():
            if row["scale"] != name and not np.all(np.isnan(of)):
                y = of[idx]
                both = np.flatnonzero(~np.isnan(y))
                result = spearman_arrays(change[both], y[both], min_group, min_pairs)
                out.append({**head, "factor": name, "test": "spearman", **result})
                out[-1]["codes"] = None  # kept for the JSON's stability: no factor of ρ is coded now
                if codes is not None:
                    out[-1]["people"] = Indexed(codes, idx[both])  # the n behind ρ
    return out
