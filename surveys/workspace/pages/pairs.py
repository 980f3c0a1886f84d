"""Staff pages for a programme's pairs: add a pair (one block per form of mentoring, listing only that
form's variants), remove one after a confirmation page, and import pairs from a CSV or XLSX file."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from surveys.core.models import Enrolment, Pair, Participant, Programme
from surveys.extensions import db
from surveys.web import MANAGE, ActionForm, flash_errors, owned_or_404, require_role, staff_blueprint
from surveys.workspace import programme_editing as editing
from surveys.workspace.archiving import check_editable
from surveys.workspace.pages.forms import PairForm
from surveys.workspace.pages.people_import import UploadForm
from surveys.workspace.pair_import import PAIR_HEADER_ALIASES, run_import, template_csv
from surveys.workspace.pair_rules import PairRefused
from surveys.workspace.people_files import MAX_BYTES

bp = staff_blueprint("pairs", __name__)
COLUMN_LABELS = {
    "mentor": _l("Mentor"),
    "mentee": _l("Mentee"),
    "form": _l("Form of mentoring"),
    "variant": _l("Pair variant"),
}


@dataclass(frozen=True)
class PairBlock:
    """One "add a pair" block of the programme page: a form of mentoring (or none), its own variants,
    and the mentors and mentees whose enrolment is in that form or in none."""

    index: int
    form: str
    variants: list[str]
    mentors: list[tuple[int, str]]
    mentees: list[tuple[int, str]]


def pair_blocks(programme: Programme, enrolled: list[tuple[Participant, Enrolment]]) -> list[PairBlock]:
    forms = [(f.name, list(f.variants)) for f in programme.forms] or [("", [])]
    blocks = []
    for index, (name, variants) in enumerate(forms):
        people = [(p, e) for p, e in enrolled if not name or e.form in ("", name)]
        label = {p.id: " · ".join(x for x in (p.code, e.group_name) if x) for p, e in people}
        mentors = [(p.id, label[p.id]) for p, e in people if e.role == "mentor"]
        mentees = [(p.id, label[p.id]) for p, e in people if e.role == "mentee"]
        blocks.append(PairBlock(index, name, variants, mentors, mentees))
    return blocks


def _pair_form(programme: Programme) -> PairForm:
    """The posted pair; choices are everyone enrolled, the rules themselves are pair_rules'."""
    form = PairForm()
    enrolled = editing.enrolled(programme)
    form.mentor.choices = [SelectChoice(p.id, p.code) for p, e in enrolled if e.role == "mentor"]
    form.mentees.choices = [SelectChoice(p.id, p.code) for p, e in enrolled if e.role == "mentee"]
    return form


@bp.post("/programmes/<int:programme_id>/pairs")
@require_role(*MANAGE)
def new_pair(programme_id: int):
    programme = owned_or_404(Programme, programme_id)
    check_editable(programme)
    form = _pair_form(programme)
    if form.validate_on_submit():
        try:
            editing.add_pair(
                programme, form.mentor.data, form.mentees.data, form.form.data or "", form.variant.data or ""
            )
        except PairRefused as refused:
            for name, messages in refused.problems.items():
                for message in messages:
                    flash(f"{form[name].label.text}: {message}", "error")
        else:
            flash(_("Pair saved."))
    else:
        flash_errors(form)
    return redirect(url_for("programmes.programme", programme_id=programme.id, _anchor="pairs"))


def _pair_of(pair_id: int) -> tuple[Pair, Programme]:
    pair = db.get_or_404(Pair, pair_id)
    return pair, owned_or_404(Programme, pair.programme_id)


@bp.get("/pairs/<int:pair_id>/delete")
@require_role(*MANAGE)
def confirm_delete(pair_id: int):
    """The confirmation page: which pair (codes, form, variant) would be removed."""
    pair, programme = _pair_of(pair_id)
    check_editable(programme)
    return render_template("staff/pair_delete.html", pair=pair, programme=programme, form=ActionForm())


@bp.post("/pairs/<int:pair_id>/delete")
@require_role(*MANAGE)
def delete_pair(pair_id: int):
    pair, programme = _pair_of(pair_id)
    check_editable(programme)
    form = ActionForm()
    if not form.validate_on_submit():
        flash(_("The page had expired: confirm again."), "error")
        return redirect(url_for("pairs.confirm_delete", pair_id=pair.id))
    editing.remove_pair(pair)
    flash(_("Pair removed."))
    return redirect(url_for("programmes.programme", programme_id=programme.id, _anchor="pairs"))


def _locale() -> str:
    return "ru" if str(get_locale()) == "ru" else "en"


@bp.route("/programmes/<int:programme_id>/pairs/import", methods=["GET", "POST"])
@require_role(*MANAGE)
def import_pairs(programme_id: int):
    """Upload a pairs file; "Check" lists what would be made and every problem by row, "Import" saves
    the pairs only when there is no problem at all."""
    programme = owned_or_404(Programme, programme_id)
    check_editable(programme)
    form = UploadForm()
    report = None
    if form.validate_on_submit():
        upload = form.file.data
        save = "save" in request.form
        report = run_import(programme, upload.filename or "", upload.read(MAX_BYTES + 1), current_user, save=save)
        if report.imported:
            flash(_("Pairs imported: %(pairs)s.", pairs=len(report.groups)))
            return redirect(url_for("programmes.programme", programme_id=programme.id, _anchor="pairs"))
    return render_template(
        "staff/pair_import.html",
        programme=programme,
        form=form,
        report=report,
        aliases=PAIR_HEADER_ALIASES,
        column_labels=COLUMN_LABELS,
        max_mb=MAX_BYTES >> 20,
    )


@bp.get("/programmes/<int:programme_id>/pairs/import/template.csv")
@require_role(*MANAGE)
def pairs_template(programme_id: int):
    programme = owned_or_404(Programme, programme_id)
    return Response(
        template_csv(_locale(), programme),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="pairs-{programme.id}.csv"'},
    )
