"""The export pages: choose what to export, follow the background job, download the file.

Aggregated exports are for every staff role; individual data (raw answers and per-person
scores) only for the psychologist. Every export and every download is audited.
"""

from __future__ import annotations

from flask import (
    Response,
    abort,
    current_app,
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

from surveys.audit import record
from surveys.core.export_models import ExportJob
from surveys.core.models import Campaign
from surveys.core.models import Response as Answered
from surveys.exports.files import FORMATS, campaign_workbook, download_name
from surveys.exports.jobs import (
    DONE,
    FAILED,
    INTERRUPTED,
    QUEUED,
    RUNNING,
    chunks,
    create_job,
    delete_job,
    expired,
    start,
    state,
)
from surveys.exports.pages.forms import EXPORT_STATUS_LABELS, FORMAT_LABELS, ExportForm
from surveys.exports.plan import ExportRequest
from surveys.extensions import db
from surveys.web import EVERYONE, INDIVIDUAL, ActionForm, allowed, no_store, owned_or_404, require_role, staff_blueprint
from surveys.workspace import standing_by_id

bp = staff_blueprint("exports", __name__)


@bp.app_context_processor
def status_labels():
    """The export jobs' states, in words."""
    return {"STATUS_LABELS": EXPORT_STATUS_LABELS}


def _form_for(campaign: Campaign) -> ExportForm:
    form = ExportForm()
    form.waves.choices = [SelectChoice(w.id, w.name) for w in sorted(campaign.waves, key=lambda w: w.position)]
    used = db.session.execute(
        db.select(Answered.instrument_id)
        .where(Answered.wave_id.in_([w.id for w in campaign.waves] or [-1]), Answered.status == "submitted")
        .distinct()
    ).scalars()
    form.instruments.choices = [SelectChoice(i, i) for i in sorted(set(used))]
    forms = sorted(standing.form for standing in standing_by_id(campaign).values() if standing.form)
    forms = sorted(set(forms))
    form.forms.choices = [SelectChoice(f, f) for f in forms]
    return form


def _request_from(form: ExportForm) -> ExportRequest:
    return ExportRequest(
        waves=tuple(form.waves.data or ()),
        instruments=tuple(form.instruments.data or ()),
        forms=tuple(form.forms.data or ()),
        individual=bool(form.individual.data) and allowed(*INDIVIDUAL),
    )


def _audit(fmt: str, campaign: Campaign, export: ExportRequest, **more) -> None:
    record(f"export.{fmt}", f"campaign:{campaign.id}", **export.as_dict(), **more)


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
        job = create_job(campaign, current_user.id, form.fmt.data, export, form.delimiter.data or ",")
        _audit(form.fmt.data, campaign, export, job=job.id)
        start(job.id)
        return redirect(url_for("exports.job", job_id=job.id))
    jobs = db.session.execute(
        db.select(ExportJob).filter_by(campaign_id=campaign.id).order_by(ExportJob.id.desc()).limit(20)
    ).scalars()
    visible = [j for j in jobs if not expired(j) and (not (j.options or {}).get("individual") or allowed(*INDIVIDUAL))]
    return render_template(
        "staff/export.html",
        campaign=campaign,
        form=form,
        jobs=[(j, state(j)) for j in visible],
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
        campaign=db.session.get(Campaign, found.campaign_id),
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
    if state(found) != DONE:
        abort(404)
    record("export.download", f"export:{found.id}", campaign=found.campaign_id, format=found.format)
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
    campaign = owned_or_404(Campaign, found.campaign_id)
    options = dict(found.options or {})
    export = ExportRequest.from_dict(options)
    job = create_job(campaign, current_user.id, found.format, export, options.get("delimiter") or ",")
    _audit(found.format, campaign, export, job=job.id, again=found.id)
    start(job.id)
    return redirect(url_for("exports.job", job_id=job.id))


@bp.post("/exports/<int:job_id>/delete")
@require_role(*EVERYONE)
def delete(job_id: int):
    found = _job_or_404(job_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    campaign_id = found.campaign_id
    record("export.delete", f"export:{found.id}", campaign=campaign_id)
    delete_job(found)
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
    export = ExportRequest(individual=wants_individual)
    responses = db.session.execute(
        db.select(db.func.count(Answered.id)).where(
            Answered.wave_id.in_([w.id for w in campaign.waves] or [-1]), Answered.status == "submitted"
        )
    ).scalar_one()
    if responses > current_app.config["SURVEYS_QUICK_EXPORT_LIMIT"]:
        flash(_("This campaign is large: the export is made in the background and you get a link when it is ready."))
        return redirect(url_for("exports.export_form", campaign_id=campaign.id))
    data = campaign_workbook(campaign, export)
    _audit("xlsx", campaign, export, quick=True)
    headers = Headers()
    headers.set("Content-Disposition", "attachment", filename=download_name(campaign, "xlsx"))
    return Response(data, mimetype=FORMATS["xlsx"][1], headers=headers)
