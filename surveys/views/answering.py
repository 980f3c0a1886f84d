"""Answering a wave's questionnaires, shared by personal links (``/s/``) and open links (``/o/``).

Works without JavaScript: every page change is a form post that saves the answers on the
server, then redirects (post/redirect/get), so reloading never resubmits. With JavaScript,
``autosave.js`` also saves each change as it happens.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, jsonify, redirect, render_template, request
from flask_babel import get_locale

from .. import throttle
from ..consent import MODE_NOTES, sections, waits_for_guardian
from ..core.answers import formdata_of
from ..core.definitions import Instrument
from ..core.models import Invitation, Response, Wave, utcnow
from ..extensions import db
from ..links import find_invitation
from ..responses import (
    Incomplete,
    assignments_for,
    responses_by_instrument,
    save_and_submit,
    save_answers,
    start_editing,
    start_response,
    working_answers,
    working_page,
)
from ..state import get_state
from ..survey_forms import ParticipantForm, page_form, read_answers
from ..text_packs import instrument_for


@dataclass(frozen=True)
class Urls:
    """Where the participant's forms post to, for one kind of link."""

    here: str
    consent: str
    autosave: str
    edit: str
    forget: str | None = None  # open links: "not me", so the next person on this device starts afresh


@dataclass(frozen=True)
class Step:
    """Where the participant is: which instrument of how many."""

    number: int
    total: int
    instrument: Instrument
    response: Response | None  # the participant's response to it, if started


def next_step(invitation: Invitation) -> Step | None:
    """The first instrument of the wave not yet submitted (or reopened for editing)."""
    organisation_id = invitation.wave.campaign.organisation_id
    responses = responses_by_instrument(invitation)
    # A response already started keeps the version it was started with (uploaded instruments).
    instruments = [
        instrument_for(organisation_id, a.instrument_id, _version(responses.get(a.instrument_id)))
        for a in assignments_for(invitation)
    ]
    instruments = [i for i in instruments if i is not None]
    for number, instrument in enumerate(instruments, start=1):
        response = responses.get(instrument.id)
        if response is None or response.status != "submitted" or response.editing:
            return Step(number, len(instruments), instrument, response)
    return None


def _version(response: Response | None) -> str | None:
    return response.instrument_version if response is not None else None


def client_address() -> str:
    return request.remote_addr or "unknown"


def _bad_link_key() -> str:
    return f"bad-link:{client_address()}"


def _too_many_links():
    window = current_app.config["SURVEYS_BAD_LINK_WINDOW"]
    return render_template("participant/too_many.html"), 429, {"Retry-After": str(window)}


def refuse_while_limited():
    """Before any link is looked up: the wait page (429), for every token, valid ones included,
    from an address past ``SURVEYS_BAD_LINK_LOCK`` refusals in this window.

    Two tiers. Past ``SURVEYS_BAD_LINK_LIMIT`` (20) refusals, unknown tokens get the wait page
    but valid ones still open, so a school behind one address keeps working when a class tries
    old or mistyped links. Past the lock (200), nothing opens until the window ends: a guesser,
    who could otherwise tell a right token (200) from a wrong one (429), is held to that many
    guesses per window. A valid token never counts as a refusal, however often it is used.
    """
    config = current_app.config
    if throttle.exceeded(_bad_link_key(), config["SURVEYS_BAD_LINK_LOCK"], config["SURVEYS_BAD_LINK_WINDOW"]):
        return _too_many_links()
    return None


def invitation_or_refusal(token: str) -> tuple[Invitation | None, object]:
    """A personal link's live invitation, or the page refusing it: ``(invitation, None)`` or
    ``(None, page)``.

    The same rule as ``refuse_while_limited``, in fewer statements: the lock count is read in
    the same statement as the token, so a valid link costs one statement. An unknown token,
    and any token from an address past the lock, then read the count again on its own, so a
    right and a wrong token past the lock do exactly the same work before the wait page.
    """
    config = current_app.config
    key, window, lock = _bad_link_key(), config["SURVEYS_BAD_LINK_WINDOW"], config["SURVEYS_BAD_LINK_LOCK"]
    invitation, refused = find_invitation(token, throttle.count_params(key, window))
    if invitation is None or refused >= lock:
        if throttle.exceeded(key, lock, window):
            return None, _too_many_links()
        if invitation is None:
            return None, refuse_link()
    return invitation, None


def refuse_link():
    """The page for an unknown or revoked token: one page, one status, the same work for both.

    Each refusal counts against the client address; past the limit the page says to wait
    (429), and past the lock ``refuse_while_limited`` refuses every token from that address
    until the window ends.
    """
    config = current_app.config
    seen = throttle.hit(_bad_link_key(), config["SURVEYS_BAD_LINK_WINDOW"])
    if seen > config["SURVEYS_BAD_LINK_LIMIT"]:
        return _too_many_links()
    return render_template("participant/invalid.html"), 404


def wave_gate(wave: Wave):
    """A page for a wave that is not open now, or None when it is."""
    state = wave.state()
    if state == "closed":
        return render_template("participant/closed.html"), 410
    if state == "not_open":
        return render_template("participant/not_open.html", opens_at=wave.opens_at), 404
    return None


def consent_page(campaign, urls: Urls):
    return render_template(
        "participant/consent.html",
        sections=sections(campaign),
        note=MODE_NOTES[campaign.consent_mode],
        assent=campaign.consent_mode != "self",
        urls=urls,
        form=ParticipantForm(),
    )


def personal_gate(invitation: Invitation, urls: Urls):
    """Everything between a valid personal link and its first question, or None to go on."""
    closed = wave_gate(invitation.wave)
    if closed is not None:
        return closed
    if invitation.declined_at is not None:
        return render_template("participant/declined.html")
    campaign = invitation.wave.campaign
    if waits_for_guardian(campaign, invitation.participant):
        return render_template("participant/guardian.html"), 403
    if invitation.consented_at is None:
        return consent_page(campaign, urls)
    return None


def record_decision(invitation: Invitation) -> None:
    """Store agree or decline once; a decline stores nothing but its time.

    Nothing is recorded while the wave is not open or a required guardian consent is missing.
    """
    if invitation.consented_at is not None or invitation.declined_at is not None:
        return
    if wave_gate(invitation.wave) is not None or waits_for_guardian(invitation.wave.campaign, invitation.participant):
        return
    decision = request.form.get("decision")
    if decision == "agree":
        invitation.consented_at = utcnow()
    elif decision == "decline":
        invitation.declined_at = utcnow()
    db.session.commit()


def questionnaire(invitation: Invitation, urls: Urls):
    """GET shows the current page; POST saves it and moves on (or back, or submits)."""
    step = next_step(invitation)
    if step is None:
        if request.method == "POST":  # a repeated submit or a stale tab: show the completed page
            return redirect(urls.here)
        return _done_page(invitation, urls)
    if request.method == "POST":
        return _post_page(invitation, step, urls)
    response = step.response or start_response(invitation, step.instrument, looked=True)
    return _render_page(step, response, urls)


def _done_page(invitation: Invitation, urls: Urls):
    campaign = invitation.wave.campaign
    editable = []
    if campaign.allow_editing:
        for instrument_id, response in responses_by_instrument(invitation).items():
            instrument = instrument_for(campaign.organisation_id, instrument_id, response.instrument_version)
            if instrument is not None and response.status == "submitted":
                editable.append(instrument)
    return render_template("participant/done.html", editable=editable, urls=urls, form=ParticipantForm())


def visible_pages(instrument: Instrument, answers: dict) -> list[int]:
    return [i for i, page in enumerate(instrument.pages) if page.shown_questions(answers)]


def _current(visible: list[int], index: int) -> int:
    later = [i for i in visible if i >= index]
    return later[0] if later else visible[-1]


def _render_page(step: Step, response: Response, urls: Urls, form=None, blocks=None, index=None):
    instrument = step.instrument
    answers = working_answers(response)
    visible = visible_pages(instrument, answers)
    locale = str(get_locale())
    if index is None:
        index = _current(visible, working_page(response))
    page = instrument.pages[index]
    if form is None:
        form, blocks = page_form(get_state().registry, instrument.id, page, answers, locale)
    position = visible.index(index) + 1 if index in visible else 1
    return render_template(
        "participant/page.html",
        urls=urls,
        step=step,
        editing=response.editing,
        page=page,
        form=form,
        blocks=blocks,
        position=position,
        pages=len(visible),
        first=position == 1,
        last=position == len(visible),
        locale=locale,
    )


def _page_of(instrument: Instrument) -> int | None:
    return next((i for i, p in enumerate(instrument.pages) if p.id == request.form.get("page")), None)


def _post_page(invitation: Invitation, step: Step, urls: Urls):
    instrument = step.instrument
    index = _page_of(instrument)
    if request.form.get("instrument") != instrument.id or index is None:
        # A stale tab or a second click after this instrument was submitted: nothing to do.
        return redirect(urls.here)
    response = step.response or start_response(invitation, instrument, looked=True)
    answers = working_answers(response)
    page = instrument.pages[index]
    form, blocks = page_form(get_state().registry, instrument.id, page, answers, str(get_locale()), request.form)
    valid = form.validate()
    action = request.form.get("action", "next")
    # Whatever the participant does, keep every answer that passed its checks.
    page_answers = read_answers(form, blocks, only_valid=not valid)
    answers.update(page_answers)
    visible = visible_pages(instrument, answers)
    if action == "back":
        earlier = [i for i in visible if i < index]
        save_answers(response, page_answers, earlier[-1] if earlier else index)
        return redirect(urls.here)
    if not valid:
        save_answers(response, page_answers, index)
        return _render_page(step, response, urls, form, blocks, index), 200
    later = [i for i in visible if i > index]
    if not later and action == "submit":
        try:
            save_and_submit(response, page_answers, index, instrument)
        except Incomplete as gap:
            return _problem_page(step, response, urls, gap.check.first_page)
    else:
        save_answers(response, page_answers, later[0] if later else index)
    return redirect(urls.here)


def _problem_page(step: Step, response: Response, urls: Urls, index: int):
    """The first page the final check refused, with its answers and their messages."""
    instrument = step.instrument
    answers = working_answers(response)
    page = instrument.pages[index]
    formdata, _wrong = formdata_of(get_state().registry.question_types, instrument, answers)
    form, blocks = page_form(get_state().registry, instrument.id, page, answers, str(get_locale()), formdata)
    form.validate()
    return _render_page(step, response, urls, form, blocks, index), 200


def autosave(invitation: Invitation):
    """Save what is on the page now, without moving: called by ``autosave.js`` on each change."""
    step = next_step(invitation)
    if step is None or request.form.get("instrument") != step.instrument.id:
        return jsonify(saved=False, reason="not current"), 409
    index = _page_of(step.instrument)
    if index is None:
        return jsonify(saved=False, reason="unknown page"), 409
    response = step.response or start_response(invitation, step.instrument, looked=True)
    page = step.instrument.pages[index]
    form, blocks = page_form(
        get_state().registry, step.instrument.id, page, working_answers(response), str(get_locale()), request.form
    )
    form.validate()
    save_answers(response, read_answers(form, blocks, only_valid=True), None)
    return jsonify(saved=True)


def reopen(invitation: Invitation, urls: Urls):
    """Start changing a submitted questionnaire, where the campaign allows it."""
    if invitation.wave.campaign.allow_editing:
        response = responses_by_instrument(invitation).get(request.form.get("instrument", ""))
        if response is not None:
            start_editing(response)
    return redirect(urls.here)
