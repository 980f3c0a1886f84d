"""The staff's preview of a questionnaire: its pages as a participant sees them, and the scores the
answers tried would get (``surveys.participation.preview``). Nothing is written to the database."""

from __future__ import annotations

from flask import abort, jsonify, redirect, render_template, request, url_for

from surveys.core.definitions import Instrument
from surveys.instruments import PREVIEW, instrument_for, needs_texts
from surveys.participation import preview
from surveys.participation.forms import ParticipantForm
from surveys.participation.pages.outcome import Urls
from surveys.participation.questionnaire import Step
from surveys.staff_context import current_organisation
from surveys.web import ActionForm, no_store, require_role, staff_blueprint

bp = staff_blueprint("preview", __name__)
PAGE = "/instruments/<instrument_id>/preview"


def _instrument(instrument_id: str) -> Instrument:
    """A plugin's questionnaire (with the organisation's text pack) or the organisation's own upload."""
    found = instrument_for(current_organisation().id, instrument_id)
    if found is None:
        abort(404)
    return found


def _urls(instrument: Instrument) -> Urls:
    here = url_for("preview.preview", instrument_id=instrument.id)
    save = url_for("preview.autosave", instrument_id=instrument.id)
    return Urls(questionnaire=here, consent=here, autosave=save, edit=here)


def _go(instrument: Instrument, where: str):
    if where == preview.SCORES:
        return redirect(url_for("preview.scores", instrument_id=instrument.id))
    return redirect(url_for("preview.preview", instrument_id=instrument.id, page=where))


def _page(instrument: Instrument, shown: preview.PreviewPage, status: int = 200):
    placeholders = needs_texts(current_organisation().id, instrument)
    values = {**shown.values, "step": Step(1, 1, instrument, None), "urls": _urls(instrument)}
    return render_template("staff/instrument_preview.html", placeholders=placeholders, **values), status


@bp.route(PAGE, methods=["GET", "POST"], endpoint="preview")
@require_role(*PREVIEW)
@no_store
def preview_page(instrument_id: str):
    """A page of the questionnaire; a post keeps its answers in the session and moves on."""
    instrument = _instrument(instrument_id)
    if request.method == "GET":
        return _page(instrument, preview.show(instrument, request.args.get("page")))
    if not ParticipantForm().validate_on_submit():  # the CSRF token: a staff page
        abort(400)
    shown = preview.post(instrument, request.form)
    if shown.values is None:
        return _go(instrument, shown.go)
    return _page(instrument, shown, 422)


@bp.post(PAGE + "/autosave")
@require_role(*PREVIEW)
def autosave(instrument_id: str):
    instrument = _instrument(instrument_id)
    if not ParticipantForm().validate_on_submit():
        return jsonify({"saved": False}), 400
    preview.save(instrument, request.form)
    return jsonify({"saved": True})


@bp.get(PAGE + "/scores")
@require_role(*PREVIEW)
@no_store
def scores(instrument_id: str):
    """The scores the answers tried would be stored with, computed as for a submitted response."""
    instrument = _instrument(instrument_id)
    result = preview.outcome(instrument)
    return render_template(
        "staff/instrument_preview_scores.html",
        instrument=instrument,
        outcome=result,
        form=ActionForm(),
        back=url_for("preview.preview", instrument_id=instrument.id, page=preview.last_page(instrument)),
    )


@bp.post(PAGE + "/again")
@require_role(*PREVIEW)
def again(instrument_id: str):
    """Forget the answers tried and start from the first page."""
    instrument = _instrument(instrument_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    preview.forget()
    return redirect(url_for("preview.preview", instrument_id=instrument.id))
