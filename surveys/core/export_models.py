"""Storage models of background exports: a job and the chunks of its file."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .models import utcnow


class ExportJob(db.Model):
    """One export of a campaign, made in the background; the file is kept in ExportChunk rows.

    ``status``: queued → running → done | failed. ``heartbeat`` moves while the job runs, so
    a job whose worker died shows as interrupted. The file is stored only once it is complete.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    format: Mapped[str] = mapped_column(String(10))
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(20), default="queued")
    progress: Mapped[int] = mapped_column(default=0)  # percent
    message: Mapped[str] = mapped_column(Text, default="")
    filename: Mapped[str] = mapped_column(String(200), default="")
    size: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    heartbeat: Mapped[dt.datetime | None] = mapped_column()
    finished_at: Mapped[dt.datetime | None] = mapped_column()


class ExportChunk(db.Model):
    """A piece of a finished export file (1 MB), so that any app server can stream it back."""

    __table_args__ = (UniqueConstraint("job_id", "seq"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("export_job.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column()
    data: Mapped[bytes] = mapped_column(LargeBinary)
