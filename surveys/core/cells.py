"""Spreadsheet cells read back as the text a person would have typed."""

from __future__ import annotations

import datetime as dt
from typing import Any


def cell_text(value: Any) -> str:
    """A cell's value as typed text: booleans as 1/0, whole floats without '.0', dates ISO; '' when empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value).strip()
