"""``/instruments``: the questionnaires an organisation can use, as the API describes them.

Key-only instruments (copyrighted: the key ships, the item texts do not) are described without
any item text: question, matrix row and help texts are null, and a school's own text pack is
never given out, so the API cannot spread wording the school holds only a licence to use.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import jsonify
from flask_babel import gettext as _

from surveys.instruments import catalogue

from ..core.definitions import Instrument, Question, Scale
from ..core.text import Text
from ..state import get_state
from .auth import current_token
from .blueprint import operation
from .errors import ApiError
from .pagination import page_of_list
from .schemas import InstrumentSchema, InstrumentSummarySchema, PageArgsSchema, page_schema

OPTION_NAMES = ("min", "max", "integer", "other", "min_selected", "max_selected", "min_length", "max_length", "long")


def text_of(text: Any) -> dict[str, str | None] | None:
    """A questionnaire text as ``{"ru", "en"}`` (None stays None)."""
    found = Text.of(text)
    return None if found is None else {"ru": found.ru, "en": found.en}


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def question_of(question: Question, answer_keys: list[str], key_only: bool) -> dict[str, Any]:
    """One question: its type, texts (none for key-only instruments), answer keys, choices and limits."""
    options = question.options
    found: dict[str, Any] = {
        "id": question.id,
        "type": question.type,
        "text": None if key_only else text_of(question.text),
        "help": None if key_only else text_of(question.help),
        "required": question.required,
        "conditional": question.show_if is not None,
        "answer_keys": answer_keys,
    }
    if isinstance(options.get("choices"), list):
        found["choices"] = [{"value": c["value"], "label": text_of(c["label"])} for c in options["choices"]]
    if isinstance(options.get("items"), list):
        found["items"] = [
            {"id": item["id"], "text": None if key_only else text_of(item.get("text"))} for item in options["items"]
        ]
    for name in OPTION_NAMES:
        if name in options:
            found[name] = _plain(options[name])
    return found


def scale_of(scale: Scale) -> dict[str, Any]:
    """One scale: its items, method, reversed items and bands."""
    return {
        "id": scale.id,
        "title": text_of(scale.title),
        "method": scale.method,
        "items": list(scale.items),
        "reverse": list(scale.reverse),
        "min_answered": scale.min_answered,
        "higher_is": scale.higher_is,
        "bands": [{"id": b.id, "min": b.min, "max": b.max, "label": text_of(b.label)} for b in scale.bands],
    }


def summary_of(instrument: Instrument) -> dict[str, Any]:
    """What lists show of an instrument."""
    licence = instrument.licence
    return {
        "id": instrument.id,
        "version": str(instrument.version),
        "title": text_of(instrument.title),
        "description": text_of(instrument.description),
        "audience": list(instrument.audience),
        "waves": list(instrument.waves),
        "key_only": instrument.key_only,
        "licence": None
        if licence is None
        else {
            "citation": licence.citation,
            "licence": licence.licence,
            "url": licence.url,
            "bundle_texts": licence.bundle_texts,
        },
        "uploaded": instrument.id not in get_state().registry.instruments,
    }


def instrument_of(instrument: Instrument) -> dict[str, Any]:
    """An instrument in full: pages with their questions, and scales."""
    question_types = get_state().registry.question_types
    pages = []
    for page in instrument.pages:
        questions = []
        for question in page.questions:
            qtype = question_types.get(question.type)
            keys = list(qtype.answer_keys(question)) if qtype is not None else [question.id]
            questions.append(question_of(question, keys, instrument.key_only))
        pages.append({"id": page.id, "title": text_of(page.title), "questions": questions})
    return {**summary_of(instrument), "pages": pages, "scales": [scale_of(s) for s in instrument.scales]}


@operation(
    "/instruments",
    summary="The questionnaires the organisation can use",
    scope="instruments:read",
    args=PageArgsSchema,
    result=page_schema(InstrumentSummarySchema),
    tag="instruments",
)
def instruments(args):
    """The plugins' questionnaires and the organisation's own uploads (their latest versions), by id."""
    available = catalogue(current_token().organisation_id)
    ordered = [available[key] for key in sorted(available)]
    return jsonify(page_schema(InstrumentSummarySchema)().dump(page_of_list(ordered, args, summary_of)))


@operation(
    "/instruments/<instrument_id>",
    summary="One questionnaire: pages, questions, choices and scales",
    scope="instruments:read",
    result=InstrumentSchema,
    tag="instruments",
)
def instrument(instrument_id: str):
    """Everything needed to read or import its answers: answer keys, choices with their values, scales and bands.
    Key-only instruments come without item texts."""
    found = catalogue(current_token().organisation_id).get(instrument_id)
    if found is None:
        raise ApiError(404, _("There is no such questionnaire."))
    return jsonify(InstrumentSchema().dump(instrument_of(found)))
