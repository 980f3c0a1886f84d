"""Field-level checks and widgets used by the question types' WTForms fields."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import SelectMultipleField, widgets
from wtforms.validators import ValidationError as FieldError


class AllowedValues:
    """Validator: the chosen value(s) must be among the question's choices."""

    def __init__(self, values: list[Any]):
        self.values = values

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


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


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
