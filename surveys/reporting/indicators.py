"""Programme indicators that do not come from surveys: values per period against a target (docs/indicators.md).

:func:`trend` is pure: it turns an indicator's values into points with the change from the
previous period and whether the target is met. :func:`read_indicator_file` reads an XLSX of
indicators and values and names every problem by its row; :func:`import_indicators` stores them
only when there is none.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, BinaryIO

from flask_babel import gettext as _

from surveys.core.models import Programme
from surveys.core.report_models import Indicator, IndicatorValue
from surveys.core.xlsx_rows import first_sheet_rows
from surveys.extensions import db

COLUMNS = ("показатель", "единица", "цель", "больше — лучше", "период", "значение", "комментарий")
YES = {"да", "yes", "1", "true", "+"}
NO = {"нет", "no", "0", "false", "-"}
MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
MAX_ROWS = 5000  # rows of values in one file: years of monthly values for dozens of indicators


@dataclass(frozen=True)
class TrendPoint:
    period: dt.date
    value: float
    change: float | None  # from the previous period
    met: bool | None  # None without a target


def trend(
    values: Iterable[tuple[dt.date, float]], target: float | None, higher_is_better: bool = True
) -> list[TrendPoint]:
    """The values in period order with their change and whether each meets the target."""
    points: list[TrendPoint] = []
    previous = None
    for period, value in sorted(values):
        met = None if target is None else (value >= target if higher_is_better else value <= target)
        points.append(TrendPoint(period, value, None if previous is None else value - previous, met))
        previous = value
    return points


def set_value(indicator: Indicator, period: dt.date, value: float, note: str = "", user_id: int | None = None) -> None:
    """Store the value for the period, replacing an earlier one for the same period; the caller commits."""
    found = db.session.execute(
        db.select(IndicatorValue).filter_by(indicator_id=indicator.id, period=period)
    ).scalar_one_or_none()
    if found is None:
        found = IndicatorValue(indicator_id=indicator.id, period=period)
        db.session.add(found)
    found.value, found.note, found.entered_by = value, note, user_id


def parse_period(text: Any) -> dt.date | None:
    """A period as a date: ``2025-09`` (the month), ``2025-09-01``, or a date cell."""
    if isinstance(text, dt.datetime):
        return text.date()
    if isinstance(text, dt.date):
        return text
    raw = str(text or "").strip()
    month = MONTH.match(raw)
    try:
        if month:
            return dt.date(int(month.group(1)), int(month.group(2)), 1)
        return dt.date.fromisoformat(raw)
    except ValueError:
        return None


def _number(text: Any) -> float | None:
    if isinstance(text, bool):
        return None
    if isinstance(text, int | float):
        return float(text)
    try:
        return float(str(text).strip().replace(",", ".").replace("\u00a0", "").replace(" ", ""))
    except ValueError:
        return None


@dataclass(frozen=True)
class IndicatorRow:
    name: str
    unit: str
    target: float | None
    higher_is_better: bool
    period: dt.date
    value: float
    note: str


def _problem_texts() -> dict[str, str]:
    """What can be wrong with a row, translated once per file: a translation costs more than reading a row."""
    return {
        "row": _("Row %(row)s: %(problem)s."),  # formatted for each row, after translation
        "name": _("«показатель» is empty"),
        "period": _("«период» must be a month (2025-09) or a date"),
        "value": _("«значение» must be a number"),
        "target": _("«цель» must be a number"),
        "direction": _("«больше — лучше» must be да or нет"),
    }


def read_indicator_file(stream: BinaryIO) -> tuple[list[IndicatorRow], list[str]]:
    """Rows of an XLSX (first sheet, a header row with COLUMNS in any order) and problems by row.

    A file with more than ``MAX_ROWS`` rows is refused with that one problem as soon as the row past
    the limit is read: the rest of the file is never looked at (``surveys/xlsx_rows.py``)."""
    rows = first_sheet_rows(stream)
    try:
        header = [str(c or "").strip().lower() for c in next(rows, ())]
    except Exception:  # not an XLSX file at all
        return [], [_("The file is not an Excel workbook (.xlsx).")]
    missing = [c for c in COLUMNS[:6] if c not in header]
    if missing:
        return [], [_("Row 1: missing columns: %(columns)s.", columns=", ".join(missing))]
    at = {name: header.index(name) for name in COLUMNS if name in header}
    texts = _problem_texts()
    found, problems = [], []
    counted = 0
    try:
        for number, cells in enumerate(rows, start=2):
            cells = list(cells) + [None] * len(header)
            if all(c in (None, "") for c in cells):
                continue
            counted += 1
            if counted > MAX_ROWS:
                return [], [_("The file has more than %(count)s rows. Split it into smaller files.", count=MAX_ROWS)]
            row = _read_row(cells, at)
            if isinstance(row, IndicatorRow):
                found.append(row)
            else:
                problems.extend(texts["row"] % {"row": number, "problem": texts[p]} for p in row)
    except Exception:  # a damaged sheet shows up only while its rows are read
        return [], [_("The file is not an Excel workbook (.xlsx).")]
    return found, problems


def _read_row(cells: list[Any], at: dict[str, int]) -> IndicatorRow | list[str]:
    """One row of values, or the names of its problems (keys of ``_problem_texts``)."""
    name = str(cells[at["показатель"]] or "").strip()
    period = parse_period(cells[at["период"]])
    value = _number(cells[at["значение"]])
    target_cell = cells[at["цель"]]
    target = None if target_cell in (None, "") else _number(target_cell)
    direction = str(cells[at["больше — лучше"]] or "да").strip().lower()
    wrong = [
        key
        for key, bad in (
            ("name", not name),
            ("period", period is None),
            ("value", value is None),
            ("target", target_cell not in (None, "") and target is None),
            ("direction", direction not in YES | NO),
        )
        if bad
    ]
    if wrong:
        return wrong
    note = str(cells[at["комментарий"]] or "").strip() if "комментарий" in at else ""
    unit = str(cells[at["единица"]] or "").strip()
    return IndicatorRow(name[:200], unit[:40], target, direction in YES, period, value, note)


def import_indicators(programme: Programme, rows: list[IndicatorRow], user_id: int | None) -> dict[str, int]:
    """Store the rows (new indicators made by name; values per period replaced); the caller commits."""
    existing = {
        i.name: i for i in db.session.execute(db.select(Indicator).filter_by(programme_id=programme.id)).scalars()
    }
    counts = {"indicators": 0, "values": 0}
    for row in rows:
        indicator = existing.get(row.name)
        if indicator is None:
            indicator = Indicator(
                organisation_id=programme.organisation_id,
                programme_id=programme.id,
                name=row.name,
                position=len(existing),
            )
            db.session.add(indicator)
            existing[row.name] = indicator
            counts["indicators"] += 1
        indicator.unit, indicator.target, indicator.higher_is_better = row.unit, row.target, row.higher_is_better
        db.session.flush()
        set_value(indicator, row.period, row.value, row.note, user_id)
        counts["values"] += 1
    return counts
