"""The ``surveys`` command and ``python -m surveys``: a Flask CLI group, so ``flask --app surveys ...``
works too. Its commands are registered by the app factory (``surveys.cli.register_commands``).

Messages follow ``SURVEYS_DEFAULT_LOCALE`` (Russian unless set); ``surveys --lang en ...`` wins over it."""

from __future__ import annotations

import sys

import click
from flask.cli import FlaskGroup, ScriptInfo

from .cli_language import gettext as _
from .cli_language import remember_language
from .core.errors import SurveysError
from .factory import LOCALES, create_app


def _make_app():
    try:
        return create_app()
    except SurveysError as err:  # a start-up problem: say what and where, no traceback
        # no app, so no Flask-Babel: the message follows --lang or SURVEYS_DEFAULT_LOCALE (surveys.cli_language)
        click.echo(_("surveys cannot start:") + f"\n{err}", err=True)
        sys.exit(2)


def _choose_language(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    """``--lang``: the app the commands load speaks this language (its default locale outside requests)."""
    if value is None:
        return
    remember_language(ctx, value)
    info = ctx.ensure_object(ScriptInfo)
    make = info.create_app

    def make_in_language():
        app = make()
        app.config["SURVEYS_DEFAULT_LOCALE"] = app.config["BABEL_DEFAULT_LOCALE"] = value
        return app

    info.create_app = make_in_language


cli = FlaskGroup(
    create_app=_make_app,
    help="Questionnaires for mentoring programmes.",
    params=[
        click.Option(
            ["--lang"],
            type=click.Choice(LOCALES),
            expose_value=False,
            is_eager=True,
            callback=_choose_language,
            help="Language of the messages (default: SURVEYS_DEFAULT_LOCALE, else ru).",
        )
    ],
)


def main() -> None:
    cli(prog_name="surveys")


if __name__ == "__main__":
    main()
