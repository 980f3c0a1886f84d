"""``surveys campaign``: list campaigns, export one to a bundle file, import a bundle file.

See docs/bundle.md for the bundle format and the rules of import.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import case, func

from surveys.core.models import Campaign, Organisation, Response
from surveys.extensions import db
from surveys.transfer.bundle import dumps, export_bundle
from surveys.transfer.bundle_checks import BundleError
from surveys.transfer.bundle_import import KINDS, import_bundle

campaign = AppGroup("campaign", help="List campaigns, export one as a bundle file, import a bundle file.")


def _fail(message: str, code: int = 1) -> None:
    click.echo(message, err=True)
    sys.exit(code)


@campaign.command("list")
@with_appcontext
def campaign_list() -> None:
    """List campaigns with their organisation, and each wave with its response counts."""
    organisations = {o.id: o for o in db.session.execute(db.select(Organisation)).scalars()}
    counts = {
        wave_id: (total, submitted or 0)
        for wave_id, total, submitted in db.session.execute(
            db.select(
                Response.wave_id,
                func.count(Response.id),
                func.sum(case((Response.status == "submitted", 1), else_=0)),
            ).group_by(Response.wave_id)
        )
    }
    campaigns = list(db.session.execute(db.select(Campaign).order_by(Campaign.id)).scalars())
    if not campaigns:
        click.echo("no campaigns")
    for found in campaigns:
        organisation = organisations.get(found.organisation_id)
        click.echo(f"campaign {found.id}\t{found.name}\torganisation {found.organisation_id}\t{organisation.name}")
        for wave in found.waves:
            total, submitted = counts.get(wave.id, (0, 0))
            click.echo(
                f"  wave {wave.id}\t{wave.name}\t{wave.kind}\t{wave.state()}\t"
                f"{total} response{'' if total == 1 else 's'} ({submitted} submitted)"
            )


@campaign.command("export")
@click.argument("campaign_id", type=int)
@click.argument("file", type=click.Path(dir_okay=False, writable=True, allow_dash=True))
@click.option(
    "--with-personal-data",
    is_flag=True,
    help="Include names, birth years and sex (personal data: keep the file as carefully as the database).",
)
@with_appcontext
def campaign_export(campaign_id: int, file: str, with_personal_data: bool) -> None:
    """Write campaign CAMPAIGN_ID to FILE as a bundle ('-' for standard output)."""
    found = db.session.get(Campaign, campaign_id)
    if found is None:
        _fail(f"campaign {campaign_id}: no such campaign")
    bundle = export_bundle(found, with_personal_data=with_personal_data)
    text = dumps(bundle)
    if file == "-":
        click.echo(text, nl=False)
    else:
        try:
            with open(file, "w", encoding="utf-8") as out:
                out.write(text)
        except OSError as err:
            _fail(f"{file}: {err.strerror}")
    names = [wave["name"] for wave in bundle["waves"]]
    for name in sorted({n for n in names if names.count(n) > 1}):
        click.echo(f"warning: two waves are named '{name}': rename one, or the bundle will not import", err=True)
    extra = ", with personal data" if with_personal_data else ""
    click.echo(
        f"campaign {found.id} exported to {file}: {len(bundle['participants'])} participants, "
        f"{len(bundle['waves'])} waves, {len(bundle['responses'])} responses{extra}",
        err=file == "-",
    )


def _organisation(organisation_id: int | None) -> Organisation | None:
    """The organisation to import into: the one named, else the only one, else None (none exist)."""
    if organisation_id is not None:
        found = db.session.get(Organisation, organisation_id)
        if found is None:
            _fail(f"--organisation {organisation_id}: no such organisation", 2)
        return found
    organisations = list(db.session.execute(db.select(Organisation).order_by(Organisation.id)).scalars())
    if len(organisations) > 1:
        names = ", ".join(f"{o.id} ({o.name})" for o in organisations)
        _fail(f"several organisations exist: {names}; choose one with --organisation ID", 2)
    return organisations[0] if organisations else None


@campaign.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.option("--organisation", "organisation_id", type=int, help="Organisation id (default: the only one).")
@with_appcontext
def campaign_import(file: str, organisation_id: int | None) -> None:
    """Import the bundle FILE ('-' for standard input); importing it again duplicates nothing."""
    try:
        text = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        _fail(f"{file}: not UTF-8 text")
    except OSError as err:
        _fail(f"{file}: {err.strerror}")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        _fail(f"{file}:{err.lineno}:{err.colno}: not valid JSON: {err.msg}")
    except RecursionError:
        _fail(f"{file}: not a bundle: arrays or objects nested too deeply")
    organisation = _organisation(organisation_id)
    try:
        result = import_bundle(data, organisation)
    except BundleError as err:
        for problem in err.problems:
            click.echo(str(problem), err=True)
        count = len(err.problems)
        _fail(f"{file}: {count} problem{'' if count == 1 else 's'}; nothing was imported")
    for warning in result.warnings:
        click.echo(f"{warning.path}: warning: {warning.message}", err=True)
    found = db.session.get(Campaign, result.campaign_id)
    organisation = db.session.get(Organisation, result.organisation_id)
    new = " (new)" if result.organisation_created else ""
    click.echo(
        f"imported campaign {found.id} ({found.name}) into organisation {organisation.id} ({organisation.name}){new}"
    )
    click.echo(f"{'':14}{'created':>9}{'updated':>9}{'unchanged':>11}")
    for kind in KINDS:
        row = result.counts[kind]
        click.echo(f"{kind:14}{row['created']:>9}{row['updated']:>9}{row['unchanged']:>11}")
    click.echo(f"scores recomputed for {result.scores_recomputed} submitted responses")
