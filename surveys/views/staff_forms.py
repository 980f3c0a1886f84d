"""WTForms for the staff pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, Regexp

from ..core.question_types import MultiCheckboxField

ROLE_LABELS = {
    "mentor": _l("Mentor"),
    "mentee": _l("Mentee"),
    "curator": _l("Curator"),
    "teacher": _l("Teacher"),
    "parent": _l("Parent"),
    "employer": _l("Employer or partner"),
    "other": _l("Other"),
}
WAVE_LABELS = {
    "input": _l("Input wave"),
    "intermediate": _l("Intermediate wave"),
    "output": _l("Output wave"),
}


class ActionForm(FlaskForm):
    """A button that changes something: CSRF-protected, no fields."""


class CampaignForm(FlaskForm):
    name = StringField(_l("Campaign name"), validators=[InputRequired(), Length(max=200)])
    instruments = MultiCheckboxField(
        _l("Questionnaires"),
        validators=[InputRequired(message=_l("Choose at least one questionnaire."))],
    )
    wave_name = StringField(
        _l("Name of the first wave"), default=_l("Input wave"), validators=[InputRequired(), Length(max=200)]
    )


class WaveForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=[SelectChoice(k, v) for k, v in WAVE_LABELS.items()], default="output")
    name = StringField(_l("Name"), validators=[InputRequired(), Length(max=200)])


class ParticipantForm(FlaskForm):
    code = StringField(
        _l("Code (leave empty to generate one)"),
        validators=[
            Optional(),
            Length(max=40),
            Regexp(r"^[A-Za-z0-9А-Яа-яЁё_-]+$", message=_l("Use letters, digits, '-' and '_' only.")),
        ],
    )
    role = SelectField(_l("Role"), choices=[SelectChoice(k, v) for k, v in ROLE_LABELS.items()])
    form = StringField(_l("Form of mentoring"), validators=[Optional(), Length(max=100)])
    group = StringField(_l("Group or class"), validators=[Optional(), Length(max=100)])
