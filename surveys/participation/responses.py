"""Taking a survey: find the invitation, start or resume a response, save pages, submit.

Every page change is saved on the server. Submitting is idempotent: a second submit,
from a double click or a second device, changes nothing.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app
from flask_babel import get_locale
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from surveys.core.answers import AnswerCheck, check_answers
from surveys.core.definitions import Instrument, Profile
from surveys.core.models import Assignment, Invitation, PersonalData, Response, Score, utcnow
from surveys.core.scoring import ScoreResult, version_of
from surveys.extensions import db
from surveys.instruments import score_answers
from surveys.plugins import implementations
from surveys.state import get_state
from surveys.workspace import asked, standing_of

log = logging.getLogger(__name__)


def assignments_for(invitation: Invitation) -> list[Assignment]:
    """The campaign's instruments meant for this participant's role and form of mentoring, in order."""
    campaign = invitation.wave.campaign
    standing = standing_of(campaign, invitation.participant)
    return asked(campaign, standing.role, standing.form, invitation.wave, responses_by_instrument(invitation))


def responses_by_instrument(invitation: Invitation) -> dict[str, Response]:
    """The participant's responses in the invitation's wave, by instrument (read with the
    invitation on the participant path; read afresh after every commit or rollback)."""
    return {r.instrument_id: r for r in invitation.responses}


def start_response(invitation: Invitation, instrument: Instrument, looked: bool = False) -> Response:
    """Return the participant's response to this instrument in this wave, creating it once.

    ``looked``: the caller has just read the participant's responses and this one was not
    among them, so go straight to creating it (a response made meanwhile is found below).
    """
    existing = None if looked else responses_by_instrument(invitation).get(instrument.id)
    if existing is not None:
        return existing
    response = Response(
        wave_id=invitation.wave_id,
        participant_id=invitation.participant_id,
        invitation_id=invitation.id,
        instrument_id=instrument.id,
        instrument_version=instrument.version,
        answers={},
    )
    db.session.add(response)
    try:
        db.session.commit()
    except IntegrityError:  # another device started it at the same moment
        db.session.rollback()
        return responses_by_instrument(invitation)[instrument.id]
    return response


def working_answers(response: Response) -> dict[str, Any]:
    """The answers the participant sees: the draft while editing a submitted response."""
    return dict((response.draft if response.editing else response.answers) or {})


def working_page(response: Response) -> int:
    return response.draft_page_index if response.editing else response.page_index


def _merge(response: Response, answers: dict[str, Any], page_index: int | None) -> bool:
    """Lock the row (PostgreSQL), read it afresh and merge a page's answers into it (or into
    its draft); False, changing nothing, when it is submitted and not being edited."""
    # Read afresh: another tab or device may have saved meanwhile.
    db.session.refresh(response, with_for_update=True)
    if response.status == "submitted" and not response.editing:
        return False
    merged = working_answers(response)
    merged.update(answers)
    if response.editing:
        response.draft = merged
        if page_index is not None:
            response.draft_page_index = page_index
    else:
        response.answers = merged
        if page_index is not None:
            response.page_index = page_index
    response.updated_at = utcnow()
    return True


def save_answers(response: Response, answers: dict[str, Any], page_index: int | None) -> None:
    """Merge one page's answers into the stored response (or its draft) and commit.

    ``page_index`` None keeps the participant's place (an autosave while they type).
    A submitted response that is not being edited is never changed.
    """
    _merge(response, answers, page_index)
    db.session.commit()


class Incomplete(Exception):
    """The final check refused a submission: ``check`` names the answers and the first page."""

    def __init__(self, check: AnswerCheck):
        super().__init__(check.lines())
        self.check = check


def final_check(instrument: Instrument, answers: dict[str, Any]) -> AnswerCheck:
    """The core's check of a whole response before it is submitted: every required question of
    every shown page answered, every answer of its type, choices and range."""
    types = get_state().registry.question_types
    return check_answers(types, instrument, answers, final=True, locale=str(get_locale()))


def save_and_submit(response: Response, answers: dict[str, Any], page_index: int, instrument: Instrument) -> bool:
    """The last page's answers and the submission in one transaction (what ``save_answers``
    then ``submit`` do, with one commit and without reading the row twice).

    Raises Incomplete, after saving the page, when a page of the response does not pass the
    final check (a crafted post that skips a page, or a condition that showed a question on an
    earlier page): nothing is submitted or scored.
    """
    if not _merge(response, answers, page_index):
        db.session.rollback()
        return False
    check = final_check(instrument, working_answers(response))
    if check.first_page is not None:
        db.session.commit()
        raise Incomplete(check)
    return submit(response, instrument, current=True)


def start_editing(response: Response) -> bool:
    """Open a submitted response for changes; the submitted answers stay until resubmitted."""
    if response.status != "submitted" or response.editing:
        return False
    response.editing = True
    response.draft = dict(response.answers or {})
    response.draft_page_index = 0
    db.session.commit()
    return True


def visible_answers(instrument: Instrument, answers: dict[str, Any]) -> dict[str, Any]:
    """Drop answers to questions that their conditions now hide (answers changed earlier)."""
    state = get_state()
    kept: dict[str, Any] = {}
    for page in instrument.pages:
        for question in page.questions:
            if not question.shown(kept):
                continue
            for key in state.registry.question_types[question.type].answer_keys(question):
                if key in answers:
                    kept[key] = answers[key]
    return kept


def submit(response: Response, instrument: Instrument, current: bool = False) -> bool:
    """Submit once: score, store and commit. Returns False when it was already submitted.

    The conditional UPDATE is the lock: of two concurrent submits (a double click, two
    tabs, two devices) exactly one changes the row, and only that one scores it.
    ``current``: the row was read afresh under lock in this transaction (``save_and_submit``).
    """
    editing = response.editing
    if editing:
        claim = update(Response).where(Response.id == response.id, Response.editing.is_(True))
        claim = claim.values(editing=False, edited_at=utcnow(), updated_at=utcnow())
    else:
        claim = update(Response).where(Response.id == response.id, Response.status != "submitted")
        claim = claim.values(status="submitted", submitted_at=utcnow(), updated_at=utcnow())
    with db.session.no_autoflush:  # the merged answers are written once, with the scores, below
        claimed = db.session.execute(claim).rowcount
    if not claimed:
        db.session.rollback()
        return False
    if not current:
        db.session.refresh(response)
    source = response.draft if editing else response.answers
    response.answers = visible_answers(instrument, source or {})
    response.draft = {}
    # A first submission has no scores yet; an edited one replaces those of its last submission.
    store_scores(response, instrument, first=not editing)
    db.session.commit()
    notify_submitted(response)
    return True


def profile_of(response: Response) -> Profile:
    """Age (in the year of the response) and sex of the participant, for norm tables."""
    personal = db.session.get(PersonalData, response.participant_id)
    if personal is None:
        return Profile()
    year = (response.submitted_at or response.started_at or utcnow()).year
    age = year - personal.birth_year if personal.birth_year else None
    return Profile(age=age, sex=personal.sex or None)


def scores_of(instrument: Instrument, answers: dict[str, Any], profile: Profile) -> tuple[str, list[ScoreResult]]:
    """(who scored, the scores) of a submitted response's answers: what ``store_scores`` stores and
    the staff preview shows (surveys/participation/preview.py)."""
    state = get_state()
    owner = state.registry.instrument_owner.get(instrument.id, "")
    return score_answers(state.pm, instrument, answers, owner, profile)


def store_scores(response: Response, instrument: Instrument, first: bool = False) -> None:
    """(Re)compute the response's scores through the plugins and attach them.

    ``first``: the response was never submitted, so it has no scores to replace (a response
    only gets scores when it is submitted): skip reading and deleting them.
    """
    plugin, results = scores_of(instrument, response.answers or {}, profile_of(response))
    if first:
        set_committed_value(response, "scores", [])
    else:
        response.scores.clear()
        db.session.flush()  # the old rows go before the new ones come
    for result in results:
        response.scores.append(
            Score(
                scale=result.scale,
                raw=result.raw,
                value=result.value,
                band=result.band,
                n_answered=result.n_answered,
                missing_reason=result.missing_reason,
                norm=result.norm,
                norm_kind=result.norm_kind,
                scored_by=plugin,
                scoring_version=version_of(instrument),
            )
        )


def notify_submitted(response: Response) -> None:
    hook = get_state().pm.hook.surveys_response_submitted
    for plugin, call in implementations(hook, response=response):
        try:
            call()
        except Exception:
            current_app.logger.exception("plugin %r failed after response %s", plugin, response.id)
