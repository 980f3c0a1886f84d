"""Who may see what: staff reach only their own organisations' data; anything else is a 404."""

from __future__ import annotations

from flask import abort
from flask_login import current_user

from ..core.models import Campaign, Invitation, Membership, Organisation, Wave
from ..extensions import db


def organisation_ids() -> set[int]:
    if not current_user.is_authenticated:
        return set()
    if current_user.is_admin:
        return set(db.session.execute(db.select(Organisation.id)).scalars())
    rows = db.session.execute(db.select(Membership.organisation_id).filter_by(user_id=current_user.id))
    return set(rows.scalars())


def current_organisation() -> Organisation:
    """The organisation the staff member works in now (the first one they belong to)."""
    ids = sorted(organisation_ids())
    if not ids:
        abort(403)
    return db.session.get(Organisation, ids[0])


def owned_or_404(model, object_id: int):
    """Load an object that has ``organisation_id``; 404 unless it belongs to one of the user's organisations."""
    found = db.session.get(model, object_id)
    if found is None or found.organisation_id not in organisation_ids():
        abort(404)
    return found


def wave_or_404(wave_id: int) -> Wave:
    wave = db.session.get(Wave, wave_id)
    if wave is None:
        abort(404)
    owned_or_404(Campaign, wave.campaign_id)
    return wave


def invitation_or_404(invitation_id: int) -> Invitation:
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None:
        abort(404)
    wave_or_404(invitation.wave_id)
    return invitation
