"""Staff pages: add a questionnaire to a campaign, remove one (after a confirmation page) or restore
a removed one, also while its waves are running."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from wtforms.fields.choices import SelectChoice

from surveys.core.models import Assignment, Campaign
from surveys.state import get_state
from surveys.web import MANAGE, ActionForm, owned_or_404, require_role, staff_blueprint
from surveys.workspace import campaign_questionnaires as changing
from surveys.workspace.archiving import check_editable
from surveys.workspace.pages.campaigns import instrument_choices

bp = staff_blueprint("questionnaires", __name__)


@dataclass(frozen=True)
class Choices:
    """What the campaign page offers: questionnaires to add and whether a wave has started."""

    addable: list[SelectChoice]
    running: bool


@bp.app_template_global()
def questionnaire_choices(campaign: Campaign) -> Choices:
    """The questionnaires the campaign does not have yet (key-only ones without texts disabled)."""
    have = {a.instrument_id for a in campaign.assignments}
    addable = [c for c in instrument_choices(campaign.organisation_id) if c.value not in have]
    return Choices(addable, changing.has_started(campaign))


def _editable(campaign_id: int) -> Campaign:
    campaign = owned_or_404(Campaign, campaign_id)
    check_editable(campaign)
    return campaign


def _assignment(campaign: Campaign, instrument_id: str) -> Assignment:
    found = changing.assignment_of(campaign, instrument_id)
    if found is None:
        abort(404)
    return found


def _back(campaign: Campaign):
    return redirect(url_for("staff.campaign", campaign_id=campaign.id, _anchor="questionnaires-change"))


@bp.post("/campaigns/<int:campaign_id>/questionnaires")
@require_role(*MANAGE)
def add(campaign_id: int):
    campaign = _editable(campaign_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    wanted = request.form.get("instrument", "")
    needs_texts = {c.value for c in questionnaire_choices(campaign).addable if (c.render_kw or {}).get("disabled")}
    if wanted in needs_texts:
        flash(_("Add the item texts of %(ids)s on the Questionnaires page first.", ids=wanted), "error")
        return _back(campaign)
    try:
        changing.add_questionnaire(campaign, wanted)
    except changing.QuestionnaireError as error:
        flash(str(error), "error")
        return _back(campaign)
    flash(_("Questionnaire added. Check its roles and forms above."))
    return _back(campaign)


@bp.route("/campaigns/<int:campaign_id>/questionnaires/<instrument_id>/remove", methods=["GET", "POST"])
@require_role(*MANAGE)
def remove(campaign_id: int, instrument_id: str):
    """A confirmation page first; the POST from it deletes the questionnaire or retires it."""
    campaign = _editable(campaign_id)
    assignment = _assignment(campaign, instrument_id)
    form = ActionForm()
    if request.method == "POST" and form.validate_on_submit():
        if changing.remove_questionnaire(campaign, assignment) == "retired":
            flash(_("The questionnaire has answers: it is no longer asked, and its answers are kept for analysis."))
        else:
            flash(_("Questionnaire removed."))
        return _back(campaign)
    answers = changing.answer_count(campaign, instrument_id)
    return render_template(
        "staff/campaign_questionnaire_remove.html",
        campaign=campaign,
        assignment=assignment,
        answers=answers,
        form=form,
        registry=get_state().registry,
    )


@bp.post("/campaigns/<int:campaign_id>/questionnaires/<instrument_id>/restore")
@require_role(*MANAGE)
def restore(campaign_id: int, instrument_id: str):
    campaign = _editable(campaign_id)
    assignment = _assignment(campaign, instrument_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if assignment.retired_at is not None:
        changing.restore_questionnaire(campaign, assignment)
        flash(_("The questionnaire is asked again, of those who have not finished the wave."))
    return _back(campaign)
