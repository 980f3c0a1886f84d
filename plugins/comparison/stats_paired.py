"""Paired before/after statistics of one scale and one group: pure functions from numbers to numbers.

The differences are ``d = after − before``, one per participant who has a score in both waves
(a missing score, ``None`` or NaN, drops that participant from the pair: pairwise deletion).
:func:`paired_summary` rounds them to 9 decimals (scores are stored to 6), so that changes that are
equal on paper tie in the ranking even when binary floating point makes 0.3 − 0.1 ≠ 0.9 − 0.7.

- **Descriptives.** n pairs; mean and median of the before and of the after scores (of the
  paired participants only); the mean difference with its 95 % confidence interval
  ``mean(d) ± t(0.975, n − 1) · SD(d) / √n`` (SD with n − 1). No interval with fewer than 2
  pairs or when every difference is the same (SD 0).
- **Wilcoxon signed-rank test, Pratt's treatment of zeros.** ``|d|`` is ranked over *all* pairs,
  zeros included (ties get the average rank); the zeros' ranks are then left out of both sums:
  ``T+`` = Σ ranks of positive differences, ``T−`` = Σ ranks of negative ones. The reported
  statistic is ``min(T+, T−)`` (as ``scipy.stats.wilcoxon``). Under the null hypothesis every
  non-zero difference is positive or negative with probability ½, independently, the ranks
  being fixed by the data (a conditional, permutation distribution).

  *Exact* (``method: "exact"``) when n ≤ 20 pairs: the null distribution of ``T+`` is counted by
  dynamic programming over the 2^m sign patterns of the m non-zero differences. Average ranks
  of ties are half-integers, so the DP runs on doubled ranks (always integers): the
  distribution is exact with ties and zeros alike. Two-sided ``p = min(1, 2 · min(P(T+ ≤ t),
  P(T+ ≥ t)))``, as ``scipy.stats.permutation_test``.

  *Normal approximation* (``method: "normal"``) when n > 20: ``z = (T+ − μ) / σ`` with
  ``μ = Σ r / 2`` and ``σ² = Σ r² / 4`` over the ranks r of the non-zero differences. With no
  ties and z zeros this is μ = [n(n + 1) − z(z + 1)] / 4 and σ² = [n(n + 1)(2n + 1) −
  z(z + 1)(2z + 1)] / 24 (Cureton's correction for zeros), minus Σ (t³ − t) / 48 over the groups
  of t tied non-zero |d| (the tie correction); it equals ``scipy.stats.wilcoxon(d,
  zero_method="pratt", method="asymptotic", correction=False)``. No continuity correction.
  ``p = 2 · (1 − Φ(|z|))``. Undefined (None) when every difference is zero.
- **Paired t-test.** ``t = mean(d) / (SD(d) / √n)``, df = n − 1, two-sided p from Student's t
  (``scipy.stats.t``); as ``scipy.stats.ttest_rel(after, before)``. Undefined with fewer than 2
  pairs or SD(d) = 0.
- **Effect sizes.** ``d_z = mean(d) / SD(d)`` (undefined when SD is 0). Matched-pairs
  rank-biserial correlation (Kerby 2014, simple difference formula) ``r = (T+ − T−) / Σ r``,
  where Σ r = n(n + 1)/2 is the sum of *all* ranks, zeros included: a participant whose score did
  not change counts as evidence of no change and pulls r towards 0 (consistent with Pratt's
  ranking). −1 ≤ r ≤ 1; 0 when every difference is zero.
- **Holm's correction** over a family of p-values (the scales of one report and group):
  sorted ascending p₍₁₎ ≤ … ≤ p₍ₘ₎, ``p̃₍ᵢ₎ = max_{j ≤ i} min(1, (m − j + 1) · p₍ⱼ₎)``; None stays
  None and does not count in m.

:func:`paired_summary` applies the display rules: fewer than ``min_group`` pairs (default 5):
hidden, nothing but n; fewer than ``min_pairs`` (default 10): descriptives only (the mean
difference without interval), no tests and no effect sizes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy import stats

from surveys.core.contracts import MIN_GROUP

MIN_PAIRS = 10  # below this many pairs only descriptives are shown
EXACT_MAX_N = 20  # the Wilcoxon test is exact up to this many pairs, normal above
CONFIDENCE = 0.95
DECIMALS = 9  # differences are rounded to this many places, so that equal changes tie despite float error

NO_VARIANCE = "differences do not vary: t-test and d_z undefined"
ALL_ZERO = "all differences are zero: Wilcoxon test undefined"
ONE_PAIR = "one pair: t-test and d_z undefined"


def hidden_reason(min_group: int) -> str:
    return f"fewer than {min_group} pairs"


def descriptives_reason(min_pairs: int) -> str:
    return f"fewer than {min_pairs} pairs"


def describe(values: Sequence[float] | np.ndarray) -> dict[str, Any]:
    """``{"mean", "median", "n"}`` of the values; mean and median None when there are none."""
    x = np.asarray(values, dtype=float)
    if x.size == 0:
        return {"mean": None, "median": None, "n": 0}
    return {"mean": float(np.mean(x)), "median": float(np.median(x)), "n": int(x.size)}


def _sd(d: np.ndarray) -> float | None:
    return float(np.std(d, ddof=1)) if d.size >= 2 else None


def mean_difference(d: Sequence[float] | np.ndarray, confidence: float = CONFIDENCE) -> dict[str, Any]:
    """``{"mean", "ci_low", "ci_high"}``: the mean of d and its t-based interval (None when undefined)."""
    d = np.asarray(d, dtype=float)
    if d.size == 0:
        return {"mean": None, "ci_low": None, "ci_high": None}
    mean = float(np.mean(d))
    sd = _sd(d)
    if sd is None or sd == 0:
        return {"mean": mean, "ci_low": None, "ci_high": None}
    half = float(stats.t.ppf((1 + confidence) / 2, d.size - 1)) * sd / math.sqrt(d.size)
    return {"mean": mean, "ci_low": mean - half, "ci_high": mean + half}


def pratt_ranks(d: Sequence[float] | np.ndarray) -> np.ndarray:
    """Average ranks of |d| over all differences, zeros included (Pratt)."""
    return stats.rankdata(np.abs(np.asarray(d, dtype=float)), method="average")


def signed_rank_sums(d: Sequence[float] | np.ndarray) -> tuple[float, float, float]:
    """``(T+, T−, Σ all ranks)`` with Pratt's ranking."""
    d = np.asarray(d, dtype=float)
    r = pratt_ranks(d)
    return float(r[d > 0].sum()), float(r[d < 0].sum()), float(r.sum())


def pratt_null_counts(doubled_ranks: Sequence[int]) -> np.ndarray:
    """How many of the 2^m sign patterns give each value of 2·T+ (index = doubled T+).

    ``doubled_ranks`` are the ranks of the non-zero differences times 2 (integers even for
    average ranks of ties). Subset-sum dynamic programming; exact integer counts.
    """
    total = int(sum(doubled_ranks))
    counts = np.zeros(total + 1, dtype=np.int64)
    counts[0] = 1
    for r in doubled_ranks:
        r = int(r)
        shifted = np.zeros_like(counts)
        shifted[r:] = counts[: total + 1 - r]
        counts = counts + shifted
    return counts


def _exact_p(d: np.ndarray, r: np.ndarray, t_plus: float) -> float:
    doubled = np.rint(2 * r[d != 0]).astype(np.int64)
    counts = pratt_null_counts(doubled)
    observed = int(round(2 * t_plus))
    patterns = float(counts.sum())  # 2^m
    lower = counts[: observed + 1].sum() / patterns
    upper = counts[observed:].sum() / patterns
    return float(min(1.0, 2 * min(lower, upper)))


def _normal_p(d: np.ndarray, r: np.ndarray, t_plus: float) -> float:
    nonzero = r[d != 0]
    mu = nonzero.sum() / 2
    sigma = math.sqrt(float((nonzero**2).sum()) / 4)
    z = (t_plus - mu) / sigma
    return float(2 * stats.norm.sf(abs(z)))


def wilcoxon_pratt(d: Sequence[float] | np.ndarray, exact_max_n: int = EXACT_MAX_N) -> dict[str, Any] | None:
    """``{"statistic": min(T+, T−), "p", "method": "exact" | "normal"}``; None without a non-zero difference."""
    d = np.asarray(d, dtype=float)
    if d.size == 0 or not np.any(d != 0):
        return None
    r = pratt_ranks(d)
    t_plus, t_minus = float(r[d > 0].sum()), float(r[d < 0].sum())
    if d.size <= exact_max_n:
        return {"statistic": min(t_plus, t_minus), "p": _exact_p(d, r, t_plus), "method": "exact"}
    return {"statistic": min(t_plus, t_minus), "p": _normal_p(d, r, t_plus), "method": "normal"}


def paired_t(d: Sequence[float] | np.ndarray) -> dict[str, Any] | None:
    """``{"t", "df", "p"}`` of the paired t-test; None with fewer than 2 pairs or SD(d) = 0."""
    d = np.asarray(d, dtype=float)
    sd = _sd(d)
    if sd is None or sd == 0:
        return None
    t = float(np.mean(d)) / (sd / math.sqrt(d.size))
    df = int(d.size - 1)
    return {"t": t, "df": df, "p": float(2 * stats.t.sf(abs(t), df))}


def cohens_dz(d: Sequence[float] | np.ndarray) -> float | None:
    """mean(d) / SD(d) (SD with n − 1); None with fewer than 2 pairs or SD 0."""
    d = np.asarray(d, dtype=float)
    sd = _sd(d)
    return None if sd is None or sd == 0 else float(np.mean(d)) / sd


def rank_biserial(d: Sequence[float] | np.ndarray) -> float | None:
    """Kerby's matched-pairs rank-biserial (T+ − T−) / Σ all ranks, zeros ranked (Pratt); None without pairs."""
    d = np.asarray(d, dtype=float)
    if d.size == 0:
        return None
    t_plus, t_minus, total = signed_rank_sums(d)
    return (t_plus - t_minus) / total


def holm(pvalues: Sequence[float | None]) -> list[float | None]:
    """Holm–Bonferroni adjusted p-values in the input order; None stays None and is not counted."""
    present = sorted((p, i) for i, p in enumerate(pvalues) if p is not None)
    m = len(present)
    adjusted: list[float | None] = [None] * len(pvalues)
    running = 0.0
    for rank, (p, i) in enumerate(present):
        running = max(running, min(1.0, (m - rank) * float(p)))
        adjusted[i] = running
    return adjusted


def _join(reasons: Sequence[str]) -> str | None:
    return "; ".join(reasons) if reasons else None


def paired_summary(
    before: Sequence[float] | np.ndarray,
    after: Sequence[float] | np.ndarray,
    min_group: int = MIN_GROUP,
    min_pairs: int = MIN_PAIRS,
    exact_max_n: int = EXACT_MAX_N,
) -> dict[str, Any]:
    """Everything paired about one scale and group, already paired (equal lengths, no missing values).

    Keys: ``n_pairs``, ``hidden``, ``reason``, ``before``, ``after`` (``{"mean", "median", "n"}``),
    ``difference`` (``{"mean", "ci_low", "ci_high"}``), ``wilcoxon``, ``t_test``, ``d_z``,
    ``rank_biserial``. Hidden (under ``min_group`` pairs): every number None but n. Under
    ``min_pairs``: the descriptives and the mean difference, no interval, tests or effect sizes.
    """
    b, a = np.asarray(before, dtype=float), np.asarray(after, dtype=float)
    if b.shape != a.shape:
        raise ValueError("before and after differ in length")
    n = int(b.size)
    empty = {"mean": None, "median": None, "n": n}
    out: dict[str, Any] = {
        "n_pairs": n,
        "hidden": False,
        "reason": None,
        "before": dict(empty),
        "after": dict(empty),
        "difference": {"mean": None, "ci_low": None, "ci_high": None},
        "wilcoxon": None,
        "t_test": None,
        "d_z": None,
        "rank_biserial": None,
    }
    if n == 0 or n < min_group:
        out.update(hidden=True, reason=hidden_reason(min_group) if n else "no pairs")
        return out
    d = np.round(a - b, DECIMALS)
    out["before"], out["after"] = describe(b), describe(a)
    if n < min_pairs:
        out["difference"]["mean"] = float(np.mean(d))
        out["reason"] = descriptives_reason(min_pairs)
        return out
    reasons = []
    out["difference"] = mean_difference(d)
    out["wilcoxon"] = wilcoxon_pratt(d, exact_max_n)
    out["t_test"] = paired_t(d)
    out["d_z"] = cohens_dz(d)
    out["rank_biserial"] = rank_biserial(d)
    if n < 2:
        reasons.append(ONE_PAIR)
    elif out["t_test"] is None:
        reasons.append(NO_VARIANCE)
    if out["wilcoxon"] is None:
        reasons.append(ALL_ZERO)
    out["reason"] = _join(reasons)
    return out
