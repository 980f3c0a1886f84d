"""The programme factors a scale's change is correlated with, and the correlations (linked waves only).

Everyone together, scales shown overall: Spearman's ρ of each scale's change with
- the form of mentoring and the pair variant (category codes in sorted order, when there are
  two categories or more);
- the satisfaction index (scores of ``satisfaction`` scales, the mean per participant, in the
  after wave, else the before wave);
- the number of meetings, where recorded: the participant's submitted responses to meeting
  records (instruments with ``extensions.comparison.meeting_record: true``) in the waves from the
  before wave to the after wave, by wave position, both included; only when someone has one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np

from surveys.core.contracts import CampaignTables, ScoreRow
from surveys.core.definitions import Instrument

from .stats_groups import category_codes, spearman
from .stats_paired import DECIMALS, number

SATISFACTION = "satisfaction"
MEETINGS = "meetings"


def satisfaction_index(scores: Iterable[ScoreRow], before: int, after: int) -> dict[str, float]:
    by_wave: dict[int, dict[str, list[float]]] = {before: {}, after: {}}
    for s in scores:
        if s.scale == SATISFACTION and s.wave_id in by_wave and number(s.value) is not None:
            by_wave[s.wave_id].setdefault(s.participant, []).append(float(s.value))
    chosen = by_wave[after] or by_wave[before]
    return {p: float(np.mean(v)) for p, v in sorted(chosen.items())}


def meeting_counts(
    tables: CampaignTables, instruments: Mapping[str, Instrument], before_wave_id: int, after_wave_id: int
) -> dict[str, float]:
    """participant → submitted meeting records in the waves from ``before`` to ``after`` (by position).

    Empty when no instrument is a meeting record or nobody has filled one in.
    """
    records = {
        i.id for i in instruments.values() if ((i.extensions.get("comparison") or {}).get("meeting_record") is True)
    }
    position = {w.id: w.position for w in tables.waves}
    low, high = sorted((position[before_wave_id], position[after_wave_id]))
    counts: dict[str, float] = {}
    for row in tables.answers:
        wave = row.get("wave_id")
        if row.get("instrument") in records and wave in position and low <= position[wave] <= high:
            counts[row["participant"]] = counts.get(row["participant"], 0.0) + 1.0
    return counts


def correlations(values, pair, rows, categories, numbers, min_group, min_pairs) -> list[dict]:
    """Spearman's ρ of each shown overall row's change with each programme factor.

    ``categories`` is ``{factor: {participant: category}}``; ``numbers`` is ``{factor: {participant: value}}``.
    """
    out = []
    for row in rows:
        if row["group"] is not None or row["hidden"]:
            continue
        by_wave = values[(row["instrument"], row["scale"])]
        before, after = by_wave[pair[0]], by_wave[pair[1]]
        change = {
            p: round(after[p][0] - before[p][0], DECIMALS)
            for p in set(before) & set(after)
            if before[p][0] is not None and after[p][0] is not None
        }
        factors: list[tuple[str, dict[str, float | None], dict[str, int] | None]] = []
        for name, of in categories.items():
            codes = category_codes(of.get(p) for p in change)
            if len(codes) >= 2:
                factors.append((name, {p: codes.get(of.get(p)) for p in change}, codes))
        for name, of in numbers.items():
            if of and row["scale"] != name:
                factors.append((name, dict(of), None))
        for name, factor, category in factors:
            result = spearman(change, factor, min_group, min_pairs)
            out.append({"instrument": row["instrument"], "scale": row["scale"], "factor": name, **result})
            out[-1]["codes"] = category
            out[-1]["people"] = sorted(p for p in change if factor.get(p) is not None)  # the n behind ρ
    return out
