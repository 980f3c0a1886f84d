"""The declarative scoring engine: a pure function from answers to scores.

No database, request or plugin inside: the web, the CLI, the API and the export all
call :func:`score_instrument` and get the same numbers.

Methods (documented in docs/format.md):

- ``sum`` adds the keyed items, ``mean`` averages them; a reverse-keyed item counts as
  ``min + max − x`` with the item's own range;
- ``linear`` is Σ direct − Σ reversed + ``constant`` (Spielberger–Khanin): here the
  ``reverse`` items are subtracted as answered, not mirrored;
- ``key_match`` counts the answers that match the ``key`` (yes/no tests);
- ``weighted`` adds the ``weights`` points of each chosen answer (several for a
  multiple choice);
- ``custom`` scales are left to a plugin's scorer.

Missing answers: with every item answered the scale is scored. With some missing it is
scored only when at least ``min_answered`` items are answered; then, if ``prorate`` (the
default), each sum is prorated to the full number of items (the mean of the answered
items times the number of items), else the answered items alone count. Otherwise the
score is missing and the reason says why.

Bands apply to the score; a norm table, chosen by the participant's sex and age,
converts the rounded score to stens, stanines, T-scores or percentiles.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .definitions import Instrument, Profile, Scale

SCORING_VERSION = "2"  # the engine's own version: bump when the rules above change


@dataclass(frozen=True)
class ScoreResult:
    """One scale's score for one set of answers."""

    scale: str
    raw: float | None
    value: float | None
    band: str | None = None
    n_answered: int = 0
    missing_reason: str | None = None
    norm: float | None = None
    norm_kind: str | None = None

    @property
    def missing(self) -> bool:
        return self.value is None


def missing(scale: str, reason: str, n_answered: int = 0) -> ScoreResult:
    return ScoreResult(scale, None, None, None, n_answered, reason)


def version_of(instrument: Instrument) -> str:
    """What a stored score records: the instrument's scoring version and the engine's."""
    return f"{instrument.scoring_version}+{SCORING_VERSION}"


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _answered(value: Any) -> bool:
    return value is not None and value != "" and value != []


def keyed_items(scale: Scale, ranges: Mapping[str, tuple[float, float]], answers: Mapping[str, Any]):
    """The answered items of a ``sum``/``mean`` scale with reverse keys applied, in item order."""
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


def _part(values: list[float], n_items: int, prorate: bool) -> float:
    """A sum over answered items, prorated to ``n_items`` when asked to."""
    if not values:
        return 0.0
    return sum(values) / len(values) * n_items if prorate else sum(values)


def _points(scale: Scale, item: str, answer: Any) -> float | None:
    """What one answer is worth under ``key_match`` or ``weighted``; None when unanswered."""
    if not _answered(answer):
        return None
    if scale.method == "key_match":
        return 1.0 if answer in scale.key[item] else 0.0
    table = scale.weights[item]
    chosen = answer if isinstance(answer, list) else [answer]
    return float(sum(table.get(value, table.get(str(value), 0)) for value in chosen))


def _raw_and_value(scale: Scale, ranges, answers, n_items: int, complete: bool):
    """(raw, score, answered) for one scale; raw counts the answered items only."""
    prorate = scale.prorate and not complete
    if scale.method in ("sum", "mean"):
        keyed = keyed_items(scale, ranges, answers)
        raw = sum(keyed)
        if scale.method == "mean":
            return raw, raw / len(keyed), len(keyed)
        return raw, _part(keyed, n_items, prorate), len(keyed)
    if scale.method == "linear":
        direct, reverse = [], []
        for item in scale.items:
            x = _number(answers.get(item))
            if x is not None:
                (reverse if item in scale.reverse else direct).append(x)
        n_reverse = len(scale.reverse)
        raw = sum(direct) - sum(reverse) + scale.constant
        value = _part(direct, n_items - n_reverse, prorate) - _part(reverse, n_reverse, prorate) + scale.constant
        return raw, value, len(direct) + len(reverse)
    points = [p for p in (_points(scale, item, answers.get(item)) for item in scale.items) if p is not None]
    return sum(points), _part(points, n_items, prorate), len(points)


def _empty_linear_part(scale: Scale, answers: Mapping[str, Any]) -> str | None:
    """'direct' or 'reversed' when that part of a linear scale has items but no answer."""
    for name, items in (
        ("direct", [i for i in scale.items if i not in scale.reverse]),
        ("reversed", list(scale.reverse)),
    ):
        if items and all(_number(answers.get(item)) is None for item in items):
            return name
    return None


def _count_answered(scale: Scale, answers: Mapping[str, Any]) -> int:
    if scale.method in ("sum", "mean", "linear"):
        return sum(_number(answers.get(item)) is not None for item in scale.items)
    return sum(_answered(answers.get(item)) for item in scale.items)


def score_scale(
    scale: Scale,
    ranges: Mapping[str, tuple[float, float]],
    answers: Mapping[str, Any],
    profile: Profile | None = None,
) -> ScoreResult:
    """Score one declarative scale."""
    n_items, n = len(scale.items), _count_answered(scale, answers)
    needed = n_items if scale.min_answered is None else scale.min_answered
    if n == 0:
        return missing(scale.id, "no items answered")
    if n < needed:
        return missing(scale.id, f"{n} of {n_items} items answered; at least {needed} needed", n)
    if scale.method == "linear" and n < n_items and scale.prorate:
        empty = _empty_linear_part(scale, answers)
        if empty:
            return missing(scale.id, f"no {empty} items answered: the sum cannot be prorated", n)
    raw, value, _n = _raw_and_value(scale, ranges, answers, n_items, complete=n == n_items)
    value = round(value, 6)
    band = scale.band_for(value)
    norm = scale.norm_for(profile)
    converted = norm.convert(round_half_up(value)) if norm is not None else None
    return ScoreResult(
        scale.id,
        raw,
        value,
        band.id if band else None,
        n,
        norm=converted,
        norm_kind=norm.kind if norm is not None and converted is not None else None,
    )


def round_half_up(value: float) -> int:
    """Round as a psychologist reading a norm table does: 12.5 → 13 (not banker's rounding)."""
    return int(value + 0.5) if value >= 0 else -int(-value + 0.5)


def score_instrument(
    instrument: Instrument, answers: Mapping[str, Any], profile: Profile | None = None
) -> list[ScoreResult]:
    """Score every declarative scale of an instrument; ``custom`` scales are skipped."""
    return [
        score_scale(scale, instrument.item_ranges, answers, profile)
        for scale in instrument.scales
        if scale.method != "custom"
    ]
