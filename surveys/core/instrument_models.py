"""Questionnaires an organisation adds itself: item texts for key-only instruments, and uploads.

Imported at the end of ``models.py`` (and re-exported there), like the other model modules.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .models import utcnow


class InstrumentTexts(db.Model):
    """Item texts an organisation supplies for a copyrighted instrument that ships its key only."""

    __table_args__ = (UniqueConstraint("organisation_id", "instrument_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    instrument_id: Mapped[str] = mapped_column(String(100))
    instrument_version: Mapped[str] = mapped_column(String(40))
    texts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    added_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    added_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class UploadedInstrument(db.Model):
    """A questionnaire file a psychologist uploaded for their organisation, one row per version.

    Rows are never changed: a new version is a new row, so responses collected with an
    earlier version keep it (``Response.instrument_version``) and are scored with it.
    """

    __table_args__ = (UniqueConstraint("organisation_id", "instrument_id", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    instrument_id: Mapped[str] = mapped_column(String(100))
    version: Mapped[str] = mapped_column(String(40))
    filename: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(Text)
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    uploaded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
