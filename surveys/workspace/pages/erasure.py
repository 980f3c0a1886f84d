"""Staff page: erase a participant (admins and psychologists), after typing their code to confirm."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import InputRequired, Length

from surveys.core.models import Enrolment, Invitation, Participant, Response
from surveys.extensions import db
from surveys.staff_context import current_organisation
from surveys.web import allowed, owned_or_404, require_role, staff_blueprint
from surveys.workspace.erasure import erase

bp = staff_blueprint("erasure", __name__)

ERASERS = ("admin", "psychologist")


class EraseForm(FlaskForm):
    """The typed confirmation: the participant's code, exactly."""

    code = StringField(_l("Type the participant's code to confirm"), validators=[InputRequired(), Length(max=40)])


def _counts(person: Participant) -> dict[str, int]:
    """What the page warns will go: the person's responses, links and places in programmes."""

    def count(model) -> int:
        query = db.select(db.func.count()).select_from(model).where(model.participant_id == person.id)
        return db.session.execute(query).scalar_one()

    return {"responses": count(Response), "invitations": count(Invitation), "enrolments": count(Enrolment)}


@bp.get("/participants/erase")
@require_role(*ERASERS)
def find_participant():
    """Find whom to erase by code: the psychologist has no participants list to start from."""
    code = (request.args.get("code") or "").strip()
    error = ""
    if code:
        found = db.session.execute(
            db.select(Participant.id).filter_by(organisation_id=current_organisation().id, code=code)
        ).scalar_one_or_none()
        if found is not None:
            return redirect(url_for("erasure.erase_participant", participant_id=found))
        error = _("No participant has the code %(code)s in your organisation.", code=code)
    return render_template("staff/participant_find.html", code=code, error=error)


@bp.route("/participants/<int:participant_id>/erase", methods=["GET", "POST"])
@require_role(*ERASERS)
def erase_participant(participant_id: int):
    person = owned_or_404(Participant, participant_id)
    form = EraseForm()
    if form.validate_on_submit():
        if form.code.data.strip() != person.code:
            form.code.errors.append(_("This is not the participant's code: nothing was erased."))
        else:
            code = person.code
            erase(person, user_id=current_user.id, via="web")
            flash(_("Participant %(code)s erased: their personal data, answers and scores are gone.", code=code))
            return redirect(url_for("staff.participants") if allowed("admin", "curator") else url_for("staff.index"))
    return render_template("staff/participant_erase.html", person=person, form=form, counts=_counts(person))
