"""XLSForm column headers and cells as people wrote them: header keys, a column's base name and language,
a cell's text. Pure helpers for the XLSForm import (:mod:`surveys.instruments.xlsform`)."""

from __future__ import annotations

import re
from typing import Any

_LANGUAGES = {
    "ru": "ru",
    "rus": "ru",
    "russian": "ru",
    "русский": "ru",
    "en": "en",
    "eng": "en",
    "english": "en",
}
_CODE = re.compile(r"\(\s*([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]+)?\s*\)\s*$")


def cell_text(value: Any) -> str:
    """A cell as people read it: ``3`` for 3.0, ``''`` for nothing, ``yes``/``no`` for booleans."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def column_key(header: Any) -> str:
    """``Label::Russian (ru)`` -> ``label::Russian (ru)``: the base name in lower case, the language as written."""
    base, _, language = cell_text(header).partition("::")
    base = base.strip().lower()
    return f"{base}::{language.strip()}" if language.strip() else base


def column_keys(header: list[Any] | tuple[Any, ...]) -> list[str]:
    """The keys of a sheet's header row, one per cell ('' for an empty cell), as :func:`column_key` makes them."""
    return [column_key(value) for value in header]


def base_of(key: str) -> str:
    """The column's base name: ``label`` for ``label::English (en)``."""
    return key.partition("::")[0]


def language_of(name: str) -> str | None:
    """``ru`` or ``en`` for a language as XLSForm writes it (``Russian (ru)``, ``English``, ``en``), else None."""
    name = name.strip()
    match = _CODE.search(name)
    if match:
        return _LANGUAGES.get(match.group(1).lower())
    return _LANGUAGES.get(name.lower())
