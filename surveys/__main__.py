"""The ``surveys`` command and ``python -m surveys``: a Flask CLI group, so ``flask --app surveys ...``
works too. Its commands are registered by the app factory (``surveys.cli.register_commands``)."""

from __future__ import annotations

import sys

import click
from flask.cli import FlaskGroup

from .core.errors import SurveysError
from .factory import create_app


def _make_app():
    try:
        return create_app()
    except SurveysError as err:  # a start-up problem: say what and where, no traceback
        click.echo(f"surveys cannot start:\n{err}", err=True)
        sys.exit(2)


def main() -> None:
    FlaskGroup(create_app=_make_app, help="Questionnaires for mentoring programmes.")(prog_name="surveys")


if __name__ == "__main__":
    main()
