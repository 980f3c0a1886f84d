"""Built-in question types whose answer is one value: yes/no, number, date, and the note (no answer).

Part of the built-in types (``question_types`` lists them all); split off to keep modules small.
"""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from marshmallow import fields, validates_schema
from wtforms import DateField, DecimalField, IntegerField, RadioField
from wtforms.validators import NumberRange

from .field_checks import AllowedValues, DateRange, FiniteNumber
from .question_base import QuestionType, WrongValue, _label, _options, _presence
from .schema import IsoDate, Strict, check_order


# ---- yes/no, number, date, note ----------------------------------------------------------
class YesNoType(QuestionType):
    def make_fields(self, question, locale):
        pairs = [("yes", str(_l("Yes"))), ("no", str(_l("No")))]
        return {
            question.id: RadioField(
                _label(question.text, locale),
                choices=_options(pairs),
                validate_choice=False,
                coerce=lambda v: None if v in (None, "") else str(v),
                validators=_presence(question) + [AllowedValues(["yes", "no"], named=False)],
            )
        }

    def dump(self, question, key, data):
        return {"yes": True, "no": False}.get(data)

    def load(self, question, key, value):
        return {True: "yes", False: "no"}.get(value)

    def formdata(self, question, key, value):
        if value is not None and not isinstance(value, bool):
            raise WrongValue(_l("Give true or false."))
        return [] if value is None else ["yes" if value else "no"]

    def export(self, question, key, value):
        return {True: 1, False: 0}.get(value)


class NumberOptions(Strict):
    min = fields.Float()
    max = fields.Float()
    integer = fields.Boolean(load_default=False)

    @validates_schema
    def _ordered(self, data, **kwargs):
        check_order(data, "min", "max")


def _shown(limit: float | None) -> float | int | None:
    """A limit as people write it: 10, not 10.0."""
    return int(limit) if limit is not None and float(limit).is_integer() else limit


class NumberType(QuestionType):
    def make_fields(self, question, locale):
        opts = question.options
        checks = _presence(question) + [FiniteNumber()]
        if "min" in opts or "max" in opts:
            checks.append(
                NumberRange(
                    min=_shown(opts.get("min")),
                    max=_shown(opts.get("max")),
                    message=_l("Enter a number from %(min)s to %(max)s.")
                    if "min" in opts and "max" in opts
                    else _l("Enter a number of at least %(min)s.")
                    if "min" in opts
                    else _l("Enter a number of at most %(max)s."),
                )
            )
        field = IntegerField if opts.get("integer") else DecimalField
        mode = "numeric" if opts.get("integer") else "decimal"
        return {question.id: field(_label(question.text, locale), validators=checks, render_kw={"inputmode": mode})}

    def dump(self, question, key, data):
        if data is None:
            return None
        return int(data) if question.options.get("integer") else float(data)


class DateOptions(Strict):
    min = IsoDate()
    max = IsoDate()

    @validates_schema
    def _ordered(self, data, **kwargs):
        check_order(data, "min", "max")


class DateType(QuestionType):
    def make_fields(self, question, locale):
        opts = question.options
        return {
            question.id: DateField(
                _label(question.text, locale),
                validators=_presence(question) + [DateRange(opts.get("min"), opts.get("max"))],
            )
        }

    def dump(self, question, key, data):
        return data.isoformat() if data else None

    def load(self, question, key, value):
        return dt.date.fromisoformat(value) if value else None

    def formdata(self, question, key, value):
        if value is not None and not isinstance(value, str):
            raise WrongValue(_l("Give a date as YYYY-MM-DD."))
        return [] if value is None else [value]


class NoteType(QuestionType):
    template = "questions/note.html"

    def answer_keys(self, question):
        return []

    def make_fields(self, question, locale):
        return {}
