"""``surveys user …``: staff accounts from the command line (the first admin of a new server)."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from flask_babel import gettext as _
from flask_babel import ngettext

from surveys.core.models import STAFF_ROLES, Membership, Organisation, User
from surveys.extensions import db

user = AppGroup("user", help="Staff accounts.")

MIN_PASSWORD = 10


def find_or_create_organisation(name: str) -> tuple[Organisation, bool]:
    found = db.session.execute(db.select(Organisation).filter_by(name=name)).scalar_one_or_none()
    if found is not None:
        return found, False
    organisation = Organisation(name=name)
    db.session.add(organisation)
    db.session.flush()
    return organisation, True


@user.command("create")
@click.argument("email")
@click.option("--organisation", "organisation_name", help="Organisation name; created if it does not exist.")
@click.option("--role", type=click.Choice(STAFF_ROLES), default="curator", show_default=True)
@click.option("--name", default="", help="The person's name, shown in the interface.")
@click.option("--admin", "deployment_admin", is_flag=True, help="Deployment admin: reaches every organisation.")
@click.option("--password", help=f"At least {MIN_PASSWORD} characters; asked for when needed and not given.")
@click.option("--reset-password", is_flag=True, help="Give an existing account this new password.")
def create_user(
    email: str,
    organisation_name: str | None,
    role: str,
    name: str,
    deployment_admin: bool,
    password: str | None,
    reset_password: bool,
):
    """Create a staff account, or add an existing one to an organisation with a role.

    An existing account keeps its password unless --reset-password is given: the password belongs to
    the person (the web's Staff page never sets one; it sends an invitation, docs/workspace.md)."""
    email = email.strip().lower()
    if "@" not in email:
        raise click.UsageError(_("not an e-mail address: '%(email)s'", email=email))
    if not organisation_name and not deployment_admin:
        raise click.UsageError(_("give --organisation NAME (or --admin for a deployment admin)"))
    account = db.session.execute(db.select(User).filter_by(email=email)).scalar_one_or_none()
    created = account is None
    if created or reset_password:
        if password is None:
            password = click.prompt(
                _("Password"),
                hide_input=True,
                confirmation_prompt=_("Repeat the password"),
            )
        if len(password) < MIN_PASSWORD:
            raise click.UsageError(
                ngettext(
                    "the password must have at least %(num)d character",
                    "the password must have at least %(num)d characters",
                    MIN_PASSWORD,
                )
            )
    if created:
        account = User(email=email, name=name)
        db.session.add(account)
    elif name:
        account.name = name
    if created or reset_password:
        account.set_password(password)
    account.is_admin = account.is_admin or deployment_admin
    db.session.flush()
    if organisation_name:
        organisation, new_organisation = find_or_create_organisation(organisation_name.strip())
        membership = db.session.execute(
            db.select(Membership).filter_by(user_id=account.id, organisation_id=organisation.id)
        ).scalar_one_or_none()
        if membership is None:
            db.session.add(Membership(user_id=account.id, organisation_id=organisation.id, role=role))
        else:
            membership.role = role
        if new_organisation:
            click.echo(_("Organisation created: %(name)s (id %(id)s)", name=organisation.name, id=organisation.id))
    db.session.commit()
    click.echo(_user_line(created, email, role if organisation_name else None, organisation_name, account.is_admin))


def _user_line(created: bool, email: str, role: str | None, organisation: str | None, admin: bool) -> str:
    """What ``user create`` did, in the interface language; the role stays the id ``--role`` takes."""
    line = _("User created: %(email)s", email=email) if created else _("User updated: %(email)s", email=email)
    if role:
        line += " " + _("as %(role)s of %(organisation)s", role=role, organisation=organisation)
    if admin:
        line += " " + _("(deployment admin)")
    return line


@user.command("list")
def list_users():
    """Staff accounts with their organisations and roles."""
    for account in db.session.execute(db.select(User).order_by(User.email)).scalars():
        places = ", ".join(f"{m.organisation.name}: {m.role}" for m in account.memberships) or "-"
        admin = " " + _("[admin]") if account.is_admin else ""
        click.echo(f"{account.email}{admin}  {places}")
