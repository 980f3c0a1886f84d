"""Expected vs real: pure functions from a campaign's answers and scores to per-item gaps.

A participant answers ``satisfaction_exp_<role>`` in the earlier wave of a pair and
``satisfaction_<role>`` in the later one. The six ratings have the same item ids in both, so each
item's gap is paired by participant: real − expected. Mentors and mentees are kept apart (their
items are worded for their role). With ``min_group``, groups smaller than it show their n but no means;
the export sheet computes every group and leaves hiding to the disclosure policy (docs/privacy.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from statistics import fmean
from typing import Any

from surveys.core.contracts import MIN_GROUP, CampaignTables, ScoreRow, WaveInfo

ROLES = ("mentee", "mentor")
ITEMS = ("sat_comfort", "sat_individual", "sat_group", "sat_support", "sat_goals", "sat_organisation")
EXPECTED = {f"satisfaction_exp_{role}": role for role in ROLES}  # asked in the input wave
REAL = {f"satisfaction_{role}": role for role in ROLES}  # asked in the output wave
INSTRUMENTS = frozenset(EXPECTED) | frozenset(REAL)
EXPECTED_SCALE, REAL_SCALE = "expectations", "satisfaction"
INDEX = "index"  # the row comparing the two indices (scales), after the six items


@dataclass(frozen=True)
class Gap:
    """One item (or the index) of one role: the same people's expected and real ratings.

    ``n`` counts the participants with both answers; with ``n`` under ``MIN_GROUP`` the means
    are hidden (None). ``participants`` holds their codes (the units of an export's disclosure
    policy); it is left out of comparisons, so a Gap built from the numbers alone equals one found.
    """

    role: str
    item: str
    n: int
    mean_expected: float | None
    mean_real: float | None
    mean_gap: float | None
    participants: frozenset[str] = field(default=frozenset(), compare=False)

    @property
    def hidden(self) -> bool:
        return self.mean_gap is None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def paired_gap(
    expected: Mapping[str, float], real: Mapping[str, float], min_group: int = MIN_GROUP
) -> tuple[int, float | None, float | None, float | None]:
    """n, mean expected, mean real and mean (real − expected) over the people present in both."""
    common = sorted(set(expected) & set(real))
    n = len(common)
    if n == 0 or n < min_group:
        return n, None, None, None
    return (
        n,
        fmean(expected[p] for p in common),
        fmean(real[p] for p in common),
        fmean(real[p] - expected[p] for p in common),
    )


def _wave_id(row: Mapping[str, Any], ids_by_name: Mapping[str, list[int]]) -> int | None:
    """The wave of an answers row: its ``wave_id`` if it has one, else its wave name when unique."""
    if row.get("wave_id") is not None:
        return row["wave_id"]
    ids = ids_by_name.get(row.get("wave"), [])
    return ids[0] if len(ids) == 1 else None


def _item_values(tables: CampaignTables, before: int, after: int):
    """The roles that answered, and {role: {item: (expected by participant, real by participant)}}."""
    ids_by_name: dict[str, list[int]] = {}
    for wave in tables.waves:
        ids_by_name.setdefault(wave.name, []).append(wave.id)
    values = {role: {item: ({}, {}) for item in ITEMS} for role in ROLES}
    seen = set()
    for row in tables.answers:
        instrument, wave = row.get("instrument"), _wave_id(row, ids_by_name)
        if instrument in EXPECTED and wave == before:
            role, side = EXPECTED[instrument], 0
        elif instrument in REAL and wave == after:
            role, side = REAL[instrument], 1
        else:
            continue
        seen.add(role)
        answers = row.get("answers") or {}
        for item in ITEMS:
            x = _number(answers.get(item))
            if x is not None:
                values[role][item][side][row["participant"]] = x
    return seen, values


def _index_values(scores: Iterable[ScoreRow], before: int, after: int):
    """{role: (expectations index by participant, satisfaction index by participant)}."""
    values = {role: ({}, {}) for role in ROLES}
    for s in scores:
        if s.value is None:
            continue
        if s.instrument in EXPECTED and s.scale == EXPECTED_SCALE and s.wave_id == before:
            values[EXPECTED[s.instrument]][0][s.participant] = float(s.value)
        elif s.instrument in REAL and s.scale == REAL_SCALE and s.wave_id == after:
            values[REAL[s.instrument]][1][s.participant] = float(s.value)
    return values


def expectation_gaps(tables: CampaignTables, before: int, after: int, min_group: int = MIN_GROUP) -> list[Gap]:
    """Per role (mentee, then mentor) the six items and the index, expected in ``before``, real in ``after``.

    A role whose questionnaires no one answered (in the right wave) is left out. Items are paired by participant
    code; an item skipped in either wave leaves that participant out of that item only. Each Gap carries the
    codes of the participants it pairs.
    """
    seen, items = _item_values(tables, before, after)
    index = _index_values(tables.scores, before, after)
    gaps = []
    for role in ROLES:
        if role not in seen:
            continue
        pairs = [(item, *items[role][item]) for item in ITEMS] + [(INDEX, *index[role])]
        for item, expected, real in pairs:
            both = frozenset(expected.keys() & real.keys())
            gaps.append(Gap(role, item, *paired_gap(expected, real, min_group), participants=both))
    return gaps


def default_waves(waves: Iterable[WaveInfo]) -> tuple[WaveInfo, WaveInfo] | None:
    """The waves to compare in an export: the first input wave and the last output wave.

    Without a wave of that kind, the first (or last) wave by position stands in. None when
    that leaves fewer than two distinct waves in order.
    """
    ordered = sorted(waves, key=lambda w: (w.position, w.id))
    if len(ordered) < 2:
        return None
    before = next((w for w in ordered if w.kind == "input"), ordered[0])
    after = next((w for w in reversed(ordered) if w.kind == "output"), ordered[-1])
    if (before.position, before.id) >= (after.position, after.id):
        return None
    return before, after
