"""A campaign's or a programme's life after it is made: renamed, archived when its cycle is over
(read-only, closed to participants, out of the way) and brought back. Each change is audited with the
values before and after (names of campaigns and programmes are not personal data)."""

from __future__ import annotations

from flask_babel import gettext as _

from surveys.audit import record
from surveys.core.models import Campaign, Programme, Wave, utcnow
from surveys.extensions import db
from surveys.workspace.archiving import ArchivedError, archived_programme, check_editable, is_archived

NAME_LENGTH = 200


def _kind(thing: Campaign | Programme) -> str:
    return "programme" if isinstance(thing, Programme) else "campaign"


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a campaign's or a programme's name, or None."""
    if not name.strip():
        return _("Name: type a name, it cannot be empty.")
    if len(name.strip()) > NAME_LENGTH:
        return _("Name: at most %(n)s characters.", n=NAME_LENGTH)
    return None


def rename(thing: Campaign | Programme, name: str) -> str | None:
    """Give ``thing`` a new name; the problem with ``name`` (and nothing changed), or None."""
    check_editable(thing)
    problem = name_problem(name)
    if problem:
        return problem
    before, after = thing.name, " ".join(name.split())
    if before == after:
        return None
    thing.name = after
    db.session.commit()
    record(f"{_kind(thing)}.rename", f"{_kind(thing)}:{thing.id}", before=before, after=after)
    return None


def _waves_of(thing: Campaign | Programme) -> list[Wave]:
    if isinstance(thing, Campaign):
        return list(thing.waves)
    query = db.select(Wave).join(Campaign, Campaign.id == Wave.campaign_id).where(Campaign.programme_id == thing.id)
    return list(db.session.execute(query).scalars())


def archive(thing: Campaign | Programme) -> list[int]:
    """Make ``thing`` read-only and move it out of the way; its open waves (for a programme: those of
    its campaigns) are closed, so participants' links show the closed page. The waves closed."""
    if thing.archived_at is not None:
        return []
    closed = [wave for wave in _waves_of(thing) if not wave.closed]
    for wave in closed:
        wave.closed = True
    thing.archived_at = utcnow()
    db.session.commit()
    ids = [wave.id for wave in closed]
    record(f"{_kind(thing)}.archive", f"{_kind(thing)}:{thing.id}", before=None, after="archived", waves_closed=ids)
    return ids


def unarchive(thing: Campaign | Programme) -> None:
    """Make ``thing`` editable again; its waves stay closed until the curator opens them."""
    if thing.archived_at is None:
        return
    programme = archived_programme(thing.programme_id) if isinstance(thing, Campaign) else None
    if programme is not None:  # its programme keeps it read-only: bring the programme back first
        raise ArchivedError(programme)
    thing.archived_at = None
    db.session.commit()
    record(f"{_kind(thing)}.unarchive", f"{_kind(thing)}:{thing.id}", before="archived", after=None)


def split_archived(things: list) -> tuple[list, list]:
    """(active, archived), each in the order given; a campaign of an archived programme is archived."""
    archived = [t for t in things if is_archived(t)]
    return [t for t in things if t not in archived], archived
