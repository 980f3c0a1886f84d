"""The organisation's staff page (admins) and the page where an invited person joins.

Adding a person makes an invitation link; the admin never types a password and is told the same
thing whether or not the e-mail already has an account. Changing a role or removing a member
finds the membership only in the admin's current organisation.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user
from flask_wtf import FlaskForm

from surveys import throttle
from surveys.audit import record
from surveys.core.models import Membership, Organisation, User
from surveys.extensions import db
from surveys.staff_context import current_organisation
from surveys.web import fresh_session, require_role, staff_blueprint
from surveys.workspace import members as staff_members
from surveys.workspace.pages.forms import JoinForm, MemberForm, RoleForm

bp = staff_blueprint("members", __name__)
join_bp = Blueprint("join", __name__, template_folder="../templates")


def _page(organisation: Organisation, form: MemberForm, status: int = 200):
    rows = db.session.execute(
        db.select(Membership, User)
        .join(User, User.id == Membership.user_id)
        .where(Membership.organisation_id == organisation.id)
        .order_by(User.email)
    )
    members = []
    for membership, user in rows:
        role_form = RoleForm(data={"role": membership.role}, prefix=f"m{membership.id}")
        members.append((membership, user, role_form))
    return render_template(
        "staff/members.html",
        members=members,
        invitations=staff_members.pending(organisation.id),
        form=form,
        plain_form=FlaskForm(),
        organisation=organisation,
    ), status


@bp.route("/members", methods=["GET", "POST"])
@require_role("admin")
def members():
    """The organisation's staff and open invitations; the form invites someone with a role."""
    organisation = current_organisation()
    form = MemberForm()
    if not form.validate_on_submit():
        return _page(organisation, form, 400 if form.errors else 200)
    invitation, secret = staff_members.invite(organisation.id, form.email.data, form.role.data, current_user.id)
    record("staff.invite", f"invitation:{invitation.id}", email=invitation.email, role=invitation.role)
    link = url_for("join.join", secret=secret, _external=True)
    return render_template("staff/member_invited.html", invitation=invitation, link=link, organisation=organisation)


@bp.post("/members/<int:membership_id>/role")
@require_role("admin")
def change_role(membership_id: int):
    organisation = current_organisation()
    membership = staff_members.membership_in(organisation.id, membership_id) or abort(404)
    form = RoleForm(prefix=f"m{membership.id}")
    if not form.validate_on_submit():
        abort(400)
    try:
        old = staff_members.change_role(membership, form.role.data)
    except staff_members.LastAdmin:
        flash(_("The organisation needs at least one administrator: give the role to someone else first."))
        return redirect(url_for("members.members"))
    record("staff.role", f"user:{membership.user_id}", before=old, after=membership.role)
    flash(_("The role was changed."))
    return redirect(url_for("members.members"))


@bp.post("/members/<int:membership_id>/remove")
@require_role("admin")
def remove(membership_id: int):
    organisation = current_organisation()
    membership = staff_members.membership_in(organisation.id, membership_id) or abort(404)
    if not FlaskForm().validate_on_submit():
        abort(400)
    user_id, role = membership.user_id, membership.role
    try:
        staff_members.remove(membership)
    except staff_members.LastAdmin:
        flash(_("The organisation needs at least one administrator: give the role to someone else first."))
        return redirect(url_for("members.members"))
    record("staff.remove", f"user:{user_id}", role=role)
    flash(_("The person no longer works in this organisation here; their account stays."))
    return redirect(url_for("members.members"))


@bp.post("/members/invitations/<int:staff_invitation_id>/revoke")
@require_role("admin")
def revoke(staff_invitation_id: int):
    organisation = current_organisation()
    if not FlaskForm().validate_on_submit():
        abort(400)
    invitation = staff_members.revoke(organisation.id, staff_invitation_id) or abort(404)
    record("staff.invitation.revoke", f"invitation:{invitation.id}", email=invitation.email)
    flash(_("The invitation was withdrawn: its link no longer works."))
    return redirect(url_for("members.members"))


# ---- the invited person ------------------------------------------------------------------
def _refused():
    """An unknown, used, withdrawn or expired link: one page for all, counted against the address."""
    config = current_app.config
    seen = throttle.hit(f"bad-link:{request.remote_addr or 'unknown'}", config["SURVEYS_BAD_LINK_WINDOW"])
    if seen > config["SURVEYS_BAD_LINK_LIMIT"]:
        return render_template("participant/too_many.html"), 429
    return render_template("auth/join_invalid.html"), 404


def _joined(invitation, organisation: Organisation) -> None:
    """Audit the new membership in the organisation joined, by the person who joined."""
    record(
        "staff.join",
        f"user:{current_user.id}",
        organisation_id=organisation.id,
        user_id=current_user.id,
        role=invitation.role,
        invitation=invitation.id,
    )
    flash(_("You now work in %(organisation)s.", organisation=organisation.name))


@join_bp.route("/join/<secret>", methods=["GET", "POST"])
def join(secret: str):
    """Accept an invitation: signed in as the invited e-mail's account, or with a new account."""
    invitation = staff_members.find_open(secret)
    if invitation is None:
        return _refused()
    organisation = db.session.get(Organisation, invitation.organisation_id)
    form = JoinForm()
    accept_form = FlaskForm()
    context = {"invitation": invitation, "organisation": organisation, "form": form, "accept_form": accept_form}
    if current_user.is_authenticated:
        if current_user.email != invitation.email:
            return render_template("auth/join_other.html", **context), 403
        if request.method == "POST" and accept_form.validate_on_submit():
            if staff_members.accept(invitation, current_user):
                _joined(invitation, organisation)
                return redirect(url_for("staff.index"))
            return _refused()
        return render_template("auth/join.html", **context)
    if request.method == "POST" and form.validate_on_submit():
        user = staff_members.create_account(invitation, form.name.data, form.password.data)
        if user is None:
            form.password.errors.append(
                _("This e-mail already has an account: sign in with its password to accept the invitation.")
            )
            db.session.rollback()
            return render_template("auth/join.html", **context), 409
        db.session.commit()
        fresh_session()
        login_user(user)
        if staff_members.accept(invitation, user):
            _joined(invitation, organisation)
        return redirect(url_for("staff.index"))
    return render_template("auth/join.html", **context), 400 if form.errors else 200
