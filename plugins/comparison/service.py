"""Running the comparison report for a stored campaign: the one place the CLI and the JSON endpoint share."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from surveys.core.models import Campaign
from surveys.core.threshold import min_group
from surveys.instruments import catalogue


def default_waves(campaign: Campaign | Sequence[Any]) -> tuple[int, int] | None:
    """The first input wave and the last output wave, else the first and the last wave.

    Takes a campaign or its waves (anything with ``id``, ``kind`` and ``position``)."""
    waves = sorted(campaign.waves if isinstance(campaign, Campaign) else campaign, key=lambda w: w.position)
    if len(waves) < 2:
        return None
    before = next((w for w in waves if w.kind == "input"), waves[0])
    after = next((w for w in reversed(waves) if w.kind == "output"), waves[-1])
    return (before.id, after.id) if before.id != after.id else (waves[0].id, waves[-1].id)


def wave_id(campaign: Campaign, reference: str | int | None) -> int | None:
    """A wave of the campaign named by id or by name; None when there is none such."""
    if reference is None:
        return None
    for wave in campaign.waves:
        if str(wave.id) == str(reference) or wave.name == str(reference):
            return wave.id
    return None


def campaign_report(
    campaign: Campaign,
    before: int | None = None,
    after: int | None = None,
    group_by: str | None = None,
    individual: bool = False,
) -> dict[str, Any]:
    """The comparison of two waves of a stored campaign (defaults: input → output).

    Every figure passes the disclosure policy (``disclosed.py``, docs/privacy.md) unless ``individual``
    (the psychologist, a token that may read individual answers): then the report is given as built."""
    if before is None or after is None:
        found = default_waves(campaign)
        if found is None:
            raise ValueError("the campaign needs two waves to compare")
        before = before if before is not None else found[0]
        after = after if after is not None else found[1]
    # scipy and pyarrow load when a comparison is actually run, not in every app process at start-up
    from surveys.workspace import read_columns

    from .report_columns import build_report_columns

    instruments = catalogue(campaign.organisation_id)
    position = {w.id: w.position for w in campaign.waves}
    if before not in position or after not in position:
        raise ValueError(f"unknown wave: {before if before not in position else after}")
    low, high = sorted((position[before], position[after]))
    between = [w.id for w in campaign.waves if low <= w.position <= high]  # meeting records count there
    columns = read_columns(campaign, between)  # as columns: no Python object per score (issue 25)
    k = min_group()
    if individual:
        return build_report_columns(columns, instruments, before, after, group_by=group_by, min_group=k)
    from .disclosed import disclosed

    report = build_report_columns(columns, instruments, before, after, group_by=group_by, min_group=k, with_people=True)
    return disclosed(report, report["min_group"])
