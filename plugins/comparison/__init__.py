"""Input/output comparison: the same people's scores in two waves of a campaign."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from surveys import hookimpl
from surveys.core.contracts import Analysis, WavePair


def run(data: WavePair):
    """The full comparison report of two waves (see report.py and docs/comparison.md)."""
    from surveys.instruments import catalogue

    from .report import build_report

    return build_report(data.tables, catalogue(data.tables.organisation_id), data.before, data.after)


@hookimpl
def surveys_register_analyses():
    return [
        Analysis(
            name="comparison",
            title=_l("Compare waves"),
            applies_to="wave_pair",
            run=run,
            endpoint="comparison.campaign",
        )
    ]


@hookimpl
def surveys_register_blueprints():
    from .views import bp

    return [bp]


@hookimpl
def surveys_export_sheets(campaign, tables):
    """The comparison of the first and the last wave, with charts, and its method note."""
    from surveys.instruments import catalogue

    from .service import default_waves

    instruments = catalogue(campaign.organisation_id)
    waves = default_waves(tables.waves)
    scored = {i for i, instrument in instruments.items() if instrument.scales}
    if waves is None or not tables.has_answers_to(scored):
        return None
    from .export import comparison_sheets  # scipy is imported only when there is something to compare

    return comparison_sheets(tables, instruments, *waves)


@hookimpl
def surveys_register_commands(cli):
    """``surveys compare CAMPAIGN [--from WAVE --to WAVE] [--by GROUP] --json``."""
    import json
    import sys

    import click
    from flask.cli import with_appcontext
    from flask_babel import gettext as _

    @cli.command("compare")
    @click.argument("campaign_id", type=int)
    @click.option("--from", "before", help="The earlier wave: id or name (default: the input wave).")
    @click.option("--to", "after", help="The later wave: id or name (default: the output wave).")
    @click.option("--by", "group_by", type=click.Choice(["form", "role", "group", "variant", "mentor"]))
    @click.option("--json", "as_json", is_flag=True, help="Print the whole report as JSON.")
    @with_appcontext
    def compare(campaign_id, before, after, group_by, as_json):
        """Compare two waves of a campaign: paired tests, change per person, bands (docs/comparison.md)."""
        from surveys.core.models import Campaign
        from surveys.extensions import db

        from .service import campaign_report, wave_id

        campaign = db.session.get(Campaign, campaign_id)
        if campaign is None:
            click.echo(_("no campaign %(id)s; see 'surveys campaign list'", id=campaign_id), err=True)
            sys.exit(2)
        ids = [wave_id(campaign, ref) if ref is not None else None for ref in (before, after)]
        if any(ref is not None and found is None for ref, found in zip((before, after), ids, strict=True)):
            click.echo(_("unknown wave; give a wave id or name of this campaign"), err=True)
            sys.exit(2)
        try:
            report = campaign_report(campaign, ids[0], ids[1], group_by)
        except ValueError as err:
            click.echo(str(err), err=True)
            sys.exit(2)
        if as_json:
            click.echo(json.dumps(report, ensure_ascii=False, indent=2))
            return
        click.echo(report["method_note"])


@hookimpl
def surveys_dashboard_panels(view):
    """Per campaign of the programme: key scales by form, reliable improvement, band distributions,
    expected vs real, and the method note (input → output waves)."""
    from surveys.instruments import catalogue

    from .panels import campaign_panels

    return [
        panel
        for campaign in view.campaigns
        for panel in campaign_panels(view, campaign, catalogue(campaign.organisation_id))
    ]
