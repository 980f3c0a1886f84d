"""The rows of the comparison report: one scale and one subgroup, from the arrays of :mod:`.pairing`.

A row's participants are a boolean mask over ``AnalysisColumns.codes``; the indexes it picks are in
code order, the order the report has always paired in. Participant codes are built from those
indexes only when the caller asks for them (``with_people``: the workbook's disclosure policy).
The hiding rules (:func:`hide`, :func:`suppress_complements`) and Holm (:func:`apply_holm`) work on
the finished rows; see :mod:`.report` for what each field means.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from surveys.core.definitions import Scale
from surveys.core.disclosure import Indexed

from .pairing import Side
from .stats_groups import mann_whitney
from .stats_individual import (
    DETERIORATED,
    IMPROVED,
    NO_CHANGE,
    band_table,
    classes_of,
    normal_band,
    rci_array,
    reliable_change,
)
from .stats_paired import describe, holm, paired_summary

SECONDARY = "hidden so that a smaller hidden group cannot be worked out from the total"


def base(key: tuple[str, str], scale: Scale | None, group: str | None) -> dict[str, Any]:
    return {
        "instrument": key[0],
        "scale": key[1],
        "title": str(scale.title) if scale is not None else key[1],
        "higher_is": scale.higher_is if scale is not None else None,
        "group": group,
    }


def pair_counts(before: np.ndarray, after: np.ndarray) -> list[list[float | int]]:
    """``[before, after, count]`` of each distinct pair of scores, sorted (a stable sort: each pair is
    written as it first appears, as a ``Counter`` of the pairs would)."""
    if before.size == 0:
        return []
    order = np.lexsort((after, before))
    x, y = before[order], after[order]
    starts = np.flatnonzero(np.concatenate([[True], (x[1:] != x[:-1]) | (y[1:] != y[:-1])]))
    counts = np.diff(np.append(starts, x.size))
    return [list(t) for t in zip(x[starts].tolist(), y[starts].tolist(), counts.tolist(), strict=True)]


def linked_row(key, scale, group, before: Side, after: Side, member, reliability, normal, limits, codes, bands):
    """The paired row; ``member`` is the subgroup's mask (None: everyone); ``codes`` None leaves out ``people``."""
    min_group, min_pairs = limits
    mask = before.measured & after.measured
    if member is not None:
        mask &= member
    idx = np.flatnonzero(mask)
    b, a = before.value[idx], after.value[idx]
    summary = paired_summary(b, a, min_group, min_pairs)
    row = {**base(key, scale, group), **summary, "p_holm": None, "rci": None, "bands": None}
    who = Indexed(codes, idx) if codes is not None else None
    if codes is not None:
        row["people"] = {"row": who, "before": who, "after": who}
    reasons = [summary["reason"]] if summary["reason"] else []
    if not summary["hidden"]:
        higher_is = scale.higher_is if scale else None
        rci, why = reliable_change(b, a, higher_is, *reliability[:2])
        if rci is not None:
            rci["reliability_citation"] = reliability[2] if rci["reliability_source"] == "published" else None
            if codes is not None:
                classes = classes_of(rci_array(b, a, reliability[0]), higher_is)
                for name in (IMPROVED, NO_CHANGE, DETERIORATED):
                    row["people"][name] = Indexed(codes, idx[classes == name])
        row["rci"] = rci
        reasons += [why] if why else []
        band_b, band_a = before.band[idx], after.band[idx]
        row["bands"], cell_row, cell_col = band_table(band_b, band_a, bands, scale, normal, idx.size >= min_pairs)
        norm = normal_band(scale, normal)
        if codes is not None and row["bands"] is not None:
            if norm is not None:
                target = bands.index(norm) if norm in bands else -2
                moved = (band_b >= 0) & (band_b != target) & (band_a == target)
                row["people"]["normalised"] = Indexed(codes, idx[moved])
            k = len(row["bands"]["table"])  # the people in each cell of the cross-table, in its order
            row["people"]["bands"] = [
                [Indexed(codes, idx[(cell_row == i) & (cell_col == j)]) for j in range(k)] for i in range(k)
            ]
        row["pairs"] = pair_counts(b, a)
    row["reason"] = "; ".join(reasons) or None
    row["independent"] = None
    return row


def independent_row(key, scale, group, before: Side, after: Side, member, limits, codes):
    """The row of waves nobody took part in both: Mann–Whitney between the waves."""
    min_group, min_pairs = limits
    masks = [side.measured if member is None else side.measured & member for side in (before, after)]
    picked = [np.flatnonzero(m) for m in masks]
    # each wave's values in the order its participants first appear (the order the means were always taken in)
    b, a = (
        side.value[i[np.argsort(side.first[i], kind="stable")]] for side, i in zip((before, after), picked, strict=True)
    )
    smaller = int(min(b.size, a.size))
    row = {**base(key, scale, group), "n_pairs": 0, "hidden": smaller < min_group, "reason": None}
    if codes is not None:
        seen = [Indexed(codes, i) for i in picked]
        row["people"] = {
            "row": Indexed(codes, np.flatnonzero(masks[0] | masks[1])),
            "before": seen[0],
            "after": seen[1],
        }
    row["before"], row["after"] = describe(b), describe(a)
    row["difference"] = {"mean": None, "ci_low": None, "ci_high": None}
    row.update(wilcoxon=None, t_test=None, d_z=None, rank_biserial=None, p_holm=None, rci=None, bands=None)
    row["independent"] = None
    if row["hidden"]:
        hide(row, f"fewer than {min_group} participants in a wave")
    elif smaller < min_pairs:
        row["difference"]["mean"] = row["after"]["mean"] - row["before"]["mean"]
        row["reason"] = f"fewer than {min_pairs} participants in a wave"
    else:
        row["difference"]["mean"] = row["after"]["mean"] - row["before"]["mean"]
        row["independent"] = mann_whitney(a, b)
    return row


def size(row: Mapping[str, Any]) -> int:
    """How many people a row stands for: its pairs, or the smaller wave when the waves are not linked."""
    return row["n_pairs"] or min(row["before"]["n"], row["after"]["n"])


def hide(row: dict[str, Any], reason: str) -> None:
    """Leave only the counts of a row."""
    row.update(hidden=True, reason=reason, difference={"mean": None, "ci_low": None, "ci_high": None})
    row["before"] = {"mean": None, "median": None, "n": row["before"]["n"]}
    row["after"] = {"mean": None, "median": None, "n": row["after"]["n"]}
    row.update(wilcoxon=None, t_test=None, d_z=None, rank_biserial=None, p_holm=None, rci=None, bands=None)
    row.pop("pairs", None)
    row["independent"] = None
    if "people" in row:  # the RCI classes and «normalised» go with their numbers
        row["people"] = {k: v for k, v in row["people"].items() if k in ("row", "before", "after")}


def suppress_complements(rows: list[dict[str, Any]], min_group: int) -> None:
    """Hide the smallest shown groups until the hidden ones hold 0 or at least ``min_group`` people."""
    while True:
        hidden = sum(size(r) for r in rows if r["hidden"])
        shown = sorted((r for r in rows if not r["hidden"]), key=lambda r: (size(r), str(r["group"])))
        if not 0 < hidden < min_group or not shown:
            return
        hide(shown[0], SECONDARY)


def apply_holm(rows: list[dict[str, Any]]) -> None:
    families: dict[str | None, list[dict[str, Any]]] = {}
    for row in rows:
        families.setdefault(row["group"], []).append(row)
    for family in families.values():
        pvalues = [(r["wilcoxon"] or r["independent"] or {}).get("p") for r in family]
        for row, adjusted in zip(family, holm(pvalues), strict=True):
            row["p_holm"] = adjusted
