"""XLSForm column headers and cells as people wrote them: header keys, a column's base name and language,
a cell's text. Pure helpers for the XLSForm import (:mod:`surveys.instruments.xlsform`).

A header becomes a key ``base`` or ``base::language``, where ``base`` is the one name we read the column by,
whichever of pyxform's spellings the form uses (the alias tables of pyxform/aliases.py and the header rules
of pyxform/parsing/sheet_headers.py are the reference): ``Label``, ``caption`` → ``label``; ``list name`` →
``list_name``; ``bind::relevant``, ``bind:relevant``, ``relevance`` → ``relevant``; ``jr:constraintMsg`` →
``constraint_message``; ``label:English`` → ``label::English``.
"""

from __future__ import annotations

import re
from typing import Any

from surveys.core.cells import cell_text as typed_text

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

# The spellings pyxform accepts for a column, after its snake_casing (``Constraint Message`` →
# ``constraint_message``), and the name we read it by. Following pyxform/aliases.py (survey_header,
# list_header, settings_header); pyxform compares them in lower case after snake_casing too.
SURVEY_ALIASES = {
    "caption": "label",
    "command": "type",
    "tag": "name",
    "value": "name",
    "relevance": "relevant",
    "readonly": "read_only",
    "calculate": "calculation",
    "constraining_message": "constraint_message",
    "constraint_message": "constraint_message",
    "jr:constraintmsg": "constraint_message",
    "constraintmsg": "constraint_message",
    "required_message": "required_message",
    "requiredmsg": "required_message",
    "jr:requiredmsg": "required_message",
    "count": "repeat_count",
    "jr:count": "repeat_count",
    "noapperrorstring": "no_app_error_string",
    "jr:noapperrorstring": "no_app_error_string",
}
CHOICES_ALIASES = {"caption": "label", "value": "name"}
SETTINGS_ALIASES = {"set_form_title": "form_title", "title": "form_title", "set_form_id": "form_id"}
SETTINGS_ALIASES |= {"id_string": "form_id"}
ALIASES = {"survey": SURVEY_ALIASES, "choices": CHOICES_ALIASES, "settings": SETTINGS_ALIASES}
# Prefixes that say where pyxform puts a column in the XForm, not a language: ``bind::relevant`` is relevant,
# ``control::appearance`` is appearance, ``media::image::English`` is image in English.
NAMESPACES = ("bind", "control", "media")
# What a namespaced column may name: ``bind::type`` or ``control::bodyless`` stay as written (not supported).
NAMESPACED = {"relevant", "required", "constraint", "read_only", "calculation", "constraint_message"}
NAMESPACED |= {"required_message", "no_app_error_string", "repeat_count", "appearance", "autoplay", "rows"}
NAMESPACED |= {"image", "big-image", "audio", "video"}


def cell_text(value: Any) -> str:
    """A cell as people read it (:func:`surveys.core.cells.cell_text`), but booleans as ``yes``/``no``: in an
    XLSForm a TRUE cell is what ``yes`` means in ``required`` and the like."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return typed_text(value)


def _snake(text: str) -> str:
    """pyxform's snake_casing of a column name: ``List Name`` -> ``list_name``."""
    return "_".join(text.split()).lower()


def _tokens(text: str, double: bool) -> list[str]:
    """A header split into its parts: on ``::`` when the sheet uses it, else on single colons (old forms),
    keeping ``jr:count`` and the like whole (``jr`` is a namespace, not a separator)."""
    if double or "::" in text:
        return [token.strip() for token in text.split("::")]
    tokens: list[str] = []
    for token in (token.strip() for token in text.split(":")):
        if tokens and tokens[-1].lower() == "jr":
            tokens[-1] = f"jr:{token}"
        else:
            tokens.append(token)
    return tokens


def _key(base: str, rest: list[str]) -> str:
    language = "::".join(token for token in rest if token)
    return f"{base}::{language}" if language else base


def column_key(header: Any, double: bool = False, sheet: str = "survey") -> str:
    """A header as the key we read its column by: the base name of the column in its one spelling, and the
    language as written (``Label::Russian (ru)`` -> ``label::Russian (ru)``, ``bind:relevant`` -> ``relevant``).

    ``double`` says the sheet's headers use ``::``, so that a single colon is no separator; ``sheet`` picks
    the alias table (``survey``, ``choices`` or ``settings``). Unknown columns keep their name, snake_cased.
    """
    text = cell_text(header)
    if not text:
        return ""
    tokens = _tokens(text, double)
    aliases = ALIASES.get(sheet, SURVEY_ALIASES)
    first = _snake(tokens[0])
    if first in NAMESPACES and len(tokens) > 1:
        inner = _snake(tokens[1])
        inner = aliases.get(inner, inner)
        if inner in NAMESPACED:
            return _key(inner, tokens[2:])
        return _key(first, tokens[1:])
    return _key(aliases.get(first, first), tokens[1:])


def column_keys(header: list[Any] | tuple[Any, ...], sheet: str = "survey") -> list[str]:
    """The keys of a sheet's header row, one per cell ('' for an empty cell), as :func:`column_key` makes them."""
    double = any("::" in cell_text(value) for value in header)
    return [column_key(value, double, sheet) for value in header]


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
