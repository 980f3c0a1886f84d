"""WTForms for the participation pages: consent settings, guardians, wave schedule, open links."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    RadioField,
    SelectField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    Length,
    Optional,
    ValidationError,
)

from surveys.core.field_checks import MultiCheckboxField
from surveys.participation.consent import HEADINGS, MODE_LABELS


class ConsentSettingsForm(FlaskForm):
    mode = RadioField(_l("How participants agree"), choices=[SelectChoice(k, v) for k, v in MODE_LABELS.items()])
    purpose = TextAreaField(HEADINGS["purpose"], validators=[Optional(), Length(max=4000)])
    access = TextAreaField(HEADINGS["access"], validators=[Optional(), Length(max=4000)])
    rights = TextAreaField(HEADINGS["rights"], validators=[Optional(), Length(max=4000)])
    data = TextAreaField(HEADINGS["data"], validators=[Optional(), Length(max=4000)])
    allow_editing = BooleanField(_l("Participants may change their answers after submitting, while the wave is open"))
    support_contact = TextAreaField(_l("Where to turn for support"), validators=[Optional(), Length(max=1000)])
    # Asked only when "self" is chosen for a campaign whose programme has pupils (the view checks it).
    confirm_self = BooleanField(
        _l("I confirm that the participants consent themselves, although the programme has pupils")
    )


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
