"""``surveys participant erase`` and ``surveys retention run``: erasing a person and the retention rule
from the command line (docs/privacy.md)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from surveys.core.models import Organisation, Participant
from surveys.extensions import db
from surveys.workspace.erasure import erase
from surveys.workspace.retention import run

participant = AppGroup("participant", help="Participants: erasing a person.")
retention = AppGroup("retention", help="The retention rule for personal data (SURVEYS_RETENTION_DAYS).")

ERASED_LINES = {
    "personal_data": _l("personal data records"),
    "responses": _l("responses"),
    "scores": _l("scores"),
    "invitations": _l("personal links"),
    "guardian_consents": _l("guardian consents"),
    "enrolments": _l("places in programmes"),
    "pair_places": _l("places in pairs as a mentee"),
    "pairs": _l("pairs"),
    "exports": _l("stored exports"),
    "audit_events_scrubbed": _l("audit events cleared of the person"),
}


def find_organisation(chosen: str) -> Organisation:
    """The organisation given by id or by exact name; a usage error names what was not found."""
    chosen = chosen.strip()
    if chosen.isdigit():
        found = db.session.get(Organisation, int(chosen))
        if found is not None:
            return found
    named = list(db.session.execute(db.select(Organisation).filter_by(name=chosen)).scalars())
    if len(named) == 1:
        return named[0]
    if len(named) > 1:
        ids = ", ".join(str(o.id) for o in named)
        raise click.UsageError(
            _("several organisations are named '%(name)s': give the id (%(ids)s)", name=chosen, ids=ids)
        )
    raise click.UsageError(_("no organisation with the id or name '%(name)s'", name=chosen))


@participant.command("erase")
@click.argument("code")
@click.option("--organisation", "organisation", required=True, help="The organisation's id or name.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def erase_participant(code: str, organisation: str, yes: bool) -> None:
    """Erase a participant: personal data, answers, scores, links, places in programmes and pairs."""
    found = find_organisation(organisation)
    person = db.session.execute(
        db.select(Participant).filter_by(organisation_id=found.id, code=code.strip())
    ).scalar_one_or_none()
    if person is None:
        raise click.UsageError(
            _("no participant with the code '%(code)s' in %(organisation)s", code=code, organisation=found.name)
        )
    if not yes:
        question = _(
            "Erase %(code)s of %(organisation)s for good? This cannot be undone.",
            code=person.code,
            organisation=found.name,
        )
        click.confirm(question, abort=True)
    erased = erase(person, user_id=None, via="cli")
    click.echo(_("Participant %(code)s erased.", code=code.strip()))
    for key, label in ERASED_LINES.items():
        click.echo(f"  {label}: {getattr(erased, key)}")


@retention.command("run")
@click.option("--dry-run", is_flag=True, help="Only list who is due; change nothing.")
def run_retention(dry_run: bool) -> None:
    """Anonymise the people whose programmes were archived more than SURVEYS_RETENTION_DAYS days ago."""
    days = current_app.config["SURVEYS_RETENTION_DAYS"]
    if days is None:
        click.echo(_("SURVEYS_RETENTION_DAYS is not set: no personal data is removed automatically."))
        return
    runs = run(days, dry_run=dry_run)
    if not runs:
        click.echo(
            _(
                "Nobody is due: no programme was archived more than %(days)s days ago with personal data left.",
                days=days,
            )
        )
    for done in runs:
        place = f"{done.name} (id {done.organisation_id})"
        if dry_run:
            click.echo(
                _(
                    "%(place)s: %(count)s due: %(codes)s",
                    place=place,
                    count=len(done.codes),
                    codes=", ".join(done.codes),
                )
            )
            continue
        click.echo(
            _(
                "%(place)s: %(count)s anonymised, %(personal)s personal data records removed, %(links)s links revoked",
                place=place,
                count=len(done.codes),
                personal=done.personal_data,
                links=done.invitations,
            )
        )
