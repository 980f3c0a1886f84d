"""WTForms for the workspace pages: campaigns, waves, participants, programmes, pairs, staff, organisations."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    EqualTo,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
)

from surveys.core.field_checks import MultiCheckboxField
from surveys.web import ROLE_LABELS, STAFF_ROLE_LABELS, WAVE_LABELS


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
    # The form comes from the page's block (one per form of mentoring); both are checked by pair_rules,
    # which says what is wrong in words a curator understands.
    form = StringField(_l("Form of mentoring"), validators=[Optional()])
    variant = StringField(_l("Pair variant"), validators=[Optional()])


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


class CarryOverForm(FlaskForm):
    """The next cycle of a programme: its name and what to do with classes and pairs (the people are rows)."""

    name = StringField(
        _l("Name of the new programme"),
        filters=[lambda text: " ".join(text.split()) if text else text],
        validators=[DataRequired(message=_l("Give the new programme a name.")), Length(max=200)],
    )
    advance = BooleanField(_l("Move classes up by one (7А → 8А); classes 11 stay as they are"), default=False)
    copy_pairs = BooleanField(_l("Copy the pairs whose members all keep their roles"), default=True)


class RenameForm(FlaskForm):
    """A campaign's or a programme's new name (checked by the workspace, which says what is wrong)."""

    name = StringField(_l("New name"), validators=[Length(max=400)])


class DeleteForm(FlaskForm):
    """The typed confirmation of a deletion; an admin may tick to delete the answers too."""

    name = StringField(_l("Type the exact name to confirm"), validators=[Length(max=400)])
    with_answers = BooleanField(_l("Delete together with the answers (admins only; cannot be undone)"))


CODE_CHECKS = [
    InputRequired(message=_l("A code is required.")),
    Length(max=40),
    Regexp(r"^[A-Za-z0-9А-Яа-яЁё_-]+$", message=_l("Use letters, digits, '-' and '_' only.")),
]


class ParticipantEditForm(FlaskForm):
    """A participant's own fields and personal data; their places in programmes are posted beside it
    as ``enrolment-<programme id>-role|form|group``."""

    code = StringField(_l("Code"), validators=CODE_CHECKS)
    role = SelectField(_l("Role"), choices=[SelectChoice(k, v) for k, v in ROLE_LABELS.items()])
    form = StringField(_l("Form of mentoring"), validators=[Optional(), Length(max=100)])
    group = StringField(_l("Group or class"), validators=[Optional(), Length(max=100)])
    tags = StringField(_l("Tags, separated by commas (e.g. ОВЗ, одарённый)"), validators=[Optional(), Length(max=300)])
    full_name = ParticipantForm.full_name
    birth_year = ParticipantForm.birth_year
    sex = ParticipantForm.sex


class MergeWithForm(FlaskForm):
    """The other code of the same person, to merge into the one whose page this is."""

    other = StringField(_l("The other code of this person"), validators=CODE_CHECKS)
