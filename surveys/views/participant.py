"""The participant's side: ``/s/<token>``, consent, pages of questions, submit.

Works without JavaScript: every page change is a form post that saves the answers on
the server, then redirects (post/redirect/get), so reloading never resubmits.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_wtf import FlaskForm

from ..core.definitions import Instrument
from ..core.models import Invitation, Response, utcnow
from ..extensions import db
from ..responses import (
    assignments_for,
    find_invitation,
    responses_by_instrument,
    save_answers,
    start_response,
    submit,
)
from ..state import get_state
from ..survey_forms import page_form, read_answers

bp = Blueprint("participant", __name__)


@dataclass(frozen=True)
class Step:
    """Where the participant is: which instrument of how many."""

    number: int
    total: int
    instrument: Instrument
    response: Response | None  # the participant's response to it, if started


def next_step(invitation: Invitation) -> Step | None:
    """The first instrument of the wave this participant has not submitted yet."""
    state = get_state()
    instruments = [state.instrument(a.instrument_id) for a in assignments_for(invitation)]
    instruments = [i for i in instruments if i is not None]
    responses = responses_by_instrument(invitation)
    for number, instrument in enumerate(instruments, start=1):
        response = responses.get(instrument.id)
        if response is None or response.status != "submitted":
            return Step(number, len(instruments), instrument, response)
    return None


def visible_pages(instrument: Instrument, answers: dict) -> list[int]:
    return [i for i, page in enumerate(instrument.pages) if page.shown_questions(answers)]


def _current(visible: list[int], index: int) -> int:
    later = [i for i in visible if i >= index]
    return later[0] if later else visible[-1]


@bp.route("/s/<token>", methods=["GET", "POST"])
def take(token: str):
    invitation = find_invitation(token)
    if invitation is None:
        return render_template("participant/invalid.html"), 404
    if invitation.wave.closed:
        return render_template("participant/closed.html")
    if invitation.declined_at is not None:
        return render_template("participant/declined.html")
    if invitation.consented_at is None:
        return render_template("participant/consent.html", token=token, form=FlaskForm(), invitation=invitation)
    step = next_step(invitation)
    if step is None:
        if request.method == "POST":  # a repeated submit: show the thanks page again
            return redirect(url_for("participant.take", token=token))
        return render_template("participant/done.html")
    if request.method == "POST":
        return _post_page(token, invitation, step)
    response = step.response or start_response(invitation, step.instrument)
    return _render_page(token, step, response)


def _render_page(token: str, step: Step, response: Response, form=None, blocks=None, index=None):
    instrument = step.instrument
    answers = response.answers or {}
    visible = visible_pages(instrument, answers)
    if index is None:
        index = _current(visible, response.page_index)
    page = instrument.pages[index]
    if form is None:
        form, blocks = page_form(get_state().registry, instrument.id, page, answers, str(get_locale()))
    position = visible.index(index) + 1 if index in visible else 1
    return render_template(
        "participant/page.html",
        token=token,
        step=step,
        page=page,
        form=form,
        blocks=blocks,
        position=position,
        pages=len(visible),
        first=position == 1,
        last=position == len(visible),
        locale=str(get_locale()),
    )


def _post_page(token: str, invitation: Invitation, step: Step):
    instrument = step.instrument
    if request.form.get("instrument") != instrument.id:
        # A stale tab or a second click after this instrument was submitted: nothing to do.
        return redirect(url_for("participant.take", token=token))
    response = step.response or start_response(invitation, instrument)
    answers = dict(response.answers or {})
    index = next((i for i, p in enumerate(instrument.pages) if p.id == request.form.get("page")), None)
    if index is None:
        return redirect(url_for("participant.take", token=token))
    page = instrument.pages[index]
    registry = get_state().registry
    form, blocks = page_form(registry, instrument.id, page, answers, str(get_locale()), request.form)
    valid = form.validate()
    action = request.form.get("action", "next")
    # Whatever the participant does, keep every answer that passed its checks.
    page_answers = read_answers(form, blocks, only_valid=not valid)
    answers.update(page_answers)
    visible = visible_pages(instrument, answers)
    if action == "back":
        earlier = [i for i in visible if i < index]
        save_answers(response, page_answers, earlier[-1] if earlier else index)
        return redirect(url_for("participant.take", token=token))
    if not valid:
        save_answers(response, page_answers, index)
        return _render_page(token, step, response, form, blocks, index), 200
    later = [i for i in visible if i > index]
    save_answers(response, page_answers, later[0] if later else index)
    if not later and action == "submit":
        submit(response, instrument)
    return redirect(url_for("participant.take", token=token))


@bp.post("/s/<token>/consent")
def consent(token: str):
    invitation = find_invitation(token)
    if invitation is None:
        return render_template("participant/invalid.html"), 404
    form = FlaskForm()
    if form.validate_on_submit() and invitation.consented_at is None and invitation.declined_at is None:
        if request.form.get("decision") == "agree":
            invitation.consented_at = utcnow()
        elif request.form.get("decision") == "decline":
            invitation.declined_at = utcnow()
        db.session.commit()
    return redirect(url_for("participant.take", token=token))
