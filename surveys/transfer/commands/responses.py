"""``surveys responses``: import paper answers typed into an entry template (see docs/paper.md)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from flask_babel import gettext as _

from surveys.core.models import Campaign, Wave
from surveys.extensions import db
from surveys.instruments import instrument_for
from surveys.transfer.paper_entry import import_filled
from surveys.transfer.paper_reading import PaperError, read_meta

responses = AppGroup("responses", help="Import paper answers into a wave.")


def _fail(message: str) -> None:
    click.echo(message, err=True)
    sys.exit(1)


def find_wave(campaign: Campaign, wave: str) -> Wave | None:
    """The campaign's wave with this id, else the one with this name (None if none or several)."""
    if wave.isdigit():
        by_id = next((w for w in campaign.waves if w.id == int(wave)), None)
        if by_id is not None:
            return by_id
    named = [w for w in campaign.waves if w.name == wave]
    return named[0] if len(named) == 1 else None


@responses.command("import")
@click.argument("campaign_id", metavar="CAMPAIGN", type=int)
@click.argument("wave")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--valid-rows", is_flag=True, help="Import the rows without problems even if other rows have some.")
@click.option(
    "--replace-online",
    is_flag=True,
    help="Overwrite answers participants typed online (refused otherwise); each one is audited.",
)
@with_appcontext
def responses_import(campaign_id: int, wave: str, file: str, valid_rows: bool, replace_online: bool) -> None:
    """Import a filled paper template FILE into WAVE (an id or a name) of campaign CAMPAIGN (an id).

    The questionnaire is read from the file. Prints the counts and one 'answers!C7: message' line per
    problem; exits with 1 when there are problems and nothing was imported.
    """
    found = db.session.get(Campaign, campaign_id)
    if found is None:
        _fail(_("campaign %(id)s: no such campaign", id=campaign_id))
    target = find_wave(found, wave)
    if target is None:
        _fail(_("campaign %(id)s: no wave with the id or name '%(wave)s'", id=campaign_id, wave=wave))
    data = Path(file).read_bytes()
    mode = "valid_rows" if valid_rows else "all_or_nothing"
    with current_app.test_request_context():  # the questionnaire's forms need one
        try:
            instrument_id, _version = read_meta(data)
            instrument = instrument_for(found.organisation_id, instrument_id)
            if instrument is None:
                _fail(_("%(file)s: the questionnaire '%(id)s' is not loaded", file=file, id=instrument_id))
            where = {"organisation_id": found.organisation_id, "via": "cli", "file": Path(file).name}
            result = import_filled(target, instrument, data, mode, replace_online, **where)
        except PaperError as err:
            _fail(f"{file}: {err}")
        click.echo(
            _(
                "%(instrument)s: %(rows)s rows with answers; %(created)s new, %(updated)s updated, "
                "%(unchanged)s unchanged; %(rejected)s rows with problems.",
                instrument=instrument.id,
                rows=result.rows,
                created=result.created,
                updated=result.updated,
                unchanged=result.unchanged,
                rejected=result.rejected,
            )
        )
        for problem in result.problems:
            click.echo(str(problem))
    if result.problems and not result.written:
        sys.exit(1)
