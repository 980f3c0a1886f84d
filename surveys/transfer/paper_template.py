"""The XLSX entry template for typing in paper questionnaires.

A template has three sheets: ``answers`` (row 1: the answer keys, which the import reads; row 2:
the questions, for the person typing; then one row per participant), ``values`` (what may be typed
in each column, with the labels of the allowed values) and the hidden ``meta`` (which instrument
and version the template is for). The columns are derived from the question types' own WTForms
fields, so a plugin's question type gets a column like a built-in one.

Nothing here touches the database. Text is always written as text, never as a formula (see
``surveys/core/export.py``).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import xlsxwriter
from flask_babel import force_locale
from flask_babel import gettext as _
from wtforms import DateField, DecimalField, FloatField, IntegerField, SelectField, SelectMultipleField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from surveys.core.definitions import Instrument, Question
from surveys.core.export import is_risky
from surveys.core.field_checks import DateRange
from surveys.core.value_types import YesNoType
from surveys.plugins import Registry

ANSWERS, VALUES, META = "answers", "values", "meta"
CODE = "participant"  # the key of the participant-code column
FORMAT = "surveys-paper/1"  # written to the meta sheet: what kind of file this is
TEMPLATE_ROWS = 1000  # rows below the headers that get data validation
FIRST_ROW = 3  # the first row of answers, as Excel counts (rows 1 and 2 are headers)
YES_NO = {"1": "yes", "0": "no"}  # how a yes/no answer is typed -> the online form's value


@dataclass(frozen=True)
class Column:
    """One column of the answers sheet: an answer key and what may be typed in it.

    ``kind`` is ``code``, ``list`` (one of ``values``), ``multiple`` (values separated by ``;``),
    ``yes_no`` (1 or 0), ``integer``, ``decimal``, ``date`` or ``text``; ``low``/``high`` are
    the number or date range, or the text length.
    """

    key: str
    heading: str
    kind: str
    values: tuple[tuple[Any, str], ...] = ()
    low: Any = None
    high: Any = None
    required: bool = False
    conditional: bool = False


def _first(validators: list, kind: type | tuple[type, ...]):
    return next((v for v in validators if isinstance(v, kind)), None)


def _number(limit):
    """A limit as people write it: 10, not 10.0."""
    if isinstance(limit, float) and limit.is_integer():
        return int(limit)
    return limit


def _column(question: Question, qtype, key: str, unbound, stem: str, several: bool) -> Column:
    """The column of one answer key, read from the unbound WTForms field the question type makes."""
    kwargs = unbound.kwargs
    label = str(unbound.args[0] if unbound.args else kwargs.get("label") or "")
    heading = f"{stem} — {label}" if several and key != question.id else stem
    checks = list(kwargs.get("validators") or [])
    common = {
        "key": key,
        "heading": heading,
        "required": _first(checks, (InputRequired, DataRequired)) is not None,
        "conditional": question.show_if is not None,
    }
    field_class = unbound.field_class
    if isinstance(qtype, YesNoType):
        return Column(kind="yes_no", values=((1, _("Yes")), (0, _("No"))), **common)
    if issubclass(field_class, SelectField):
        pairs = tuple((choice.value, str(choice.label)) for choice in kwargs.get("choices") or [])
        kind = "multiple" if issubclass(field_class, SelectMultipleField) else "list"
        return Column(kind=kind, values=pairs, **common)
    if issubclass(field_class, IntegerField | DecimalField | FloatField):
        limits = _first(checks, NumberRange)
        low, high = (_number(limits.min), _number(limits.max)) if limits else (None, None)
        kind = "integer" if issubclass(field_class, IntegerField) else "decimal"
        return Column(kind=kind, low=low, high=high, **common)
    if issubclass(field_class, DateField):
        limits = _first(checks, DateRange)
        return Column(kind="date", low=limits and limits.low, high=limits and limits.high, **common)
    length = _first(checks, Length)
    low = length.min if length and length.min > 0 else None
    high = length.max if length and length.max >= 0 else None
    return Column(kind="text", low=low, high=high, **common)


def columns(instrument: Instrument, registry: Registry, locale: str) -> list[Column]:
    """The answers sheet's columns: the participant code, then every answer key in file order."""
    found = [Column(CODE, _("Participant code"), "code", required=True)]
    for question in instrument.questions():
        qtype = registry.question_types[question.type]
        fields = qtype.make_fields(question, locale)
        stem = question.text.get(locale)
        for key, unbound in fields.items():
            found.append(_column(question, qtype, key, unbound, stem, len(fields) > 1))
    return found


def _range(low, high) -> str:
    if low is not None and high is not None:
        return _("From %(min)s to %(max)s.", min=low, max=high)
    if low is not None:
        return _("At least %(min)s.", min=low)
    if high is not None:
        return _("At most %(max)s.", max=high)
    return ""


def describe(column: Column) -> str:
    """What to type in the column, in the current language (for the values sheet)."""
    if column.kind == "code":
        return _("The participant's code, as in the list of participants. Rows without answers are skipped.")
    parts = {
        "list": [_("One value from the list.")],
        "multiple": [_("Values from the list, separated by ';'.")],
        "yes_no": [_("1 for yes, 0 for no.")],
        "integer": [_("A whole number."), _range(column.low, column.high)],
        "decimal": [_("A number."), _range(column.low, column.high)],
        "date": [_("A date, YYYY-MM-DD."), _range(column.low, column.high)],
    }.get(column.kind)
    if parts is None:
        if column.high and column.low:
            parts = [_("Text of %(min)s to %(max)s characters.", min=column.low, max=column.high)]
        elif column.high:
            parts = [_("Text of at most %(max)s characters.", max=column.high)]
        else:
            parts = [_("Text.")]
    if column.required:
        parts.append(_("Required."))
    if column.conditional:
        parts.append(_("Asked only under a condition; an answer to a question that is not asked is dropped."))
    return " ".join(p for p in parts if p)


class _Writer:
    """XlsxWriter with the text guard: strings are never formulas, risky ones get a quote prefix."""

    def __init__(self, buffer: io.BytesIO):
        options = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
        self.book = xlsxwriter.Workbook(buffer, {"in_memory": True, **options})
        self._formats: dict[tuple[str, bool], Any] = {}
        self.styles = {
            "plain": {},
            "key": {"bold": True, "bg_color": "#DDDDDD"},
            "heading": {"bold": True, "text_wrap": True, "valign": "top"},
            "text": {"num_format": "@"},
            "wrap": {"text_wrap": True, "valign": "top"},
            "date": {"num_format": "yyyy-mm-dd"},
        }

    def format(self, style: str, risky: bool = False):
        if (style, risky) not in self._formats:
            props = dict(self.styles[style], **({"quote_prefix": True} if risky else {}))
            self._formats[(style, risky)] = self.book.add_format(props) if props else None
        return self._formats[(style, risky)]

    def cell(self, ws, row: int, col: int, value: Any, style: str = "plain") -> None:
        if value is None or value == "":
            return
        if isinstance(value, bool):
            ws.write_boolean(row, col, value, self.format(style))
        elif isinstance(value, int | float):
            ws.write_number(row, col, value, self.format(style))
        else:
            text = str(value)
            ws.write_string(row, col, text, self.format(style, is_risky(text)))


def _validation(column: Column, source: str | None) -> dict[str, Any] | None:
    """The Excel data validation of a column (None for free text without limits)."""
    message = {"error_title": _("Not allowed here"), "error_message": _("See the sheet 'values'.")}
    if column.kind in ("list", "yes_no") and source:
        return {"validate": "list", "source": source, **message}
    if column.kind == "multiple":
        return {"validate": "any", "input_title": _("Several values"), "input_message": describe(column)[:255]}
    if column.kind in ("integer", "decimal", "date"):
        validate = {"integer": "integer", "decimal": "decimal", "date": "date"}[column.kind]
        widest = (dt.date(1900, 1, 1), dt.date(9999, 12, 31)) if column.kind == "date" else (-(10**15), 10**15)
        low = widest[0] if column.low is None else column.low
        high = widest[1] if column.high is None else column.high
        return {"validate": validate, "criteria": "between", "minimum": low, "maximum": high, **message}
    if column.kind == "text" and column.high:
        low = column.low or 0
        return {"validate": "length", "criteria": "between", "minimum": low, "maximum": column.high, **message}
    return None


def _values_sheet(writer: _Writer, cols: list[Column]) -> dict[str, str]:
    """Write the values sheet; return, per list column, the range of its allowed values."""
    ws = writer.book.add_worksheet(VALUES)
    headers = [_("Column"), _("Question"), _("What to type"), _("Value"), _("Meaning")]
    for col, title in enumerate(headers):
        writer.cell(ws, 0, col, title, "heading")
    for col, width in enumerate((18, 40, 50, 12, 40)):
        ws.set_column(col, col, width)
    sources, row = {}, 1
    for column in cols:
        writer.cell(ws, row, 0, column.key)
        writer.cell(ws, row, 1, column.heading, "wrap")
        writer.cell(ws, row, 2, describe(column), "wrap")
        if column.values:
            sources[column.key] = f"=values!$D${row + 1}:$D${row + len(column.values)}"
        for offset, (value, label) in enumerate(column.values):
            writer.cell(ws, row + offset, 3, value)
            writer.cell(ws, row + offset, 4, label)
        row += max(1, len(column.values))
    ws.freeze_panes(1, 0)
    return sources


def _meta_sheet(writer: _Writer, instrument: Instrument) -> None:
    ws = writer.book.add_worksheet(META)
    pairs = [("format", FORMAT), ("instrument", instrument.id), ("version", str(instrument.version))]
    for row, (key, value) in enumerate(pairs):
        writer.cell(ws, row, 0, key)
        writer.cell(ws, row, 1, value, "text")
    ws.hide()


def entry_template(instrument: Instrument, registry: Registry, locale: str, codes: Iterable[str] = ()) -> bytes:
    """An XLSX template for typing in paper answers to ``instrument``, one row per code in ``codes``.

    Texts are in ``locale``; the answer keys in row 1 and the metadata sheet are what an import reads.
    """
    codes = list(codes)
    buffer = io.BytesIO()
    writer = _Writer(buffer)
    with force_locale(locale):
        cols = columns(instrument, registry, locale)
        ws = writer.book.add_worksheet(ANSWERS)
        sources = _values_sheet(writer, cols)
        _meta_sheet(writer, instrument)
        last = FIRST_ROW - 1 + max(TEMPLATE_ROWS, len(codes) + 100)  # 1-based row numbers, as in Excel
        for col, column in enumerate(cols):
            writer.cell(ws, 0, col, column.key, "key")
            writer.cell(ws, 1, col, column.heading, "heading")
            style = {"code": "text", "text": "text", "date": "date"}.get(column.kind)
            width = {"code": 14, "text": 30, "multiple": 20, "date": 12}.get(column.kind, 12)
            ws.set_column(col, col, width, writer.format(style) if style else None)
            rule = _validation(column, sources.get(column.key))
            if rule:
                ws.data_validation(FIRST_ROW - 1, col, last - 1, col, rule)
        for row, code in enumerate(codes, start=FIRST_ROW - 1):
            writer.cell(ws, row, 0, str(code), "text")
        ws.set_row(1, 60)
        ws.freeze_panes(FIRST_ROW - 1, 1)
        ws.activate()
    writer.book.close()
    return buffer.getvalue()
