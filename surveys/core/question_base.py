"""The base of every question type, and the small helpers the built-in types share.

``QuestionType`` is the interface a plugin's type implements (``surveys_register_question_types``);
the built-in types are in ``question_types`` and ``value_types``.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import Schema
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from .definitions import Choice, Question
from .field_checks import Answered

OTHER = "other"


def other_key(question_id: str) -> str:
    """The answer key of the free text that goes with an 'other' choice."""
    return f"{question_id}__other"


def _presence(question: Question) -> list:
    if question.required:
        return [Answered(message=_l("Please answer this question."))]
    return [Optional()]


def _coerce_for(choices: list[Choice]):
    lookup = {str(c.value): c.value for c in choices}

    def coerce(value):
        if value is None or not str(value).strip():  # blank: no answer, as Optional() sees it
            return None
        return lookup.get(str(value), str(value))

    return coerce


class WrongValue(ValueError):
    """A stored value that cannot be an answer of its question's type (e.g. a list for a rating)."""


def _scalar(value: Any) -> bool:
    return isinstance(value, str) or (isinstance(value, int | float) and not isinstance(value, bool))


def posted(value: Any) -> str:
    """A number or text as a participant would type it: 3, not 3.0."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _options(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


def _label(text, locale) -> str:
    return text.get(locale) if text is not None else ""


class QuestionType:
    """Base question type: one answer stored under the question id.

    ``options_schema`` validates the options a question of this type takes besides the
    common ones (id, type, text, required, help, show_if); ``template`` renders it.
    """

    template = "questions/default.html"

    def __init__(self, name: str, options_schema: type[Schema] | None = None):
        self.name = name
        self.options_schema = options_schema

    def __repr__(self) -> str:
        return f"<QuestionType {self.name}>"

    def answer_keys(self, question: Question) -> list[str]:
        return [question.id]

    def item_ranges(self, question: Question) -> dict[str, tuple[float, float]]:
        return {}

    def check_options(self, options: dict[str, Any]) -> list[tuple[str, str]]:
        """Checks that need the resolved options (named choice lists filled in)."""
        return []

    def make_fields(self, question: Question, locale: str) -> dict[str, Any]:
        """Unbound WTForms fields, keyed by answer key."""
        raise NotImplementedError

    def dump(self, question: Question, key: str, data: Any) -> Any:
        """Form data -> JSON value for storage."""
        return data

    def load(self, question: Question, key: str, value: Any) -> Any:
        """Stored JSON value -> form data."""
        return value

    def formdata(self, question: Question, key: str, value: Any) -> list[str]:
        """Stored JSON value -> what the participant's form posts for it (the inverse of ``dump``),
        so that answers from imports and files go through the same fields. Raises WrongValue for a
        value of the wrong kind. The default takes one number or text; None is no answer."""
        if value is None:
            return []
        if isinstance(value, list | dict):
            raise WrongValue(_l("Give one value, not a list or an object."))
        if not _scalar(value):
            raise WrongValue(_l("Give a value of this question, not true or false."))
        return [posted(value)]

    def export(self, question: Question, key: str, value: Any) -> Any:
        """Stored value -> one workbook cell."""
        if isinstance(value, list):
            return "; ".join(str(v) for v in value)
        return value
