"""``surveys api-token …``: API tokens from the command line (docs/api.md)."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from flask_babel import gettext as _

from ..audit import record
from ..core.api_models import ApiToken
from ..core.models import Organisation
from ..extensions import db
from .tokens import SCOPES, create_token, revoke_token

api_token = AppGroup("api-token", help="Staff API tokens of an organisation (the JSON API at /api/v1).")


def _audit(token: ApiToken, action: str, **details) -> None:
    target = f"api_token:{token.id}"
    about = {"name": token.name, "prefix": token.prefix, "via": "cli"}
    record(action, target, organisation_id=token.organisation_id, **about, **details)


@api_token.command("create")
@click.option("--organisation", "organisation_id", type=int, required=True, help="The organisation's id.")
@click.option("--name", required=True, help="What the token is for, e.g. the district's dashboard.")
@click.option("--scope", "scopes", multiple=True, required=True, type=click.Choice(list(SCOPES)), help="Repeat.")
def create(organisation_id: int, name: str, scopes: tuple[str, ...]) -> None:
    """Make a token of an organisation; it is printed once and never stored in clear."""
    if db.session.get(Organisation, organisation_id) is None:
        raise click.UsageError(_("no organisation with the id %(id)s", id=organisation_id))
    try:
        token, secret = create_token(organisation_id, name, scopes, None)
    except ValueError as err:
        raise click.UsageError(str(err)) from err
    _audit(token, "api.token.create", scopes=token.scopes)
    about = {"id": token.id, "name": token.name, "organisation": organisation_id, "scopes": ", ".join(token.scopes)}
    click.echo(_("Token %(id)s (%(name)s) for organisation %(organisation)s: %(scopes)s", **about))
    click.echo(_("Copy it now, it cannot be shown again:"))
    click.echo(secret)


@api_token.command("revoke")
@click.argument("token_id", type=int)
def revoke(token_id: int) -> None:
    """Stop the token TOKEN_ID (an id from 'api-token list') at once."""
    token = db.session.get(ApiToken, token_id) if 0 < token_id < 2**31 else None
    if token is None:
        raise click.UsageError(_("no token with the id %(id)s", id=token_id))
    if revoke_token(token):
        _audit(token, "api.token.revoke")
        click.echo(_("Token %(id)s (%(name)s) revoked.", id=token.id, name=token.name))
    else:
        click.echo(_("Token %(id)s (%(name)s) was already revoked.", id=token.id, name=token.name))


@api_token.command("list")
@click.option("--organisation", "organisation_id", type=int, help="Only this organisation's tokens.")
def list_tokens(organisation_id: int | None) -> None:
    """Tokens with their id, organisation, prefix, scopes, last use and state."""
    query = db.select(ApiToken).order_by(ApiToken.id)
    if organisation_id is not None:
        query = query.filter_by(organisation_id=organisation_id)
    for token in db.session.execute(query).scalars():
        used = token.last_used_at.isoformat(timespec="seconds") if token.last_used_at else _("never used")
        revoked = token.revoked_at.isoformat(timespec="seconds") if token.revoked_at else None
        state = _("revoked %(when)s", when=revoked) if revoked else _("live")
        organisation = _("organisation %(id)s", id=token.organisation_id)
        click.echo(
            f"{token.id}\t{organisation}\t{token.prefix}…\t{token.name}\t{','.join(token.scopes)}\t{used}\t{state}"
        )
