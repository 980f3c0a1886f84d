"""Reliability of the declarative scales: Cronbach's alpha, KR-20 and corrected item–total correlations.

Pure functions, no database: a matrix has one row per respondent and one column per item.

- **Complete cases.** Every statistic uses listwise deletion: a row with any item missing
  (``None`` or NaN) is left out of every number computed from the matrix.
- **Variance convention.** All variances are *population* variances (divided by n, not n − 1),
  the item variances and the variance of the totals alike. Cronbach's alpha,

      α = k / (k − 1) · (1 − Σ σ²_i / σ²_total),

  depends only on the ratio Σ σ²_i / σ²_total, which is the same with n or n − 1 in both
  (the factor n / (n − 1) cancels), so alpha equals what SPSS, R ``psych::alpha`` or
  ``numpy.var(ddof=1)`` give. KR-20 (Kuder and Richardson, 1937),

      KR-20 = k / (k − 1) · (1 − Σ p_i q_i / σ²_total),

  uses p_i q_i, which *is* the population variance of a 0/1 item; with σ²_total also a
  population variance KR-20 is exactly alpha on 0/1 items. (Mixing p·q with an n − 1 total
  variance, as some hand calculations do, gives a slightly larger value; we do not.)
- **Corrected item–total correlation.** The Pearson correlation of each item with the sum of
  the *other* items of the scale (the item itself is left out of the total). None when the
  item or that rest score does not vary.

Alpha and KR-20 are None with fewer than 2 items, fewer than 2 complete cases, or totals that
do not vary. Alpha can be negative (items that disagree more than they agree); it is
reported as computed.

:func:`scale_reliability` keys the answers as the scoring engine does (see
:mod:`surveys.core.scoring`); :class:`KeyedCollector` gathers keyed items of any number of
answers as numpy arrays and :func:`reliability_of_matrix` computes on them. The workbook's
sheet is :mod:`surveys.core.reliability_sheet` (docs/format.md, "Reliability").
"""

from __future__ import annotations

import math
import operator
from array import array
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from statistics import fmean, pvariance
from typing import Any

import numpy as np

from .definitions import Instrument, Scale
from .scoring import _number, _points, keyed_items

Matrix = Sequence[Sequence[float | None]]

RANGED = ("sum", "mean", "linear")  # methods whose items are numeric answers with a range
CUSTOM_REASON = "custom scale: its items are scored by a plugin"
FEW_ITEMS_REASON = "fewer than 2 items"
FEW_CASES_REASON = "fewer than 2 complete answers"
NO_VARIANCE_REASON = "total scores do not vary"
STRUCTURAL = (CUSTOM_REASON, FEW_ITEMS_REASON)  # reasons that reveal nothing about the answers


def _missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def complete_cases(rows: Matrix) -> list[list[float]]:
    """Listwise deletion: the rows with every item present, as floats.

    Raises ValueError when the rows do not all have the same number of items.
    """
    widths = {len(row) for row in rows}
    if len(widths) > 1:
        raise ValueError(f"rows have different numbers of items: {sorted(widths)}")
    return [[float(x) for x in row] for row in rows if not any(_missing(x) for x in row)]


def _width(rows: Matrix) -> int:
    return len(rows[0]) if rows else 0


def _varies(values: Sequence[float]) -> bool:
    return max(values) != min(values)


def _coefficient(k: int, item_variance: float, totals: Sequence[float]) -> float | None:
    """k / (k − 1) · (1 − item_variance / σ²_total), or None when the totals do not vary."""
    if not _varies(totals):
        return None
    return k / (k - 1) * (1 - item_variance / pvariance(totals))


def cronbach_alpha(rows: Matrix) -> float | None:
    """Cronbach's alpha over the complete rows; None with < 2 items, < 2 complete rows or constant totals."""
    data = complete_cases(rows)
    k = _width(rows)
    if k < 2 or len(data) < 2:
        return None
    totals = [sum(row) for row in data]
    return _coefficient(k, sum(pvariance(column) for column in zip(*data, strict=True)), totals)


def kr20(rows: Matrix) -> float | None:
    """KR-20 for items scored 0/1, over the complete rows; None as for :func:`cronbach_alpha`.

    Raises ValueError when a complete row holds a value other than 0 or 1.
    """
    data = complete_cases(rows)
    if any(x not in (0.0, 1.0) for row in data for x in row):
        raise ValueError("KR-20 needs items scored 0 or 1")
    k = _width(rows)
    if k < 2 or len(data) < 2:
        return None
    p = [fmean(column) for column in zip(*data, strict=True)]
    totals = [sum(row) for row in data]
    return _coefficient(k, sum(pi * (1 - pi) for pi in p), totals)


def pearson(x: Sequence[float], y: Sequence[float]) -> float | None:
    """Pearson's r; None with fewer than 2 pairs or when either variable does not vary."""
    if len(x) != len(y):
        raise ValueError("x and y differ in length")
    if len(x) < 2 or not _varies(x) or not _varies(y):
        return None
    mx, my = fmean(x), fmean(y)
    dx = [a - mx for a in x]
    dy = [b - my for b in y]
    r = sum(a * b for a, b in zip(dx, dy, strict=True)) / math.sqrt(sum(a * a for a in dx) * sum(b * b for b in dy))
    return max(-1.0, min(1.0, r))


def item_total_correlations(rows: Matrix) -> list[float | None]:
    """For each item, Pearson's r with the sum of the other items (corrected), over the complete rows."""
    data = complete_cases(rows)
    k = _width(rows)
    if k < 2 or len(data) < 2:
        return [None] * k
    totals = [sum(row) for row in data]
    columns = list(zip(*data, strict=True))
    return [pearson(column, [t - x for t, x in zip(totals, column, strict=True)]) for column in columns]


@dataclass(frozen=True)
class ScaleReliability:
    """The internal consistency of one scale over one set of responses.

    ``n`` counts the complete cases (every item answered), ``k`` the items. ``method`` is
    ``"alpha"`` or ``"kr20"`` (None for a ``custom`` scale). ``coefficient`` is None when it
    cannot be computed, and ``reason`` then says why. ``item_total`` maps each item, in scale
    order, to its corrected item–total correlation.
    """

    scale: str
    n: int
    k: int
    method: str | None
    coefficient: float | None
    item_total: dict[str, float | None] = field(default_factory=dict)
    reason: str | None = None

    def hidden(self, reason: str) -> ScaleReliability:
        """The same counts with every number computed from the answers removed."""
        return replace(self, coefficient=None, item_total=dict.fromkeys(self.item_total), reason=reason)


def keyed_row(instrument: Instrument, scale: Scale, answers: Mapping[str, Any]) -> list[float] | None:
    """One response's items as they count in the scale, in item order; None unless every item is answered.

    ``sum``, ``mean`` and ``linear``: the numeric answers, reverse-keyed items as ``min + max − x``
    on the item's own range (for ``linear`` too, so that all items point the same way; the
    engine subtracts them instead, which changes no correlation). ``key_match``: 1 when the
    answer matches the key, else 0. ``weighted``: the answer's points.
    """
    if scale.method in RANGED:
        if any(_missing(_number(answers.get(item))) for item in scale.items):
            return None
        return keyed_items(scale, instrument.item_ranges, answers)
    points = [_points(scale, item, answers.get(item)) for item in scale.items]
    return None if any(p is None for p in points) else [float(p) for p in points]


def _dichotomous(instrument: Instrument, scale: Scale) -> bool:
    """Whether every item of the scale can only score 0 or 1, by its definition."""
    if scale.method == "key_match":
        return True
    if scale.method in RANGED:
        return all(tuple(instrument.item_ranges.get(item, ())) == (0, 1) for item in scale.items)
    if scale.method == "weighted":
        for item in scale.items:
            question = instrument.question(item)
            if question is None or question.type == "multiple_choice":
                return False
            if not set(scale.weights.get(item, {}).values()) <= {0, 1}:
                return False
        return True
    return False


def scale_reliability(
    instrument: Instrument, scale: Scale, answers_list: Iterable[Mapping[str, Any]]
) -> ScaleReliability:
    """Alpha, or KR-20 for 0/1 items, and corrected item–total correlations of one scale.

    KR-20 is used when every item can only score 0 or 1: ``key_match`` scales, and scales whose
    items are 0–1 ratings or 0/1-weighted single choices. ``custom`` scales are not computed.
    """
    if scale.method == "custom":
        return ScaleReliability(scale.id, 0, len(scale.items), None, None, dict.fromkeys(scale.items), CUSTOM_REASON)
    rows = [row for row in (keyed_row(instrument, scale, answers) for answers in answers_list) if row is not None]
    return reliability_of_rows(instrument, scale, rows)


def reliability_of_rows(instrument: Instrument, scale: Scale, rows: Matrix) -> ScaleReliability:
    """:func:`scale_reliability` on the complete keyed rows (:func:`keyed_row`) of a declarative scale."""
    k = len(scale.items)
    if k < 2 or len(rows) < 2:
        dichotomous = _dichotomous(instrument, scale) and all(x in (0.0, 1.0) for row in rows for x in row)
        method = "kr20" if dichotomous else "alpha"
        reason = FEW_ITEMS_REASON if k < 2 else FEW_CASES_REASON
        return ScaleReliability(scale.id, len(rows), k, method, None, dict.fromkeys(scale.items), reason)
    return reliability_of_matrix(instrument, scale, np.asarray(rows, dtype=float).reshape(-1, k))


def reliability_of_matrix(instrument: Instrument, scale: Scale, matrix: np.ndarray) -> ScaleReliability:
    """The same on an n × k array of complete keyed rows, with numpy (for waves of any size).

    Alpha with population variances equals KR-20 on 0/1 items, so one formula serves both; the
    item–total correlations are Pearson's r of each item with the sum of the others.
    """
    n, k = matrix.shape
    dichotomous = _dichotomous(instrument, scale) and bool(np.isin(matrix, (0.0, 1.0)).all())
    method = "kr20" if dichotomous else "alpha"
    if k < 2:
        return ScaleReliability(scale.id, n, k, method, None, dict.fromkeys(scale.items), FEW_ITEMS_REASON)
    if n < 2:
        return ScaleReliability(scale.id, n, k, method, None, dict.fromkeys(scale.items), FEW_CASES_REASON)
    totals = matrix.sum(axis=1)
    coefficient = None
    if totals.max() != totals.min():
        coefficient = float(k / (k - 1) * (1 - matrix.var(axis=0).sum() / totals.var()))
    item_total = {}
    for column, item in enumerate(scale.items):
        x, rest = matrix[:, column], totals - matrix[:, column]
        if x.max() == x.min() or rest.max() == rest.min():
            item_total[item] = None
        else:
            r = float(np.corrcoef(x, rest)[0, 1])
            item_total[item] = max(-1.0, min(1.0, r))
    reason = NO_VARIANCE_REASON if coefficient is None else None
    return ScaleReliability(scale.id, n, k, method, coefficient, item_total, reason)


def _plain_number(x: Any) -> float | None:
    return x if type(x) is int or type(x) is float else _number(x)


def scale_alpha(
    instrument: Instrument, scale: Scale, answers_list: Iterable[Mapping[str, Any]]
) -> tuple[float | None, int]:
    """``(coefficient, complete answers)`` of :func:`scale_reliability`, through :class:`KeyedCollector`
    and numpy: for waves of many thousands of answers (the comparison's RCI needs only these two)."""
    if scale.method == "custom":
        result = scale_reliability(instrument, scale, [])
        return result.coefficient, result.n
    collector = KeyedCollector(instrument, [scale])
    for answers in answers_list:
        collector.add(answers)
    result = reliability_of_matrix(instrument, scale, collector.matrices()[scale.id])
    return result.coefficient, result.n


class KeyedCollector:
    """Gathers each scale's complete keyed rows from answers fed one at a time (:meth:`add`).

    Items of ``sum``/``mean``/``linear`` scales are gathered for all such scales at once and
    converted by numpy a chunk at a time (a chunk that is not all numbers goes value by value);
    ``key_match`` and ``weighted`` scales go through :func:`keyed_row`. :meth:`matrices` gives
    an n × k array per scale id (None for ``custom`` scales).
    """

    CHUNK = 5000

    def __init__(self, instrument: Instrument, scales: Sequence[Scale] | None = None) -> None:
        self.instrument = instrument
        self.scales = list(instrument.scales if scales is None else scales)  # default: all of them
        ranged = [s for s in self.scales if s.method in RANGED]
        self.other = [s for s in self.scales if s.method not in RANGED and s.method != "custom"]
        self.items = list(dict.fromkeys(item for s in ranged for item in s.items))
        self.chunks: list[np.ndarray] = []
        self.pending: list[Sequence[Any]] = []
        self.buffers = {s.id: array("d") for s in self.other}
        self.count = 0  # answers added
        # One C call reads every item of an answers dict that has them all (the common case).
        self.get_all = operator.itemgetter(*self.items) if len(self.items) > 1 else None

    def add(self, answers: Mapping[str, Any]) -> None:
        self.count += 1
        if self.items:
            try:
                values = self.get_all(answers) if self.get_all is not None else None
            except KeyError:  # an item left unanswered
                values = None
            self.pending.append(values if values is not None else [answers.get(item) for item in self.items])
            if len(self.pending) == self.CHUNK:
                self._flush()
        for scale in self.other:
            row = keyed_row(self.instrument, scale, answers)
            if row is not None:
                self.buffers[scale.id].extend(row)

    def _flush(self) -> None:
        try:
            block = np.array(self.pending, dtype=float)
        except (TypeError, ValueError):
            block = np.array([[_plain_number(v) for v in row] for row in self.pending], dtype=float)
        # Kept as float32 (half the memory; answers are small numbers), widened per scale below.
        self.chunks.append(block.reshape(len(self.pending), len(self.items)).astype(np.float32))
        self.pending = []

    def matrices(self) -> dict[str, np.ndarray | None]:
        if self.pending:
            self._flush()
        where = {item: i for i, item in enumerate(self.items)}
        out: dict[str, np.ndarray | None] = {}
        for scale in self.scales:
            if scale.method == "custom":
                out[scale.id] = None
            elif scale.method in RANGED:
                columns = [where[item] for item in scale.items]
                parts = [chunk[:, columns] for chunk in self.chunks] or [np.empty((0, len(columns)))]
                matrix = np.concatenate(parts).astype(float)
                matrix = matrix[~np.isnan(matrix).any(axis=1)]
                for column, item in enumerate(scale.items):
                    if item in scale.reverse:
                        low, high = self.instrument.item_ranges[item]
                        matrix[:, column] = low + high - matrix[:, column]
                out[scale.id] = matrix
            else:
                out[scale.id] = np.frombuffer(self.buffers[scale.id], dtype=float).reshape(-1, len(scale.items))
        return out
