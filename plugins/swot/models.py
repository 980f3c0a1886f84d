"""The stored SWOT documents: one editable draft and the approved versions per campaign, wave and form."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from surveys.core.models import utcnow
from surveys.extensions import db

QUADRANTS = ("S", "W", "O", "T")
DRAFT, APPROVED = "draft", "approved"


def empty_content() -> dict[str, list[dict[str, Any]]]:
    """A document with no points: an empty list per quadrant."""
    return {quadrant: [] for quadrant in QUADRANTS}


class SwotDocument(db.Model):
    """A SWOT analysis of one wave of a campaign, for one form of mentoring ("" = all forms).

    The draft has ``status == "draft"`` and ``version == 0``; there is at most one per
    (campaign, wave, form). Approving copies it into a new row with ``status == "approved"`` and
    the next version (1, 2, …), which is never changed afterwards. ``content`` holds the points:
    ``{"S": [{"text": …, "source": {…}}], "W": […], "O": […], "T": […]}`` (``source`` only on
    points that came from the answers and were kept as they were).
    """

    __table_args__ = (UniqueConstraint("campaign_id", "wave_id", "form", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), index=True)
    wave_id: Mapped[int] = mapped_column(ForeignKey("wave.id"), index=True)
    form: Mapped[str] = mapped_column(String(100), default="")
    status: Mapped[str] = mapped_column(String(20), default=DRAFT)
    version: Mapped[int] = mapped_column(default=0)
    content: Mapped[dict[str, Any]] = mapped_column(JSON, default=empty_content)
    conclusion: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    approved_at: Mapped[dt.datetime | None] = mapped_column()
    based_on: Mapped[int | None] = mapped_column(ForeignKey("swot_document.id"))

    @property
    def is_draft(self) -> bool:
        """Whether this is the editable draft (approved versions are frozen)."""
        return self.status == DRAFT

    def points(self, quadrant: str) -> list[dict[str, Any]]:
        """The points of one quadrant, as stored."""
        return list((self.content or {}).get(quadrant) or [])
