"""marshmallow's own messages (required, unknown field, not a valid …) in the interface language.

The schemas keep marshmallow's defaults, which are also the English msgids; whoever turns a
``ValidationError`` into a message for a person passes each text through :func:`translate_default`
at that moment, in the current locale.
Texts the project wrote itself are translated where they are raised and pass through unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from flask_babel import gettext as _


def _plain() -> dict[str, str]:
    return {
        "Missing data for required field.": _("Missing data for required field."),
        "Unknown field.": _("Unknown field."),
        "Field may not be null.": _("Field may not be null."),
        "Invalid value.": _("Invalid value."),
        "Invalid input type.": _("Invalid input type."),
        "Invalid type.": _("Invalid type."),
        "Not a valid string.": _("Not a valid string."),
        "Not a valid integer.": _("Not a valid integer."),
        "Not a valid number.": _("Not a valid number."),
        "Number too large.": _("Number too large."),
        "Not a valid boolean.": _("Not a valid boolean."),
        "Not a valid list.": _("Not a valid list."),
        "Not a valid mapping type.": _("Not a valid mapping type."),
        "Not a valid date.": _("Not a valid date."),
        "Not a valid email address.": _("Not a valid email address."),
        "Not a valid URL.": _("Not a valid URL."),
        "Not a valid utf-8 string.": _("Not a valid utf-8 string."),
        "Invalid input.": _("Invalid input."),
        "String does not match expected pattern.": _("String does not match expected pattern."),
    }


def _op(text: str) -> str:
    return {
        "greater than or equal to": _("greater than or equal to"),
        "greater than": _("greater than"),
        "less than or equal to": _("less than or equal to"),
        "less than": _("less than"),
    }[text]


_OPS = "greater than or equal to|greater than|less than or equal to|less than"
_PATTERNS: list[tuple[re.Pattern, Callable[[re.Match], str]]] = [
    (re.compile(r"Must be one of: (?P<choices>.*)\.$"), lambda m: _("Must be one of: %(choices)s.", **m.groupdict())),
    (
        re.compile(r"Shorter than minimum length (?P<n>\S+)\.$"),
        lambda m: _("Shorter than minimum length %(n)s.", **m.groupdict()),
    ),
    (
        re.compile(r"Longer than maximum length (?P<n>\S+)\.$"),
        lambda m: _("Longer than maximum length %(n)s.", **m.groupdict()),
    ),
    (
        re.compile(r"Length must be between (?P<low>\S+) and (?P<high>\S+)\.$"),
        lambda m: _("Length must be between %(low)s and %(high)s.", **m.groupdict()),
    ),
    (re.compile(r"Length must be (?P<n>\S+)\.$"), lambda m: _("Length must be %(n)s.", **m.groupdict())),
    (
        re.compile(rf"Must be (?P<op1>{_OPS}) (?P<low>\S+) and (?P<op2>{_OPS}) (?P<high>\S+)\.$"),
        lambda m: _(
            "Must be %(op1)s %(low)s and %(op2)s %(high)s.",
            op1=_op(m["op1"]),
            low=m["low"],
            op2=_op(m["op2"]),
            high=m["high"],
        ),
    ),
    (
        re.compile(rf"Must be (?P<op>{_OPS}) (?P<n>\S+)\.$"),
        lambda m: _("Must be %(op)s %(n)s.", op=_op(m["op"]), n=m["n"]),
    ),
]


def translate_default(message: object) -> str:
    """``message`` in the current locale if it is one of marshmallow's defaults, else unchanged."""
    text = str(message)
    plain = _plain().get(text)
    if plain is not None:
        return plain
    for pattern, render in _PATTERNS:
        found = pattern.match(text)
        if found:
            return render(found)
    return text
