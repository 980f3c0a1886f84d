"""``surveys api-token …``: API tokens from the command line (docs/api.md)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

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
        raise click.UsageError(f"no organisation with the id {organisation_id}")
    try:
        token, secret = create_token(organisation_id, name, scopes, None)
    except ValueError as err:
        raise click.UsageError(str(err)) from err
    _audit(token, "api.token.create", scopes=token.scopes)
    click.echo(f"Token {token.id} ({token.name}) for organisation {organisation_id}: {', '.join(token.scopes)}")
    click.echo("Copy it now, it cannot be shown again:")
    click.echo(secret)


@api_token.command("revoke")
@click.argument("token_id", type=int)
def revoke(token_id: int) -> None:
    """Stop the token TOKEN_ID (an id from 'api-token list') at once."""
    token = db.session.get(ApiToken, token_id) if 0 < token_id < 2**31 else None
    if token is None:
        raise click.UsageError(f"no token with the id {token_id}")
    if revoke_token(token):
        _audit(token, "api.token.revoke")
        click.echo(f"Token {token.id} ({token.name}) revoked.")
    else:
        click.echo(f"Token {token.id} ({token.name}) was already revoked.")


@api_token.command("list")
@click.option("--organisation", "organisation_id", type=int, help="Only this organisation's tokens.")
def list_tokens(organisation_id: int | None) -> None:
    """Tokens with their id, organisation, prefix, scopes, last use and state."""
    query = db.select(ApiToken).order_by(ApiToken.id)
    if organisation_id is not None:
        query = query.filter_by(organisation_id=organisation_id)
    for token in db.session.execute(query).scalars():
        used = token.last_used_at.isoformat(timespec="seconds") if token.last_used_at else "never used"
        state = f"revoked {token.revoked_at.isoformat(timespec='seconds')}" if token.revoked_at else "live"
        click.echo(
            f"{token.id}\torganisation {token.organisation_id}\t{token.prefix}…\t{token.name}\t"
            f"{','.join(token.scopes)}\t{used}\t{state}"
        )
