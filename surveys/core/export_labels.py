"""The words of an export in the interface language: sheet names, column headers, coded values.

Every table of an export keeps machine keys for its columns (``wave``, ``instrument_id``, ``mean``;
:attr:`Sheet.keys`) and shows them to people through :func:`headers`; coded values (a role, a wave's
kind, a scale's method, why a score or a reliability is missing) go through the ``*_label``
functions here. Everything is translated when the sheet is made, so an export follows the locale it
is built under (``flask_babel.force_locale`` for background jobs, docs/exports.md). The ids of
instruments, scales, items and bands are never translated: they stay in the columns whose headers
say «id», for scripts that join tables.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .reliability import CUSTOM_REASON, FEW_CASES_REASON, FEW_ITEMS_REASON, NO_VARIANCE_REASON

SHEET_NAMES = {
    "readme": _l("About this file"),
    "codebook": _l("Codebook"),
    "scores": _l("Scores"),
    "aggregates": _l("Aggregates"),
    "reliability": _l("Reliability"),
}

HEADERS = {
    # who and when
    "participant": _l("Participant code"),
    "role": _l("Role"),
    "form": _l("Form of mentoring"),
    "group": _l("Class"),
    "wave": _l("Wave"),
    "wave_kind": _l("Wave kind"),
    "instrument_version": _l("Questionnaire version"),
    "submitted_at": _l("Submitted at"),
    # what
    "instrument": _l("Questionnaire"),
    "instrument_id": _l("Questionnaire id"),
    "scale": _l("Scale"),
    "scale_id": _l("Scale id"),
    "item": _l("Item"),
    "item_id": _l("Item id"),
    "band": _l("Band"),
    "band_id": _l("Band id"),
    # scores
    "raw": _l("Raw score"),
    "value": _l("Score"),
    "norm": _l("Norm"),
    "norm_kind": _l("Norm kind"),
    "missing_reason": _l("Why there is no score"),
    "scoring_version": _l("Scoring version"),
    # statistics
    "n": "n",
    "mean": _l("Mean"),
    "sd": "SD",
    "median": _l("Median"),
    "min": _l("Minimum"),
    "max": _l("Maximum"),
    "bands": _l("Bands"),
    # reliability
    "method": _l("Method"),
    "k": _l("Items (k)"),
    "coefficient": _l("Coefficient"),
    "item_total_r": _l("Item–total r"),
    "reason": _l("Why there is no coefficient"),
    # codebook
    "kind": _l("Entry kind"),
    "id": "id",
    "question_id": _l("Question id"),
    "type": _l("Question type or scoring method"),
    "text": _l("Text"),
    "code": _l("Code"),
    "label": _l("Label"),
    "details": _l("Details"),
    # README
    "entry": _l("Entry"),
    "entry_value": _l("Value"),
    "sheet_key": _l("Sheet id"),
}

ROLES = {
    "mentor": _l("Mentor"),
    "mentee": _l("Mentee"),
    "curator": _l("Curator"),
    "teacher": _l("Teacher"),
    "parent": _l("Parent"),
    "employer": _l("Employer or partner"),
    "other": _l("Other"),
}
WAVE_KINDS = {"input": _l("Input wave"), "intermediate": _l("Intermediate wave"), "output": _l("Output wave")}
CODEBOOK_KINDS = {
    "instrument": _l("questionnaire"),
    "item": _l("question"),
    "code": _l("answer code"),
    "scale": _l("scale"),
    "band": _l("band"),
}
TYPES = {
    "single_choice": _l("one choice"),
    "multiple_choice": _l("several choices"),
    "rating": _l("rating"),
    "yes_no": _l("yes or no"),
    "text": _l("text"),
    "number": _l("number"),
    "matrix": _l("matrix"),
    "date": _l("date"),
    # scoring methods of scales
    "sum": _l("sum"),
    "mean": _l("mean"),
    "linear": _l("linear conversion"),
    "custom": _l("scored by a plugin"),
}
RELIABILITY_METHODS = {"alpha": _l("Cronbach's alpha"), "kr20": "KR-20"}
RELIABILITY_REASONS = {
    CUSTOM_REASON: _l("custom scale: its items are scored by a plugin"),
    FEW_ITEMS_REASON: _l("fewer than 2 items"),
    FEW_CASES_REASON: _l("fewer than 2 complete answers"),
    NO_VARIANCE_REASON: _l("total scores do not vary"),
}
# Why a score is missing, as the scorer stores it (surveys/core/scoring.py): English text in the database.
_NONE_ANSWERED = re.compile(r"no items answered")
_TOO_FEW = re.compile(r"(\d+) of (\d+) items answered; at least (\d+) needed")
_NO_PRORATING = re.compile(r"no (.+) items answered: the sum cannot be prorated")
_FEW_COMPLETE = re.compile(r"fewer than (\d+) complete answers")


def locale() -> str:
    """The language the export is written in (the locale it is built under; Russian by default)."""
    found = get_locale()
    return found.language if found is not None else "ru"


def everyone() -> str:
    """What the aggregates show for a level summed over (every role, form or class)."""
    return _("everyone")


def not_given() -> str:
    """What the aggregates show for a participant without a role, form or class."""
    return _("not given")


def sheet_name(key: str) -> str:
    """The name of one of the core's sheets (``aggregates``…) in the current locale."""
    return str(SHEET_NAMES[key])


def answers_sheet_name(title: str) -> str:
    """The name of an instrument's raw answers sheet (cut to Excel's 31 characters by the writer)."""
    return _("Answers — %(title)s", title=title)


def header(key: str) -> str:
    """A column's header for its machine key; an unknown key (an answer key, a plugin's column) as it is."""
    found = HEADERS.get(key)
    return key if found is None else str(found)


def headers(keys: Iterable[str]) -> list[str]:
    return [header(key) for key in keys]


def _label(table, value):
    found = table.get(value) if isinstance(value, str) else None
    return value if found is None else str(found)


def role_label(role: str | None) -> str | None:
    """A participant's role in words (an unknown role as stored)."""
    return _label(ROLES, role)


def wave_kind_label(kind: str | None) -> str | None:
    return _label(WAVE_KINDS, kind)


def codebook_kind_label(kind: str) -> str:
    return _label(CODEBOOK_KINDS, kind)


def type_label(kind: str | None) -> str | None:
    """A question type or a scale's scoring method in words (a plugin's own type as it is named)."""
    return _label(TYPES, kind)


def method_label(method: str | None) -> str | None:
    return _label(RELIABILITY_METHODS, method)


def fewer_complete(k: int) -> str:
    """Why a reliability on too few complete answers is not shown."""
    return _("fewer than %(k)s complete answers", k=k)


def reliability_reason_label(reason: str | None) -> str | None:
    if reason is None:
        return None
    if (found := _FEW_COMPLETE.fullmatch(reason)) is not None:
        return fewer_complete(int(found.group(1)))
    return _label(RELIABILITY_REASONS, reason)


def missing_reason_label(reason: str | None) -> str | None:
    """Why a score is missing, from the text the scorer stored (a plugin's own reason as it is)."""
    if not reason:
        return reason
    if _NONE_ANSWERED.fullmatch(reason):
        return _("no items answered")
    if (found := _TOO_FEW.fullmatch(reason)) is not None:
        answered, total, needed = (int(g) for g in found.groups())
        return _(
            "%(answered)s of %(total)s items answered; at least %(needed)s needed",
            answered=answered,
            total=total,
            needed=needed,
        )
    if (found := _NO_PRORATING.fullmatch(reason)) is not None:
        return _("items «%(items)s» not answered: the sum cannot be prorated", items=found.group(1))
    return reason
