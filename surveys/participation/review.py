"""The review page before a questionnaire is sent, and the support note after a clinical one.

The review lists every question the conditions leave shown, page by page, with the answer given
as the participant saw it (a choice's label, not its code). It reads the question types' own
fields, so a plugin's question type is shown the same way as a built-in one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from surveys.core.answers import page_form
from surveys.core.definitions import Instrument, Question
from surveys.core.question_base import OTHER, WrongValue, other_key
from surveys.state import get_state


@dataclass(frozen=True)
class ReviewQuestion:
    """One shown question: its text (None for a key-only instrument) and its answers as
    ``(label, answer)``; the label is None for a one-answer question, an answer None when skipped."""

    text: str | None
    rows: list[tuple[str | None, str | None]]


@dataclass(frozen=True)
class ReviewPage:
    id: str
    title: str | None
    questions: list[ReviewQuestion]


def _shown(value: Any) -> bool:
    return value not in (None, "", [])


def _choice_text(field, value: Any, other_text: Any) -> str:
    labels = {}
    for choice in field.choices or []:
        code, label = (choice.value, choice.label) if hasattr(choice, "value") else (choice[0], choice[1])
        labels[str(code)] = str(label)
    chosen = value if isinstance(value, list) else [value]
    texts = []
    for item in chosen:
        text = labels.get(str(item), str(item))
        if item == OTHER and _shown(other_text):
            text = f"{text}: {other_text}"
        texts.append(text)
    return "; ".join(texts)


def _answer_text(field, value: Any, other_text: Any = None, posted_as=None) -> str | None:
    """``posted_as``: the stored value turned into what the form posts (a yes/no answer is stored as
    true or false, and its choices are "yes" and "no")."""
    if not _shown(value):
        return None
    if getattr(field, "choices", None):
        if posted_as is not None:
            value = posted_as if isinstance(value, list) else (posted_as[0] if posted_as else value)
        return _choice_text(field, value, other_text)
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return str(value)


def _posted(qtype, question: Question, key: str, answers: dict) -> list[str] | None:
    try:
        return qtype.formdata(question, key, answers.get(key))
    except WrongValue:
        return None


def _question(question: Question, qtype, form, keys: list[str], answers: dict, numbered: list[int] | None, locale: str):
    """``numbered``: a key-only instrument's running item number (the texts are the school's
    licensed copy, so the review names items by number, as the instrument's key does)."""
    extra = other_key(question.id)
    rows = []
    for key in keys:
        if key == extra:
            continue  # shown with the 'other' choice it belongs to
        field = form[key]
        answer = _answer_text(field, answers.get(key), answers.get(extra), _posted(qtype, question, key, answers))
        if numbered is not None:
            numbered[0] += 1
            rows.append((_("Item %(n)s", n=numbered[0]), answer))
        elif len(keys) > 1 and key != question.id:
            rows.append((str(field.label.text), answer))
        else:
            rows.append((None, answer))
    text = None if numbered is not None else (question.text.get(locale) if question.text is not None else "")
    return ReviewQuestion(text, rows)


def review_pages(instrument: Instrument, answers: dict[str, Any], visible: list[int], locale: str) -> list[ReviewPage]:
    """The shown questions of the ``visible`` pages with their answers, in page order."""
    types = get_state().registry.question_types
    numbered = [0] if instrument.key_only else None
    pages = []
    for index in visible:
        page = instrument.pages[index]
        form, blocks = page_form(types, instrument.id, page, answers, locale)
        questions = [
            _question(block.question, types[block.question.type], form, block.keys, answers, numbered, locale)
            for block in blocks
            if block.keys
        ]
        if questions:
            pages.append(ReviewPage(page.id, page.title.get(locale) if page.title else None, questions))
    return pages


def has_cutoff(instrument: Instrument) -> bool:
    """A questionnaire with a clinical cut-off: a scale with bands where a higher score is worse
    (GAD-7, STAI, MBI; CBI ships no bands). After one, the participant is shown whom to turn to, never a score."""
    return any(scale.bands and scale.higher_is == "worse" for scale in instrument.scales)
