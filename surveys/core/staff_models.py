"""Invitations to an organisation's staff.

An admin never sets another person's password. Adding someone makes an invitation: a link,
valid once and for a limited time, whose token is stored only as its hash. The person opens it,
signs in with their own account (or creates one with their own password when the e-mail has
none) and only then becomes a member, with the role the invitation names.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .models import utcnow


class StaffInvitation(db.Model):
    """An open offer of a role in an organisation to whoever holds the link and owns the e-mail's account."""

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column()
    accepted_at: Mapped[dt.datetime | None] = mapped_column()
    accepted_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    revoked_at: Mapped[dt.datetime | None] = mapped_column()

    def open(self, now: dt.datetime | None = None) -> bool:
        """Whether the link can still be used: not accepted, not revoked, not expired."""
        now = now or utcnow()
        return self.accepted_at is None and self.revoked_at is None and now < self.expires_at
