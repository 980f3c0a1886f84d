"""Answering a wave's questionnaires, one page at a time, for personal and open links alike.

Every page change is a form post that saves the answers, then sends the browser back to the
questionnaire (post/redirect/get), so reloading never resubmits and nothing needs JavaScript;
``autosave`` keeps each change as it happens where JavaScript runs.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import get_locale
from werkzeug.datastructures import MultiDict

from surveys.core.answers import formdata_of, read_answers
from surveys.core.definitions import Instrument
from surveys.core.models import Invitation, Response
from surveys.instruments import instrument_for
from surveys.participation.forms import ParticipantForm, page_form
from surveys.participation.outcomes import GoTo, Outcome, Saved, Show
from surveys.participation.responses import (
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
from surveys.participation.review import has_cutoff, review_pages
from surveys.state import get_state


@dataclass(frozen=True)
class Step:
    """Where the participant is: which instrument of how many."""

    number: int
    total: int
    instrument: Instrument
    response: Response | None  # the participant's response to it, if started
    previous: Instrument | None = None  # the questionnaire before it in the wave, if any
    support_contact: str = ""  # the campaign's: whom to turn to after a questionnaire with a clinical cut-off


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
            previous = instruments[number - 2] if number > 1 else None
            contact = invitation.wave.campaign.support_contact or ""
            return Step(number, len(instruments), instrument, response, previous, contact)
    return None


def _version(response: Response | None) -> str | None:
    return response.instrument_version if response is not None else None


def questionnaire(invitation: Invitation, posted: MultiDict | None, wanted: str | None = None) -> Outcome:
    """Without ``posted`` (a GET) the current page, or the review after the last one; with it, save
    the page and move on (or back), or submit from the review. When every instrument is submitted,
    the completed page. ``wanted``: the page a review's «Change» link opens (only from the review)."""
    step = next_step(invitation)
    if step is None:
        if posted is not None:  # a repeated submit or a stale tab: show the completed page
            return GoTo("questionnaire")
        return _done_page(invitation)
    if posted is not None:
        return _post_page(invitation, step, posted)
    response = step.response or start_response(invitation, step.instrument, looked=True)
    if _at_review(step.instrument, response):
        index = _page_of(step.instrument, {"page": wanted}) if wanted else None
        if index is None or index not in visible_pages(step.instrument, working_answers(response)):
            return _review_page(step, response)
        return _show_page(step, response, index=index, from_review=True)
    return _show_page(step, response)


def _review_index(instrument: Instrument) -> int:
    """The place stored for the review page: one past the last page."""
    return len(instrument.pages)


def _at_review(instrument: Instrument, response: Response) -> bool:
    return working_page(response) >= _review_index(instrument)


def _review_page(step: Step, response: Response) -> Show:
    instrument = step.instrument
    answers = working_answers(response)
    locale = str(get_locale())
    pages = review_pages(instrument, answers, visible_pages(instrument, answers), locale)
    values = {"step": step, "editing": response.editing, "pages": pages, "locale": locale, "form": ParticipantForm()}
    return Show("review", values)


def _support(instruments) -> bool:
    return any(i is not None and has_cutoff(i) for i in instruments)


def _done_page(invitation: Invitation) -> Show:
    campaign = invitation.wave.campaign
    editable = []
    if campaign.allow_editing:
        for instrument_id, response in responses_by_instrument(invitation).items():
            instrument = instrument_for(campaign.organisation_id, instrument_id, response.instrument_version)
            if instrument is not None and response.status == "submitted":
                editable.append(instrument)
    submitted = [
        instrument_for(campaign.organisation_id, instrument_id, response.instrument_version)
        for instrument_id, response in responses_by_instrument(invitation).items()
        if response.status == "submitted"
    ]
    values = {"editable": editable, "form": ParticipantForm(), "support": _support(submitted)}
    return Show("done", values | {"support_contact": campaign.support_contact or ""})


def visible_pages(instrument: Instrument, answers: dict) -> list[int]:
    return [i for i, page in enumerate(instrument.pages) if page.shown_questions(answers)]


def _current(visible: list[int], index: int) -> int:
    later = [i for i in visible if i >= index]
    return later[0] if later else visible[-1]


def _show_page(step: Step, response: Response, form=None, blocks=None, index=None, from_review=False) -> Show:
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
    # Right after a questionnaire with a clinical cut-off, the next one opens with whom to turn to.
    support = position == 1 and not from_review and _support([step.previous])
    return Show(
        "page",
        {
            "step": step,
            "editing": response.editing,
            "page": page,
            "form": form,
            "blocks": blocks,
            "position": position,
            "pages": len(visible),
            "first": position == 1,
            "last": position == len(visible),
            "locale": locale,
            "from_review": from_review,
            "support": support,
            "support_contact": step.support_contact if support else "",
        },
    )


def _page_of(instrument: Instrument, posted: MultiDict) -> int | None:
    return next((i for i, p in enumerate(instrument.pages) if p.id == posted.get("page")), None)


def _post_page(invitation: Invitation, step: Step, posted: MultiDict) -> Outcome:
    instrument = step.instrument
    index = _page_of(instrument, posted)
    if posted.get("instrument") != instrument.id:
        # A stale tab or a second click after this instrument was submitted: nothing to do.
        return GoTo("questionnaire")
    if index is None:
        return _post_review(invitation, step, posted) if posted.get("review") else GoTo("questionnaire")
    response = step.response or start_response(invitation, instrument, looked=True)
    answers = working_answers(response)
    page = instrument.pages[index]
    form, blocks = page_form(get_state().registry, instrument.id, page, answers, str(get_locale()), posted)
    valid = form.validate()
    action = posted.get("action", "next")
    # Whatever the participant does, keep every answer that passed its checks.
    page_answers = read_answers(form, blocks, only_valid=not valid)
    answers.update(page_answers)
    visible = visible_pages(instrument, answers)
    if action == "back":
        earlier = [i for i in visible if i < index]
        save_answers(response, page_answers, earlier[-1] if earlier else index)
        return GoTo("questionnaire")
    from_review = posted.get("then") == "review"
    if not valid:
        save_answers(response, page_answers, _review_index(instrument) if from_review else index)
        return _show_page(step, response, form, blocks, index, from_review)
    later = [i for i in visible if i > index]
    if from_review or (not later and action == "next"):  # the review: after the last page, or back to it
        save_answers(response, page_answers, _review_index(instrument))
    elif not later and action == "submit":  # a last page shown before the review existed (an open tab)
        try:
            save_and_submit(response, page_answers, index, instrument)
        except Incomplete as gap:
            return _problem_page(step, response, gap.check.first_page)
    else:
        save_answers(response, page_answers, later[0] if later else index)
    return GoTo("questionnaire")


def _post_review(invitation: Invitation, step: Step, posted: MultiDict) -> Outcome:
    """The review page's buttons: back to the last page, or submit after the whole-response check."""
    instrument = step.instrument
    response = step.response or start_response(invitation, instrument, looked=True)
    visible = visible_pages(instrument, working_answers(response))
    if posted.get("action") == "back":
        save_answers(response, {}, visible[-1] if visible else 0)
        return GoTo("questionnaire")
    if posted.get("action") != "submit":
        return GoTo("questionnaire")
    try:
        save_and_submit(response, {}, _review_index(instrument), instrument)
    except Incomplete as gap:  # back to the page that needs an answer, with its messages
        save_answers(response, {}, gap.check.first_page)
        return _problem_page(step, response, gap.check.first_page)
    return GoTo("questionnaire")


def _problem_page(step: Step, response: Response, index: int) -> Show:
    """The first page the final check refused, with its answers and their messages."""
    instrument = step.instrument
    answers = working_answers(response)
    page = instrument.pages[index]
    formdata, _wrong = formdata_of(get_state().registry.question_types, instrument, answers)
    form, blocks = page_form(get_state().registry, instrument.id, page, answers, str(get_locale()), formdata)
    form.validate()
    return _show_page(step, response, form, blocks, index)


def autosave(invitation: Invitation, posted: MultiDict) -> Saved:
    """Save what is on the page now, without moving: called by ``autosave.js`` on each change."""
    step = next_step(invitation)
    if step is None or posted.get("instrument") != step.instrument.id:
        return Saved(False, "not current", 409)
    index = _page_of(step.instrument, posted)
    if index is None:
        return Saved(False, "unknown page", 409)
    response = step.response or start_response(invitation, step.instrument, looked=True)
    page = step.instrument.pages[index]
    form, blocks = page_form(
        get_state().registry, step.instrument.id, page, working_answers(response), str(get_locale()), posted
    )
    form.validate()
    save_answers(response, read_answers(form, blocks, only_valid=True), None)
    return Saved(True)


def reopen(invitation: Invitation, instrument_id: str) -> GoTo:
    """Start changing a submitted questionnaire, where the campaign allows it."""
    if invitation.wave.campaign.allow_editing:
        response = responses_by_instrument(invitation).get(instrument_id)
        if response is not None:
            start_editing(response)
    return GoTo("questionnaire")
