"""Reading an XLSForm workbook: its sheets as rows of named cells, texts by language, choice lists, ids.

Pure helpers for :mod:`surveys.instruments.xlsform`. Rows keep the number Excel shows (the header is row 1),
so every problem can name its sheet and row; problems go to a ``warn(sheet, row, message, note=False)``
callable.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext

from surveys.instruments.xlsform_columns import base_of, cell_text, language_of

SHEETS = ("survey", "choices", "settings")

# XLSForm type word -> (our type, options every such question gets)
SIMPLE_TYPES = {
    "text": ("text", {}),
    "integer": ("number", {"integer": True}),
    "decimal": ("number", {}),
    "date": ("date", {}),
    "note": ("note", {}),
}
SELECT_TYPES = {"select_one": "single_choice", "select_multiple": "multiple_choice"}
METADATA_TYPES = {"start", "end", "today", "deviceid", "username", "email"} | {"simserial", "subscriberid"}
METADATA_TYPES |= {"phonenumber", "audit"}
HANDLED_COLUMNS = {"type", "name", "label", "hint", "required", "relevant", "constraint", "appearance"}
HANDLED_COLUMNS |= {"constraint_message", "required_message"}
UNSUPPORTED_COLUMNS = {"default", "calculation", "choice_filter", "read_only", "readonly", "trigger", "parameters"}
UNSUPPORTED_COLUMNS |= {"repeat_count", "image", "audio", "video", "big-image", "media", "guidance_hint", "autoplay"}
UNSUPPORTED_COLUMNS |= {"body", "bind", "control", "instance", "rows", "no_app_error_string"}  # bind::* and the like
SETTINGS_USED = {"form_id", "form_title", "version", "default_language"}

TEXT_COLUMNS = ("label", "hint")
CHOICE_MEDIA = {"image", "audio", "video", "big-image", "media"}
PIPED = re.compile(r"\$\{[^}]*\}")
WHOLE = re.compile(r"-?(0|[1-9][0-9]*)")
Warn = Callable[..., None]


@dataclass
class Row:
    """One non-empty row of a sheet: its number as Excel shows it and its cells by column key."""

    number: int
    cells: dict[str, Any]

    def text(self, key: str) -> str:
        """The cell as a stripped string ('' when empty); whole numbers without '.0'."""
        return cell_text(self.cells.get(key))


@dataclass
class Sheet:
    """A sheet's column keys (see :func:`column_key`) and its non-empty rows."""

    name: str
    columns: list[str] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    header: int = 1


def snake(name: str) -> str:
    """A name as a lower_snake_case id (``ageYears``, ``Age-Years`` -> ``age_years``), or '' if nothing is left."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name.strip())
    text = re.sub(r"[^a-z0-9]+", "_", spaced.lower()).strip("_")
    if text and not text[0].isalpha():
        text = f"q_{text}"
    return text


class Ids:
    """Hands out unique lower_snake_case ids, adding ``_2``, ``_3`` … to repeated ones."""

    def __init__(self) -> None:
        self.taken: dict[str, int] = {}
        self.suffix: dict[str, int] = {}  # wanted id -> the first suffix that may still be free

    def claim(self, wanted: str, row: int = 0) -> tuple[str, int | None]:
        """The id to use and, when ``wanted`` was already taken, the row that took it first.

        The suffix is the smallest free one from 2; ids are only ever added, so the search for the next
        repeat of ``wanted`` goes on from where the last one stopped (linear time for any number of repeats).
        """
        if wanted not in self.taken:
            self.taken[wanted] = row
            return wanted, None
        number = self.suffix.get(wanted, 2)
        while f"{wanted}_{number}" in self.taken:
            number += 1
        self.suffix[wanted] = number + 1
        self.taken[f"{wanted}_{number}"] = row
        return f"{wanted}_{number}", self.taken[wanted]


_CYRILLIC = re.compile("[\u0400-\u04ff]")
_LATIN = re.compile("[A-Za-z]")


def script_of(texts: Iterable[str]) -> str | None:
    """``ru`` when most texts that have letters are written in Cyrillic, ``en`` when most are in Latin letters
    only, None when there are no letters or as many of each."""
    cyrillic = latin = 0
    for text in texts:
        if _CYRILLIC.search(text):
            cyrillic += 1
        elif _LATIN.search(text):
            latin += 1
    if cyrillic == latin:
        return None
    return "ru" if cyrillic > latin else "en"


class Texts:
    """Which column holds which language, and a row's text in our shape: a Russian string or {ru, en}.

    ``label::English (en)``, ``label::ru`` and the like name their language. A plain ``label`` or ``hint`` is in
    the settings' ``default_language``. When the settings name none, it is Russian on a sheet without Russian
    or English columns; beside them, its letters decide (Cyrillic: Russian, Latin: English; a note says so).
    Without letters to go by, beside Russian columns only it is read as English (and beside English ones only
    as Russian), with a problem saying so; beside both it is left out, with a problem. Nothing is overwritten
    unsaid: two columns of one language that differ on a row are reported there.
    """

    def __init__(self, warn: Warn, default_language: str = ""):
        self.warn, self.named = warn, default_language  # ``named``: the settings' default_language, as written
        self.columns: dict[tuple[str, str], list[tuple[str, str]]] = {}  # (sheet, base) -> [(key, language)]
        self.has_russian: set[str] = set()

    def learn(self, sheet: Sheet) -> None:
        """Note the language of each text column of a sheet; report languages we do not keep."""
        named: dict[str, str | None] = {}
        plain: list[str] = []
        for key in sheet.columns:
            base, _, suffix = key.partition("::")
            if base in TEXT_COLUMNS and suffix:
                named[key] = language_of(suffix)
            elif base in TEXT_COLUMNS:
                plain.append(key)
        found = {language for language in named.values() if language}
        languages = {**named, **{key: self._plain_language(sheet, key, found) for key in plain}}
        for key, language in languages.items():
            if language is None and key in named:
                message = gettext("column '%(column)s': only Russian and English texts are imported", column=key)
                self.warn(sheet.name, sheet.header, message)
            elif language:
                self.columns.setdefault((sheet.name, base_of(key)), []).append((key, language))
        found |= {language for language in languages.values() if language}
        if "ru" in found:
            self.has_russian.add(sheet.name)
        elif "en" in found:
            message = gettext("no Russian texts: the English ones are used for both languages")
            self.warn(sheet.name, sheet.header, message)

    def _plain_language(self, sheet: Sheet, key: str, found: set[str]) -> str | None:
        """The language of a column without one (``label``), given the languages the sheet's other columns name."""
        if self.named:
            language = language_of(self.named)
            if language is None:
                message = gettext(
                    "column '%(column)s' is in the default_language '%(language)s': only Russian and English "
                    "texts are imported",
                    column=key,
                    language=self.named,
                )
                self.warn(sheet.name, sheet.header, message)
            return language
        if not found:
            return "ru"
        script = script_of(row.text(key) for row in sheet.rows)
        if script:
            message = (
                gettext(
                    "column '%(column)s' names no language and the settings no default_language; its texts are "
                    "in Cyrillic letters, so it is read as Russian",
                    column=key,
                )
                if script == "ru"
                else gettext(
                    "column '%(column)s' names no language and the settings no default_language; its texts are "
                    "in Latin letters, so it is read as English",
                    column=key,
                )
            )
            self.warn(sheet.name, sheet.header, message, note=True)
            return script
        if found == {"ru"}:
            message = gettext(
                "column '%(column)s' names no language and the settings no default_language; it is read as "
                "English, as the Russian texts have columns of their own",
                column=key,
            )
        elif found == {"en"}:
            message = gettext(
                "column '%(column)s' names no language and the settings no default_language; it is read as "
                "Russian, as the English texts have columns of their own",
                column=key,
            )
        else:
            message = gettext(
                "column '%(column)s' names no language beside the Russian and English columns, and the settings "
                "no default_language; left out",
                column=key,
            )
            self.warn(sheet.name, sheet.header, message)
            return None
        self.warn(sheet.name, sheet.header, message)
        return "en" if found == {"ru"} else "ru"

    def text(self, sheet: str, row: Row, base: str, what: str) -> Any:
        """The row's ``base`` text (``label``, ``hint``), or None when it has none."""
        found: dict[str, tuple[str, str]] = {}
        for key, language in self.columns.get((sheet, base), ()):
            value = row.text(key)
            if value and language not in found:
                found[language] = (key, value)
            elif value and found[language][1] != value:
                message = gettext(
                    "%(what)s: columns '%(first)s' and '%(second)s' hold the same language and differ; "
                    "the text of '%(first)s' is used"
                )
                self.warn(sheet, row.number, message % {"what": what, "first": found[language][0], "second": key})
        ru, en = found.get("ru", ("", ""))[1], found.get("en", ("", ""))[1]
        if not ru and not en:
            return None
        if not ru:
            if sheet in self.has_russian:
                message = gettext("%(what)s: no Russian text; the English one is used for both languages", what=what)
                self.warn(sheet, row.number, message)
            ru = en
        piped = PIPED.search(f"{ru} {en or ''}")
        if piped:
            message = gettext("%(what)s: %(ref)s is shown as written: answers are not put into texts")
            self.warn(sheet, row.number, message % {"what": what, "ref": piped.group()})
        return {"ru": ru, "en": en} if en else ru


@dataclass
class ChoiceList:
    """A choice list in our shape, under its id, with each XLSForm choice name's stored value."""

    id: str
    choices: list[dict]
    values: dict[str, Any]


class ChoiceLists:
    """The choices sheet, each list built (and its problems reported) the first time a question uses it."""

    def __init__(self, sheet: Sheet | None, texts: Texts, warn: Warn):
        self.texts, self.warn = texts, warn
        self.rows: dict[str, list[Row]] = {}
        for row in sheet.rows if sheet else []:
            self.rows.setdefault(row.text("list_name"), []).append(row)
        self.built: dict[str, ChoiceList | None] = {}
        self.ids = Ids()

    def get(self, list_name: str) -> ChoiceList | None:
        """The list, or None when it is missing or has fewer than two usable choices."""
        if list_name not in self.built:
            self.built[list_name] = self._build(list_name)
        return self.built[list_name]

    def why_missing(self, list_name: str) -> str:
        return (
            gettext("is not on the choices sheet")
            if list_name not in self.rows
            else gettext("has fewer than two choices")
        )

    def used(self) -> dict[str, list[dict]]:
        """The lists that questions use, for the top-level ``choices``."""
        return {found.id: found.choices for found in self.built.values() if found}

    def _build(self, list_name: str) -> ChoiceList | None:
        choices, values, seen = [], {}, set()  # seen: the values kept so far, as text
        for row in self.rows.get(list_name, []):
            name = row.text("name")
            value = int(name) if WHOLE.fullmatch(name) else name
            if not name or str(value) in seen:
                message = (
                    gettext("a choice of list '%(list)s' has no name; skipped")
                    if not name
                    else gettext("a choice of list '%(list)s': '%(name)s' is listed twice; skipped")
                )
                self.warn("choices", row.number, message % {"list": list_name, "name": name})
                continue
            for key in row.cells:
                if base_of(key) in CHOICE_MEDIA:
                    self.warn(
                        "choices", row.number, gettext("column '%(column)s' is not supported; ignored", column=key)
                    )
            label = self.texts.text("choices", row, "label", gettext("choice '%(name)s'", name=name))
            if label is None:
                self.warn(
                    "choices", row.number, gettext("choice '%(name)s' has no label; its name is shown", name=name)
                )
            values[name] = value
            seen.add(str(value))
            choices.append({"value": value, "label": label or name})
        if len(choices) < 2:
            return None
        return ChoiceList(self.ids.claim(snake(list_name) or "list")[0], choices, values)


# pyxform's spellings of the select types (pyxform/aliases.py ``select``), of the "other" suffix (its
# RE_SELECT in pyxform/xls2json.py) and of groups and repeats (``control``); ``select multiple`` is ours.
SELECT_ALIASES = {
    "select_one": "select_one",
    "select one": "select_one",
    "select1": "select_one",
    "select one from": "select_one",
    "add select one prompt using": "select_one",
    "select_multiple": "select_multiple",
    "select multiple": "select_multiple",
    "select all that apply": "select_multiple",
    "select all that apply from": "select_multiple",
    "add select multiple prompt using": "select_multiple",
}
FROM_FILE = {"select one from file": "select_one_from_file", "select multiple from file": "select_multiple_from_file"}
OTHER_SUFFIXES = ("or_other", "or other", "or specify other")
# pyxform's other names of the simple and metadata types (pyxform/question_type_dictionary.py); the types that
# add a constraint of their own there (``phone number``, ``percentage`` …) are not among them.
TYPE_ALIASES = {"string": "text", "q string": "text", "add text prompt": "text", "int": "integer"}
TYPE_ALIASES |= {"q int": "integer", "add integer prompt": "integer", "q decimal": "decimal"}
TYPE_ALIASES |= {"add decimal prompt": "decimal", "q date": "date", "add date prompt": "date", "q note": "note"}
TYPE_ALIASES |= {"add note prompt": "note", "start time": "start", "get start time": "start", "end time": "end"}
TYPE_ALIASES |= {"get end time": "end", "get today": "today", "imei": "deviceid", "device id": "deviceid"}
TYPE_ALIASES |= {"get device id": "deviceid", "sim id": "simserial", "get sim id": "simserial"}
TYPE_ALIASES |= {"subscriber id": "subscriberid", "get subscriber id": "subscriberid"}
TYPE_ALIASES |= {"get phone number": "phonenumber"}
CONTROLS = {"group": "group", "repeat": "repeat", "lgroup": "repeat", "looped group": "repeat", "loop": "repeat"}


def _alternatives(names) -> str:
    return "|".join(re.escape(name).replace(r"\ ", r"\s+") for name in sorted(names, key=len, reverse=True))


SELECT = re.compile(
    rf"({_alternatives(SELECT_ALIASES)})\s+(\S+)(?:\s+({_alternatives(OTHER_SUFFIXES)}))?", re.IGNORECASE
)
CONTROL = re.compile(rf"(begin|end)[\s_]+({_alternatives(CONTROLS)})(?:\s+(?:over\s+)?\S+)?", re.IGNORECASE)


def type_words(text: str) -> list[str]:
    """A type as its words, in the one spelling we read: ``begin_group`` -> ['begin group'], ``begin loop over
    LIST`` -> ['begin repeat']; ``select one from colours or other`` -> ['select_one', 'colours', 'or_other']."""
    text = " ".join(text.split())
    control = CONTROL.fullmatch(text)
    if control and (control.group(1).lower() == "begin" or control.end(2) == len(text)):
        return [f"{control.group(1).lower()} {CONTROLS[' '.join(control.group(2).lower().split())]}"]
    select = SELECT.fullmatch(text)
    if select:
        kind = SELECT_ALIASES[" ".join(select.group(1).lower().split())]
        return [kind, select.group(2)] + (["or_other"] if select.group(3) else [])
    lowered = text.lower()
    if lowered in TYPE_ALIASES:
        return [TYPE_ALIASES[lowered]]
    for spelling, kind in FROM_FILE.items():
        if lowered.startswith(spelling + " "):
            return [kind, *text.split()[4:]]
    words = text.split()
    if len(words) > 2 and words[0].lower() == "select" and words[1].lower() in ("one", "multiple"):
        words = [f"select_{words[1].lower()}", *words[2:]]
    return [words[0].lower(), *words[1:]] if words else []
