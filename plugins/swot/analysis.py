"""A first SWOT draft from stage-1 ratings: pure, from answers to four quadrants.

Rating items whose mean is high become candidate strengths, low ones candidate
weaknesses; opportunities and threats are left for the curator to write. Items with
fewer than ``MIN_GROUP`` answers are left out, so no small group is exposed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from statistics import fmean

from surveys.core.contracts import MIN_GROUP

STRONG, WEAK = 4.0, 3.0  # on the 1–5 scale of the programme feedback questionnaire


@dataclass
class Swot:
    strengths: list[tuple[str, float, int]] = field(default_factory=list)
    weaknesses: list[tuple[str, float, int]] = field(default_factory=list)
    opportunities: list[str] = field(default_factory=list)
    threats: list[str] = field(default_factory=list)


def draft_swot(answers: Iterable[Mapping[str, object]], items: Iterable[str], min_group: int = MIN_GROUP) -> Swot:
    """Given each response's answers and the 1–5 rating item keys, sort items into S and W."""
    answers = list(answers)
    result = Swot()
    for item in items:
        values = [
            float(a[item])
            for a in answers
            if isinstance(a.get(item), int | float) and not isinstance(a.get(item), bool)
        ]
        if len(values) < min_group:
            continue
        mean = fmean(values)
        if mean >= STRONG:
            result.strengths.append((item, mean, len(values)))
        elif mean <= WEAK:
            result.weaknesses.append((item, mean, len(values)))
    return result
