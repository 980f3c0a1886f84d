"""The response-rate tracker: how far each wave has got, by role, class and form of mentoring.

Built on ``campaigns.wave_status`` (one row per eligible participant); these functions only
count, so the numbers on the page are exactly the rows listed under them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from surveys.core.models import Campaign, Wave
from surveys.workspace.campaigns import ParticipantStatus, wave_status

WAITING = ("not_invited", "invited", "in_progress")  # has not answered yet


@dataclass
class Tally:
    """Counts for one slice of a wave."""

    label: str
    total: int = 0
    invited: int = 0
    started: int = 0
    completed: int = 0
    declined: int = 0

    @property
    def rate(self) -> float | None:
        """Completed as a share of everyone expected, or None when nobody is expected."""
        return self.completed / self.total if self.total else None

    def add(self, row: ParticipantStatus) -> None:
        self.total += 1
        self.invited += row.invitation is not None
        self.started += row.label == "in_progress"
        self.completed += row.label == "done"
        self.declined += row.label == "declined"


@dataclass
class WaveProgress:
    overall: Tally
    by_role: list[Tally] = field(default_factory=list)
    by_group: list[Tally] = field(default_factory=list)
    by_form: list[Tally] = field(default_factory=list)
    waiting: list[ParticipantStatus] = field(default_factory=list)


def _slices(rows: list[ParticipantStatus], key: Callable[[ParticipantStatus], str]) -> list[Tally]:
    tallies: dict[str, Tally] = {}
    for row in rows:
        label = key(row)
        tallies.setdefault(label, Tally(label)).add(row)
    return [tallies[label] for label in sorted(tallies)]


def progress(rows: list[ParticipantStatus]) -> WaveProgress:
    """Totals, the three breakdowns and who has not answered yet (by group, then code)."""
    overall = Tally("")
    for row in rows:
        overall.add(row)
    waiting = [row for row in rows if row.label in WAITING]
    return WaveProgress(
        overall=overall,
        by_role=_slices(rows, lambda r: r.standing.role),
        by_group=_slices(rows, lambda r: r.standing.group),
        by_form=_slices(rows, lambda r: r.standing.form),
        waiting=sorted(waiting, key=lambda r: (r.standing.group, r.participant.code)),
    )


def campaign_progress(campaign: Campaign) -> list[tuple[Wave, Tally]]:
    """Each wave of the campaign with its progress (the tracker page)."""
    return [(wave, progress(wave_status(wave))) for wave in campaign.waves]
