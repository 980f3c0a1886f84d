"""The language of command-line messages printed where no app exists: ``surveys cannot start`` (the app
failed to build) and ``surveys plugin new`` (needs no server). Inside an app the commands use Flask-Babel.

The language is ``surveys --lang`` if given, else the ``SURVEYS_DEFAULT_LOCALE`` environment variable,
else Russian: what the app would choose, read without building it."""

from __future__ import annotations

import os
from pathlib import Path

import click
from babel.support import Translations
from flask import has_app_context
from flask.cli import ScriptInfo
from flask_babel import gettext as app_gettext

LOCALES = ("ru", "en")  # surveys.factory.LOCALES; imported from there it would make an import cycle
TRANSLATIONS = Path(__file__).parent / "translations"
CHOSEN = "surveys_lang"  # the key of ``--lang`` in ``ScriptInfo.data``


def remember_language(ctx: click.Context, value: str) -> None:
    """Keep the ``--lang`` choice where messages printed without an app can find it."""
    ctx.ensure_object(ScriptInfo).data[CHOSEN] = value


def cli_locale() -> str:
    """``--lang``, else ``SURVEYS_DEFAULT_LOCALE``, else ``ru``."""
    ctx = click.get_current_context(silent=True)
    info = ctx.find_object(ScriptInfo) if ctx is not None else None
    chosen = info.data.get(CHOSEN) if info is not None else None
    locale = chosen or os.environ.get("SURVEYS_DEFAULT_LOCALE", "").strip() or "ru"
    return locale if locale in LOCALES else "ru"


def gettext(message: str, **variables: object) -> str:
    """``message`` translated like ``flask_babel.gettext``; without an app, into ``cli_locale()``."""
    if has_app_context():
        return app_gettext(message, **variables)
    translated = Translations.load(str(TRANSLATIONS), [cli_locale()]).gettext(message)
    return translated % variables if variables else translated
