"""The audit log: exports, access to individual data, imports, staff changes and failed sign-ins.

Every event is written through this module: ``record`` writes one and commits; ``add`` puts one in
the caller's transaction, so that an import and its event are committed (or rolled back) together.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask import has_request_context
from flask_login import current_user

from .core.log_models import AuditEvent
from .core.models import User
from .extensions import db
from .staff_context import current_organisation


def signed_in_user_id() -> int | None:
    """The signed-in staff member's id; None on the command line or for an API token."""
    return current_user.id if has_request_context() and current_user.is_authenticated else None


def add(action: str, target: str, *, organisation_id: int | None, user_id: int | None = None, **details: Any) -> None:
    """Add one event to the session without committing: the caller's commit writes it with its own rows."""
    db.session.add(
        AuditEvent(organisation_id=organisation_id, user_id=user_id, action=action, target=target, details=details)
    )


def record(
    action: str, target: str, *, organisation_id: int | None = None, user_id: int | None = None, **details: Any
) -> None:
    """Write one event and commit: by the signed-in staff member in their current organisation, or,
    with ``organisation_id``, in that organisation by ``user_id`` (None: no user, e.g. an API token or the
    command line; name it in ``details``)."""
    if organisation_id is None:
        user_id = signed_in_user_id()
        organisation = current_organisation() if user_id else None
        organisation_id = organisation.id if organisation else None
    add(action, target, organisation_id=organisation_id, user_id=user_id, **details)
    db.session.commit()


def record_outside_session(action: str, target: str, organisation_ids: Iterable[int | None], **details: Any) -> None:
    """Write one event by no user in each of ``organisation_ids`` (``None``: outside every organisation)
    and commit, whoever is signed in: e.g. a failed sign-in, in each organisation of the account tried."""
    for organisation_id in organisation_ids:
        add(action, target, organisation_id=organisation_id, **details)
    db.session.commit()


@dataclass(frozen=True)
class LogPage:
    """One page of an organisation's audit log, newest first: (event, user or None) rows."""

    events: list[tuple[AuditEvent, User | None]]
    more: bool
    actions: list[str]  # every action the organisation's log holds, for the filter


def log_page(organisation_id: int, action: str, page: int, size: int = 100) -> LogPage:
    """Page ``page`` (from 1) of the organisation's events, only ``action`` if given."""
    query = db.select(AuditEvent, User).outerjoin(User, User.id == AuditEvent.user_id)
    query = query.where(AuditEvent.organisation_id == organisation_id)
    if action:
        query = query.where(AuditEvent.action == action)
    rows = db.session.execute(query.order_by(AuditEvent.id.desc()).limit(size + 1).offset((page - 1) * size))
    events = [tuple(row) for row in rows]
    actions = db.session.execute(
        db.select(AuditEvent.action).where(AuditEvent.organisation_id == organisation_id).distinct()
    ).scalars()
    return LogPage(events[:size], len(events) > size, sorted(actions))
