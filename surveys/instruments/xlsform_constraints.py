"""XLSForm ``constraint`` columns as the limits of a question's type, and nothing else.

``. >= 0 and . <= 120`` becomes ``min``/``max``; ``string-length(.)`` and ``count-selected(.)`` become
the length and selection limits; dates compare with ``date('YYYY-MM-DD')``. The expression is read by
:func:`surveys.instruments.xlsform_expressions.parse`; what has no equivalent raises ``Unsupported``.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

from flask_babel import gettext

from surveys.instruments.xlsform_expressions import MIRRORED, Unsupported, as_number, literal, parse

DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


# For each XLSForm kind: the subject the constraint tests, our (lower, upper) option names, whole numbers?
SUBJECTS = {
    "integer": (("dot",), ("min", "max"), True),
    "decimal": (("dot",), ("min", "max"), False),
    "date": (("dot",), ("min", "max"), False),
    "text": (("call", "string-length", [("dot",)]), ("min_length", "max_length"), True),
    "select_multiple": (("call", "count-selected", [("dot",)]), ("min_selected", "max_selected"), True),
}
LOWEST = {"min_length": 0, "max_length": 1, "min_selected": 0, "max_selected": 1}
HIGHEST = {"min_length": 20000, "max_length": 20000}  # our longest text


def constraint_limits(text: str, kind: str) -> dict:
    """Translate a ``constraint`` such as ``. >= 0 and . <= 120`` into our options, or raise Unsupported.

    Numbers give ``min``/``max``, dates ``min``/``max`` (``date('YYYY-MM-DD')``), ``string-length(.)``
    gives ``min_length``/``max_length`` and ``count-selected(.)`` gives ``min_selected``/``max_selected``.
    """
    node = parse(text)  # first, so that a hostile number refuses the file whatever the question
    if kind not in SUBJECTS:
        raise Unsupported(gettext("constraints on %(kind)s questions are not supported", kind=kind))
    limits: dict[str, Any] = {}
    for part in node[1] if node[0] == "and" else [node]:
        name, value = _limit(part, kind)
        keep = max if name in ("min", "min_length", "min_selected") else min
        limits[name] = keep(limits[name], value) if name in limits else value
    lower, upper = SUBJECTS[kind][1]
    if lower in limits and upper in limits and limits[lower] > limits[upper]:
        raise Unsupported(gettext("the allowed range is empty"))
    for name, value in limits.items():
        if value < LOWEST.get(name, value) or value > HIGHEST.get(name, value):
            message = gettext("%(name)s would be %(value)s, outside %(low)s..%(high)s")
            raise Unsupported(
                message % {"name": name, "value": value, "low": LOWEST[name], "high": HIGHEST.get(name, "…")}
            )
    return limits


def _limit(node: tuple, kind: str) -> tuple[str, Any]:
    subject, (lower, upper), whole = SUBJECTS[kind]
    if node[0] != "cmp":
        raise Unsupported(gettext("only comparisons joined by 'and' can be translated"))
    _, left, operator, right = node
    if left != subject and right == subject:
        left, operator, right = right, MIRRORED[operator], left
    if left != subject:
        raise Unsupported(gettext("the test must be on %(subject)s", subject=_subject_text(subject)))
    if operator not in (">", ">=", "<", "<="):
        raise Unsupported(gettext("'%(op)s' cannot be translated into a range", op=operator))
    if kind == "date":
        return _date_limit(operator, right)
    number = as_number(literal(right))
    name = lower if operator.startswith(">") else upper
    if whole:
        number = _whole_limit(operator, number)
    elif len(operator) == 1:
        raise Unsupported(gettext("'%(op)s' on a decimal number cannot be expressed; use '>=' or '<='", op=operator))
    return name, number


def _whole_limit(operator: str, number: float | int) -> int:
    return {
        ">=": math.ceil(number),
        ">": math.floor(number) + 1,
        "<=": math.floor(number),
        "<": math.ceil(number) - 1,
    }[operator]


def _date_limit(operator: str, node: tuple) -> tuple[str, str]:
    if node[0] == "call" and node[1] == "date" and len(node[2]) == 1:
        node = node[2][0]
    value = str(literal(node))
    try:
        dt.date.fromisoformat(value if DATE.match(value) else "")
    except ValueError:
        raise Unsupported(gettext("'%(value)s' is not a date written as YYYY-MM-DD", value=value)) from None
    if len(operator) == 1:
        raise Unsupported(gettext("'%(op)s' on a date cannot be expressed; use '>=' or '<='", op=operator))
    return ("min" if operator == ">=" else "max"), value


def _subject_text(subject: tuple) -> str:
    return "." if subject == ("dot",) else f"{subject[1]}(.)"
