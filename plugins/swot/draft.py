"""The automatic SWOT draft: pure functions from one wave's answer rows to points per quadrant.

Rules (see README.md):

- **Dimensions.** A dimension's value is the mean of *all* answers to all its items, pooled across
  respondents (not the mean of item means). It is a strength (S) when the mean is at least the
  strength threshold, a weakness (W) when at most the weakness threshold (both edges inclusive,
  compared exactly, without rounding), and neutral otherwise. ``n`` is the number of respondents
  who answered at least one item; ``distribution`` counts the answers per value.
- **Closed questions.** For each option, the number of respondents who chose it and its share of
  the respondents who answered the question (multiple choice shares may add up to more than 1).
  A question nobody answered gives no fact.
- **Open answers.** Quoted under the quadrant the spec maps the question to. Answers are compared
  after :func:`normalise` (case, ё→е, punctuation, whitespace); two answers are merged when the
  difflib ratio of their normalised forms is at least :data:`SIMILARITY` (0.85), compared with the
  first answer of the group. A group shows its most common wording (on a tie, the first seen) and
  how many answers it holds.
- **Small groups.** Nothing is dropped here: a point whose ``n`` is below ``min_group`` is flagged
  ``small`` so that views can hide it (quotes carry the ``n`` of respondents to their question).
  Every point carries the participant codes it comes from (``people``), so that an aggregated
  export can pass it through the disclosure policy.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from surveys.core.contracts import MIN_GROUP
from surveys.core.text import Text

from .spec import QUADRANTS, SwotSpec

SIMILARITY = 0.85  # difflib ratio of normalised answers at or above which they are one point


@dataclass(frozen=True)
class DimensionPoint:
    instrument: str
    id: str
    title: Text
    mean: float
    n: int  # respondents with at least one answer
    answers: int  # answers pooled into the mean
    distribution: tuple[tuple[Any, int], ...]  # (value, count), by value
    quadrant: str | None  # "S", "W" or None (neutral)
    small: bool
    people: frozenset[str] = frozenset()  # their participant codes (the group the mean comes from)


@dataclass(frozen=True)
class OptionShare:
    value: Any
    label: Text
    count: int
    share: float


@dataclass(frozen=True)
class ClosedFact:
    instrument: str
    id: str
    text: Text
    n: int  # respondents who answered the question
    options: tuple[OptionShare, ...]
    small: bool
    people: frozenset[str] = frozenset()  # their participant codes


@dataclass(frozen=True)
class Quote:
    instrument: str
    question: str
    quadrant: str
    text: str  # the most common wording
    count: int  # answers merged into this point
    n: int  # respondents who answered the question (the group the quote comes from)
    small: bool
    variants: tuple[str, ...] = ()  # the other wordings merged into it
    people: frozenset[str] = frozenset()  # participant codes of the respondents to the question


@dataclass
class Draft:
    """The automatic points of one wave (and form): per quadrant, neutral dimensions, closed facts."""

    respondents: int = 0
    dimensions: dict[str, list[DimensionPoint]] = field(default_factory=lambda: {"S": [], "W": []})
    neutral: list[DimensionPoint] = field(default_factory=list)
    quotes: dict[str, list[Quote]] = field(default_factory=lambda: {q: [] for q in QUADRANTS})
    facts: list[ClosedFact] = field(default_factory=list)

    def points(self, quadrant: str) -> list[DimensionPoint | Quote]:
        """The dimension points, then the quotes, of one quadrant."""
        return [*self.dimensions.get(quadrant, []), *self.quotes.get(quadrant, [])]


def normalise(text: str) -> str:
    """Lower case, ё as е, punctuation as spaces, whitespace collapsed."""
    text = text.casefold().replace("ё", "е")
    text = re.sub(r"[\W_]+", " ", text)
    return " ".join(text.split())


def similar(a: str, b: str, threshold: float = SIMILARITY) -> bool:
    """Whether two normalised answers are near-duplicates (difflib ratio ≥ threshold)."""
    if a == b:
        return True
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return (
        matcher.real_quick_ratio() >= threshold
        and matcher.quick_ratio() >= threshold
        and (matcher.ratio() >= threshold)
    )


def collapse(texts: Iterable[str], threshold: float = SIMILARITY) -> list[tuple[str, int, tuple[str, ...]]]:
    """Merge near-duplicate answers: ``[(wording, count, other wordings)]``, most frequent first.

    Empty answers (nothing left after :func:`normalise`) are skipped. Ties keep the order of
    first appearance.
    """
    groups: list[tuple[str, list[tuple[str, str]]]] = []  # (first normalised form, [(normalised, original)])
    for text in texts:
        original = " ".join(str(text).split())
        key = normalise(original)
        if not key:
            continue
        for seed, members in groups:
            if similar(seed, key, threshold):
                members.append((key, original))
                break
        else:
            groups.append((key, [(key, original)]))
    result = []
    for _seed, members in groups:
        counts = Counter(key for key, _ in members)
        top = max(counts.values())
        best = next(key for key, _ in members if counts[key] == top)
        wording = next(original for key, original in members if key == best)
        variants = tuple(dict.fromkeys(original for key, original in members if key != best))
        result.append((wording, len(members), variants))
    ranked = sorted(enumerate(result), key=lambda pair: (-pair[1][1], pair[0]))
    return [item for _, item in ranked]


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _plain(value: Any) -> Any:
    return int(value) if isinstance(value, float) and value.is_integer() else value


def quadrant_of(mean: Fraction, strength: float, weakness: float) -> str | None:
    """S at or above ``strength``, W at or below ``weakness``, else None; compared exactly."""
    if mean >= Fraction(str(strength)):
        return "S"
    if mean <= Fraction(str(weakness)):
        return "W"
    return None


def dimension_point(spec: SwotSpec, dimension, rows: list[Mapping[str, Any]], min_group: int) -> DimensionPoint | None:
    """The pooled mean of a dimension's items over ``rows`` (one instrument), or None without answers."""
    values, people = [], set()
    for row in rows:
        answered = [row["answers"].get(item) for item in dimension.items]
        answered = [v for v in answered if _number(v)]
        if answered:
            people.add(row["participant"])
            values.extend(answered)
    if not values:
        return None
    exact = sum((Fraction(v) for v in values), Fraction(0)) / len(values)
    distribution = sorted(Counter(_plain(v) for v in values).items())
    return DimensionPoint(
        instrument=spec.instrument,
        id=dimension.id,
        title=dimension.title,
        mean=float(exact),
        n=len(people),
        answers=len(values),
        distribution=tuple(distribution),
        quadrant=quadrant_of(exact, spec.strength, spec.weakness),
        small=len(people) < min_group,
        people=frozenset(people),
    )


def closed_fact(spec: SwotSpec, question, rows: list[Mapping[str, Any]], min_group: int) -> ClosedFact:
    """Shares of respondents per option of one closed question."""
    counts: Counter = Counter()
    people = set()
    for row in rows:
        value = row["answers"].get(question.id)
        chosen = value if isinstance(value, list) else [value]
        chosen = [v for v in chosen if v is not None and v != ""]
        if not chosen:
            continue
        people.add(row["participant"])
        counts.update(set(map(_key, chosen)))
    n = len(people)
    known = list(question.options)
    declared = {_key(value) for value, _ in known}
    extra = [(value, Text(str(value))) for value in counts if value not in declared]
    options = tuple(
        OptionShare(value, label, counts.get(_key(value), 0), counts.get(_key(value), 0) / n if n else 0.0)
        for value, label in known + extra
    )
    return ClosedFact(spec.instrument, question.id, question.text, n, options, n < min_group, frozenset(people))


def _key(value: Any) -> Any:
    """Answers compare by value; True/False stay distinct from 1/0."""
    return ("bool", value) if isinstance(value, bool) else value


def quotes(spec: SwotSpec, question, rows: list[Mapping[str, Any]], min_group: int) -> list[Quote]:
    """The collapsed answers to one open question, as quotes under its quadrant."""
    texts, people = [], set()
    for row in rows:
        value = row["answers"].get(question.id)
        if isinstance(value, str) and normalise(value):
            texts.append(value)
            people.add(row["participant"])
    n, group = len(people), frozenset(people)
    return [
        Quote(spec.instrument, question.id, question.quadrant, wording, count, n, n < min_group, variants, group)
        for wording, count, variants in collapse(texts)
    ]


def select_rows(
    rows: Iterable[Mapping[str, Any]], wave_id: int | None = None, form: str | None = None
) -> list[Mapping[str, Any]]:
    """The rows of one wave (None: every row) and one form of mentoring (None: all forms)."""
    return [
        row
        for row in rows
        if (wave_id is None or row.get("wave_id") == wave_id) and (form is None or (row.get("form") or "") == form)
    ]


def draft_swot(
    specs: Mapping[str, SwotSpec],
    rows: Iterable[Mapping[str, Any]],
    min_group: int = MIN_GROUP,
    *,
    form: str | None = None,
    wave_id: int | None = None,
) -> Draft:
    """The automatic SWOT points of the answer rows of ONE wave.

    ``rows`` are :class:`~surveys.core.contracts.CampaignTables` answer rows; pass ``wave_id`` to
    pick one wave out of a campaign's rows, and ``form`` to keep one form of mentoring (the row's
    ``form``; None means all forms). Only instruments with a spec in ``specs`` are read.
    """
    chosen = [row for row in select_rows(rows, wave_id, form) if row.get("instrument") in specs]
    draft = Draft(respondents=len({row["participant"] for row in chosen}))
    for instrument_id, spec in specs.items():
        mine = [row for row in chosen if row["instrument"] == instrument_id]
        if not mine:
            continue
        for dimension in spec.dimensions:
            point = dimension_point(spec, dimension, mine, min_group)
            if point is None:
                continue
            (draft.dimensions[point.quadrant] if point.quadrant else draft.neutral).append(point)
        facts = (closed_fact(spec, question, mine, min_group) for question in spec.closed)
        draft.facts.extend(fact for fact in facts if fact.n)
        for question in spec.open:
            draft.quotes[question.quadrant].extend(quotes(spec, question, mine, min_group))
    return draft
