"""Staff pages that rename, archive, bring back and delete a campaign or a programme. Deleting asks
for the exact name on a page of its own: nothing is deleted by a single click."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from surveys.core.models import Campaign, Programme
from surveys.web import MANAGE, ActionForm, allowed, owned_or_404, require_role, staff_blueprint
from surveys.workspace import deletion, lifecycle
from surveys.workspace.archiving import is_archived
from surveys.workspace.pages.forms import DeleteForm, RenameForm

bp = staff_blueprint("manage", __name__)


def _found(ids: dict[str, int]) -> Campaign | Programme:
    if "programme_id" in ids:
        return owned_or_404(Programme, ids["programme_id"])
    return owned_or_404(Campaign, ids["campaign_id"])


def _page_of(thing: Campaign | Programme) -> str:
    if isinstance(thing, Programme):
        return url_for("programmes.programme", programme_id=thing.id)
    return url_for("staff.campaign", campaign_id=thing.id)


def _list_of(thing: Campaign | Programme) -> str:
    return url_for("programmes.programmes") if isinstance(thing, Programme) else url_for("staff.index")


@bp.post("/campaigns/<int:campaign_id>/rename")
@bp.post("/programmes/<int:programme_id>/rename")
@require_role(*MANAGE)
def rename(**ids: int):
    thing = _found(ids)
    form = RenameForm()
    if not form.validate_on_submit():
        abort(400)
    problem = lifecycle.rename(thing, form.name.data or "")
    flash(problem or _("Name saved."), "error" if problem else "message")
    return redirect(_page_of(thing))


def _archiving(ids: dict[str, int], into: bool):
    """Move to the archive (``into``), or take out of it."""
    thing = _found(ids)
    if not ActionForm().validate_on_submit():
        abort(400)
    if into:
        closed = lifecycle.archive(thing)
        flash(_("Archived: read-only now; %(n)s open waves closed.", n=len(closed)))
    else:
        lifecycle.unarchive(thing)
        flash(_("Taken out of the archive: it can be changed again. Its waves stay closed until you open them."))
    return redirect(_page_of(thing))


@bp.post("/campaigns/<int:campaign_id>/archive")
@bp.post("/programmes/<int:programme_id>/archive")
@require_role(*MANAGE)
def archive(**ids: int):
    return _archiving(ids, into=True)


@bp.post("/campaigns/<int:campaign_id>/unarchive")
@bp.post("/programmes/<int:programme_id>/unarchive")
@require_role(*MANAGE)
def unarchive(**ids: int):
    return _archiving(ids, into=False)


@bp.route("/campaigns/<int:campaign_id>/delete", methods=["GET", "POST"])
@bp.route("/programmes/<int:programme_id>/delete", methods=["GET", "POST"])
@require_role(*MANAGE)
def delete(**ids: int):
    thing = _found(ids)
    form = DeleteForm()
    if form.validate_on_submit():
        asked = deletion.DeleteRequest(form.name.data or "", form.with_answers.data, allowed("admin"))
        remover = deletion.delete_programme if isinstance(thing, Programme) else deletion.delete_campaign
        name, back = thing.name, _list_of(thing)
        problem = remover(thing, asked)
        if not problem:
            flash(_("«%(name)s» is deleted.", name=name))
            return redirect(back)
        form.name.errors.append(problem)
    return render_template(
        "staff/delete_confirm.html",
        thing=thing,
        form=form,
        answers=deletion.answers_in(thing),
        campaigns=deletion.campaigns_of(thing) if isinstance(thing, Programme) else [],
        may_erase=allowed("admin"),
        page_url=_page_of(thing),
    )


def _rename_form(name: str) -> RenameForm:
    """The rename form, its field's id made unique on pages that have other «name» fields (a new wave)."""
    form = RenameForm(data={"name": name})
    form.name.id = form.name.label.field_id = "rename-name"
    return form


def manage_context(thing: Campaign | Programme) -> dict:
    """What the campaign's and the programme's pages need for ``staff/_*_manage.html``."""
    archived = is_archived(thing)
    may_manage = allowed(*MANAGE)
    return {
        "archived": archived,
        "may_manage": may_manage,
        "can_manage": may_manage and not archived,  # an archived one's page shows no edit controls
        "rename_form": _rename_form(thing.name),
    }
