"""Field-level checks and widgets used by the question types' WTForms fields."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import SelectMultipleField, widgets
from wtforms.validators import InputRequired, StopValidation
from wtforms.validators import ValidationError as FieldError


class AllowedValues:
    """Validator: the chosen value(s) must be among the question's choices.

    ``named``: an import's message may list the values (they are what a file or the API sends);
    not for yes/no, whose stored true/false and typed 1/0 differ from the form's values."""

    def __init__(self, values: list[Any], named: bool = True):
        self.values = values
        self.named = named

    def __call__(self, form, field):
        chosen = field.data if isinstance(field.data, list) else [field.data]
        if any(v is not None and v not in self.values for v in chosen):
            raise FieldError(_l("Choose one of the options offered."))


class CountRange:
    def __init__(self, low: int | None, high: int | None):
        self.low, self.high = low, high

    def __call__(self, form, field):
        n = len(field.data or [])
        if self.low is not None and n < self.low:
            raise FieldError(_l("Choose at least %(n)s options.", n=self.low))
        if self.high is not None and n > self.high:
            raise FieldError(_l("Choose at most %(n)s options.", n=self.high))


class Answered(InputRequired):
    """InputRequired that takes an answer of spaces only for no answer, as Optional() does.

    Otherwise spaces would pass as an answer to a required question and be stored as null."""

    def __call__(self, form, field):
        if field.raw_data and str(field.raw_data[0]).strip():
            return
        field.errors[:] = []
        raise StopValidation(self.message)


class FiniteNumber:
    """Validator: a number an answer can hold (not NaN, not infinite, not beyond a float's range).

    Runs before the range check, which cannot compare a signalling NaN ("sNaN")."""

    def __call__(self, form, field):
        if field.data is None:
            return
        try:
            finite = math.isfinite(float(field.data))
        except (ValueError, OverflowError):
            finite = False
        if not finite:
            raise StopValidation(_l("Enter a number."))


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()

    def process_formdata(self, valuelist):
        # A blank value is no choice. Left in, a blank first value makes Optional() skip every check
        # of the values after it, and would be stored as null.
        self.raw_data = [value for value in valuelist if str(value).strip()]
        super().process_formdata(self.raw_data)


class DateRange:
    def __init__(self, low: dt.date | None, high: dt.date | None):
        self.low, self.high = low, high

    def __call__(self, form, field):
        if field.data is None:
            return
        if (self.low and field.data < self.low) or (self.high and field.data > self.high):
            raise FieldError(
                _l("Enter a date between %(low)s and %(high)s.", low=self.low or "…", high=self.high or "…")
            )
