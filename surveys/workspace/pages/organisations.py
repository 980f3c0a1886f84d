"""Administration: switching organisation, the organisation's staff, organisations of the
deployment, and the audit log (who exported data or opened individual data, and when)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from surveys.audit import log_page
from surveys.staff_context import current_organisation, organisation_ids
from surveys.web import EVERYONE, require_role, row_id, staff_blueprint
from surveys.workspace.organisations import add_organisation, all_organisations, organisations_named
from surveys.workspace.pages.forms import OrganisationForm, SwitchForm

bp = staff_blueprint("admin", __name__)

PAGE_SIZE = 100


@bp.app_context_processor
def organisations_menu():
    """The organisation switcher in the staff menu, for people who belong to several."""
    if not current_user.is_authenticated or request.blueprint in ("participant", "open"):
        return {}
    ids = organisation_ids()
    if len(ids) < 2:
        return {}
    form = SwitchForm(data={"organisation": current_organisation().id})
    form.organisation.choices = [SelectChoice(o.id, o.name) for o in organisations_named(ids)]
    return {"switch_form": form}


@bp.post("/organisation")
@require_role(*EVERYONE)
def switch():
    form = SwitchForm()
    form.organisation.choices = [SelectChoice(i, str(i)) for i in sorted(organisation_ids())]
    if not form.validate_on_submit():
        abort(400)
    session["organisation_id"] = form.organisation.data
    return redirect(url_for("staff.index"))


@bp.get("/audit")
@require_role("admin")
def audit():
    """The organisation's audit log, newest first; filter by action, page by page."""
    organisation = current_organisation()
    action = request.args.get("action", "")
    page = request.args.get("page", 1, type=row_id)  # past the range of ids: the first page, never an overflow
    found = log_page(organisation.id, action, page, PAGE_SIZE)
    return render_template(
        "staff/audit.html",
        events=found.events,
        more=found.more,
        page=page,
        action=action,
        actions=found.actions,
    )


@bp.route("/organisations", methods=["GET", "POST"])
@require_role("admin")
def organisations():
    """The deployment's organisations (e.g. a municipality's schools): deployment admins only."""
    if not current_user.is_admin:
        abort(403)
    form = OrganisationForm()
    if form.validate_on_submit():
        add_organisation(form.name.data)
        flash(_("Organisation created."))
        return redirect(url_for("admin.organisations"))
    return render_template("staff/organisations.html", organisations=all_organisations(), form=form)
