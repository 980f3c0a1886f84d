"""Open links: ``/o/<token>`` for a whole wave and role, joined with a pseudonymous code.

Information and consent come first; then the participant answers four prompts they can
answer again in the next wave. The browser remembers the joined response in the signed
session cookie, so any app server can serve it; on another device, the same code resumes.
"""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Regexp

from .. import throttle
from ..core.models import Invitation, OpenLink, utcnow
from ..extensions import db
from ..links import CodeParts, find_open_link, join_open_link, record_open_decline
from .answering import (
    Urls,
    autosave,
    client_address,
    consent_page,
    next_step,
    questionnaire,
    refuse_link,
    refuse_while_limited,
    reopen,
    wave_gate,
)

bp = Blueprint("open", __name__)
bp.before_request(refuse_while_limited)  # an address past its limit of bad tokens learns nothing more

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
        here=url_for("open.survey", token=token),
        consent=url_for("open.consent", token=token),
        autosave=url_for("open.save", token=token),
        edit=url_for("open.edit", token=token),
        forget=url_for("open.forget", token=token),
    )


def _remembered(link: OpenLink, key: str) -> bool:
    return str(link.id) in session.get(key, [])


def _remember(link: OpenLink, key: str) -> None:
    session[key] = sorted(set(session.get(key, [])) | {str(link.id)})


def _joined(link: OpenLink) -> Invitation | None:
    invitation_id = session.get("open_joined", {}).get(str(link.id))
    invitation = db.session.get(Invitation, invitation_id) if invitation_id else None
    if invitation is None or invitation.wave_id != link.wave_id or invitation.revoked_at is not None:
        return None
    return invitation


def _forget(link: OpenLink) -> None:
    joined = dict(session.get("open_joined", {}))
    joined.pop(str(link.id), None)
    session["open_joined"] = joined
    for key in ("open_consent", "open_declined"):
        session[key] = [i for i in session.get(key, []) if i != str(link.id)]


def _gate(link: OpenLink):
    closed = wave_gate(link.wave)
    if closed is not None:
        return closed
    if link.wave.campaign.consent_mode == "guardian":  # a guardian's consent needs a named participant
        return render_template("participant/guardian.html"), 403
    return None


def _open_link(token: str):
    """(link, None) for a live link whose wave is open; else (link or None, the page to return)."""
    link = find_open_link(token)
    if link is None:
        return None, refuse_link()
    return link, _gate(link)


@bp.get("/o/<token>")
def start(token: str):
    link, other = _open_link(token)
    if other is not None:
        return other
    if _joined(link) is not None:
        return redirect(url_for("open.survey", token=token))
    if _remembered(link, "open_declined"):
        return render_template("participant/declined.html")
    if _remembered(link, "open_consent"):
        return redirect(url_for("open.code", token=token))
    return consent_page(link.wave.campaign, _urls(token))


@bp.post("/o/<token>/consent")
def consent(token: str):
    link = find_open_link(token)
    if link is None:
        return refuse_link()
    if FlaskForm().validate_on_submit() and _gate(link) is None:
        decision = request.form.get("decision")
        if decision == "agree":
            _remember(link, "open_consent")
        elif decision == "decline" and not _remembered(link, "open_declined"):
            record_open_decline(link)
            _remember(link, "open_declined")
    return redirect(url_for("open.start", token=token))


@bp.route("/o/<token>/code", methods=["GET", "POST"])
def code(token: str):
    link, other = _open_link(token)
    if other is not None:
        return other
    if not _remembered(link, "open_consent"):
        return redirect(url_for("open.start", token=token))
    form = CodeForm()
    form.birth_month.choices = _month_choices()
    if form.validate_on_submit():
        config = current_app.config
        seen = throttle.hit(f"code:{client_address()}:{link.id}", config["SURVEYS_CODE_WINDOW"])
        if seen > config["SURVEYS_CODE_LIMIT"]:
            page = render_template("participant/too_many.html")
            return page, 429, {"Retry-After": str(config["SURVEYS_CODE_WINDOW"])}
        invitation = join_open_link(link, form.parts())
        if invitation.consented_at is None:
            invitation.consented_at = utcnow()
            db.session.commit()
        session["open_joined"] = {**session.get("open_joined", {}), str(link.id): invitation.id}
        return redirect(url_for("open.survey", token=token))
    return render_template("participant/code.html", form=form, token=token)


def _joined_or_start(token: str):
    """(link, invitation, None) when the browser has joined; else (.., .., a response to return)."""
    link, other = _open_link(token)
    if other is not None:
        return link, None, other
    invitation = _joined(link)
    if invitation is None:
        return link, None, redirect(url_for("open.start", token=token))
    return link, invitation, None


@bp.route("/o/<token>/survey", methods=["GET", "POST"])
def survey(token: str):
    link, invitation, other = _joined_or_start(token)
    if other is not None:
        return other
    page = questionnaire(invitation, _urls(token))
    if request.method == "GET" and not link.wave.campaign.allow_editing and next_step(invitation) is None:
        _forget(link)  # the completed page is shown once; on a shared computer the next person starts afresh
    return page


@bp.post("/o/<token>/autosave")
def save(token: str):
    _link, invitation, other = _joined_or_start(token)
    if other is not None:
        return {"saved": False, "reason": "closed"}, 409
    return autosave(invitation)


@bp.post("/o/<token>/edit")
def edit(token: str):
    _link, invitation, other = _joined_or_start(token)
    return other if other is not None else reopen(invitation, _urls(token))


@bp.post("/o/<token>/forget")
def forget(token: str):
    """ "Not me": this browser forgets the code, so someone else can start with theirs."""
    link = find_open_link(token)
    if link is not None and FlaskForm().validate_on_submit():
        _forget(link)
    return redirect(url_for("open.start", token=token))
