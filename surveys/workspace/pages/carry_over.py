"""The page that carries a programme into the next cycle: choose the people and their roles and groups,
see what will happen, confirm. Works without JavaScript: each step is a form post."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from surveys.core.models import ROLES, Enrolment, Participant, Programme
from surveys.web import MANAGE, ROLE_LABELS, owned_or_404, require_role, staff_blueprint
from surveys.workspace import carry_over as carrying
from surveys.workspace.pages.forms import CarryOverForm
from surveys.workspace.programme_editing import enrolled

bp = staff_blueprint("carry_over", __name__)


@dataclass(frozen=True)
class Row:
    """One enrolled person on the page, with what the curator chose for them."""

    participant: Participant
    enrolment: Enrolment
    include: bool
    role: str
    group: str
    problem: str = ""

    @property
    def choice(self) -> carrying.Choice:
        return carrying.Choice(self.participant.id, self.include, self.role, self.group)


def read_rows(people: list[tuple[Participant, Enrolment]], data: Mapping[str, str] | None) -> list[Row]:
    """The rows as posted in ``data`` (None: as they stand, everyone included); a bad value is named by code."""
    rows = []
    for participant, enrolment in people:
        if data is None:
            rows.append(Row(participant, enrolment, True, enrolment.role, enrolment.group_name))
            continue
        pid = participant.id
        role = data.get(f"role-{pid}", enrolment.role)
        group = " ".join(data.get(f"group-{pid}", enrolment.group_name).split())
        problem = ""
        if role not in ROLES:
            problem = _("%(code)s: choose a role from the list.", code=participant.code)
            role = enrolment.role
        elif len(group) > 100:
            problem = _("%(code)s: the group may be at most 100 characters long.", code=participant.code)
        rows.append(Row(participant, enrolment, f"include-{pid}" in data, role, group, problem))
    return rows


def _problems(form: CarryOverForm, source: Programme, rows: list[Row]) -> list[str] | None:
    """None when the post can be carried out; else the problems that are not a field's own (those stay
    on the form's fields)."""
    valid = form.validate_on_submit()
    if valid and carrying.name_taken(source, form.name.data):
        form.name.errors = [_("There is already a programme with this name: choose another one.")]
        valid = False
    problems = [row.problem for row in rows if row.problem]
    if rows and not any(row.include for row in rows):
        problems.append(_("Tick at least one person to carry over."))
    return None if valid and not problems else problems


@bp.route("/programmes/<int:programme_id>/next", methods=["GET", "POST"])
@require_role(*MANAGE)
def next_cycle(programme_id: int):
    # The source is only read (an archived programme can be carried over too); the new one is made fresh.
    source = owned_or_404(Programme, programme_id)
    people = enrolled(source)
    form = (
        CarryOverForm() if request.method == "POST" else CarryOverForm(data={"name": carrying.next_name(source.name)})
    )
    rows = read_rows(people, request.form if request.method == "POST" else None)
    step = request.form.get("action", "preview") if request.method == "POST" else "edit"
    problems = _problems(form, source, rows) if step in ("preview", "confirm") else []
    if problems is None:
        choices = [row.choice for row in rows]
        options = {"advance": form.advance.data, "copy_pairs": form.copy_pairs.data}
        if step == "confirm":
            done = carrying.carry_over(source, form.name.data, choices, **options)
            flash(_("Programme «%(name)s» created: %(n)s people carried over.", name=done.name, n=len(done.moves)))
            return redirect(url_for("programmes.programme", programme_id=done.created.id))
        found = carrying.plan(source, form.name.data, choices, **options)
        return render_template(
            "staff/programme_next_preview.html", source=source, form=form, rows=rows, plan=found, roles=ROLE_LABELS
        )
    status = 400 if request.method == "POST" and step != "edit" else 200
    return render_template(
        "staff/programme_next.html", source=source, form=form, rows=rows, problems=problems, roles=ROLE_LABELS
    ), status
