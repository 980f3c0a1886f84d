"""Personal links: ``/s/<token>`` for one participant in one wave.

The order is fixed: the link must be live, the wave open, a guardian's consent recorded
where the campaign needs one, and the participant's own consent given, before any question
(``surveys.participation.journey``).
"""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for

from surveys.core.disclosure import PROTECTING, hidden_label
from surveys.core.threshold import min_group
from surveys.extensions import csrf
from surveys.participation import journey
from surveys.participation.forms import ParticipantForm
from surveys.participation.pages.outcome import Urls, answer, client_address

bp = Blueprint("participant", __name__, template_folder="../templates")
csrf.exempt(bp)  # the token in the address does the job: see ParticipantForm


def _urls(token: str) -> Urls:
    return Urls(
        questionnaire=url_for("participant.take", token=token),
        consent=url_for("participant.consent", token=token),
        autosave=url_for("participant.save", token=token),
        edit=url_for("participant.edit", token=token),
        reconsider=url_for("participant.reconsider", token=token),
    )


def _posted():
    return request.form if request.method == "POST" else None


@bp.get("/privacy")
def privacy():
    """How answers are protected, in plain words: linked from the consent page, open to everyone."""
    back = request.args.get("back", "")
    back = back if back.startswith(("/s/", "/o/")) else None  # only back to a survey page of this site
    protecting = hidden_label(PROTECTING, min_group())
    return render_template("participant/privacy.html", min_group=min_group(), protecting=protecting, back=back)


@bp.route("/s/<token>", methods=["GET", "POST"])
def take(token: str):
    wanted = request.args.get("page")  # a review page's «Change» link
    return answer(journey.personal_page(token, client_address(), _posted(), wanted), _urls(token))


@bp.post("/s/<token>/consent")
def consent(token: str):
    decision = request.form.get("decision") if ParticipantForm().validate_on_submit() else None
    return answer(journey.personal_decision(token, client_address(), decision), _urls(token))


@bp.get("/s/<token>/again")
def reconsider(token: str):
    """ "I changed my mind": the information page again after a decline, while the wave is open."""
    return answer(journey.personal_reconsider(token, client_address()), _urls(token))


@bp.post("/s/<token>/autosave")
def save(token: str):
    return answer(journey.personal_autosave(token, client_address(), request.form), _urls(token))


@bp.post("/s/<token>/edit")
def edit(token: str):
    instrument_id = request.form.get("instrument", "")
    return answer(journey.personal_reopen(token, client_address(), instrument_id), _urls(token))
