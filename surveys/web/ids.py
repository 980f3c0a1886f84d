"""Row ids read from a request: a number no id column can hold names no row, so it is a 404, never a 500.

Every id column is an ``INTEGER``: 32 bits on PostgreSQL (a larger parameter is an "integer out of
range" error there), 64 on SQLite (a parameter of 2**63 or more cannot even be sent). The ``int``
converter of every URL rule (``IdConverter``, installed by the app factory before any blueprint) and
``row_id`` for query strings (``request.args.get("programme", type=row_id)``) accept 1 to ``MAX_ID``.
"""

from __future__ import annotations

from werkzeug.routing import IntegerConverter, Map

MAX_ID = 2**31 - 1  # the largest value of a PostgreSQL INTEGER column; SQLite's hold more, ids never need it
_DIGITS = len(str(MAX_ID))


def in_range(text: str) -> int | None:
    """The id written in ``text`` (digits only), or None when it is not one a row can have."""
    text = text.strip()
    if not text.isascii() or not text.isdigit() or len(text) > _DIGITS:  # int() of 5,000 digits fails
        return None
    value = int(text)
    return value if 1 <= value <= MAX_ID else None


def row_id(text: str) -> int:
    """For ``request.args.get(name, type=row_id)``: ValueError (so ``get`` gives its default) outside 1..MAX_ID."""
    value = in_range(str(text))
    if value is None:
        raise ValueError(f"not a row id: {text[:20]!r}")
    return value


def _digits_up_to(limit: int) -> str:
    """A regular expression for the numbers 1 to ``limit`` written without leading zeros."""
    text = str(limit)
    shorter = f"[1-9]\\d{{0,{len(text) - 2}}}" if len(text) > 1 else ""
    choices = [shorter] if shorter else []
    for at, digit in enumerate(text):
        low = 1 if at == 0 else 0
        if int(digit) > low:
            choices.append(f"{text[:at]}[{low}-{int(digit) - 1}]\\d{{{len(text) - at - 1}}}")
    choices.append(text)
    return "(?:" + "|".join(choices) + ")"


class IdConverter(IntegerConverter):
    """``<int:…>`` of every rule: only 1 to ``MAX_ID`` match, so a larger number is a 404 of the router
    (checked on the path itself, so a path whose rules differ by method answers 404 too, not 405)."""

    regex = _digits_up_to(MAX_ID)

    def __init__(self, map: Map, fixed_digits: int = 0, min: int | None = None, max: int | None = MAX_ID, **kw):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, **kw)
