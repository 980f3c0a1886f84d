"""The administration's pages: a programme's dashboard (the viewer's home), its printed report for
the pedagogical council (HTML with print CSS, and PDF) with the curator's conclusions, and the
municipal view of several schools side by side. All of them show aggregated data only."""

from __future__ import annotations

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from surveys.core.models import Programme, utcnow
from surveys.exports import file_slug
from surveys.reporting import overview, programme_report
from surveys.reporting.pages.forms import ConclusionsForm
from surveys.reporting.report_pdf import PdfUnavailable
from surveys.staff_context import current_organisation, organisation_ids
from surveys.web import EVERYONE, MANAGE, allowed, owned_or_404, require_role, row_id, staff_blueprint
from surveys.workspace import check_editable

bp = staff_blueprint("dashboard", __name__)


@bp.get("/dashboard")
@require_role(*EVERYONE)
def dashboard():
    """The dashboard of one programme (``?programme=<id>``; default: the newest with a campaign)."""
    organisation = current_organisation()
    chosen = request.args.get("programme", type=row_id)
    found = overview.dashboard(organisation, owned_or_404(Programme, chosen) if chosen else None)
    return render_template(
        "staff/dashboard.html",
        organisation=organisation,
        programmes=found.programmes,
        programme=found.programme,
        panels=found.panels,
        show_campaigns=found.show_campaigns,
        for_print=False,
    )


def _report_html(programme: Programme, form: ConclusionsForm | None, pdf: bool) -> str:
    found = programme_report.report(programme)
    if form is None and allowed(*MANAGE):
        form = ConclusionsForm(formdata=None, text=found.text or found.draft)
    return render_template(
        "staff/report.html",
        organisation=found.organisation,
        programme=programme,
        campaigns=found.campaigns,
        panels=found.panels,
        key_points=found.key_points,
        appendix=found.appendix,
        conclusions=programme_report.text_blocks(found.text or found.draft),
        drafted=not found.text,
        saved=found.saved,
        form=form if not pdf else None,
        pdf=pdf,
        for_print=True,
        show_campaigns=len(found.campaigns) > 1,
        generated=utcnow(),
    )


@bp.get("/programmes/<int:programme_id>/report")
@require_role(*EVERYONE)
def report(programme_id: int):
    """The report for the pedagogical council, ready to print from the browser."""
    return _report_html(owned_or_404(Programme, programme_id), None, pdf=False)


@bp.post("/programmes/<int:programme_id>/report/conclusions")
@require_role(*MANAGE)
def save_conclusions(programme_id: int):
    programme = owned_or_404(Programme, programme_id)
    check_editable(programme)
    form = ConclusionsForm()
    if not form.validate_on_submit():
        return _report_html(programme, form, pdf=False), 400
    programme_report.save_conclusions(programme, form.text.data or "", current_user.id)
    flash(_("Conclusions saved."))
    return redirect(url_for("dashboard.report", programme_id=programme.id) + "#conclusions")


@bp.get("/programmes/<int:programme_id>/report.pdf")
@require_role(*EVERYONE)
def report_pdf(programme_id: int):
    """The same report as a PDF (WeasyPrint); each download is written to the audit log."""
    programme = owned_or_404(Programme, programme_id)
    try:
        pdf = programme_report.pdf(programme, _report_html(programme, None, pdf=True), current_app.static_folder)
    except PdfUnavailable:
        current_app.logger.exception("the PDF report cannot be made on this server")
        abort(
            503, _("This server cannot make PDF files (the Pango library is missing). Print the report page instead.")
        )
    name = f"report-{programme.id}-{file_slug(programme.name, 'programme')}-{utcnow():%Y%m%d}.pdf"
    return Response(pdf, mimetype="application/pdf", headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/municipal")
@require_role(*EVERYONE)
def municipal():
    """Several schools side by side: every organisation the staff member belongs to (all for the
    deployment admin); ``?cycle=<programme name>`` lines up the same cycle everywhere."""
    found = overview.municipal(organisation_ids(), request.args.get("cycle") or None)
    if len(found.organisations) < 2 and not current_user.is_admin:
        abort(404)
    return render_template(
        "staff/municipal.html", cycles=found.cycles, cycle=found.cycle, columns=found.columns, rows=found.rows
    )
