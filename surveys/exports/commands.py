"""``surveys export``: a campaign's export written to a file from the command line; ``surveys exports purge``:
expired background exports deleted, for cron (docs/exports.md)."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from flask_babel import gettext as _
from flask_babel import ngettext

from surveys.audit import record
from surveys.core.models import Campaign
from surveys.exports.files import DELIMITERS, FORMATS, write_export
from surveys.exports.jobs import KEEP, forget_old_jobs, sweep
from surveys.exports.plan import ExportRequest
from surveys.extensions import db


@click.command("export")
@click.argument("campaign_id", type=int)
@click.option("--format", "fmt", type=click.Choice(sorted(FORMATS)), default="xlsx", show_default=True)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True, help="The file to write."
)
@click.option("--wave", "waves", multiple=True, help="A wave to keep, by id or name (repeatable; default: all).")
@click.option("--instrument", "instruments", multiple=True, help="A questionnaire id to keep (repeatable).")
@click.option("--form", "forms", multiple=True, help="A form of mentoring to keep (repeatable).")
@click.option("--individual", is_flag=True, help="Add raw answers and scores under pseudonymous codes.")
@click.option("--delimiter", type=click.Choice(DELIMITERS), default=",", show_default=True, help="CSV only.")
@with_appcontext
def export(campaign_id, fmt, output, waves, instruments, forms, individual, delimiter):
    """Write CAMPAIGN's export (XLSX, a ZIP of CSV files, or JSON) to OUTPUT; the export is audited."""
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        raise click.BadParameter(_("no campaign %(id)s", id=campaign_id), param_hint="CAMPAIGN_ID")
    wave_ids = []
    for reference in waves:
        found = next((w.id for w in campaign.waves if str(w.id) == reference or w.name == reference), None)
        if found is None:
            message = _("campaign %(id)s has no wave '%(wave)s'", id=campaign_id, wave=reference)
            raise click.BadParameter(message, param_hint="--wave")
        wave_ids.append(found)
    request = ExportRequest(tuple(wave_ids), tuple(instruments), tuple(forms), individual)
    if not output.parent.is_dir():
        raise click.BadParameter(_("no folder %(path)s", path=output.parent), param_hint="--output")
    report = write_export(campaign, request, fmt, output, delimiter=delimiter)
    details = {**request.as_dict(), "file": output.name, "command_line": True}
    record(f"export.{fmt}", f"campaign:{campaign.id}", organisation_id=campaign.organisation_id, **details)
    rows = sum(report.rows.values())
    tables = ngettext("%(num)d table", "%(num)d tables", len(report.rows))
    lines = ngettext("%(num)d row", "%(num)d rows", rows)
    click.echo(
        _("wrote %(path)s (%(format)s, %(tables)s, %(rows)s)", path=output, format=fmt, tables=tables, rows=lines)
    )
    if report.cut_cells:
        message = ngettext(
            "%(num)d cell longer than Excel allows was cut; CSV and JSON keep it whole",
            "%(num)d cells longer than Excel allows were cut; CSV and JSON keep them whole",
            report.cut_cells,
        )
        click.echo(message)


exports = AppGroup("exports", help="Background exports kept in the database.")


@exports.command("purge")
@with_appcontext
def purge():
    """Delete exports past their retention (a day) with their stored files; run it from cron."""
    removed = forget_old_jobs()
    folder = Path(current_app.instance_path) / "exports"
    leftovers = sweep(folder) if folder.is_dir() else 0
    hours = int(KEEP.total_seconds() // 3600)
    age = ngettext("older than %(num)d hour", "older than %(num)d hours", hours)
    deleted = ngettext("deleted %(num)d export %(age)s", "deleted %(num)d exports %(age)s", removed, age=age)
    click.echo(deleted)
    if leftovers:
        message = ngettext(
            "removed %(num)d unfinished file left by stopped exports",
            "removed %(num)d unfinished files left by stopped exports",
            leftovers,
        )
        click.echo(message)
