"""WTForms and labels for the export pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    RadioField,
)
from wtforms.fields.choices import SelectChoice

from surveys.core.field_checks import MultiCheckboxField

FORMAT_LABELS = {
    "xlsx": _l("Excel workbook (XLSX)"),
    "csv": _l("CSV tables in a ZIP archive"),
    "json": _l("JSON"),
}


class ExportForm(FlaskForm):
    """What to export; the wave, questionnaire and form choices are filled in by the view."""

    fmt = RadioField(_l("Format"), choices=[SelectChoice(k, v) for k, v in FORMAT_LABELS.items()], default="xlsx")
    delimiter = RadioField(
        _l("CSV delimiter"),
        choices=[SelectChoice(";", _l("semicolon (Russian Excel; decimal comma)")), SelectChoice(",", _l("comma"))],
        default=";",
    )
    waves = MultiCheckboxField(_l("Waves (none ticked: all)"), coerce=int, choices=[])
    instruments = MultiCheckboxField(_l("Questionnaires (none ticked: all)"), choices=[])
    forms = MultiCheckboxField(_l("Forms of mentoring (none ticked: all)"), choices=[])
    individual = BooleanField(_l("Include individual data: raw answers and scores under pseudonymous codes"))


EXPORT_STATUS_LABELS = {
    "queued": _l("waiting to start"),
    "running": _l("being made"),
    "done": _l("ready"),
    "failed": _l("failed"),
    "interrupted": _l("interrupted"),
}
