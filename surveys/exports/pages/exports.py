"""The export pages: choose what to export, follow the background job, download the file.

Aggregated exports are for every staff role; individual data (raw answers and per-person
scores) only for the psychologist. Every export and every download is audited.
"""

from __future__ import annotations

from flask import (
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import Headers
from wtforms.fields.choices import SelectChoice

from surveys.core.export_models import ExportJob
from surveys.core.models import Campaign
from surveys.exports import ordering
from surveys.exports.files import FORMATS, download_name
from surveys.exports.jobs import (
    DONE,
    FAILED,
    INTERRUPTED,
    QUEUED,
    RUNNING,
    chunks,
    expired,
    state,
)
from surveys.exports.pages.forms import EXPORT_STATUS_LABELS, FORMAT_LABELS, ExportForm
from surveys.exports.plan import ExportRequest
from surveys.web import EVERYONE, INDIVIDUAL, ActionForm, allowed, no_store, owned_or_404, require_role, staff_blueprint

bp = staff_blueprint("exports", __name__)


@bp.app_context_processor
def status_labels():
    """The export jobs' states, in words."""
    return {"STATUS_LABELS": EXPORT_STATUS_LABELS}


def _form_for(campaign: Campaign) -> ExportForm:
    offered = ordering.filters(campaign)
    form = ExportForm()
    form.waves.choices = [SelectChoice(wave_id, name) for wave_id, name in offered.waves]
    form.instruments.choices = [SelectChoice(i, title) for i, title in offered.instruments]
    form.forms.choices = [SelectChoice(f, f) for f in offered.forms]
    return form


def _request_from(form: ExportForm) -> ExportRequest:
    return ExportRequest(
        waves=tuple(form.waves.data or ()),
        instruments=tuple(form.instruments.data or ()),
        forms=tuple(form.forms.data or ()),
        individual=bool(form.individual.data) and allowed(*INDIVIDUAL),
    )


@bp.route("/campaigns/<int:campaign_id>/export", methods=["GET", "POST"])
@require_role(*EVERYONE)
def export_form(campaign_id: int):
    """Choose the format and the filters; the export then runs in the background."""
    campaign = owned_or_404(Campaign, campaign_id)
    form = _form_for(campaign)
    if form.validate_on_submit():
        export = _request_from(form)
        if form.individual.data and not export.individual:
            abort(403)
        job = ordering.order(campaign, current_user.id, form.fmt.data, export, form.delimiter.data or ",")
        return redirect(url_for("exports.job", job_id=job.id))
    return render_template(
        "staff/export.html",
        campaign=campaign,
        form=form,
        jobs=ordering.recent(campaign, allowed(*INDIVIDUAL)),
        can_individual=allowed(*INDIVIDUAL),
        labels=FORMAT_LABELS,
    )


def _job_or_404(job_id: int) -> ExportJob:
    job = owned_or_404(ExportJob, job_id)
    if (job.options or {}).get("individual") and not allowed(*INDIVIDUAL):
        abort(404)  # a psychologist's export with individual data stays invisible to other roles
    if expired(job):
        abort(404)  # past its retention: gone at once, whether or not it has been purged yet
    return job


@bp.get("/exports/<int:job_id>")
@require_role(*EVERYONE)
def job(job_id: int):
    """Progress of one export; the page refreshes itself (no JavaScript) until the file is ready."""
    found = _job_or_404(job_id)
    status = state(found)
    return render_template(
        "staff/export_job.html",
        job=found,
        status=status,
        campaign=ordering.campaign_of(found),
        waiting=status in (QUEUED, RUNNING),
        done=status == DONE,
        failed=status in (FAILED, INTERRUPTED),
        labels=FORMAT_LABELS,
        action_form=ActionForm(),
    )


@bp.get("/exports/<int:job_id>/download")
@require_role(*EVERYONE)
@no_store
def download(job_id: int):
    found = _job_or_404(job_id)
    if not ordering.download(found):
        abort(404)
    headers = Headers()
    headers.set("Content-Disposition", "attachment", filename=found.filename)
    headers.set("Content-Length", str(found.size))
    return Response(stream_with_context(chunks(found)), mimetype=FORMATS[found.format][1], headers=headers)


@bp.post("/exports/<int:job_id>/again")
@require_role(*EVERYONE)
def again(job_id: int):
    """Run an interrupted or failed export again with the same choices."""
    found = _job_or_404(job_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    owned_or_404(Campaign, found.campaign_id)
    job = ordering.again(found, current_user.id)
    return redirect(url_for("exports.job", job_id=job.id))


@bp.post("/exports/<int:job_id>/delete")
@require_role(*EVERYONE)
def delete(job_id: int):
    found = _job_or_404(job_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    campaign_id = ordering.delete(found)
    flash(_("The export file was deleted."))
    return redirect(url_for("exports.export_form", campaign_id=campaign_id))


@bp.get("/campaigns/<int:campaign_id>/export.xlsx")
@require_role(*EVERYONE)
@no_store
def quick(campaign_id: int):
    """The whole workbook at once, for campaigns small enough; larger ones go to the background export.

    ``?individual=1`` adds raw answers and scores (psychologists only).
    """
    campaign = owned_or_404(Campaign, campaign_id)
    wants_individual = request.args.get("individual") == "1"
    if wants_individual and not allowed(*INDIVIDUAL):
        abort(403)
    data = ordering.quick_workbook(campaign, ExportRequest(individual=wants_individual))
    if data is None:
        flash(_("This campaign is large: the export is made in the background and you get a link when it is ready."))
        return redirect(url_for("exports.export_form", campaign_id=campaign.id))
    headers = Headers()
    headers.set("Content-Disposition", "attachment", filename=download_name(campaign, "xlsx"))
    return Response(data, mimetype=FORMATS["xlsx"][1], headers=headers)
