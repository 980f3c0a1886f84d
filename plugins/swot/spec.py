"""``extensions.swot`` of a questionnaire: its schema, the checks against the instrument, the specs.

A questionnaire declares what the SWOT draft reads from it::

    extensions:
      swot:
        thresholds: {strength: 8, weakness: 5}      # optional, on the items' own scale
        dimensions:
          - {id: organisation, title: {ru: …, en: …}, items: [qm_org_time, qm_org_place]}
        closed: [qm_frequency, qm_continue]           # single/multiple choice or yes/no
        open: {qm_valuable: S, qm_missing: W, qm_develop: O, qm_risks: T}

:class:`SwotSchema` checks the shape and, given the instrument, that every id exists with the right
type. An invalid spec does not stop the start-up: :func:`load_specs` returns its problems, and
:func:`app_specs` logs each as a warning and leaves that questionnaire out of the SWOT.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from surveys.core.definitions import Instrument, Question
from surveys.core.question_base import OTHER, QuestionType
from surveys.core.question_types import MultipleChoiceType, SingleChoiceType
from surveys.core.schema import Id, LocalText, Number, Strict
from surveys.core.text import Text
from surveys.core.value_types import YesNoType

log = logging.getLogger(__name__)

QUADRANTS = ("S", "W", "O", "T")
DEFAULT_STRENGTH, DEFAULT_WEAKNESS = 8, 5  # on a 1–10 scale
CLOSED_TYPES = ("single_choice", "multiple_choice", "yes_no")


@dataclass(frozen=True)
class Dimension:
    """Rating items summarised together as one point (their pooled mean)."""

    id: str
    title: Text
    items: tuple[str, ...]


@dataclass(frozen=True)
class ClosedQuestion:
    """A choice or yes/no question summarised as the share of respondents per option."""

    id: str
    text: Text
    options: tuple[tuple[Any, Text], ...]
    multiple: bool = False


@dataclass(frozen=True)
class OpenQuestion:
    """A text question whose answers are quoted under one quadrant."""

    id: str
    text: Text
    quadrant: str


@dataclass(frozen=True)
class SwotSpec:
    """The validated ``extensions.swot`` of one instrument, with the texts the draft needs."""

    instrument: str
    title: Text
    strength: float = DEFAULT_STRENGTH
    weakness: float = DEFAULT_WEAKNESS
    dimensions: tuple[Dimension, ...] = ()
    closed: tuple[ClosedQuestion, ...] = ()
    open: tuple[OpenQuestion, ...] = ()


class ThresholdsSchema(Strict):
    strength = Number(load_default=DEFAULT_STRENGTH)
    weakness = Number(load_default=DEFAULT_WEAKNESS)

    @validates_schema
    def _ordered(self, data, **kwargs):
        strength, weakness = data.get("strength"), data.get("weakness")
        if strength is not None and weakness is not None and not strength > weakness:
            raise ValidationError("'strength' must be greater than 'weakness'", "strength")


class DimensionSchema(Strict):
    id = Id(required=True)
    title = LocalText(required=True)
    items = fields.List(Id(), required=True, validate=validate.Length(min=1, error="list at least one rating item"))


class SwotSchema(Strict):
    """The shape of ``extensions.swot``; with an ``instrument``, also its ids and their types."""

    thresholds = fields.Nested(ThresholdsSchema, load_default=lambda: ThresholdsSchema().load({}))
    dimensions = fields.List(fields.Nested(DimensionSchema), load_default=list)
    closed = fields.List(Id(), load_default=list)
    open = fields.Dict(
        keys=Id(),
        values=fields.String(validate=validate.OneOf(QUADRANTS, error="the quadrant must be one of S, W, O, T")),
        load_default=dict,
    )

    def __init__(
        self,
        instrument: Instrument | None = None,
        question_types: Mapping[str, QuestionType] | None = None,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        self.instrument = instrument
        self.question_types = question_types or {}

    @validates_schema
    def _against_instrument(self, data, **kwargs):
        if self.instrument is None:
            return
        errors: dict[str, Any] = {}
        if not (data.get("dimensions") or data.get("closed") or data.get("open")):
            errors["_schema"] = ["declare at least one of 'dimensions', 'closed' or 'open'"]
        self._check_dimensions(data, errors)
        self._check_questions(data, errors)
        if errors:
            raise ValidationError(errors)

    def _kind(self, key: str) -> str:
        """What an answer key is in this instrument: 'rating', a question type name or ''."""
        if key in self.instrument.item_ranges:
            return "rating"
        question = next((q for q in self.instrument.questions() if q.id == key), None)
        return question.type if question else ""

    def _check_dimensions(self, data: dict, errors: dict) -> None:
        thresholds = data.get("thresholds") or {}
        seen: set[str] = set()
        for index, dimension in enumerate(data.get("dimensions") or []):
            problems: dict[str, list[str]] = {}
            if dimension["id"] in seen:
                problems.setdefault("id", []).append(f"dimension '{dimension['id']}' is declared twice")
            seen.add(dimension["id"])
            for item in dimension["items"]:
                kind = self._kind(item)
                if kind != "rating":
                    what = (
                        f"is a {kind} question, not a rating item"
                        if kind
                        else "is not an answer key of this questionnaire"
                    )
                    problems.setdefault("items", []).append(f"'{item}' {what}")
                    continue
                low, high = self.instrument.item_ranges[item]
                outside = [t for t in ("strength", "weakness") if not low <= thresholds.get(t, low) <= high]
                if outside:
                    problems.setdefault("items", []).append(
                        f"'{item}' is rated {low:g}..{high:g}, but the {' and '.join(outside)} threshold is "
                        "outside that range: set 'thresholds' for this questionnaire"
                    )
            if problems:
                errors.setdefault("dimensions", {})[index] = problems

    def _is_closed(self, question_type: str) -> bool:
        qtype = self.question_types.get(question_type)
        if qtype is None:
            return question_type in CLOSED_TYPES
        return isinstance(qtype, SingleChoiceType | YesNoType)

    def _check_questions(self, data: dict, errors: dict) -> None:
        for index, key in enumerate(data.get("closed") or []):
            kind = self._kind(key)
            if kind == "rating" or not kind or not self._is_closed(kind):
                what = f"a {kind} question" if kind else "not a question of this questionnaire"
                errors.setdefault("closed", {})[index] = [
                    f"'{key}' is {what}: closed items must be single or multiple choice or yes/no questions"
                ]
        if len(set(data.get("closed") or [])) != len(data.get("closed") or []):
            errors.setdefault("closed", {}).setdefault("_schema", []).append("a question is listed twice")
        for key in data.get("open") or {}:
            kind = self._kind(key)
            if kind != "text":
                what = f"a {kind} question" if kind else "not a question of this questionnaire"
                errors.setdefault("open", {})[key] = [f"'{key}' is {what}: open answers must be text questions"]


def _question(instrument: Instrument, key: str) -> Question:
    return next(q for q in instrument.questions() if q.id == key)


def _closed(instrument: Instrument, key: str, question_types: Mapping[str, QuestionType]) -> ClosedQuestion:
    question = _question(instrument, key)
    qtype = question_types.get(question.type)
    if question.type == "yes_no" or isinstance(qtype, YesNoType):
        return ClosedQuestion(key, question.text, ((True, Text("Да", "Yes")), (False, Text("Нет", "No"))))
    options = [(c["value"], Text.of(c["label"])) for c in question.options.get("choices") or []]
    if question.options.get("other"):
        options.append((OTHER, Text("Другое", "Other")))
    multiple = question.type == "multiple_choice" or isinstance(qtype, MultipleChoiceType)
    return ClosedQuestion(key, question.text, tuple(options), multiple)


def build_spec(
    instrument: Instrument, question_types: Mapping[str, QuestionType] | None = None
) -> tuple[SwotSpec | None, list[str]]:
    """Validate ``instrument.extensions['swot']``; return its spec (or None) and the problems found.

    Each problem reads ``<file>: extensions.swot.<path>: <message>``.
    """
    raw = instrument.extensions.get("swot")
    if raw is None:
        return None, []
    question_types = question_types or {}
    if not isinstance(raw, Mapping):
        return None, [f"{instrument.source}: extensions.swot: expected a mapping of keys to values"]
    try:
        data = SwotSchema(instrument, question_types).load(raw)
    except ValidationError as err:
        return None, [f"{instrument.source}: {where}: {message}" for where, message in _flatten(err.messages)]
    spec = SwotSpec(
        instrument=instrument.id,
        title=instrument.title,
        strength=data["thresholds"]["strength"],
        weakness=data["thresholds"]["weakness"],
        dimensions=tuple(Dimension(d["id"], d["title"], tuple(d["items"])) for d in data["dimensions"]),
        closed=tuple(_closed(instrument, key, question_types) for key in data["closed"]),
        open=tuple(OpenQuestion(key, _question(instrument, key).text, q) for key, q in data["open"].items()),
    )
    return spec, []


def _flatten(messages: Any, path: str = "extensions.swot") -> Iterable[tuple[str, str]]:
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            if key == "_schema":
                yield from _flatten(value, path)
            else:
                yield from _flatten(value, f"{path}[{key}]" if isinstance(key, int) else f"{path}.{key}")
    elif isinstance(messages, list | tuple):
        for message in messages:
            yield from _flatten(message, path)
    else:
        yield path, str(messages)


def load_specs(
    instruments: Iterable[Instrument], question_types: Mapping[str, QuestionType] | None = None
) -> tuple[dict[str, SwotSpec], list[str]]:
    """The valid SWOT specs of ``instruments`` by instrument id, and every problem of the invalid ones."""
    specs, problems = {}, []
    for instrument in instruments:
        spec, found = build_spec(instrument, question_types)
        problems.extend(found)
        if spec is not None:
            specs[instrument.id] = spec
    return specs, problems


def app_specs(app=None) -> dict[str, SwotSpec]:
    """The SWOT specs of the application's instruments, checked once per application.

    Invalid specs are ignored: each problem is logged as a warning (at start-up, when the
    blueprint is registered) and the questionnaire is left out of every SWOT draft.
    """
    from flask import current_app

    from surveys.state import get_state

    app = app or current_app._get_current_object()
    cached = app.extensions.get("swot_specs")
    if cached is None:
        registry = get_state(app).registry
        cached, problems = load_specs(registry.instruments.values(), registry.question_types)
        for problem in problems:
            log.warning("SWOT spec ignored: %s", problem)
        app.extensions["swot_specs"] = cached
    return cached
