"""Printing a wave's link slips: who can get one, their groups, and the print run itself (the links
issued, the slips made with only the chosen fields, the run audited)."""

from __future__ import annotations

import re
from collections.abc import Callable

from surveys.audit import record
from surveys.core.models import Participant, PersonalData, Wave
from surveys.extensions import db
from surveys.participation.links import issue_links
from surveys.participation.slips import Slip, display_url
from surveys.workspace import eligible_participants, standings


def natural_key(name: str) -> list[str | int]:
    """Sort key that puts class 9А before 10А: digit runs compare as numbers."""
    return [int(part) if part.isdigit() else part.casefold() for part in re.split(r"(\d+)", name)]


def group_names(wave: Wave) -> dict[int, str]:
    """Each participant's group in the wave's campaign (their programme's, where enrolled)."""
    return {pid: standing.group for pid, (_p, standing) in standings(wave.campaign).items()}


def printable(wave: Wave) -> tuple[list[Participant], dict[int, str]]:
    """The wave's eligible participants who can get a personal link on paper, by group then code, and
    their groups.

    People who joined through an open link are left out: they come back with their own code,
    and nobody knows who they are to hand them a slip.
    """
    found = [p for p in eligible_participants(wave.campaign) if p.pseudonym_hash is None]
    groups = group_names(wave)
    return sorted(found, key=lambda p: (natural_key(groups.get(p.id, "")), p.code)), groups


def full_names(participants: list[Participant]) -> dict[int, str]:
    """Names from PersonalData by participant id (participants without a record are absent)."""
    if not participants:
        return {}
    rows = db.session.execute(
        db.select(PersonalData).where(PersonalData.participant_id.in_([p.id for p in participants]))
    ).scalars()
    return {row.participant_id: row.full_name for row in rows}


def print_run(
    wave: Wave,
    participants: list[Participant],
    groups: dict[int, str],
    *,
    reissue: bool,
    show: list[str],
    group: str | None,
    url_of: Callable[[str], str],
) -> list[Slip]:
    """Issue the links (new ones for those who have one, with ``reissue``) and one slip per link, with
    only the fields in ``show``; ``url_of`` makes a token's full address."""
    slips = make_slips(issue_links(wave, participants, reissue), groups, show, url_of)
    record("slips.print", f"wave:{wave.id}", count=len(slips), fields=show, group=group, reissue=reissue)
    return slips


def print_made(
    wave: Wave,
    issued: list[tuple[Participant, str]],
    groups: dict[int, str],
    *,
    show: list[str],
    url_of: Callable[[str], str],
) -> list[Slip]:
    """Slips of links made just before (``issued``: checked live links of ``wave``), issuing nothing."""
    slips = make_slips(issued, groups, show, url_of)
    record("slips.print", f"wave:{wave.id}", count=len(slips), fields=show, group=None, reissue=False, made=True)
    return slips


def make_slips(
    issued: list[tuple[Participant, str]], groups: dict[int, str], show: list[str], url_of: Callable[[str], str]
) -> list[Slip]:
    """One slip per (participant, token), with only the fields in ``show``."""
    names = full_names([p for p, _token in issued]) if "name" in show else {}
    slips = []
    for participant, token in issued:
        url = url_of(token)
        slips.append(
            Slip(
                url=url,
                display_url=display_url(url.removesuffix(token), token),
                code=participant.code if "code" in show else None,
                group=groups.get(participant.id, "") if "group" in show else None,
                name=names.get(participant.id, "") if "name" in show else None,
            )
        )
    return slips
