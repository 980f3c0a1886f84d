"""One set of rules for every answer, wherever it comes from.

A participant's page, autosave, the final submit, the paper import, the bundle import, the API
import and ``surveys instrument score`` all check answers here, with the question types' own
WTForms fields: the same types, choices, ranges and required questions, and the same messages.

Answers arrive in one of two shapes: as a form posts them (``check_formdata``: texts, as on a
page or in a paper template's cells) or as they are stored (``check_answers``: JSON values, as
in a bundle, the API or an answers file; each question type says what a stored value of it
posts, and refuses a value of the wrong kind). Pages are checked in order, so ``show_if``
conditions see the answers of earlier pages, as they do online; answers to questions that the
conditions hide are dropped, as at a submit. ``final`` asks for every required question of every
shown page; otherwise only the answers given are checked (a page saved half-filled).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from babel.support import Translations
from flask_babel import get_locale
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict
from wtforms import Form
from wtforms.i18n import messages_path

from .definitions import Instrument, Page, Question
from .field_checks import AllowedValues
from .question_types import QuestionType, WrongValue


@cache
def wtforms_messages(locale: str) -> Translations:
    """WTForms' built-in messages (e.g. "Not a valid choice") in ``locale``, read once per process."""
    return Translations.load(messages_path(), [locale], domain="wtforms")


class CheckForm(Form):
    """The base of a page's form where no web request is answered (imports, the command line)."""

    class Meta:
        def get_translations(self, form):
            return wtforms_messages(str(get_locale() or "ru"))


@dataclass(frozen=True)
class Block:
    """One question on the page: its definition, its type and the names of its fields."""

    question: Question
    qtype: QuestionType
    keys: list[str]


def page_form(
    types: Mapping[str, QuestionType],
    instrument_id: str,
    page: Page,
    answers: dict[str, Any],
    locale: str,
    formdata=None,
    base: type = CheckForm,
) -> tuple[Any, list[Block]]:
    """A bound form for the questions of ``page`` that ``answers`` leave shown, prefilled from them."""
    form_class = type("QuestionPage", (base,), {})
    blocks, data = [], {"instrument": instrument_id, "page": page.id}
    for question in page.shown_questions(answers):
        qtype = types[question.type]
        fields = qtype.make_fields(question, locale)
        for key, unbound in fields.items():
            setattr(form_class, key, unbound)
            data[key] = qtype.load(question, key, answers.get(key))
        blocks.append(Block(question, qtype, list(fields)))
    kwargs: dict[str, Any] = {"data": data}
    if formdata is not None:
        kwargs["formdata"] = formdata
    return form_class(**kwargs), blocks


def read_answers(form, blocks: list[Block], only_valid: bool = False) -> dict[str, Any]:
    """The page's answers as stored values; with ``only_valid``, skip fields that have errors."""
    answers = {}
    for block in blocks:
        for key in block.keys:
            bound = form[key]
            if only_valid and bound.errors:
                continue
            answers[key] = block.qtype.dump(block.question, key, bound.data)
    return answers


@dataclass
class AnswerCheck:
    """What a check found: the good answers (stored values of shown questions) and the problems.

    ``problems`` maps an answer key to its messages, in the order of the pages; ``first_page``
    is the index of the first page with a problem (where to send a participant back to).
    """

    answers: dict[str, Any] = field(default_factory=dict)
    problems: dict[str, list[str]] = field(default_factory=dict)
    first_page: int | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, key: str, message: str, page: int | None = None) -> None:
        self.problems.setdefault(key, []).append(message)
        if page is not None and (self.first_page is None or page < self.first_page):
            self.first_page = page

    def lines(self) -> list[str]:
        """``key: message`` lines, for a command line or a log."""
        return [f"{key}: {message}" for key, messages in self.problems.items() for message in messages]


def _allowed(bound) -> list[Any] | None:
    for validator in bound.validators:
        if isinstance(validator, AllowedValues) and validator.named:
            return validator.values
    return None


def _given(formdata, key: str) -> bool:
    return any(str(value).strip() for value in formdata.getlist(key))


def check_formdata(
    types: Mapping[str, QuestionType], instrument: Instrument, formdata, *, final: bool, locale: str | None = None
) -> AnswerCheck:
    """Check answers as a form posts them (a ``MultiDict`` of texts), page by page."""
    locale = locale or str(get_locale() or "ru")
    result = AnswerCheck()
    known: set[str] = set()
    for index, page in enumerate(instrument.pages):
        form, blocks = page_form(types, instrument.id, page, result.answers, locale, formdata)
        form.validate()
        for block in blocks:
            for key in block.keys:
                bound = form[key]
                given = _given(formdata, key)
                if bound.errors and (final or given):
                    message = " ".join(str(e) for e in bound.errors)
                    allowed = _allowed(bound)
                    if allowed is not None and given:
                        message += " " + _("Allowed values: %(values)s.", values=", ".join(map(str, allowed)))
                    result.add(key, message, index)
                elif not bound.errors:
                    result.answers[key] = block.qtype.dump(block.question, key, bound.data)
        known.update(k for q in page.questions for k in types[q.type].answer_keys(q))
    for key in formdata:
        if key not in known and _given(formdata, key):
            result.add(key, _("There is no answer %(key)s in this questionnaire.", key=key))
    return result


def formdata_of(
    types: Mapping[str, QuestionType], instrument: Instrument, stored: Mapping[str, Any]
) -> tuple[MultiDict, AnswerCheck]:
    """What a participant's form would post for stored answers, and the values of the wrong kind."""
    questions = {key: q for page in instrument.pages for q in page.questions for key in types[q.type].answer_keys(q)}
    formdata, wrong = MultiDict(), AnswerCheck()
    for key, value in stored.items():
        question = questions.get(key)
        if question is None:
            wrong.add(str(key), _("There is no answer %(key)s in this questionnaire.", key=key))
            continue
        try:
            posted = types[question.type].formdata(question, key, value)
        except WrongValue as err:
            wrong.add(key, str(err), _page_of(instrument, question))
            continue
        for item in posted:
            formdata.add(key, item)
    return formdata, wrong


def _page_of(instrument: Instrument, question: Question) -> int:
    return next(i for i, page in enumerate(instrument.pages) if question in page.questions)


def check_answers(
    types: Mapping[str, QuestionType],
    instrument: Instrument,
    stored: Mapping[str, Any],
    *,
    final: bool,
    locale: str | None = None,
) -> AnswerCheck:
    """Check stored answers (JSON values): their kind, then everything ``check_formdata`` checks."""
    formdata, result = formdata_of(types, instrument, stored)
    checked = check_formdata(types, instrument, formdata, final=final, locale=locale)
    result.answers = checked.answers
    for key, messages in checked.problems.items():
        if key not in result.problems:  # a value of the wrong kind is not also "missing"
            result.problems[key] = list(messages)
    if checked.first_page is not None and (result.first_page is None or checked.first_page < result.first_page):
        result.first_page = checked.first_page
    return result
