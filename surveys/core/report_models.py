"""Storage models of the report: a programme's indicators, their values, and the curator's conclusions."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .models import utcnow


class Indicator(db.Model):
    """A programme indicator that does not come from surveys (club attendance, projects completed, …).

    The curator enters its value per period; ``target`` is the value the programme aims at and
    ``higher_is_better`` says which side of it is good.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(40), default="")
    target: Mapped[float | None] = mapped_column()
    higher_is_better: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    values: Mapped[list[IndicatorValue]] = relationship(
        back_populates="indicator", cascade="all, delete-orphan", order_by="IndicatorValue.period"
    )


class IndicatorValue(db.Model):
    """An indicator's value for one period (the period is named by the date it starts on)."""

    __table_args__ = (UniqueConstraint("indicator_id", "period"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicator.id"), index=True)
    period: Mapped[dt.date] = mapped_column()
    value: Mapped[float] = mapped_column()
    note: Mapped[str] = mapped_column(Text, default="")
    entered_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    entered_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    indicator: Mapped[Indicator] = relationship(back_populates="values")


class ReportConclusion(db.Model):
    """The curator's conclusions for a programme's printed report (one text per programme)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id"), unique=True)
    text: Mapped[str] = mapped_column(Text, default="")
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
