"""WTForms for the staff pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    EmailField,
    FloatField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    EqualTo,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

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
STAFF_ROLE_LABELS = {
    "admin": _l("Administrator"),
    "curator": _l("Curator"),
    "psychologist": _l("Psychologist"),
    "viewer": _l("Viewer (school administration)"),
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
    programme = SelectField(_l("Programme (mentoring cycle)"), coerce=int, default=0)


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
    tags = StringField(_l("Tags, separated by commas (e.g. ОВЗ, одарённый)"), validators=[Optional(), Length(max=300)])
    programme = SelectField(_l("Enrol in the programme"), coerce=int, default=0)
    full_name = StringField(_l("Full name (personal data, kept apart)"), validators=[Optional(), Length(max=300)])
    birth_year = IntegerField(
        _l("Year of birth"),
        validators=[Optional(), NumberRange(1900, 2100, message=_l("Enter a year between 1900 and 2100."))],
    )
    sex = SelectField(
        _l("Sex (only for norms)"),
        choices=[SelectChoice("", "—"), SelectChoice("f", _l("female")), SelectChoice("m", _l("male"))],
        default="",
    )


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


class ProgrammeForm(FlaskForm):
    name = StringField(_l("Name of the programme, e.g. 2025/26"), validators=[InputRequired(), Length(max=200)])
    seed = BooleanField(_l("Start with the usual forms of mentoring and pair variants"), default=True)


class FormsForm(FlaskForm):
    forms = TextAreaField(
        _l("Forms of mentoring and their pair variants"),
        description=_l("One form per line; its pair variants below it, each on a line starting with spaces."),
        validators=[Length(max=20000)],
    )


class PairForm(FlaskForm):
    mentor = SelectField(_l("Mentor"), coerce=int, validators=[InputRequired(_l("Choose a mentor."))])
    mentees = MultiCheckboxField(
        _l("Mentees"), coerce=int, validators=[InputRequired(message=_l("Choose at least one mentee."))]
    )
    form = SelectField(_l("Form of mentoring"), validators=[Optional()])
    variant = SelectField(_l("Pair variant"), validators=[Optional()])


class SwitchForm(FlaskForm):
    organisation = SelectField(_l("Organisation"), coerce=int)


class MemberForm(FlaskForm):
    """Invite a person to the organisation's staff with a role (they set their own password)."""

    email = EmailField(
        _l("E-mail"),
        validators=[
            InputRequired(),
            Length(max=254),
            Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message=_l("Enter an e-mail address.")),
        ],
    )
    role = SelectField(_l("Role"), choices=[SelectChoice(k, v) for k, v in STAFF_ROLE_LABELS.items()])


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=[SelectChoice(k, v) for k, v in STAFF_ROLE_LABELS.items()])


class JoinForm(FlaskForm):
    """A new account of an invited person, with the password they choose."""

    name = StringField(_l("Your name"), validators=[InputRequired(), Length(max=200)])
    password = PasswordField(
        _l("Choose a password"),
        validators=[InputRequired(), Length(min=10, max=200, message=_l("At least 10 characters."))],
    )
    confirm = PasswordField(
        _l("The password again"),
        validators=[InputRequired(), EqualTo("password", message=_l("The two passwords differ."))],
    )


class OrganisationForm(FlaskForm):
    name = StringField(_l("Name of the organisation"), validators=[InputRequired(), Length(max=200)])


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
