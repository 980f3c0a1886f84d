"""Making, finding and revoking staff API tokens, and the scopes a token can be given.

A token is 8 public symbols (its ``prefix``, shown in lists) followed by 26 secret symbols (130
random bits, ``new_token``), all in the typing-friendly alphabet of participants' links. Only
the SHA-256 hash of the whole token is stored, so it is shown once, when it is made.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam

from ..audit import record
from ..core.api_models import ApiToken
from ..core.models import hash_token, new_token, utcnow
from ..extensions import db

SCOPES = {
    "instruments:read": _l("Read the questionnaires the organisation can use"),
    "campaigns:read": _l("Read campaigns, their waves and questionnaires"),
    "participants:read": _l("Read a campaign's participants: pseudonymous codes, roles, forms, groups"),
    "responses:read": _l("Read individual answers (each read is in the audit log)"),
    "responses:write": _l("Import submitted answers into a wave (each import is in the audit log)"),
    "scores:read": _l("Read individual scores (each read is in the audit log)"),
    "analyses:read": _l("Read the wave comparison and the SWOT analyses"),
}
PREFIX_LENGTH = 8
MAX_TOKEN_LENGTH = 64  # longer Authorization values are not looked up as they are
MAX_NAME_LENGTH = 100


def make_secret() -> str:
    """A new token: a public prefix, then 130 secret random bits."""
    return new_token()[:PREFIX_LENGTH] + new_token()


def unknown_scopes(scopes: Iterable[str]) -> list[str]:
    """The names in ``scopes`` that are not scopes, in their order."""
    return [scope for scope in scopes if scope not in SCOPES]


def create_token(organisation_id: int, name: str, scopes: Iterable[str], user_id: int | None) -> tuple[ApiToken, str]:
    """Store a new token of the organisation and return it with its secret (never stored, shown once).

    Raises ValueError for an empty name, no scopes or an unknown scope.
    """
    name = " ".join((name or "").split())
    chosen = list(dict.fromkeys(scopes))
    if not name or len(name) > MAX_NAME_LENGTH:
        raise ValueError(_("the name must have 1 to %(most)s characters", most=MAX_NAME_LENGTH))
    if not chosen:
        raise ValueError(_("give at least one scope"))
    if unknown_scopes(chosen):
        unknown, known = ", ".join(unknown_scopes(chosen)), ", ".join(SCOPES)
        raise ValueError(_("unknown scope: %(unknown)s (scopes: %(known)s)", unknown=unknown, known=known))
    secret = make_secret()
    token = ApiToken(
        organisation_id=organisation_id,
        name=name,
        token_hash=hash_token(secret),
        prefix=secret[:PREFIX_LENGTH],
        scopes=[scope for scope in SCOPES if scope in chosen],
        created_by=user_id,
        created_at=utcnow(),
    )
    db.session.add(token)
    db.session.commit()
    return token, secret


def revoke_token(token: ApiToken) -> bool:
    """Stop the token at once; False when it was already revoked."""
    if token.revoked_at is not None:
        return False
    token.revoked_at = utcnow()
    db.session.commit()
    return True


@cache
def _by_hash():
    return db.select(ApiToken).filter_by(token_hash=bindparam("token_hash"))


def find_token(secret: str | None) -> ApiToken | None:
    """The live token for ``secret``, or None.

    A missing, unknown and revoked token cost the same work, one lookup by hash, so that
    neither the answer nor its timing tells a guesser which it was.
    """
    if not secret or len(secret) > MAX_TOKEN_LENGTH:
        secret = "-"
    found = db.session.execute(_by_hash(), {"token_hash": hash_token(secret)}).scalar_one_or_none()
    return found if found is not None and found.revoked_at is None else None


def bearer(header: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, or None."""
    scheme, _space, value = (header or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def organisation_tokens(organisation_id: int) -> list[ApiToken]:
    """The organisation's tokens, live ones first, newest first."""
    query = db.select(ApiToken).filter_by(organisation_id=organisation_id)
    query = query.order_by(ApiToken.revoked_at.is_not(None), ApiToken.id.desc())
    return list(db.session.execute(query).scalars())


def issue_token(organisation_id: int, name: str, scopes: Iterable[str], user_id: int) -> tuple[ApiToken, str]:
    """``create_token`` by a signed-in admin, audited."""
    token, secret = create_token(organisation_id, name, scopes, user_id)
    record("api.token.create", f"api_token:{token.id}", name=token.name, prefix=token.prefix, scopes=token.scopes)
    return token, secret


def token_of(organisation_id: int, number: str) -> ApiToken | None:
    """The organisation's token with the id typed in ``number``; None for any other."""
    number = number.strip()
    token = db.session.get(ApiToken, int(number)) if number.isdigit() and len(number) < 10 else None
    return token if token is not None and token.organisation_id == organisation_id else None


def stop_token(token: ApiToken) -> bool:
    """``revoke_token`` by a signed-in admin, audited; False when it was revoked already."""
    if not revoke_token(token):
        return False
    record("api.token.revoke", f"api_token:{token.id}", name=token.name, prefix=token.prefix)
    return True
