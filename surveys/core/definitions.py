"""Questionnaire definitions: what a validated instrument file becomes.

These are plain, immutable data; every caller (web, CLI, scoring, export) reads them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .conditions import Condition
from .text import Text


@dataclass(frozen=True)
class Choice:
    value: Any
    label: Text


@dataclass(frozen=True)
class Question:
    id: str
    type: str
    text: Text
    required: bool = False
    help: Text | None = None
    show_if: Condition | None = None
    options: dict[str, Any] = field(default_factory=dict)
    line: int = 0

    def shown(self, answers: dict[str, Any]) -> bool:
        return self.show_if is None or self.show_if.holds(answers)


@dataclass(frozen=True)
class Page:
    id: str
    title: Text | None
    questions: tuple[Question, ...]

    def shown_questions(self, answers: dict[str, Any]) -> list[Question]:
        return [q for q in self.questions if q.shown(answers)]


@dataclass(frozen=True)
class Band:
    id: str
    min: float
    max: float
    label: Text


@dataclass(frozen=True)
class NormRow:
    min: float
    max: float
    value: float


@dataclass(frozen=True)
class Norm:
    """A norm table: raw scores of one sex and age band converted to stens, percentiles, …"""

    kind: str  # "sten", "stanine", "t" or "percentile"
    table: tuple[NormRow, ...]
    sex: str = "any"  # "f", "m" or "any"
    age: tuple[int, int] | None = None  # inclusive, in whole years
    source: str = ""

    def applies(self, age: int | None, sex: str | None) -> bool:
        if self.sex != "any" and self.sex != sex:
            return False
        return self.age is None or (age is not None and self.age[0] <= age <= self.age[1])

    def convert(self, score: float) -> float | None:
        return next((row.value for row in self.table if row.min <= score <= row.max), None)


@dataclass(frozen=True)
class Profile:
    """What norms may depend on: the participant's age in whole years and sex ("f"/"m")."""

    age: int | None = None
    sex: str | None = None


@dataclass(frozen=True)
class Scale:
    id: str
    title: Text
    items: tuple[str, ...]
    method: str = "sum"
    reverse: tuple[str, ...] = ()
    min_answered: int | None = None
    bands: tuple[Band, ...] = ()
    higher_is: str | None = None
    prorate: bool = True
    constant: float = 0  # linear: added to Σ direct − Σ reversed
    key: dict[str, tuple[Any, ...]] = field(default_factory=dict)  # key_match: item → matching answers
    weights: dict[str, dict[Any, float]] = field(default_factory=dict)  # weighted: item → answer → points
    norms: tuple[Norm, ...] = ()
    # The published internal consistency (e.g. Cronbach's alpha) and where it was published; the
    # comparison's reliable change index uses it before the input wave's own alpha.
    reliability: float | None = None
    reliability_source: str | None = None

    def norm_for(self, profile: Profile | None) -> Norm | None:
        """The first norm table that fits the profile (sex, then age band), if any."""
        if not self.norms:
            return None
        profile = profile or Profile()
        return next((n for n in self.norms if n.applies(profile.age, profile.sex)), None)

    def band_for(self, value: float | None) -> Band | None:
        if value is None:
            return None
        return next((b for b in self.bands if b.min <= value <= b.max), None)


@dataclass(frozen=True)
class Licence:
    citation: str
    licence: str
    bundle_texts: bool = True
    url: str | None = None


@dataclass(frozen=True)
class Instrument:
    id: str
    version: str
    title: Text
    description: Text | None
    audience: tuple[str, ...]
    pages: tuple[Page, ...]
    scales: tuple[Scale, ...] = ()
    licence: Licence | None = None
    item_ranges: dict[str, tuple[float, float]] = field(default_factory=dict)
    answer_keys: tuple[str, ...] = ()
    source: str = "<memory>"
    scoring_version: str = "1"  # raise it when the key changes; stored with every score
    # Data for plugins, by plugin name, passed through as written: e.g. the swot plugin reads
    # extensions["swot"] (its dimensions and thresholds); the core does not look inside.
    extensions: dict[str, Any] = field(default_factory=dict)
    waves: tuple[str, ...] = ()  # the wave kinds it is meant for (input, intermediate, output); empty: every wave
    # What a participant sees: a neutral title and introduction; the clinical ``title`` and
    # ``description`` stay for staff, exports and reports.
    participant_title: Text | None = None
    participant_intro: Text | None = None
    ages: str = "all"  # whom it suits: "adults", "pupils" or "all"

    @property
    def shown_title(self) -> Text:
        """The title a participant sees: the participant title if there is one."""
        return self.participant_title or self.title

    @property
    def shown_intro(self) -> Text | None:
        """The introduction a participant sees: the participant introduction if there is one."""
        return self.participant_intro if self.participant_title or self.participant_intro else self.description

    @property
    def key_only(self) -> bool:
        """A copyrighted instrument that ships its key and scoring, but not its item texts."""
        return self.licence is not None and not self.licence.bundle_texts

    def questions(self) -> list[Question]:
        return [q for page in self.pages for q in page.questions]

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions() if q.id == question_id), None)

    def scale(self, scale_id: str) -> Scale | None:
        return next((s for s in self.scales if s.id == scale_id), None)
