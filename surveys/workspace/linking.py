"""Linking a campaign's waves: who answered before, after or both, and merging two codes of one person.

Waves link by participant: a personal link names the participant, and an open-link code leads
to the same participant in every wave of the campaign. When one person ended up under two codes
(a mistyped code on an open link, a second personal record), the curator merges them: the answers,
links, enrolments, pairs and consents of one code move to the other, and the merge is audited.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from surveys.core.models import Campaign, Participant, Response, Wave
from surveys.extensions import db
from surveys.workspace.merging import MergeError, merge_audited, merge_participants

__all__ = ["MergeError", "merge_participants"]  # kept here for the pages and tests that import them from linking


@dataclass
class Attrition:
    """Participants with submitted answers in the first wave only, the second only, or both."""

    both: list[Participant] = field(default_factory=list)
    before_only: list[Participant] = field(default_factory=list)
    after_only: list[Participant] = field(default_factory=list)


def answered(wave_id: int) -> dict[int, Participant]:
    """The participants with at least one submitted response in the wave, by id."""
    ids = db.select(Response.participant_id).where(Response.wave_id == wave_id, Response.status == "submitted")
    rows = db.session.execute(db.select(Participant).where(Participant.id.in_(ids))).scalars()
    return {p.id: p for p in rows}


def attrition(before_wave_id: int, after_wave_id: int) -> Attrition:
    """Who answered which of two waves, each list by code."""
    before, after = answered(before_wave_id), answered(after_wave_id)

    def by_code(ids):
        return sorted((before.get(i) or after[i] for i in ids), key=lambda p: p.code)

    return Attrition(
        both=by_code(before.keys() & after.keys()),
        before_only=by_code(before.keys() - after.keys()),
        after_only=by_code(after.keys() - before.keys()),
    )


def campaign_wave_pairs(campaign: Campaign) -> list[tuple[int, int]]:
    """The pairs of waves to link: the first wave against every later one."""
    waves = sorted(campaign.waves, key=lambda w: w.position)
    return [(waves[0].id, later.id) for later in waves[1:]]


@dataclass(frozen=True)
class Section:
    """Two consecutive waves of a campaign and who answered which."""

    before: Wave
    after: Wave
    found: Attrition


def sections(campaign: Campaign) -> list[Section]:
    """The linking page of a campaign: each pair of consecutive waves with its attrition."""
    return [
        Section(db.session.get(Wave, before_id), db.session.get(Wave, after_id), attrition(before_id, after_id))
        for before_id, after_id in campaign_wave_pairs(campaign)
    ]


def merge_codes(campaign: Campaign, keep_id: int, drop_id: int) -> tuple[str, str]:
    """Merge participant ``drop_id`` (an after-only code) into ``keep_id``; audited. Returns the two codes.

    Raises :class:`MergeError`, with nothing changed, when the two cannot be one person."""
    keep, drop = db.session.get(Participant, keep_id), db.session.get(Participant, drop_id)
    return merge_audited(keep, drop, f"campaign:{campaign.id}")
