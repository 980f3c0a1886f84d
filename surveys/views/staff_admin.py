"""Administration: switching organisation, the organisation's staff, organisations of the
deployment, and the audit log (who exported data or opened individual data, and when)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from ..audit import record
from ..core.models import AuditEvent, Membership, Organisation, User
from ..extensions import db
from .access import EVERYONE, current_organisation, organisation_ids, require_role, staff_blueprint
from .staff_forms import MemberForm, OrganisationForm, SwitchForm

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
    rows = db.session.execute(db.select(Organisation).where(Organisation.id.in_(ids)).order_by(Organisation.name))
    form = SwitchForm(data={"organisation": current_organisation().id})
    form.organisation.choices = [SelectChoice(o.id, o.name) for o in rows.scalars()]
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
    page = max(1, request.args.get("page", 1, type=int))
    query = db.select(AuditEvent, User).outerjoin(User, User.id == AuditEvent.user_id)
    query = query.where(AuditEvent.organisation_id == organisation.id)
    if action:
        query = query.where(AuditEvent.action == action)
    rows = db.session.execute(query.order_by(AuditEvent.id.desc()).limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE))
    events = [tuple(row) for row in rows]
    actions = db.session.execute(
        db.select(AuditEvent.action).where(AuditEvent.organisation_id == organisation.id).distinct()
    ).scalars()
    return render_template(
        "staff/audit.html",
        events=events[:PAGE_SIZE],
        more=len(events) > PAGE_SIZE,
        page=page,
        action=action,
        actions=sorted(actions),
    )


@bp.route("/members", methods=["GET", "POST"])
@require_role("admin")
def members():
    """The organisation's staff: add someone with a role and a first password, or change a role."""
    organisation = current_organisation()
    form = MemberForm()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        account = db.session.execute(db.select(User).filter_by(email=email)).scalar_one_or_none()
        if account is None:
            if not form.password.data:
                form.password.errors.append(_("A new account needs a first password."))
                return _members_page(organisation, form)
            account = User(email=email, name=(form.name.data or "").strip())
            account.set_password(form.password.data)
            db.session.add(account)
            db.session.flush()
        membership = db.session.execute(
            db.select(Membership).filter_by(user_id=account.id, organisation_id=organisation.id)
        ).scalar_one_or_none()
        if membership is None:
            db.session.add(Membership(user_id=account.id, organisation_id=organisation.id, role=form.role.data))
        else:
            membership.role = form.role.data
        db.session.commit()
        record("staff.member", f"user:{account.id}", role=form.role.data)
        flash(_("%(email)s is now %(role)s.", email=email, role=form.role.data))
        return redirect(url_for("admin.members"))
    return _members_page(organisation, form)


def _members_page(organisation: Organisation, form: MemberForm):
    rows = db.session.execute(
        db.select(Membership, User)
        .join(User, User.id == Membership.user_id)
        .where(Membership.organisation_id == organisation.id)
        .order_by(User.email)
    )
    return render_template("staff/members.html", rows=[tuple(r) for r in rows], form=form, organisation=organisation)


@bp.route("/organisations", methods=["GET", "POST"])
@require_role("admin")
def organisations():
    """The deployment's organisations (e.g. a municipality's schools): deployment admins only."""
    if not current_user.is_admin:
        abort(403)
    form = OrganisationForm()
    if form.validate_on_submit():
        organisation = Organisation(name=form.name.data.strip())
        db.session.add(organisation)
        db.session.commit()
        record("organisation.create", f"organisation:{organisation.id}")
        flash(_("Organisation created."))
        return redirect(url_for("admin.organisations"))
    rows = db.session.execute(db.select(Organisation).order_by(Organisation.name)).scalars()
    return render_template("staff/organisations.html", organisations=list(rows), form=form)
