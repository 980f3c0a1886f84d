"""Who is signed in, and the organisation they work in now (chosen in their session).

Read by the staff pages (``views.access``) and by the audit log, which records events in the
current organisation; kept apart from the views so that domain modules need not import them.
"""

from __future__ import annotations

from flask import abort, session
from flask_login import current_user

from .core.models import Membership, Organisation
from .extensions import db


def organisation_ids() -> set[int]:
    if not current_user.is_authenticated:
        return set()
    if current_user.is_admin:
        return set(db.session.execute(db.select(Organisation.id)).scalars())
    rows = db.session.execute(db.select(Membership.organisation_id).filter_by(user_id=current_user.id))
    return set(rows.scalars())


def current_organisation() -> Organisation:
    """The organisation the staff member works in now: the one chosen in the session, else their first."""
    ids = sorted(organisation_ids())
    if not ids:
        abort(403)
    chosen = session.get("organisation_id")
    return db.session.get(Organisation, chosen if chosen in ids else ids[0])
