"""``surveys instrument add-texts ID FILE``: a school's item texts for a key-only instrument."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _
from flask_babel import ngettext

from surveys.audit import record
from surveys.core.errors import DefinitionError
from surveys.core.models import Organisation
from surveys.extensions import db
from surveys.instruments.text_packs import read_pack, save_pack
from surveys.state import get_state


@click.command("add-texts")
@click.argument("instrument_id")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--organisation", "organisation_ref", help="Organisation id or name (needed when there are several).")
@with_appcontext
def add_texts(instrument_id: str, path: str, organisation_ref: str | None) -> None:
    """Check a text pack against the instrument's item ids and store it for an organisation."""
    instrument = get_state().instrument(instrument_id)
    if instrument is None:
        click.echo(_("unknown instrument '%(id)s'; see 'surveys instrument list'", id=instrument_id), err=True)
        sys.exit(2)
    if not instrument.key_only:
        message = _("'%(id)s' ships its own texts (licence.bundle_texts is true): nothing to add", id=instrument_id)
        click.echo(message, err=True)
        sys.exit(2)
    organisations = list(db.session.execute(db.select(Organisation).order_by(Organisation.id)).scalars())
    if organisation_ref:
        found = [o for o in organisations if str(o.id) == organisation_ref or o.name == organisation_ref]
    else:
        found = organisations if len(organisations) == 1 else []
    if len(found) != 1:
        click.echo(_("choose the organisation with --organisation ID or NAME"), err=True)
        sys.exit(2)
    try:
        with open(path, encoding="utf-8-sig") as handle:
            texts = read_pack(path, instrument, handle.read())
    except DefinitionError as err:
        for problem in err.problems:
            click.echo(str(problem), err=True)
        sys.exit(1)
    organisation = found[0]
    save_pack(organisation.id, instrument, texts, None)
    record(
        "instrument.texts", f"instrument:{instrument.id}", organisation_id=organisation.id, items=len(texts), via="cli"
    )
    summary = ngettext(
        "%(id)s: the text of %(num)d item added for %(organisation)s",
        "%(id)s: the texts of %(num)d items added for %(organisation)s",
        len(texts),
        id=instrument.id,
        organisation=organisation.name,
    )
    click.echo(summary)
