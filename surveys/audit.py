"""The audit log: exports, access to individual data and failed sign-ins are written here."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_login import current_user

from .core.models import AuditEvent
from .extensions import db
from .views.access import current_organisation


def record(action: str, target: str, *, organisation_id: int | None = None, **details: Any) -> None:
    """Write one event and commit: by the signed-in staff member in their current organisation, or,
    with ``organisation_id``, by no user (an API token or the command line; name it in ``details``)."""
    user_id = None
    if organisation_id is None:
        user_id = current_user.id if current_user.is_authenticated else None
        organisation = current_organisation() if user_id else None
        organisation_id = organisation.id if organisation else None
    db.session.add(
        AuditEvent(organisation_id=organisation_id, user_id=user_id, action=action, target=target, details=details)
    )
    db.session.commit()


def record_outside_session(action: str, target: str, organisation_ids: Iterable[int | None], **details: Any) -> None:
    """Write one event by no user in each of ``organisation_ids`` (``None``: outside every organisation)
    and commit, whoever is signed in: e.g. a failed sign-in, in each organisation of the account tried."""
    for organisation_id in organisation_ids:
        db.session.add(
            AuditEvent(organisation_id=organisation_id, user_id=None, action=action, target=target, details=details)
        )
    db.session.commit()
