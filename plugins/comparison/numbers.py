"""Numbers as the reader of the comparison expects them: «44,4» in Russian, «44.4» in English.

Only what is shown goes through here (the comparison page, its dashboard and report panels, the method
note); the report's dict, the JSON and the workbook keep plain numbers. The digits are Python's own
rounding (``f"{x:.2f}"``), as before, with the decimal point of the interface language put in its place.
Outside a request or an app context (a pure test) the point stays a point.
"""

from __future__ import annotations

from babel.numbers import get_decimal_symbol
from flask_babel import get_locale

SMALLEST_P = 0.001  # a p below it is shown as «<0,001»: three decimals would say 0,000


def decimal_symbol() -> str:
    """The decimal separator of the interface language."""
    locale = get_locale()
    return get_decimal_symbol(locale) if locale is not None else "."


def decimal(value: float | None, digits: int = 2, sign: bool = False, missing: str = "—") -> str:
    """``value`` with ``digits`` decimals (and a sign when ``sign``), in the interface language."""
    if value is None:
        return missing
    return f"{value:{'+' if sign else ''}.{digits}f}".replace(".", decimal_symbol())


def p_value(p: float | None, missing: str = "—") -> str:
    """A p-value with three decimals; below 0.001, «<0.001» («<0,001» in Russian)."""
    if p is None:
        return missing
    return "<" + decimal(SMALLEST_P, 3) if p < SMALLEST_P else decimal(p, 3)
