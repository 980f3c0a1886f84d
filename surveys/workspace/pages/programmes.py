"""Staff pages for programmes (mentoring cycles): forms of mentoring, pair variants, who is
enrolled, and pairs or groups of one mentor with one or many mentees."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from wtforms.fields.choices import SelectChoice

from surveys.core.models import Pair, Programme
from surveys.extensions import db
from surveys.staff_context import current_organisation
from surveys.web import (
    EVERYONE,
    MANAGE,
    ROLE_LABELS,
    ActionForm,
    allowed,
    flash_errors,
    owned_or_404,
    require_role,
    staff_blueprint,
)
from surveys.workspace import programme_editing as editing
from surveys.workspace.archiving import check_editable
from surveys.workspace.lifecycle import split_archived
from surveys.workspace.pages.forms import FormsForm, PairForm, ProgrammeForm
from surveys.workspace.pages.manage import manage_context

bp = staff_blueprint("programmes", __name__)


@bp.route("/programmes", methods=["GET", "POST"])
@require_role(*EVERYONE)
def programmes():
    organisation = current_organisation()
    form = ProgrammeForm()
    if request.method == "POST":
        if not allowed(*MANAGE):
            abort(403)
        if form.validate_on_submit():
            programme = editing.add_programme(organisation, form.name.data, form.seed.data)
            flash(_("Programme created."))
            return redirect(url_for("programmes.programme", programme_id=programme.id))
    active, archived = split_archived(editing.programmes_of(organisation))
    return render_template("staff/programmes.html", programmes=active, archived=archived, form=form)


def _pair_form(programme: Programme, enrolled) -> PairForm:
    form = PairForm()
    label = {p.id: " · ".join(x for x in (p.code, e.group_name) if x) for p, e in enrolled}
    form.mentor.choices = [SelectChoice(p.id, label[p.id]) for p, e in enrolled if e.role == "mentor"]
    form.mentees.choices = [SelectChoice(p.id, label[p.id]) for p, e in enrolled if e.role == "mentee"]
    form.form.choices = [SelectChoice("", "—")] + [SelectChoice(f.name, f.name) for f in programme.forms]
    variants = sorted({v for f in programme.forms for v in f.variants})
    form.variant.choices = [SelectChoice("", "—")] + [SelectChoice(v, v) for v in variants]
    return form


@bp.get("/programmes/<int:programme_id>")
@require_role(*EVERYONE)
def programme(programme_id: int):
    found = editing.overview(owned_or_404(Programme, programme_id))
    return render_template(
        "staff/programme.html",
        **manage_context(found.programme),
        programme=found.programme,
        enrolled=found.enrolled,
        by_role=found.by_role,
        pairs=found.pairs,
        paired=found.paired,
        pair_form=_pair_form(found.programme, found.enrolled),
        forms_form=FormsForm(data={"forms": found.forms_text}),
        roles=ROLE_LABELS,
    )


@bp.post("/programmes/<int:programme_id>/forms")
@require_role(*MANAGE)
def update_forms(programme_id: int):
    found = owned_or_404(Programme, programme_id)
    check_editable(found)
    form = FormsForm()
    if not form.validate_on_submit():
        abort(400)
    problems = editing.save_forms(found, form.forms.data or "")
    for problem in problems:
        flash(problem, "error")
    if not problems:
        flash(_("Forms of mentoring saved."))
    return redirect(url_for("programmes.programme", programme_id=found.id))


@bp.post("/programmes/<int:programme_id>/pairs")
@require_role(*MANAGE)
def new_pair(programme_id: int):
    found = owned_or_404(Programme, programme_id)
    check_editable(found)
    form = _pair_form(found, editing.enrolled(found))
    if form.validate_on_submit():
        editing.add_pair(found, form.mentor.data, form.mentees.data, form.form.data, form.variant.data)
        flash(_("Pair saved."))
    else:
        flash_errors(form)
    return redirect(url_for("programmes.programme", programme_id=found.id))


@bp.post("/pairs/<int:pair_id>/delete")
@require_role(*MANAGE)
def delete_pair(pair_id: int):
    pair = db.session.get(Pair, pair_id)
    if pair is None:
        abort(404)
    found = owned_or_404(Programme, pair.programme_id)
    check_editable(found)
    if not ActionForm().validate_on_submit():
        abort(400)
    editing.remove_pair(pair)
    flash(_("Pair removed."))
    return redirect(url_for("programmes.programme", programme_id=found.id))
