"""Small data contracts between the core and plugins: analyses, sheets, tables."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Analysis:
    """A named computation over stored data, e.g. a SWOT or a wave comparison.

    ``run`` is pure: it takes the data described by ``applies_to`` and returns a result;
    it never writes back.
    """

    name: str
    title: str
    applies_to: str
    run: Callable[[Any], Any]
    endpoint: str | None = None  # a view taking ``campaign_id``, if the plugin has one


@dataclass(frozen=True)
class Sheet:
    """One worksheet described by a plugin; the core writes it."""

    name: str
    columns: list[str]
    rows: list[list[Any]]


@dataclass(frozen=True)
class ScoreRow:
    participant: str
    wave_id: int
    wave: str
    wave_kind: str
    instrument: str
    scale: str
    value: float | None
    band: str | None = None
    missing_reason: str | None = None
    raw: float | None = None
    norm: float | None = None
    norm_kind: str | None = None
    scoring_version: str = ""


@dataclass(frozen=True)
class WaveInfo:
    id: int
    name: str
    kind: str
    position: int


@dataclass
class CampaignTables:
    """What an export or an analysis reads: plain rows, no database handles."""

    campaign: str
    waves: list[WaveInfo] = field(default_factory=list)
    scores: list[ScoreRow] = field(default_factory=list)
    answers: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class WavePair:
    """The data of a ``wave_pair`` analysis: a campaign's tables and the two waves to compare."""

    tables: CampaignTables
    before: int
    after: int


MIN_GROUP = 5  # aggregated views hide groups smaller than this
