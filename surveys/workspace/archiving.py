"""Archived campaigns and programmes are read-only: every change to one, or to what it holds (its waves,
questionnaires, links, people and pairs), first asks :func:`check_editable`."""

from __future__ import annotations

from flask_babel import gettext as _
from werkzeug.exceptions import Conflict

from surveys.core.models import Campaign, Programme, Wave
from surveys.extensions import db


class ArchivedError(Conflict):
    """A change asked of an archived campaign or programme; shown as a 409 page that says so."""

    def __init__(self, what: Campaign | Programme) -> None:
        if isinstance(what, Programme):
            message = _("The programme «%(name)s» is archived: it can be read, not changed.", name=what.name)
        else:
            message = _("The campaign «%(name)s» is archived: it can be read, not changed.", name=what.name)
        super().__init__(message)


def archived_programme(programme_id: int | None) -> Programme | None:
    """The programme of that id if it is archived."""
    programme = db.session.get(Programme, programme_id) if programme_id else None
    return programme if programme is not None and programme.archived_at is not None else None


def is_archived(thing: Campaign | Programme | Wave) -> bool:
    """Whether ``thing`` is read-only: archived itself, or in an archived campaign or programme."""
    return blocker(thing) is not None


def blocker(thing: Campaign | Programme | Wave) -> Campaign | Programme | None:
    """The archived campaign or programme that makes ``thing`` read-only, if any."""
    if isinstance(thing, Wave):
        thing = thing.campaign
    if thing.archived_at is not None:
        return thing
    if isinstance(thing, Campaign):
        return archived_programme(thing.programme_id)
    return None


def check_editable(thing: Campaign | Programme | Wave) -> None:
    """Raise :class:`ArchivedError` (a 409 page) if ``thing`` is read-only."""
    found = blocker(thing)
    if found is not None:
        raise ArchivedError(found)
