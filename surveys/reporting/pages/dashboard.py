"""The administration's pages: a programme's dashboard (the viewer's home), its printed report for
the pedagogical council (HTML with print CSS, and PDF) with the curator's conclusions, and the
municipal view of several schools side by side. All of them show aggregated data only."""

from __future__ import annotations

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from surveys.audit import record
from surveys.core.models import Campaign, Organisation, Programme, utcnow
from surveys.core.report_models import ReportConclusion
from surveys.exports import file_slug
from surveys.extensions import db
from surveys.reporting.dashboard import collect_panels, programme_view
from surveys.reporting.pages.forms import ConclusionsForm
from surveys.staff_context import current_organisation, organisation_ids
from surveys.web import EVERYONE, MANAGE, allowed, owned_or_404, require_role, row_id, staff_blueprint

bp = staff_blueprint("dashboard", __name__)


def _programmes(organisation_id: int) -> list[Programme]:
    query = db.select(Programme).filter_by(organisation_id=organisation_id).order_by(Programme.id.desc())
    return list(db.session.execute(query).scalars())


def _default_programme(programmes: list[Programme]) -> Programme | None:
    """The newest programme that has a campaign, else the newest one."""
    with_campaigns = set(db.session.execute(db.select(Campaign.programme_id).distinct()).scalars())
    return next((p for p in programmes if p.id in with_campaigns), programmes[0] if programmes else None)


@bp.get("/dashboard")
@require_role(*EVERYONE)
def dashboard():
    """The dashboard of one programme (``?programme=<id>``; default: the newest with a campaign)."""
    organisation = current_organisation()
    programmes = _programmes(organisation.id)
    chosen = request.args.get("programme", type=row_id)
    programme = owned_or_404(Programme, chosen) if chosen else _default_programme(programmes)
    view = programme_view(programme) if programme else None
    panels = collect_panels(view) if view else []
    return render_template(
        "staff/dashboard.html",
        organisation=organisation,
        programmes=programmes,
        programme=programme,
        panels=panels,
        show_campaigns=view is not None and len(view.campaigns) > 1,
        for_print=False,
    )


def conclusions_of(programme: Programme) -> ReportConclusion | None:
    return db.session.execute(db.select(ReportConclusion).filter_by(programme_id=programme.id)).scalar_one_or_none()


def draft_conclusions(panels) -> str:
    """A starting point for the curator: the panels' key figures, one list item each."""
    return "\n".join(f"- {h.label}: {h.value}" for panel in panels for h in panel.headlines)


def text_blocks(text: str) -> list[tuple[str, list[str]]]:
    """Conclusions as blocks to print: ``("list", items)`` for runs of lines starting with "-",
    ``("p", [line])`` for every other non-empty line."""
    blocks: list[tuple[str, list[str]]] = []
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith(("-", "•")):
            item = line.lstrip("-• ").strip()
            if blocks and blocks[-1][0] == "list":
                blocks[-1][1].append(item)
            else:
                blocks.append(("list", [item]))
        elif line:
            blocks.append(("p", [line]))
    return blocks


def _report_html(programme: Programme, form: ConclusionsForm | None, pdf: bool) -> str:
    view = programme_view(programme)
    panels = sorted((p for p in collect_panels(view) if p.in_report), key=lambda p: (p.place_in_report, p.name))
    saved = conclusions_of(programme)
    text = saved.text if saved and saved.text.strip() else ""
    if form is None and allowed(*MANAGE):
        form = ConclusionsForm(formdata=None, text=text or draft_conclusions(panels))
    return render_template(
        "staff/report.html",
        organisation=db.session.get(Organisation, programme.organisation_id),
        programme=programme,
        campaigns=view.campaigns,
        panels=panels,
        conclusions=text_blocks(text or draft_conclusions(panels)),
        drafted=not text,
        saved=saved,
        form=form if not pdf else None,
        pdf=pdf,
        for_print=True,
        show_campaigns=len(view.campaigns) > 1,
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
    form = ConclusionsForm()
    if not form.validate_on_submit():
        return _report_html(programme, form, pdf=False), 400
    saved = conclusions_of(programme)
    if saved is None:
        saved = ReportConclusion(organisation_id=programme.organisation_id, programme_id=programme.id)
        db.session.add(saved)
    saved.text = (form.text.data or "").strip()
    saved.updated_by, saved.updated_at = current_user.id, utcnow()
    record("report.conclusions", f"programme:{programme.id}", length=len(saved.text))
    db.session.commit()
    flash(_("Conclusions saved."))
    return redirect(url_for("dashboard.report", programme_id=programme.id) + "#conclusions")


@bp.get("/programmes/<int:programme_id>/report.pdf")
@require_role(*EVERYONE)
def report_pdf(programme_id: int):
    """The same report as a PDF (WeasyPrint); each download is written to the audit log."""
    from surveys.reporting.report_pdf import PdfUnavailable, render_pdf

    programme = owned_or_404(Programme, programme_id)
    try:
        pdf = render_pdf(_report_html(programme, None, pdf=True), current_app.static_folder)
    except PdfUnavailable:
        current_app.logger.exception("the PDF report cannot be made on this server")
        abort(
            503, _("This server cannot make PDF files (the Pango library is missing). Print the report page instead.")
        )
    record("report.pdf", f"programme:{programme.id}", bytes=len(pdf))
    db.session.commit()
    name = f"report-{programme.id}-{file_slug(programme.name, 'programme')}-{utcnow():%Y%m%d}.pdf"
    return Response(pdf, mimetype="application/pdf", headers={"Content-Disposition": f'attachment; filename="{name}"'})


def municipal_table(organisations: list[Organisation], cycle: str | None):
    """Per school: its programme of the cycle (by name; default each school's newest) and the
    panels' headlines; the columns are every headline key, in the order first seen."""
    columns: dict[str, str] = {}
    rows = []
    for organisation in organisations:
        programmes = _programmes(organisation.id)
        programme = next((p for p in programmes if p.name == cycle), None) if cycle else _default_programme(programmes)
        values: dict[str, str] = {}
        if programme is not None:
            for panel in collect_panels(programme_view(programme, charts=False)):
                for headline in panel.headlines:
                    columns.setdefault(headline.key, headline.label)
                    values.setdefault(headline.key, headline.value)
        rows.append({"organisation": organisation, "programme": programme, "values": values})
    return columns, rows


@bp.get("/municipal")
@require_role(*EVERYONE)
def municipal():
    """Several schools side by side: every organisation the staff member belongs to (all for the
    deployment admin); ``?cycle=<programme name>`` lines up the same cycle everywhere."""
    ids = organisation_ids()
    organisations = list(
        db.session.execute(
            db.select(Organisation).where(Organisation.id.in_(ids)).order_by(Organisation.name)
        ).scalars()
    )
    if len(organisations) < 2 and not current_user.is_admin:
        abort(404)
    names = db.session.execute(
        db.select(Programme.name).where(Programme.organisation_id.in_(ids)).distinct().order_by(Programme.name)
    ).scalars()
    cycles = list(names)
    cycle = request.args.get("cycle") or None
    if cycle is not None and cycle not in cycles:
        cycle = None
    columns, rows = municipal_table(organisations, cycle)
    return render_template("staff/municipal.html", cycles=cycles, cycle=cycle, columns=columns, rows=rows)
