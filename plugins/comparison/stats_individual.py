"""Change of each person: the reliable change index and band transitions. Pure functions.

**Reliable change index** (Jacobson & Truax, 1991). With ``SD₁`` the standard deviation of the
before scores (n − 1; :func:`reliable_change` uses the before scores of the pairs analysed unless
given another) and ``r`` the scale's reliability:

    SE = SD₁ · √(1 − r),   S_diff = √2 · SE,   RCI = (after − before) / S_diff.

``|RCI| > 1.96`` is a reliable change (less than a 5 % chance of arising from measurement
error alone). Its direction comes from the scale's ``higher_is``: for ``better`` a reliable
increase is *improved* and a reliable decrease *deteriorated*; for ``worse`` (anxiety, burnout)
the other way round. A scale without ``higher_is`` is not classified. ``r`` is a published
value when one is given (``reliability_source: "published"``), otherwise Cronbach's alpha
(or KR-20) of the before wave's answers (``"input alpha"``, :func:`input_alpha`, needing at
least ``min_group`` complete answers). The RCI is undefined (None) without a usable r
(0 ≤ r < 1) or when SD₁ is 0.

**Band transitions.** A k × k table of before band (rows) by after band (columns), bands in the
scale's file order; participants without a band in either wave are left out. The symmetry test:

- k = 2, **McNemar** on the discordant cells b (band 1 → 2) and c (2 → 1). With b + c < 25,
  exact: ``p = min(1, 2 · P(X ≤ min(b, c)))``, X ~ Binomial(b + c, ½), statistic min(b, c),
  df None (as statsmodels' ``mcnemar(exact=True)``); otherwise χ² with continuity correction
  ``(|b − c| − 1)² / (b + c)``, df 1.
- k ≥ 3, **Bowker**: ``χ² = Σ_{i<j} (n_ij − n_ji)² / (n_ij + n_ji)`` over the pairs of bands
  with n_ij + n_ji > 0; df = the number of such pairs (pairs of bands between which no one
  moved add nothing and are not counted). No one moved: statistic 0, df 0, p 1.

**«Нормализация»** counts the participants who were outside the normal band before and are in
it after. The normal band is the scale's lowest-risk band: for ``higher_is: worse`` the first
band in file order, for ``better`` the last; an explicit band id overrides this, and without
either there is no count (None).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
from scipy import stats

from surveys.core.contracts import MIN_GROUP
from surveys.core.definitions import Instrument, Scale
from surveys.core.reliability import scale_alpha

CRITICAL = 1.96
EXACT_MCNEMAR_BELOW = 25  # discordant pairs below which McNemar's test is exact
PUBLISHED, INPUT_ALPHA = "published", "input alpha"
IMPROVED, NO_CHANGE, DETERIORATED = "improved", "no_change", "deteriorated"

NO_DIRECTION = "the scale has no direction (higher_is): no reliable change classes"
NO_RELIABILITY = "no reliability for the RCI (no published value, input alpha unavailable)"
NO_SPREAD = "before scores do not vary: RCI undefined"


def input_alpha(
    instrument: Instrument, scale: Scale, answers_list: Iterable[Mapping[str, Any]], min_group: int = MIN_GROUP
) -> float | None:
    """Alpha (KR-20 for 0/1 items) of the before wave's answers; None with fewer than ``min_group`` complete."""
    coefficient, n = scale_alpha(instrument, scale, list(answers_list))
    if coefficient is None or n < min_group:
        return None
    return float(coefficient)


def choose_reliability(published: float | None, alpha: float | None) -> tuple[float | None, str | None]:
    """``(r, source)``: the published value if given, else the input alpha; ``(None, None)`` without one."""
    if published is not None:
        return float(published), PUBLISHED
    if alpha is not None:
        return float(alpha), INPUT_ALPHA
    return None, None


def s_diff(sd_before: float, reliability: float) -> float | None:
    """√2 · SD₁ · √(1 − r); None unless 0 ≤ r < 1 and SD₁ > 0."""
    if not 0 <= reliability < 1 or not sd_before > 0:
        return None
    return math.sqrt(2) * sd_before * math.sqrt(1 - reliability)


def rci_array(
    before: Sequence[float], after: Sequence[float], reliability: float, sd_before: float | None = None
) -> np.ndarray | None:
    """The RCI of every pair as an array; ``sd_before`` defaults to the SD (n − 1) of ``before``; None if undefined."""
    b, a = np.asarray(before, dtype=float), np.asarray(after, dtype=float)
    if sd_before is None:
        if b.size < 2:
            return None
        sd_before = float(np.std(b, ddof=1))
    denominator = s_diff(sd_before, reliability)
    if denominator is None:
        return None
    return (a - b) / denominator


def classify(rci: float, higher_is: str) -> str:
    """improved, no_change or deteriorated, by |RCI| > 1.96 and the scale's direction."""
    if abs(rci) <= CRITICAL:
        return NO_CHANGE
    went_up = rci > 0
    return IMPROVED if went_up == (higher_is == "better") else DETERIORATED


CLASSES = (IMPROVED, NO_CHANGE, DETERIORATED)


def class_codes(rci: np.ndarray, higher_is: str) -> np.ndarray:
    """:func:`classify` of every RCI at once, as indexes into :data:`CLASSES`."""
    went_up = rci > 0
    out = np.where(went_up == (higher_is == "better"), 0, 2)
    out[np.abs(rci) <= CRITICAL] = 1
    return out


def classes_of(rci: np.ndarray, higher_is: str) -> np.ndarray:
    """:func:`classify` of every RCI at once (an object array of the class names)."""
    return np.array(CLASSES, dtype=object)[class_codes(rci, higher_is)]


def reliable_change(
    before: Sequence[float],
    after: Sequence[float],
    higher_is: str | None,
    reliability: float | None,
    source: str | None,
    sd_before: float | None = None,
) -> tuple[dict[str, Any] | None, str | None]:
    """``({"reliability", "reliability_source", "improved", "no_change", "deteriorated"}, None)``,
    or ``(None, reason)`` when it cannot be computed."""
    if higher_is not in ("better", "worse"):
        return None, NO_DIRECTION
    if reliability is None or not 0 <= reliability < 1:
        return None, NO_RELIABILITY
    values = rci_array(before, after, reliability, sd_before)
    if values is None:
        return None, NO_SPREAD
    counts = dict(zip(CLASSES, np.bincount(class_codes(values, higher_is), minlength=3).tolist(), strict=True))
    return {"reliability": float(reliability), "reliability_source": source, **counts}, None


def band_order(scale: Scale | None, seen: Iterable[str] = ()) -> list[str]:
    """The scale's band ids in file order, then any other band ids seen in the data (sorted)."""
    order = [b.id for b in scale.bands] if scale is not None else []
    return order + sorted({s for s in seen if s is not None} - set(order))


def normal_band(scale: Scale | None, explicit: str | None = None) -> str | None:
    """The band that counts as normal: the explicit id, else first (``worse``) or last (``better``) band."""
    if explicit is not None:
        return explicit
    if scale is None or not scale.bands:
        return None
    if scale.higher_is == "worse":
        return scale.bands[0].id
    if scale.higher_is == "better":
        return scale.bands[-1].id
    return None


def mcnemar(table: Sequence[Sequence[int]], exact_below: int = EXACT_MCNEMAR_BELOW) -> dict[str, Any]:
    """McNemar's test on a 2 × 2 table: exact binomial below ``exact_below`` discordant pairs, else χ² (corrected)."""
    b, c = int(table[0][1]), int(table[1][0])
    if b + c < exact_below:
        p = min(1.0, 2 * float(stats.binom.cdf(min(b, c), b + c, 0.5)))
        return {"name": "McNemar", "statistic": float(min(b, c)), "df": None, "p": p}
    statistic = (abs(b - c) - 1) ** 2 / (b + c)
    return {"name": "McNemar", "statistic": float(statistic), "df": 1, "p": float(stats.chi2.sf(statistic, 1))}


def bowker(table: Sequence[Sequence[int]]) -> dict[str, Any]:
    """Bowker's symmetry test on a k × k table; df counts the pairs of bands with any movement."""
    k = len(table)
    statistic, df = 0.0, 0
    for i in range(k):
        for j in range(i + 1, k):
            moved = table[i][j] + table[j][i]
            if moved:
                statistic += (table[i][j] - table[j][i]) ** 2 / moved
                df += 1
    p = float(stats.chi2.sf(statistic, df)) if df else 1.0
    return {"name": "Bowker", "statistic": float(statistic), "df": df, "p": p}


def symmetry_test(table: Sequence[Sequence[int]]) -> dict[str, Any] | None:
    """McNemar for 2 bands, Bowker for 3 or more, None for fewer."""
    if len(table) == 2:
        return mcnemar(table)
    if len(table) >= 3:
        return bowker(table)
    return None


def band_table(
    before: np.ndarray, after: np.ndarray, bands: tuple[str, ...], scale: Scale | None, normal: str | None, test: bool
) -> tuple[dict[str, Any] | None, np.ndarray, np.ndarray]:
    """``{"labels", "table", "test", "normalised"}`` of one scale's pairs, given as band indexes into
    ``bands`` (-1: none), and each pair's row and column in the table (-1: left out); None for the
    first when the scale has no bands. ``labels`` are the bands' Russian labels (the id for a band the
    scale no longer has), in the order of :func:`band_order`; ``normal`` is an explicit normal band id
    (see :func:`normal_band`); ``test`` False leaves the symmetry test out (too few pairs)."""
    seen = [bands[i] for i in np.unique(np.concatenate([before, after])).tolist() if i >= 0]
    order = band_order(scale, seen)
    if not order or scale is None or not scale.bands:
        return None, before, after
    position = np.full(len(bands) + 1, -1, dtype=np.int64)  # the last slot answers for -1
    index = {band: i for i, band in enumerate(bands)}
    for j, band in enumerate(order):
        if band in index:
            position[index[band]] = j
    x, y, k = position[before], position[after], len(order)
    both = (x >= 0) & (y >= 0)
    table = np.bincount(x[both] * k + y[both], minlength=k * k).reshape(k, k).tolist()
    norm = normal_band(scale, normal)
    titles = {b.id: str(b.label) for b in scale.bands}
    normalised = None
    if norm is not None:
        target = index.get(norm, -2)
        normalised = int(np.count_nonzero((before >= 0) & (before != target) & (after == target)))
    out = {
        "labels": [titles.get(band, band) for band in order],
        "table": table,
        "test": symmetry_test(table) if test else None,
        "normalised": normalised,
    }
    return out, x, y
