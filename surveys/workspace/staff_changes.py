"""What an admin does on the staff page, and how an invited person joins: each change audited.

The rules themselves (one organisation only, the last admin kept, links valid once) are in
``surveys.workspace.members``."""

from __future__ import annotations

from flask import current_app

from surveys import throttle
from surveys.audit import record
from surveys.core.models import Membership, Organisation, User
from surveys.core.staff_models import StaffInvitation
from surveys.extensions import db
from surveys.workspace import members


def staff_of(organisation_id: int) -> list[tuple[Membership, User]]:
    """The organisation's members with their accounts, by e-mail."""
    rows = db.session.execute(
        db.select(Membership, User)
        .join(User, User.id == Membership.user_id)
        .where(Membership.organisation_id == organisation_id)
        .order_by(User.email)
    )
    return [tuple(row) for row in rows]


def invite_member(organisation_id: int, email: str, role: str, by_user_id: int) -> tuple[StaffInvitation, str]:
    invitation, secret = members.invite(organisation_id, email, role, by_user_id)
    record("staff.invite", f"invitation:{invitation.id}", email=invitation.email, role=invitation.role)
    return invitation, secret


def change_member_role(membership: Membership, role: str) -> None:
    """Raises ``members.LastAdmin``, with nothing changed, when no admin would be left."""
    old = members.change_role(membership, role)
    record("staff.role", f"user:{membership.user_id}", before=old, after=membership.role)


def remove_member(membership: Membership) -> None:
    """Raises ``members.LastAdmin``, with nothing changed, when no admin would be left."""
    user_id, role = membership.user_id, membership.role
    members.remove(membership)
    record("staff.remove", f"user:{user_id}", role=role)


def withdraw_invitation(organisation_id: int, invitation_id: int) -> StaffInvitation | None:
    invitation = members.revoke(organisation_id, invitation_id)
    if invitation is not None:
        record("staff.invitation.revoke", f"invitation:{invitation.id}", email=invitation.email)
    return invitation


def bad_join_link(address: str) -> bool:
    """Count an unknown, used, withdrawn or expired link against the address; True past the limit."""
    config = current_app.config
    seen = throttle.hit(f"bad-link:{address}", config["SURVEYS_BAD_LINK_WINDOW"])
    return seen > config["SURVEYS_BAD_LINK_LIMIT"]


def organisation_of(invitation: StaffInvitation) -> Organisation:
    return db.session.get(Organisation, invitation.organisation_id)


def join(invitation: StaffInvitation, user: User) -> bool:
    """Accept the invitation as ``user``; the new membership is audited in the organisation joined,
    by the person who joined. False when the link was used meanwhile or is not this account's."""
    if not members.accept(invitation, user):
        return False
    record(
        "staff.join",
        f"user:{user.id}",
        organisation_id=invitation.organisation_id,
        user_id=user.id,
        role=invitation.role,
        invitation=invitation.id,
    )
    return True


def new_account(invitation: StaffInvitation, name: str, password: str) -> User | None:
    """The invited e-mail's account with the person's own password, committed; None (nothing kept)
    when the e-mail already has one."""
    user = members.create_account(invitation, name, password)
    if user is None:
        db.session.rollback()
        return None
    db.session.commit()
    return user
