"""The participant's page form: the core's page of questions (``core.answers``) on a Flask-WTF
form, with CSRF protection where the address is public."""

from __future__ import annotations

from typing import Any

from flask import current_app, request
from flask_babel import get_locale
from flask_wtf import FlaskForm
from wtforms import HiddenField

from surveys.core import answers as checks
from surveys.core.answers import Block, read_answers, wtforms_messages
from surveys.core.definitions import Page
from surveys.plugins import Registry

__all__ = ["Block", "ParticipantForm", "PageForm", "page_form", "read_answers", "wtforms_messages"]


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


class PageForm(ParticipantForm):
    instrument = HiddenField()
    page = HiddenField()


def page_form(
    registry: Registry, instrument_id: str, page: Page, answers: dict[str, Any], locale: str, formdata=None
) -> tuple[FlaskForm, list[Block]]:
    """A bound participant form for the questions of ``page`` that ``answers`` leave shown, prefilled."""
    return checks.page_form(registry.question_types, instrument_id, page, answers, locale, formdata, base=PageForm)
