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
(after − before) and an ordered or numeric programme factor, over the participants with both;
``small`` flags n < 10. ρ and p are None with fewer than ``min_group`` participants, fewer than 3,
or when either variable does not vary.

**Categorical factors** (categories without an order) are not coded as numbers — any coding would
make ρ depend on how the categories are named. The changes are compared between the categories by
:func:`between_categories`: Mann–Whitney U with the rank-biserial correlation for two categories,
Kruskal–Wallis H with ε² for three or more. Categories with fewer than ``min_group`` participants
are left out (privacy and stability) and named in the result.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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


def spearman(
    x: Mapping[str, float | None], y: Mapping[str, float | None], min_group: int = MIN_GROUP, small_n: int = SMALL_N
) -> dict[str, Any]:
    """``{"rho", "p", "n", "small"}`` over the keys with a value in both mappings (pairwise deletion)."""
    keys = sorted(k for k in set(x) & set(y) if x[k] is not None and y[k] is not None)
    xs = np.array([x[k] for k in keys], dtype=float)
    ys = np.array([y[k] for k in keys], dtype=float)
    return spearman_arrays(xs, ys, min_group, small_n)


def spearman_arrays(
    xs: np.ndarray, ys: np.ndarray, min_group: int = MIN_GROUP, small_n: int = SMALL_N
) -> dict[str, Any]:
    """:func:`spearman` of two aligned arrays without missing values."""
    n = int(xs.size)
    out: dict[str, Any] = {"rho": None, "p": None, "n": n, "small": n < small_n}
    if n < max(3, min_group) or np.ptp(xs) == 0 or np.ptp(ys) == 0:
        return out
    result = stats.spearmanr(xs, ys)
    rho, p = float(result.statistic), float(result.pvalue)
    out.update(rho=None if np.isnan(rho) else rho, p=None if np.isnan(p) else p)
    return out


def _rank_test_fields(
    groups: Mapping[Any, Sequence[float]],
) -> dict[str, Any]:
    """The Mann–Whitney (two groups) or Kruskal–Wallis (three or more) fields over ``groups``."""
    samples = {name: np.asarray(values, dtype=float) for name, values in groups.items()}
    every = np.concatenate(list(samples.values()))
    if len(samples) == 2:
        out: dict[str, Any] = {"test": "mann_whitney", "u": None, "rank_biserial": None, "p": None}
        # "first" is the category whose changes tend to be larger (its U at least n1·n2/2), so the
        # direction reads from the names, never from their alphabetical order; a tie puts the larger
        # category first (then the names decide, but r is 0 and reads the same either way).
        a, b = sorted(samples, key=lambda name: (-samples[name].size, str(name)))
        if every.size and np.ptp(every) > 0:
            result = stats.mannwhitneyu(samples[a], samples[b], alternative="two-sided")
            u, p = float(result.statistic), float(result.pvalue)
            product = samples[a].size * samples[b].size
            if u < product / 2:
                a, b, u = b, a, product - u
            out.update(u=u, rank_biserial=2 * u / product - 1, p=None if np.isnan(p) else p)
        out.update(first=a, second=b)
        return out
    out = {"test": "kruskal_wallis", "h": None, "df": len(samples) - 1, "epsilon_squared": None, "p": None}
    if every.size and np.ptp(every) > 0:
        result = stats.kruskal(*samples.values())
        h, p, n = float(result.statistic), float(result.pvalue), every.size
        out.update(h=h, epsilon_squared=h * (n + 1) / (n**2 - 1), p=None if np.isnan(p) else p)
    return out


def between_categories(
    change: Mapping[str, float | None],
    category: Mapping[str, Any],
    min_group: int = MIN_GROUP,
    small_n: int = SMALL_N,
) -> dict[str, Any]:
    """The changes compared between the categories of a factor without an order (a rank test).

    Over the keys with a change and a category (not None): categories with fewer than ``min_group``
    of them are left out (``left_out``, their names, sorted); the others (``categories``: ``{"name",
    "n"}`` sorted by name) are compared by

    - **two categories: Mann–Whitney U**, two-sided (``scipy.stats.mannwhitneyu(first, second)``,
      ``method="auto"``): ``first`` and ``second`` name the categories, ``first`` being the one whose
      changes tend to be larger, so that ``u`` is its U (≥ n₁n₂/2) and the rank-biserial correlation
      ``rank_biserial`` = 2U/(n₁n₂) − 1 = P(first > second) − P(first < second), from 0 to 1 (the
      signed form of Cliff's delta with ``first`` ahead, ties counting ½);
    - **three or more: Kruskal–Wallis H** (``scipy.stats.kruskal``, tie-corrected), ``df`` = k − 1, and
      ε² = H / ((n² − 1)/(n + 1)) = H(n + 1)/(n² − 1) (Tomczak & Tomczak 2014, "The need to report
      effect size estimates revisited", Trends in Sport Sciences 21(1), eq. for ε²_R), from 0 to 1.

    Always ``test``, ``n`` (participants in the compared categories), ``p``, ``small`` (n < ``small_n``),
    ``categories``, ``left_out`` and ``reason``. With fewer than two categories left there is no test:
    ``test`` names the one the categories present would get, its figures are None and ``reason`` says
    why; when no change varies the figures are None too. None of it depends on the categories' names
    other than through ``first``/``second``, which carry the names with the direction.
    """
    groups: dict[Any, list[float]] = {}
    for key in sorted(change):
        value, name = change[key], category.get(key)
        if value is not None and name is not None:
            groups.setdefault(name, []).append(float(value))
    return _compare(groups, min_group, small_n)


def between_category_arrays(
    values: np.ndarray, category: np.ndarray, names: Sequence[Any], min_group: int = MIN_GROUP, small_n: int = SMALL_N
) -> dict[str, Any]:
    """:func:`between_categories` of aligned arrays in key order: each value's category as an index into ``names``."""
    unique, first = np.unique(category, return_index=True)
    groups = {names[c]: values[category == c].tolist() for c in unique[np.argsort(first, kind="stable")].tolist()}
    return _compare(groups, min_group, small_n)


def _compare(groups: dict[Any, list[float]], min_group: int, small_n: int) -> dict[str, Any]:
    """The tail of :func:`between_categories`: the rank test over the categories' values."""
    kept = {name: values for name, values in groups.items() if len(values) >= min_group}
    left_out = sorted((name for name in groups if name not in kept), key=str)
    n = sum(len(values) for values in kept.values())
    out: dict[str, Any] = {
        "n": n,
        "small": n < small_n,
        "categories": [{"name": name, "n": len(kept[name])} for name in sorted(kept, key=str)],
        "left_out": left_out,
        "reason": None,
    }
    if len(kept) >= 2:
        return {**_rank_test_fields(kept), **out}
    present = len(groups)
    empty = {name: [] for name in range(max(present, 2))}
    out.update(_rank_test_fields(empty), reason=f"fewer than two categories with at least {min_group} participants")
    if out["test"] == "mann_whitney":
        out.update(first=None, second=None)
    else:
        out["df"] = None
    return out
