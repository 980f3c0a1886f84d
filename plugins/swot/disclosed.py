"""Which automatic SWOT points an aggregated audience may see: the core's policy over all of them.

Every point of a draft (a dimension's mean, a quote, a closed question's answers) comes from a group
of participants (``people``). :func:`withheld` decides over all the points of one draft together
(``surveys.core.disclosure.decide_groups``, docs/privacy.md): a point from fewer than ``k`` people is
withheld, and so is a point that would let one be worked out — the mean of all nine minus the pupils'
five gives the teachers' four. The viewer's SWOT page and the dashboard's SWOT panel show the rest.

A stored document (a draft being edited, an approved version) keeps where each generated point came
from; :func:`withheld_points` finds the people again in the draft of the document's wave and form, so
the viewer's document, its print page, the panel, the API and the workbook decide the same way.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any

from surveys.core.disclosure import decide_groups, mark_of

from .draft import DimensionPoint, Draft
from .models import QUADRANTS


def withheld(draft: Draft, k: int) -> dict[int, str]:
    """``id(point)`` → why it is withheld (``small`` or ``protecting``), for the draft's points, neutral
    dimensions and closed facts, decided together; the points not named may be shown."""
    items = [*(p for q in QUADRANTS for p in draft.points(q)), *draft.neutral, *draft.facts]
    decision = decide_groups([frozenset(item.people) for item in items], k)
    return {id(item): mark for index, item in enumerate(items) if (mark := mark_of(decision, index))}


def point_groups(points: Sequence[Mapping[str, Any]], draft: Draft) -> list[frozenset[Hashable] | None]:
    """The people behind each stored point, found again from its source in the draft of its wave and
    form: a dimension by its id, a quote by its question (everyone who answered it). A point whose
    source is gone from the draft keeps its stored ``n`` as a group of its own (one marked small without
    an ``n`` counts as one person); the curator's own points (no source) are no figure of a group: None."""
    found: dict[tuple[str, str, str], frozenset[Hashable]] = {}
    for item in [*(p for q in QUADRANTS for p in draft.points(q)), *draft.neutral]:
        if isinstance(item, DimensionPoint):
            found[("dimension", item.instrument, item.id)] = item.people
        else:
            found[("quote", item.instrument, item.question)] = item.people
    groups: list[frozenset[Hashable] | None] = []
    for number, point in enumerate(points):
        source = point.get("source") or {}
        key = (source.get("kind"), source.get("instrument"), source.get("id") or source.get("question"))
        n = source.get("n")
        if key in found:
            groups.append(found[key])
        elif isinstance(n, int) and not isinstance(n, bool) and n >= 0:
            groups.append(frozenset(("stored point", number, i) for i in range(n)))
        elif source.get("small"):  # marked small when it was made, its n not kept: a group under any k
            groups.append(frozenset({("stored point", number, 0)}))
        else:
            groups.append(None)
    return groups


def withheld_points(content: Mapping[str, Sequence[Mapping[str, Any]]], draft: Draft, k: int) -> set[tuple[str, int]]:
    """(quadrant, index) of the stored points an aggregated audience may not see, decided together."""
    places = [(q, i) for q in QUADRANTS for i in range(len(content.get(q) or []))]
    points = [content[q][i] for q, i in places]
    groups = point_groups(points, draft)
    counted = [number for number, group in enumerate(groups) if group is not None]
    decision = decide_groups([groups[number] for number in counted], k)
    return {places[number] for at, number in enumerate(counted) if mark_of(decision, at)}
