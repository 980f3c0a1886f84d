"""WTForms for the staff pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateTimeLocalField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, Regexp, ValidationError

from ..consent import HEADINGS, MODE_LABELS
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


class ConsentSettingsForm(FlaskForm):
    mode = RadioField(_l("How participants agree"), choices=[SelectChoice(k, v) for k, v in MODE_LABELS.items()])
    purpose = TextAreaField(HEADINGS["purpose"], validators=[Optional(), Length(max=4000)])
    access = TextAreaField(HEADINGS["access"], validators=[Optional(), Length(max=4000)])
    rights = TextAreaField(HEADINGS["rights"], validators=[Optional(), Length(max=4000)])
    data = TextAreaField(HEADINGS["data"], validators=[Optional(), Length(max=4000)])
    allow_editing = BooleanField(_l("Participants may change their answers after submitting, while the wave is open"))


class GuardianForm(FlaskForm):
    participants = MultiCheckboxField(_l("Guardian's consent received"), coerce=int, validate_choice=False)


class ScheduleForm(FlaskForm):
    opens_at = DateTimeLocalField(_l("Opens at"), validators=[Optional()], format="%Y-%m-%dT%H:%M")
    closes_at = DateTimeLocalField(_l("Closes at"), validators=[Optional()], format="%Y-%m-%dT%H:%M")
    closed = BooleanField(_l("Closed now"))

    def validate_closes_at(self, field):
        if field.data and self.opens_at.data and field.data <= self.opens_at.data:
            raise ValidationError(_l("The closing time must be after the opening time."))


class OpenLinkForm(FlaskForm):
    role = SelectField(_l("For participants in the role"))
