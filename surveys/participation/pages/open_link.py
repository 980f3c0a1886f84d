"""Open links: ``/o/<token>`` for a whole wave and role, joined with a pseudonymous code.

Information and consent come first; then the participant answers four prompts they can
answer again in the next wave. The browser remembers the joined response in the signed
session cookie, so any app server can serve it; on another device, the same code resumes
(``surveys.participation.journey``).
"""

from __future__ import annotations

from flask import Blueprint, request, session, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Regexp

from surveys.participation import journey
from surveys.participation.links import CodeParts
from surveys.participation.pages.outcome import Urls, answer, client_address

bp = Blueprint("open", __name__, template_folder="../templates")


@bp.before_request
def refuse_while_limited():
    """An address past its limit of bad tokens learns nothing more (``gates.refusal_while_limited``)."""
    refusal = journey.refusal_while_limited(client_address())
    return answer(refusal) if refusal is not None else None


LETTERS = r"[A-Za-zА-Яа-яЁё]"


class CodeForm(FlaskForm):
    guardian_letters = StringField(
        _l("The first two letters of your mother's first name (or of another adult close to you)"),
        validators=[
            InputRequired(message=_l("Type two letters.")),
            Regexp(rf"^\s*{LETTERS}\s*{LETTERS}\s*$", message=_l("Type two letters, for example «ОЛ».")),
        ],
    )
    own_letter = StringField(
        _l("The first letter of your own first name"),
        validators=[
            InputRequired(message=_l("Type one letter.")),
            Regexp(rf"^\s*{LETTERS}\s*$", message=_l("Type one letter.")),
        ],
    )
    birth_day = StringField(
        _l("The day of the month you were born, from 1 to 31"),
        validators=[
            InputRequired(message=_l("Type a number from 1 to 31.")),
            Regexp(r"^\s*(0?[1-9]|[12][0-9]|3[01])\s*$", message=_l("Type a number from 1 to 31.")),
        ],
    )
    birth_month = SelectField(_l("The month you were born"), validators=[InputRequired(_l("Choose a month."))])

    def parts(self) -> CodeParts:
        return CodeParts(
            self.guardian_letters.data, self.own_letter.data, int(self.birth_day.data), int(self.birth_month.data)
        )


def _month_choices() -> list[SelectChoice]:
    from babel.dates import get_month_names

    names = get_month_names("wide", context="stand-alone", locale=str(get_locale()))
    return [SelectChoice("", "—")] + [SelectChoice(str(m), names[m].capitalize()) for m in range(1, 13)]


def _urls(token: str) -> Urls:
    return Urls(
        questionnaire=url_for("open.survey", token=token),
        consent=url_for("open.consent", token=token),
        autosave=url_for("open.save", token=token),
        edit=url_for("open.edit", token=token),
        start=url_for("open.start", token=token),
        code=url_for("open.code", token=token),
        forget=url_for("open.forget", token=token),
    )


@bp.get("/o/<token>")
def start(token: str):
    return answer(journey.open_start(token, client_address(), session), _urls(token))


@bp.post("/o/<token>/consent")
def consent(token: str):
    decision = request.form.get("decision") if FlaskForm().validate_on_submit() else None
    return answer(journey.open_decision(token, client_address(), session, decision), _urls(token))


@bp.route("/o/<token>/code", methods=["GET", "POST"])
def code(token: str):
    form = CodeForm()
    form.birth_month.choices = _month_choices()
    parts = form.parts() if form.validate_on_submit() else None
    return answer(journey.open_join(token, client_address(), session, parts), _urls(token), form=form, token=token)


@bp.route("/o/<token>/survey", methods=["GET", "POST"])
def survey(token: str):
    posted = request.form if request.method == "POST" else None
    wanted = request.args.get("page")  # a review page's «Change» link
    return answer(journey.open_page(token, client_address(), session, posted, wanted), _urls(token))


@bp.post("/o/<token>/autosave")
def save(token: str):
    return answer(journey.open_autosave(token, client_address(), session, request.form), _urls(token))


@bp.post("/o/<token>/edit")
def edit(token: str):
    instrument_id = request.form.get("instrument", "")
    return answer(journey.open_reopen(token, client_address(), session, instrument_id), _urls(token))


@bp.post("/o/<token>/forget")
def forget(token: str):
    """ "Not me": this browser forgets the code, so someone else can start with theirs."""
    return answer(journey.open_forget(token, session, FlaskForm().validate_on_submit()), _urls(token))
