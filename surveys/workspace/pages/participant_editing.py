"""Staff pages: one participant's page, to correct their code, role, form, group, tags, personal data
and places in programmes, and to merge another code of the same person into theirs."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from surveys.core.models import Participant, PersonalData
from surveys.extensions import db
from surveys.staff_context import current_organisation
from surveys.web import MANAGE, ROLE_LABELS, allowed, owned_or_404, require_role, staff_blueprint
from surveys.workspace import participant_editing as editing
from surveys.workspace import participant_pairs
from surveys.workspace.archiving import check_editable, is_archived
from surveys.workspace.merging import MergeError, merge_audited
from surveys.workspace.pages.forms import MergeWithForm, ParticipantEditForm
from surveys.workspace.programmes import form_names

bp = staff_blueprint("participant_editing", __name__)
READERS = (*MANAGE, "psychologist")


@bp.app_template_global()
def can_open_participants() -> bool:
    """Whether the signed-in member may open participants' pages (lists link codes to them only then)."""
    return allowed(*READERS)


def _places(participant: Participant) -> list[dict]:
    """Each programme place with the forms it may take and the values and errors to show."""
    return [
        {
            "enrolment": enrolment,
            "programme": programme,
            "forms": form_names(programme),
            "archived": is_archived(programme),
            "errors": {},
        }
        for enrolment, programme in editing.enrolments_of(participant)
    ]


def _form_options(places: list[dict], current: str) -> list[str]:
    """The forms a participant's own form may be: those of their programmes (and the one they have)."""
    options = [f for place in places for f in place["forms"]]
    if options and current and current not in options:
        options.append(current)
    return list(dict.fromkeys(options))


def _posted_places(places: list[dict]) -> dict[int, editing.Placement] | None:
    """The programme places as posted, or None when one is wrong (its errors set on the place)."""
    found, wrong = {}, False
    for place in places:
        key = f"enrolment-{place['programme'].id}-"
        role = request.form.get(key + "role", place["enrolment"].role)
        form = request.form.get(key + "form", place["enrolment"].form or "").strip()
        group = request.form.get(key + "group", place["enrolment"].group_name or "").strip()
        if role not in ROLE_LABELS:
            place["errors"]["role"] = _("Choose a role.")
        if form and form not in place["forms"]:
            place["errors"]["form"] = _("Choose one of the programme's forms of mentoring.")
        if len(group) > 100:
            place["errors"]["group"] = _("At most 100 characters.")
        wrong = wrong or bool(place["errors"])
        found[place["programme"].id] = editing.Placement(role, form, group)
    return None if wrong else found


def _edit_form(participant: Participant, posted: bool = False) -> ParticipantEditForm:
    """The edit form filled with the participant's stored values, or with what was posted."""
    details = editing.details_of(participant)
    stored = {**details.__dict__, "tags": ", ".join(details.tags)}
    return ParticipantEditForm(data=stored) if posted else ParticipantEditForm(formdata=None, data=stored)


def _render(participant: Participant, form: ParticipantEditForm, places: list[dict], merge_form=None):
    return render_template(
        "staff/participant.html",
        participant=participant,
        form=form,
        places=places,
        form_options=_form_options(places, participant.form or ""),
        merge_form=merge_form or MergeWithForm(formdata=None),
        can_edit=allowed(*MANAGE),
        can_erase=allowed("admin", "psychologist"),
        has_personal=db.session.get(PersonalData, participant.id) is not None,
        pairs=participant_pairs(participant),
    )


@bp.route("/participants/<int:participant_id>", methods=["GET", "POST"])
@require_role(*READERS)
def participant(participant_id: int):
    found = owned_or_404(Participant, participant_id)
    places = _places(found)
    form = _edit_form(found, posted=request.method == "POST")
    if request.method == "GET" and allowed(*MANAGE):
        editing.log_personal_read(found)
    if request.method == "GET" or not form.validate_on_submit():
        return _render(found, form, places)
    if not allowed(*MANAGE):
        abort(403)
    options = _form_options(places, found.form or "")
    own_form = (form.form.data or "").strip()
    if options and own_form and own_form not in options:
        form.form.errors.append(_("Choose one of the forms of the participant's programmes."))
    moved = _posted_places(places)
    if form.form.errors or moved is None:
        return _render(found, form, places)
    wanted = editing.Details(
        code=form.code.data.strip(),
        role=form.role.data,
        form=own_form,
        group=(form.group.data or "").strip(),
        tags=editing.split_tags(form.tags.data or ""),
        full_name=(form.full_name.data or "").strip(),
        birth_year=form.birth_year.data,
        sex=form.sex.data or "",
        enrolments=moved,
    )
    try:
        changed = editing.save_details(found, wanted)
    except editing.CodeTaken:
        form.code.errors.append(_("This code is already used in your organisation."))
        return _render(found, form, places)
    flash(_("Changes saved.") if changed else _("Nothing changed."))
    return redirect(url_for("participant_editing.participant", participant_id=found.id))


def _other(found: Participant, code: str) -> Participant | None:
    query = db.select(Participant).filter_by(organisation_id=current_organisation().id, code=code.strip())
    other = db.session.execute(query).scalar_one_or_none()
    return other if other is not None and other.id != found.id else None


@bp.route("/participants/<int:participant_id>/merge", methods=["GET", "POST"])
@require_role(*MANAGE)
def merge(participant_id: int):
    """GET with ``other``: the confirmation page; its POST merges the other code into this one."""
    found = owned_or_404(Participant, participant_id)
    form = MergeWithForm(request.args) if request.method == "GET" else MergeWithForm()
    typed = form.other.validate(form)
    other = _other(found, form.other.data) if typed else None
    if other is None:
        if typed:
            form.other.errors.append(_("No other participant of your organisation has this code."))
        return _render(found, _edit_form(found), _places(found), form)
    if request.method == "GET":
        return render_template("staff/participant_merge.html", participant=found, other=other, form=form)
    if not form.validate_on_submit():
        abort(400)
    for _enrolment, programme in editing.enrolments_of(other):
        check_editable(programme)
    try:
        merge_audited(found, other, f"participant:{found.id}")
    except MergeError as err:
        flash(_("The codes were not merged: %(why)s.", why=str(err)), "error")
        return redirect(url_for("participant_editing.participant", participant_id=found.id))
    flash(_("%(drop)s was merged into %(keep)s.", drop=form.other.data.strip(), keep=found.code))
    return redirect(url_for("participant_editing.participant", participant_id=found.id))
