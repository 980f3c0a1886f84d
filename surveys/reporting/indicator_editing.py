"""What staff do on a programme's indicators page: read each indicator with its trend and chart, add
one, enter a value, import a file. Each change is audited."""

from __future__ import annotations

import datetime as dt
from typing import IO, Any

from surveys.audit import record
from surveys.core.models import Programme
from surveys.core.report_models import Indicator
from surveys.extensions import db
from surveys.reporting.dashboard import indicator_chart
from surveys.reporting.indicators import import_indicators, read_indicator_file, set_value, trend


def shown(programme: Programme) -> list[tuple[Indicator, list, Any]]:
    """The programme's indicators in order, each with its trend points and chart (None without values)."""
    indicators = db.session.execute(
        db.select(Indicator).filter_by(programme_id=programme.id).order_by(Indicator.position, Indicator.id)
    ).scalars()
    rows = []
    for indicator in indicators:
        points = trend([(v.period, v.value) for v in indicator.values], indicator.target, indicator.higher_is_better)
        rows.append((indicator, points, indicator_chart(indicator, points) if points else None))
    return rows


def add_indicator(programme: Programme, name: str, unit: str, target: float | None, higher_is_better: bool):
    count = db.session.execute(db.select(db.func.count(Indicator.id)).filter_by(programme_id=programme.id)).scalar_one()
    indicator = Indicator(
        organisation_id=programme.organisation_id,
        programme_id=programme.id,
        name=name.strip(),
        unit=unit.strip(),
        target=target,
        higher_is_better=higher_is_better,
        position=count,
    )
    db.session.add(indicator)
    db.session.commit()
    record("indicator.create", f"indicator:{indicator.id}", programme=programme.id)
    return indicator


def save_value(indicator: Indicator, period: dt.date, value: Any, note: str, user_id: int) -> None:
    """The indicator's value for the month ``period`` (replacing an earlier one)."""
    set_value(indicator, period, float(value), note.strip(), user_id)
    db.session.commit()
    record("indicator.value", f"indicator:{indicator.id}", period=period.isoformat(), value=value)


def import_file(programme: Programme, stream: IO[bytes], user_id: int) -> tuple[dict[str, int] | None, list]:
    """Import indicators and values from XLSX, all rows or none: (counts, []) when imported, (None,
    problems by row) when not; (None, []) for a file without rows."""
    rows, problems = read_indicator_file(stream)
    if problems or not rows:
        return None, problems
    counts = import_indicators(programme, rows, user_id)
    db.session.commit()
    record("indicator.import", f"programme:{programme.id}", **counts)
    return counts, []
