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
class Scale:
    id: str
    title: Text
    items: tuple[str, ...]
    method: str = "sum"
    reverse: tuple[str, ...] = ()
    min_answered: int | None = None
    bands: tuple[Band, ...] = ()
    higher_is: str | None = None

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

    def questions(self) -> list[Question]:
        return [q for page in self.pages for q in page.questions]

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions() if q.id == question_id), None)

    def scale(self, scale_id: str) -> Scale | None:
        return next((s for s in self.scales if s.id == scale_id), None)
