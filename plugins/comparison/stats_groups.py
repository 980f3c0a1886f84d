"""Independent-groups comparison and correlations with programme factors. Pure functions.

**When the waves are not linked** (no participant code appears in both), before and after are two
independent samples and only a weaker comparison is possible:

- **Mann–Whitney U**, two-sided, by ``scipy.stats.mannwhitneyu(after, before)``: U is the after
  sample's U (the number of (after, before) pairs with after > before, ties counting ½); scipy's
  ``method="auto"`` is exact when at least one sample has 8 values or fewer and there are no
  ties, otherwise the normal approximation with tie and continuity corrections.
- **Cliff's delta** ``δ = P(after > before) − P(after < before)`` over all (after, before) pairs,
  = 2U / (n₁n₂) − 1; from −1 to 1, 0 for complete overlap.

**Correlations.** Spearman's ρ (``scipy.stats.spearmanr``) between the change scores
(after − before) and a programme factor, over the participants with both; ``small`` flags
n < 10. A factor with categories is coded by :func:`category_codes`: the position in a given order
(ordered categories), else in sorted order — ρ then only means something for two categories or
categories with a real order. ρ and p are None with fewer than ``min_group`` participants, fewer
than 3, or when either variable does not vary.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
from scipy import stats

from surveys.core.contracts import MIN_GROUP

SMALL_N = 10


def cliffs_delta(after: Sequence[float], before: Sequence[float]) -> float | None:
    """P(after > before) − P(after < before) over all pairs; None when either sample is empty."""
    a, b = np.asarray(after, dtype=float), np.asarray(before, dtype=float)
    if a.size == 0 or b.size == 0:
        return None
    return float(np.sign(a[:, None] - b[None, :]).mean())


def mann_whitney(after: Sequence[float], before: Sequence[float]) -> dict[str, Any] | None:
    """``{"mann_whitney_u", "p", "cliffs_delta"}`` (after vs before, two-sided); None when a sample is empty."""
    a, b = np.asarray(after, dtype=float), np.asarray(before, dtype=float)
    if a.size == 0 or b.size == 0:
        return None
    result = stats.mannwhitneyu(a, b, alternative="two-sided")
    p = float(result.pvalue)
    return {
        "mann_whitney_u": float(result.statistic),
        "p": None if np.isnan(p) else p,
        "cliffs_delta": cliffs_delta(a, b),
    }


def category_codes(values: Iterable[Any], order: Sequence[Any] | None = None) -> dict[Any, int]:
    """Integer codes of categories: their position in ``order`` if given, else in sorted order (str)."""
    present = {v for v in values if v is not None}
    if order is not None:
        return {v: i for i, v in enumerate(order) if v in present}
    return {v: i for i, v in enumerate(sorted(present, key=str))}


def spearman(
    x: Mapping[str, float | None], y: Mapping[str, float | None], min_group: int = MIN_GROUP, small_n: int = SMALL_N
) -> dict[str, Any]:
    """``{"rho", "p", "n", "small"}`` over the keys with a value in both mappings (pairwise deletion)."""
    keys = sorted(k for k in set(x) & set(y) if x[k] is not None and y[k] is not None)
    n = len(keys)
    out: dict[str, Any] = {"rho": None, "p": None, "n": n, "small": n < small_n}
    xs = np.array([x[k] for k in keys], dtype=float)
    ys = np.array([y[k] for k in keys], dtype=float)
    if n < max(3, min_group) or np.ptp(xs) == 0 or np.ptp(ys) == 0:
        return out
    result = stats.spearmanr(xs, ys)
    rho, p = float(result.statistic), float(result.pvalue)
    out.update(rho=None if np.isnan(rho) else rho, p=None if np.isnan(p) else p)
    return out
