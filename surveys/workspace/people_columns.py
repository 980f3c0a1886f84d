"""The columns of a participants file, the words accepted in them, and the problem record.

Headers and values are matched case-insensitively, with ``ё`` read as ``е`` and runs of spaces
or underscores read as one space, so ``Full_Name``, ``ФИО`` and ``год  рождения`` all work.
See docs/people.md for the user's view of the same tables.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from surveys.core.models import ROLES

COLUMNS = ("code", "role", "form", "group", "tags", "full_name", "birth_year", "sex")
REQUIRED = ("code", "role")
PERSONAL = ("full_name", "birth_year", "sex")  # stored in PersonalData, apart from answers

HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "code": ("code", "participant code", "код", "код участника"),
    "role": ("role", "роль"),
    "form": ("form", "form of mentoring", "форма", "форма наставничества"),
    "group": ("group", "class", "группа", "класс", "группа/класс", "группа или класс"),
    "tags": ("tags", "tag", "метки", "метка", "теги"),
    "full_name": ("full name", "name", "фио", "ф.и.о.", "ф. и. о.", "имя"),
    "birth_year": ("birth year", "year of birth", "год рождения"),
    "sex": ("sex", "gender", "пол"),
}

# The first Russian word of each role is the one templates offer; the rest are accepted too.
ROLE_WORDS: dict[str, tuple[str, ...]] = {
    "mentor": ("наставник",),
    "mentee": ("наставляемый",),
    "curator": ("куратор",),
    "teacher": ("педагог", "учитель"),
    "parent": ("родитель",),
    "employer": ("работодатель", "партнёр", "работодатель/партнёр", "работодатель или партнёр", "employer or partner"),
    "other": ("другое",),
}
SEX_WORDS: dict[str, tuple[str, ...]] = {
    "f": ("f", "ж", "жен", "женский", "female"),
    "m": ("m", "м", "муж", "мужской", "male"),
}
TEMPLATE_SEX = {"ru": ("ж", "м"), "en": ("f", "m")}

# Template headers by interface language: Russian words for the Russian interface, the ids otherwise.
TEMPLATE_HEADERS = {
    "ru": ("код", "роль", "форма", "группа", "метки", "ФИО", "год рождения", "пол"),
    "en": COLUMNS,
}

COLUMN_LABELS = {
    "code": _l("Code"),
    "role": _l("Role"),
    "form": _l("Form of mentoring"),
    "group": _l("Group or class"),
    "tags": _l("Tags"),
    "full_name": _l("Full name"),
    "birth_year": _l("Year of birth"),
    "sex": _l("Sex"),
}

CODE_PATTERN = re.compile(r"^[A-Za-z0-9А-Яа-яЁё_-]{1,40}$")
DASHES = re.compile(r"\s*[-‐‑‒–—―−]\s*")
TAG_SEPARATORS = re.compile(r"[;,]")
MAX_GROUP = 100
MAX_NAME = 300
MAX_TAG = 100
MIN_BIRTH_YEAR = 1900


def words(text: str) -> str:
    """Lower case, ``ё`` as ``е``, underscores as spaces, whitespace collapsed."""
    return " ".join(text.replace("_", " ").lower().replace("ё", "е").split())


def dashless(text: str) -> str:
    """``words`` with every kind of dash (and the spaces around it) read as one hyphen."""
    return DASHES.sub("-", words(text))


HEADERS: dict[str, str] = {words(alias): column for column, aliases in HEADER_ALIASES.items() for alias in aliases}
ROLE_LOOKUP: dict[str, str] = {words(word): role for role in ROLES for word in (role, *ROLE_WORDS.get(role, ()))}
SEX_LOOKUP: dict[str, str] = {words(word): sex for sex, aliases in SEX_WORDS.items() for word in aliases}


def template_roles(locale: str) -> list[str]:
    """The role words a template offers: Russian words for ``ru``, the ids otherwise."""
    if locale == "ru":
        return [ROLE_WORDS[role][0] for role in ROLES]
    return list(ROLES)


def role_choices() -> str:
    """Every role as ``наставник (mentor)``, for problem messages in either language."""
    return ", ".join(f"{ROLE_WORDS[role][0]} ({role})" for role in ROLES)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an upload.

    ``row`` is the row as the user sees it in the file (the header is row 1; ``None`` for the file as a
    whole), ``column`` the column id (``code``, ``role``…; empty for the whole row or file), ``message``
    a lazily translated text.
    """

    row: int | None
    column: str
    message: object
    fatal: bool = False  # a problem of the header: no row can be imported

    def __str__(self) -> str:
        place = ", ".join(x for x in (f"row {self.row}" if self.row else "", self.column) if x)
        return f"{place}: {self.message}" if place else str(self.message)

    @property
    def whole_file(self) -> bool:
        """A problem of the file itself (unreadable, a missing column…): nothing can be imported."""
        return self.fatal or self.row is None


@dataclass
class Row:
    """A data row: its number in the file and its cells by column id (stripped text)."""

    number: int
    values: dict[str, str]


@dataclass
class Table:
    """A parsed upload: the columns found, the data rows, and problems of the file itself.

    ``headers`` maps a column id to the header as written in the file; ``ignored`` lists headers
    that name no known column.
    """

    kind: str = ""
    header_row: int = 1
    columns: list[str] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    rows: list[Row] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
