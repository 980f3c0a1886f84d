"""The declarative scoring engine: a pure function from answers to scores.

No database, request or plugin inside: the web, the CLI, the API and the export all
call :func:`score_instrument` and get the same numbers.

Rules (documented in docs/format.md):
- a reverse-keyed item counts as ``min + max - x``, with the item's own range;
- ``sum`` adds the keyed items, ``mean`` averages them;
- with every item answered the scale is scored; with some missing it is scored only
  when at least ``min_answered`` items are answered, and a ``sum`` is then prorated
  (mean of the answered items times the number of items);
- otherwise the score is missing and the reason says why;
- ``custom`` scales are left to a plugin's scorer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .definitions import Instrument, Scale

SCORING_VERSION = "1"


@dataclass(frozen=True)
class ScoreResult:
    """One scale's score for one set of answers."""

    scale: str
    raw: float | None
    value: float | None
    band: str | None = None
    n_answered: int = 0
    missing_reason: str | None = None

    @property
    def missing(self) -> bool:
        return self.value is None


def missing(scale: str, reason: str, n_answered: int = 0) -> ScoreResult:
    return ScoreResult(scale, None, None, None, n_answered, reason)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def keyed_items(scale: Scale, ranges: Mapping[str, tuple[float, float]], answers: Mapping[str, Any]):
    """The answered items of a scale with reverse keys applied, in item order."""
    keyed = []
    for item in scale.items:
        x = _number(answers.get(item))
        if x is None:
            continue
        if item in scale.reverse:
            low, high = ranges[item]
            x = low + high - x
        keyed.append(x)
    return keyed


def score_scale(scale: Scale, ranges: Mapping[str, tuple[float, float]], answers: Mapping[str, Any]) -> ScoreResult:
    """Score one declarative scale (``sum`` or ``mean``)."""
    keyed = keyed_items(scale, ranges, answers)
    n_items, n = len(scale.items), len(keyed)
    needed = n_items if scale.min_answered is None else scale.min_answered
    if n == 0:
        return missing(scale.id, "no items answered")
    if n < needed:
        return missing(scale.id, f"{n} of {n_items} items answered; at least {needed} needed", n)
    raw = sum(keyed)
    mean = raw / n
    value = mean if scale.method == "mean" else (raw if n == n_items else mean * n_items)
    band = scale.band_for(round(value, 6))
    return ScoreResult(scale.id, raw, value, band.id if band else None, n)


def score_instrument(instrument: Instrument, answers: Mapping[str, Any]) -> list[ScoreResult]:
    """Score every declarative scale of an instrument; ``custom`` scales are skipped."""
    return [
        score_scale(scale, instrument.item_ranges, answers) for scale in instrument.scales if scale.method != "custom"
    ]
