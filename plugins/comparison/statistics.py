"""Paired input/output statistics: pure functions from scores to numbers."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from statistics import fmean

from surveys.core.contracts import MIN_GROUP, ScoreRow


@dataclass(frozen=True)
class PairedSummary:
    """One scale compared between two waves for the same participants.

    When fewer than ``MIN_GROUP`` participants have both scores, the means are hidden
    (None) so that no small group can be singled out.
    """

    instrument: str
    scale: str
    n: int
    mean_before: float | None
    mean_after: float | None
    mean_difference: float | None

    @property
    def hidden(self) -> bool:
        return self.mean_difference is None


def paired_means(
    before: Mapping[str, float], after: Mapping[str, float], min_group: int = MIN_GROUP
) -> tuple[int, float | None, float | None, float | None]:
    """n, mean before, mean after and mean (after − before) over the keys present in both."""
    common = sorted(set(before) & set(after))
    n = len(common)
    if n == 0 or n < min_group:
        return n, None, None, None
    b = [before[k] for k in common]
    a = [after[k] for k in common]
    return n, fmean(b), fmean(a), fmean(x - y for x, y in zip(a, b, strict=True))


def compare_waves(
    scores: Iterable[ScoreRow], before_wave: int, after_wave: int, min_group: int = MIN_GROUP
) -> list[PairedSummary]:
    """Compare every (instrument, scale) between two waves, pairing by participant code."""
    values: dict[tuple[str, str], dict[int, dict[str, float]]] = {}
    for row in scores:
        if row.value is None or row.wave_id not in (before_wave, after_wave):
            continue
        values.setdefault((row.instrument, row.scale), {}).setdefault(row.wave_id, {})[row.participant] = row.value
    summaries = []
    for (instrument, scale), waves in sorted(values.items()):
        n, mb, ma, md = paired_means(waves.get(before_wave, {}), waves.get(after_wave, {}), min_group)
        summaries.append(PairedSummary(instrument, scale, n, mb, ma, md))
    return summaries
