"""The instruments feature's commands of the ``surveys`` command group (``surveys.cli`` adds them)."""

from __future__ import annotations

import click
from flask_babel import ngettext

from surveys.core.definitions import Instrument
from surveys.instruments.participant_notes import title_warnings


def checked_line(path: object, loaded: Instrument) -> str:
    """What ``instrument check`` and ``import-xlsform`` print for a file that loads: «path: в порядке (…)»."""
    return ngettext(
        "%(path)s: ok (%(id)s v%(version)s, %(num)d question)",
        "%(path)s: ok (%(id)s v%(version)s, %(num)d questions)",
        len(loaded.questions()),
        path=path,
        id=loaded.id,
        version=loaded.version,
    )


def echo_checked(path: object, loaded: Instrument) -> None:
    """What ``instrument check`` prints for a file that loads: its warnings (standard error), then its
    «в порядке» line."""
    for warning in title_warnings(str(path), loaded):
        click.echo(str(warning), err=True)
    click.echo(checked_line(path, loaded))
