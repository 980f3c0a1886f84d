"""WTForms for the dashboard, report and indicator pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    FloatField,
    RadioField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    InputRequired,
    Length,
    Optional,
    Regexp,
)


class IndicatorForm(FlaskForm):
    name = StringField(_l("Indicator, e.g. club attendance"), validators=[InputRequired(), Length(max=200)])
    unit = StringField(_l("Unit, e.g. per cent or people"), validators=[Optional(), Length(max=40)])
    target = FloatField(_l("Target (optional)"), validators=[Optional()])
    higher_is_better = RadioField(
        _l("Which way is better"),
        choices=[SelectChoice("yes", _l("higher is better")), SelectChoice("no", _l("lower is better"))],
        default="yes",
    )


class IndicatorValueForm(FlaskForm):
    period = StringField(
        _l("Period: month (2025-09) or date"),
        validators=[InputRequired(), Regexp(r"^\d{4}-\d{1,2}(-\d{1,2})?$", message=_l("Write the month as 2025-09."))],
    )
    value = FloatField(_l("Value"), validators=[InputRequired(message=_l("Enter a number."))])
    note = StringField(_l("Comment"), validators=[Optional(), Length(max=500)])


class IndicatorImportForm(FlaskForm):
    file = FileField(_l("XLSX file"), validators=[FileRequired()])


class ConclusionsForm(FlaskForm):
    text = TextAreaField(
        _l("Conclusions for the pedagogical council"),
        description=_l(
            "Printed at the end of the report. One paragraph per line; lines starting with “-” are list items."
        ),
        validators=[Optional(), Length(max=20000)],
    )
