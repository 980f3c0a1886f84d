"""Staff API tokens: one organisation's key to the JSON API at ``/api/v1``, with scopes.

Only the SHA-256 hash of a token is stored (``hash_token``), as for participants' links, so the
database never holds a usable token; the token is shown once, when it is made. ``prefix`` (its
first characters, which are not part of the secret) tells tokens apart in lists.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .models import utcnow


class ApiToken(db.Model):
    """A named token of an organisation, allowed what its ``scopes`` say, until revoked."""

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(8))
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[dt.datetime | None] = mapped_column()
    revoked_at: Mapped[dt.datetime | None] = mapped_column()

    @property
    def active(self) -> bool:
        """Whether the token still opens the API."""
        return self.revoked_at is None

    def allows(self, scope: str) -> bool:
        """Whether the token was given ``scope``."""
        return scope in (self.scopes or [])
