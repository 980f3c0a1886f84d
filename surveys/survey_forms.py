"""Build a WTForms form for one page of a questionnaire, from its definition."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from babel.support import Translations
from flask import current_app, request
from flask_babel import get_locale
from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.i18n import messages_path

from .core.definitions import Page, Question
from .core.question_types import QuestionType
from .plugins import Registry


@dataclass(frozen=True)
class Block:
    """One question on the page: its definition, its type and the names of its fields."""

    question: Question
    qtype: QuestionType
    keys: list[str]


class ParticipantForm(FlaskForm):
    """A form on a participant page.

    On a personal link (``/s/<token>``) the unguessable token in the address already proves
    that the post comes from the participant, so no CSRF token is needed: a lost session
    cookie can never turn a page of answers into an "expired form" error. Open links, whose
    address is printed for everyone, keep CSRF protection.
    """

    class Meta(FlaskForm.Meta):
        @property
        def csrf(self):
            return request.blueprint != "participant" and current_app.config.get("WTF_CSRF_ENABLED", True)

        def get_translations(self, form):
            """WTForms' own messages in the page's language, read from disk once per process
            (Flask-WTF reads the catalogue again for every request)."""
            return wtforms_messages(str(get_locale()))


@cache
def wtforms_messages(locale: str) -> Translations:
    """WTForms' built-in messages (e.g. "Not a valid choice") in ``locale``."""
    return Translations.load(messages_path(), [locale], domain="wtforms")


class PageForm(ParticipantForm):
    instrument = HiddenField()
    page = HiddenField()


def page_form(
    registry: Registry, instrument_id: str, page: Page, answers: dict[str, Any], locale: str, formdata=None
) -> tuple[FlaskForm, list[Block]]:
    """A bound form for the questions of ``page`` that ``answers`` leave shown, prefilled."""
    form_class = type("QuestionPage", (PageForm,), {})
    blocks, data = [], {"instrument": instrument_id, "page": page.id}
    for question in page.shown_questions(answers):
        qtype = registry.question_types[question.type]
        fields = qtype.make_fields(question, locale)
        for key, field in fields.items():
            setattr(form_class, key, field)
            data[key] = qtype.load(question, key, answers.get(key))
        blocks.append(Block(question, qtype, list(fields)))
    kwargs = {"data": data}
    if formdata is not None:
        kwargs["formdata"] = formdata
    return form_class(**kwargs), blocks


def read_answers(form: FlaskForm, blocks: list[Block], only_valid: bool = False) -> dict[str, Any]:
    """The page's answers as stored values; with ``only_valid``, skip fields that have errors."""
    answers = {}
    for block in blocks:
        for key in block.keys:
            field = form[key]
            if only_valid and field.errors:
                continue
            answers[key] = block.qtype.dump(block.question, key, field.data)
    return answers
