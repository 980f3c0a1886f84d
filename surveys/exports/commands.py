"""``surveys export``: a campaign's export written to a file from the command line; ``surveys exports purge``:
expired background exports deleted, for cron (docs/exports.md)."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

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
        raise click.BadParameter(f"no campaign {campaign_id}", param_hint="CAMPAIGN_ID")
    wave_ids = []
    for reference in waves:
        found = next((w.id for w in campaign.waves if str(w.id) == reference or w.name == reference), None)
        if found is None:
            raise click.BadParameter(f"campaign {campaign_id} has no wave {reference!r}", param_hint="--wave")
        wave_ids.append(found)
    request = ExportRequest(tuple(wave_ids), tuple(instruments), tuple(forms), individual)
    if not output.parent.is_dir():
        raise click.BadParameter(f"no folder {output.parent}", param_hint="--output")
    report = write_export(campaign, request, fmt, output, delimiter=delimiter)
    details = {**request.as_dict(), "file": output.name, "command_line": True}
    record(f"export.{fmt}", f"campaign:{campaign.id}", organisation_id=campaign.organisation_id, **details)
    rows = sum(report.rows.values())
    click.echo(f"wrote {output} ({fmt}, {len(report.rows)} tables, {rows} rows)")
    if report.cut_cells:
        click.echo(f"{report.cut_cells} cells longer than Excel allows were cut; CSV and JSON keep them whole")


exports = AppGroup("exports", help="Background exports kept in the database.")


@exports.command("purge")
@with_appcontext
def purge():
    """Delete exports past their retention (a day) with their stored files; run it from cron."""
    removed = forget_old_jobs()
    folder = Path(current_app.instance_path) / "exports"
    leftovers = sweep(folder) if folder.is_dir() else 0
    hours = int(KEEP.total_seconds() // 3600)
    click.echo(f"deleted {removed} export{'' if removed == 1 else 's'} older than {hours} hours")
    if leftovers:
        click.echo(f"removed {leftovers} unfinished file{'' if leftovers == 1 else 's'} left by stopped exports")
