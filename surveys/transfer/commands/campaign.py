"""``surveys campaign``: list campaigns, export one to a bundle file, import a bundle file.

See docs/bundle.md for the bundle format and the rules of import.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask.cli import AppGroup, with_appcontext
from flask_babel import gettext as _
from flask_babel import ngettext
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
        click.echo(_("no campaigns"))
    for found in campaigns:
        organisation = organisations.get(found.organisation_id)
        line = _("campaign %(id)s", id=found.id), found.name, _("organisation %(id)s", id=found.organisation_id)
        click.echo("\t".join([*line, organisation.name]))
        for wave in found.waves:
            total, submitted = counts.get(wave.id, (0, 0))
            responses = ngettext("%(num)d response", "%(num)d responses", total)
            counted = _("%(responses)s (%(submitted)s submitted)", responses=responses, submitted=submitted)
            click.echo("\t".join(["  " + _("wave %(id)s", id=wave.id), wave.name, wave.kind, wave.state(), counted]))


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
        _fail(_("campaign %(id)s: no such campaign", id=campaign_id))
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
        message = _("warning: two waves are named '%(name)s': rename one, or the bundle will not import", name=name)
        click.echo(message, err=True)
    counts = {key: len(bundle[key]) for key in ("participants", "waves", "responses")}
    summary = _(
        "campaign %(id)s exported to %(file)s: participants %(participants)s, waves %(waves)s, responses %(responses)s",
        id=found.id,
        file=file,
        **counts,
    )
    if with_personal_data:
        summary = _("%(summary)s, with personal data", summary=summary)
    click.echo(summary, err=file == "-")


def _organisation(organisation_id: int | None) -> Organisation | None:
    """The organisation to import into: the one named, else the only one, else None (none exist)."""
    if organisation_id is not None:
        found = db.session.get(Organisation, organisation_id)
        if found is None:
            _fail(_("--organisation %(id)s: no such organisation", id=organisation_id), 2)
        return found
    organisations = list(db.session.execute(db.select(Organisation).order_by(Organisation.id)).scalars())
    if len(organisations) > 1:
        names = ", ".join(f"{o.id} ({o.name})" for o in organisations)
        _fail(_("several organisations exist: %(names)s; choose one with --organisation ID", names=names), 2)
    return organisations[0] if organisations else None


def _kind_names() -> dict[str, str]:
    """The rows of the import table, in the interface language."""
    return {
        "campaigns": _("campaigns"),
        "programmes": _("programmes"),
        "forms": _("forms"),
        "participants": _("participants"),
        "enrolments": _("enrolments"),
        "personal_data": _("personal data"),
        "waves": _("waves"),
        "assignments": _("assignments"),
        "pairs": _("pairs"),
        "responses": _("responses"),
    }


def _count_columns() -> list[tuple[str, str, int]]:
    """The columns of the import table: key, heading, least width."""
    return [("created", _("created"), 9), ("updated", _("updated"), 9), ("unchanged", _("unchanged"), 11)]


@campaign.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.option("--organisation", "organisation_id", type=int, help="Organisation id (default: the only one).")
@with_appcontext
def campaign_import(file: str, organisation_id: int | None) -> None:
    """Import the bundle FILE ('-' for standard input); importing it again duplicates nothing."""
    try:
        text = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        _fail(_("%(file)s: not UTF-8 text", file=file))
    except OSError as err:
        _fail(f"{file}: {err.strerror}")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        _fail(_("%(where)s: not valid JSON: %(error)s", where=f"{file}:{err.lineno}:{err.colno}", error=err.msg))
    except RecursionError:
        _fail(_("%(file)s: not a bundle: arrays or objects nested too deeply", file=file))
    organisation = _organisation(organisation_id)
    try:
        result = import_bundle(data, organisation)
    except BundleError as err:
        for problem in err.problems:
            click.echo(str(problem), err=True)
        count = len(err.problems)
        _fail(
            ngettext(
                "%(file)s: %(num)d problem; nothing was imported",
                "%(file)s: %(num)d problems; nothing was imported",
                count,
                file=file,
            )
        )
    for warning in result.warnings:
        click.echo(_("%(path)s: warning: %(message)s", path=warning.path, message=warning.message), err=True)
    found = db.session.get(Campaign, result.campaign_id)
    organisation = db.session.get(Organisation, result.organisation_id)
    into = {"campaign": f"{found.id} ({found.name})", "organisation": f"{organisation.id} ({organisation.name})"}
    if result.organisation_created:
        click.echo(_("imported campaign %(campaign)s into the new organisation %(organisation)s", **into))
    else:
        click.echo(_("imported campaign %(campaign)s into organisation %(organisation)s", **into))
    names = _kind_names()
    width = max(14, *(len(name) + 1 for name in names.values()))
    columns = [(key, head, max(least, len(head) + 2)) for key, head, least in _count_columns()]
    click.echo(" " * width + "".join(f"{head:>{size}}" for _key, head, size in columns))
    for kind in KINDS:
        row = result.counts[kind]
        click.echo(f"{names[kind]:{width}}" + "".join(f"{row[key]:>{size}}" for key, _head, size in columns))
    click.echo(_("scores recomputed for %(num)s submitted responses", num=result.scores_recomputed))
