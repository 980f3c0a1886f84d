"""Staff pages for programmes (mentoring cycles): forms of mentoring, pair variants, who is
enrolled, and pairs or groups of one mentor with one or many mentees."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from wtforms.fields.choices import SelectChoice

from surveys.audit import record
from surveys.core.models import Enrolment, MentoringForm, Pair, PairMentee, Participant, Programme
from surveys.extensions import db
from surveys.staff_context import current_organisation
from surveys.web import EVERYONE, MANAGE, ROLE_LABELS, ActionForm, allowed, owned_or_404, require_role, staff_blueprint
from surveys.workspace.pages.forms import FormsForm, PairForm, ProgrammeForm
from surveys.workspace.programmes import create_programme

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
            programme = create_programme(organisation, form.name.data.strip(), seed=form.seed.data)
            record("programme.create", f"programme:{programme.id}")
            flash(_("Programme created."))
            return redirect(url_for("programmes.programme", programme_id=programme.id))
    rows = db.session.execute(
        db.select(Programme).filter_by(organisation_id=organisation.id).order_by(Programme.id.desc())
    ).scalars()
    return render_template("staff/programmes.html", programmes=list(rows), form=form)


def _enrolled(programme: Programme) -> list[tuple[Participant, Enrolment]]:
    rows = db.session.execute(
        db.select(Participant, Enrolment)
        .join(Enrolment, Enrolment.participant_id == Participant.id)
        .where(Enrolment.programme_id == programme.id)
        .order_by(Participant.code)
    )
    return [tuple(row) for row in rows]


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
    found = owned_or_404(Programme, programme_id)
    enrolled = _enrolled(found)
    pairs = list(db.session.execute(db.select(Pair).filter_by(programme_id=found.id).order_by(Pair.id)).scalars())
    forms_form = FormsForm(data={"forms": _forms_text(found)})
    by_role: dict[str, int] = {}
    for _participant, enrolment in enrolled:
        by_role[enrolment.role] = by_role.get(enrolment.role, 0) + 1
    paired = {pair.mentor_id for pair in pairs} | {m.participant_id for pair in pairs for m in pair.mentees}
    return render_template(
        "staff/programme.html",
        programme=found,
        enrolled=enrolled,
        by_role=by_role,
        pairs=pairs,
        paired=paired,
        pair_form=_pair_form(found, enrolled),
        forms_form=forms_form,
        roles=ROLE_LABELS,
    )


def _forms_text(programme: Programme) -> str:
    """Forms and variants as the curator edits them: a form per line, its variants indented below."""
    lines = []
    for form in programme.forms:
        lines.append(form.name)
        lines.extend(f"  {variant}" for variant in form.variants)
    return "\n".join(lines)


def parse_forms(text: str) -> tuple[list[tuple[str, list[str]]], list[str]]:
    """Read the forms text back: unindented lines are forms, indented lines their variants."""
    forms: list[tuple[str, list[str]]] = []
    problems = []
    for number, line in enumerate(text.replace("\r\n", "\n").split("\n"), start=1):
        if not line.strip():
            continue
        name = " ".join(line.split())
        if line[:1].isspace():
            if not forms:
                problems.append(_("Line %(n)s: a variant must come after the form it belongs to.", n=number))
                continue
            if name not in forms[-1][1]:
                forms[-1][1].append(name[:200])
        elif any(existing == name for existing, _v in forms):
            problems.append(_("Line %(n)s: the form «%(name)s» is listed twice.", n=number, name=name))
        else:
            forms.append((name[:100], []))
    return forms, problems


@bp.post("/programmes/<int:programme_id>/forms")
@require_role(*MANAGE)
def update_forms(programme_id: int):
    found = owned_or_404(Programme, programme_id)
    form = FormsForm()
    if not form.validate_on_submit():
        abort(400)
    parsed, problems = parse_forms(form.forms.data or "")
    if problems:
        for problem in problems:
            flash(problem, "error")
        return redirect(url_for("programmes.programme", programme_id=found.id))
    wanted = dict(parsed)
    existing = {f.name: f for f in found.forms}
    for form_row in list(found.forms):
        if form_row.name not in wanted:
            found.forms.remove(form_row)
    for position, (name, variants) in enumerate(parsed):
        row = existing.get(name)
        if row is None:
            row = MentoringForm(name=name)
            found.forms.append(row)
        row.variants, row.position = variants, position
    db.session.commit()
    record("programme.forms", f"programme:{found.id}", forms=len(parsed))
    flash(_("Forms of mentoring saved."))
    return redirect(url_for("programmes.programme", programme_id=found.id))


@bp.post("/programmes/<int:programme_id>/pairs")
@require_role(*MANAGE)
def new_pair(programme_id: int):
    found = owned_or_404(Programme, programme_id)
    form = _pair_form(found, _enrolled(found))
    if form.validate_on_submit():
        pair = Pair(programme_id=found.id, mentor_id=form.mentor.data, form=form.form.data, variant=form.variant.data)
        for mentee_id in dict.fromkeys(form.mentees.data):
            pair.mentees.append(PairMentee(participant_id=mentee_id))
        db.session.add(pair)
        db.session.commit()
        record("pair.create", f"pair:{pair.id}", mentees=len(pair.mentees))
        flash(_("Pair saved."))
    else:
        for field in form:
            for error in field.errors:
                flash(f"{field.label.text}: {error}", "error")
    return redirect(url_for("programmes.programme", programme_id=found.id))


@bp.post("/pairs/<int:pair_id>/delete")
@require_role(*MANAGE)
def delete_pair(pair_id: int):
    pair = db.session.get(Pair, pair_id)
    if pair is None:
        abort(404)
    found = owned_or_404(Programme, pair.programme_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    db.session.delete(pair)
    db.session.commit()
    record("pair.delete", f"pair:{pair_id}")
    flash(_("Pair removed."))
    return redirect(url_for("programmes.programme", programme_id=found.id))
