"""Today's factors of the comparison before they ran on columns: the reference of test_report_columns.py.

The original docstring follows.

The programme factors a scale's change is correlated with, and the correlations (linked waves only).

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
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np

from plugins.comparison.stats_groups import between_categories, spearman
from plugins.comparison.stats_paired import DECIMALS
from surveys.core.analysis_tables import number
from surveys.core.contracts import CampaignTables, ScoreRow
from surveys.core.definitions import Instrument

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
    """The test of each shown overall row's change against each programme factor (docs/comparison.md).

    ``categories`` is ``{factor: {participant: category}}`` (a rank test between the categories);
    ``numbers`` is ``{factor: {participant: value}}`` (Spearman's ρ). Each result has ``test``
    ("spearman", "mann_whitney" or "kruskal_wallis") and ``people``, the codes behind its n; a
    categorical one also ``people_by_category`` (in the order of its ``categories``) and
    ``people_left_out`` (the changes without a category or in a category left out), for the
    disclosure policy.
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
        head = {"instrument": row["instrument"], "scale": row["scale"]}
        for name, of in categories.items():
            present = {p: of[p] for p in change if of.get(p) is not None}
            if len(set(present.values())) < 2:
                continue
            result = between_categories(change, present, min_group, min_pairs)
            kept = [c["name"] for c in result["categories"]]
            by_category = [sorted(p for p, c in present.items() if c == k) for k in kept]
            people = sorted(p for group in by_category for p in group)
            left_out = sorted(set(change) - set(people))
            out.append({**head, "factor": name, **result, "people": people})
            out[-1].update(people_by_category=by_category, people_left_out=left_out)
        for name, of in numbers.items():
            if of and row["scale"] != name:
                factor = dict(of)
                result = spearman(change, factor, min_group, min_pairs)
                out.append({**head, "factor": name, "test": "spearman", **result})
                out[-1]["codes"] = None  # kept for the JSON's stability: no factor of ρ is coded now
                out[-1]["people"] = sorted(p for p in change if factor.get(p) is not None)  # the n behind ρ
    return out
