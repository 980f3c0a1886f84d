"""An organisation's staff: invitations, roles and removal.

Nobody sets another person's password. An admin invites an e-mail with a role; the invitation
is a link (130 random bits, stored as its hash, valid once, for ``SURVEYS_STAFF_INVITATION_DAYS``).
The person who opens it signs in with their own account, or creates one with their own password
when the e-mail has none, and accepts; only then do they become a member. Whether the e-mail
already has an account changes nothing in what the inviting admin is told.

Every change is limited to one organisation: a membership of another organisation is not found.
"""

from __future__ import annotations

import datetime as dt

from flask import current_app
from sqlalchemy import update

from surveys.core.models import Membership, User, hash_token, new_token, utcnow
from surveys.core.staff_models import StaffInvitation
from surveys.extensions import db


class LastAdmin(Exception):
    """The change would leave the organisation without an admin."""


def invite(organisation_id: int, email: str, role: str, by_user_id: int | None) -> tuple[StaffInvitation, str]:
    """A new invitation and its secret (shown once); earlier open invitations of the e-mail here end."""
    email = email.strip().lower()
    now = utcnow()
    db.session.execute(
        update(StaffInvitation)
        .where(
            StaffInvitation.organisation_id == organisation_id,
            StaffInvitation.email == email,
            StaffInvitation.accepted_at.is_(None),
            StaffInvitation.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )
    secret = new_token()
    days = current_app.config["SURVEYS_STAFF_INVITATION_DAYS"]
    invitation = StaffInvitation(
        organisation_id=organisation_id,
        email=email,
        role=role,
        token_hash=hash_token(secret),
        created_by=by_user_id,
        created_at=now,
        expires_at=now + dt.timedelta(days=days),
    )
    db.session.add(invitation)
    db.session.commit()
    return invitation, secret


def find_open(secret: str) -> StaffInvitation | None:
    """The invitation of a link, while it can still be used."""
    found = db.session.execute(db.select(StaffInvitation).filter_by(token_hash=hash_token(secret))).scalar_one_or_none()
    return found if found is not None and found.open() else None


def pending(organisation_id: int) -> list[StaffInvitation]:
    """The organisation's invitations not yet accepted, revoked or expired, newest first."""
    rows = db.session.execute(
        db.select(StaffInvitation)
        .where(
            StaffInvitation.organisation_id == organisation_id,
            StaffInvitation.accepted_at.is_(None),
            StaffInvitation.revoked_at.is_(None),
            StaffInvitation.expires_at > utcnow(),
        )
        .order_by(StaffInvitation.id.desc())
    )
    return list(rows.scalars())


def account_of(email: str) -> User | None:
    return db.session.execute(db.select(User).filter_by(email=email.strip().lower())).scalar_one_or_none()


def accept(invitation: StaffInvitation, user: User) -> bool:
    """Make ``user`` a member with the invitation's role, once; False when the link was used meanwhile
    or the account is not the invited e-mail's."""
    if user.email != invitation.email:
        return False
    claimed = db.session.execute(
        update(StaffInvitation)
        .where(
            StaffInvitation.id == invitation.id,
            StaffInvitation.accepted_at.is_(None),
            StaffInvitation.revoked_at.is_(None),
            StaffInvitation.expires_at > utcnow(),
        )
        .values(accepted_at=utcnow(), accepted_by=user.id)
    ).rowcount
    if not claimed:
        db.session.rollback()
        return False
    membership = db.session.execute(
        db.select(Membership).filter_by(user_id=user.id, organisation_id=invitation.organisation_id)
    ).scalar_one_or_none()
    if membership is None:
        db.session.add(Membership(user_id=user.id, organisation_id=invitation.organisation_id, role=invitation.role))
    else:
        membership.role = invitation.role
    db.session.commit()
    return True


def create_account(invitation: StaffInvitation, name: str, password: str) -> User | None:
    """The invited e-mail's account, made with the person's own password; None when it exists."""
    if account_of(invitation.email) is not None:
        return None
    user = User(email=invitation.email, name=name.strip())
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def revoke(organisation_id: int, invitation_id: int) -> StaffInvitation | None:
    """End an open invitation of this organisation; None when there is no such invitation here."""
    found = db.session.get(StaffInvitation, invitation_id)
    if found is None or found.organisation_id != organisation_id or not found.open():
        return None
    found.revoked_at = utcnow()
    db.session.commit()
    return found


def membership_in(organisation_id: int, membership_id: int) -> Membership | None:
    """A membership of this organisation (one of another organisation is not found)."""
    found = db.session.get(Membership, membership_id)
    return found if found is not None and found.organisation_id == organisation_id else None


def _other_admins(membership: Membership) -> int:
    return db.session.execute(
        db.select(db.func.count(Membership.id)).where(
            Membership.organisation_id == membership.organisation_id,
            Membership.role == "admin",
            Membership.id != membership.id,
        )
    ).scalar_one()


def change_role(membership: Membership, role: str) -> str:
    """Give the member another role; returns the old one. LastAdmin when no admin would be left."""
    old = membership.role
    if old == "admin" and role != "admin" and not _other_admins(membership):
        raise LastAdmin
    membership.role = role
    db.session.commit()
    return old


def remove(membership: Membership) -> None:
    """End a membership here (the account and its other memberships stay). LastAdmin as above."""
    if membership.role == "admin" and not _other_admins(membership):
        raise LastAdmin
    db.session.delete(membership)
    db.session.commit()
