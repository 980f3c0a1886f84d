"""The organisation's staff page (admins) and the page where an invited person joins.

Adding a person makes an invitation link; the admin never types a password and is told the same
thing whether or not the e-mail already has an account. Changing a role or removing a member
finds the membership only in the admin's current organisation.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user
from flask_wtf import FlaskForm

from surveys.core.models import Organisation
from surveys.staff_context import current_organisation
from surveys.web import fresh_session, require_role, staff_blueprint
from surveys.workspace import members as staff_members
from surveys.workspace import staff_changes as changes
from surveys.workspace.pages.forms import JoinForm, MemberForm, RoleForm

bp = staff_blueprint("members", __name__)
join_bp = Blueprint("join", __name__, template_folder="../templates")


def _page(organisation: Organisation, form: MemberForm, status: int = 200):
    members = [
        (membership, user, RoleForm(data={"role": membership.role}, prefix=f"m{membership.id}"))
        for membership, user in changes.staff_of(organisation.id)
    ]
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
    invitation, secret = changes.invite_member(organisation.id, form.email.data, form.role.data, current_user.id)
    link = url_for("join.join", secret=secret, _external=True)
    return render_template("staff/member_invited.html", invitation=invitation, link=link, organisation=organisation)


LAST_ADMIN = _l("The organisation needs at least one administrator: give the role to someone else first.")


@bp.post("/members/<int:membership_id>/role")
@require_role("admin")
def change_role(membership_id: int):
    membership = staff_members.membership_in(current_organisation().id, membership_id) or abort(404)
    form = RoleForm(prefix=f"m{membership.id}")
    if not form.validate_on_submit():
        abort(400)
    try:
        changes.change_member_role(membership, form.role.data)
    except staff_members.LastAdmin:
        flash(str(LAST_ADMIN))
        return redirect(url_for("members.members"))
    flash(_("The role was changed."))
    return redirect(url_for("members.members"))


@bp.post("/members/<int:membership_id>/remove")
@require_role("admin")
def remove(membership_id: int):
    membership = staff_members.membership_in(current_organisation().id, membership_id) or abort(404)
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        changes.remove_member(membership)
    except staff_members.LastAdmin:
        flash(str(LAST_ADMIN))
        return redirect(url_for("members.members"))
    flash(_("The person no longer works in this organisation here; their account stays."))
    return redirect(url_for("members.members"))


@bp.post("/members/invitations/<int:staff_invitation_id>/revoke")
@require_role("admin")
def revoke(staff_invitation_id: int):
    organisation = current_organisation()
    if not FlaskForm().validate_on_submit():
        abort(400)
    changes.withdraw_invitation(organisation.id, staff_invitation_id) or abort(404)
    flash(_("The invitation was withdrawn: its link no longer works."))
    return redirect(url_for("members.members"))


# ---- the invited person ------------------------------------------------------------------
def _refused():
    """An unknown, used, withdrawn or expired link: one page for all, counted against the address."""
    if changes.bad_join_link(request.remote_addr or "unknown"):
        return render_template("participant/too_many.html"), 429
    return render_template("auth/join_invalid.html"), 404


def _joined(organisation: Organisation):
    flash(_("You now work in %(organisation)s.", organisation=organisation.name))
    return redirect(url_for("staff.index"))


@join_bp.route("/join/<secret>", methods=["GET", "POST"])
def join(secret: str):
    """Accept an invitation: signed in as the invited e-mail's account, or with a new account."""
    invitation = staff_members.find_open(secret)
    if invitation is None:
        return _refused()
    organisation = changes.organisation_of(invitation)
    form = JoinForm()
    accept_form = FlaskForm()
    context = {"invitation": invitation, "organisation": organisation, "form": form, "accept_form": accept_form}
    if current_user.is_authenticated:
        if current_user.email != invitation.email:
            return render_template("auth/join_other.html", **context), 403
        if request.method == "POST" and accept_form.validate_on_submit():
            return _joined(organisation) if changes.join(invitation, current_user) else _refused()
        return render_template("auth/join.html", **context)
    if request.method == "POST" and form.validate_on_submit():
        user = changes.new_account(invitation, form.name.data, form.password.data)
        if user is None:
            form.password.errors.append(
                _("This e-mail already has an account: sign in with its password to accept the invitation.")
            )
            return render_template("auth/join.html", **context), 409
        fresh_session()
        login_user(user)
        return _joined(organisation) if changes.join(invitation, user) else redirect(url_for("staff.index"))
    return render_template("auth/join.html", **context), 400 if form.errors else 200
