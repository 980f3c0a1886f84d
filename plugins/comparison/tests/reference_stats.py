"""The report's helpers as they were before issue 25 (pairs of band names, dicts of codes), kept with
reference_report.py as the equivalence test's reference; the report itself now works on arrays."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from plugins.comparison.stats_individual import band_order, normal_band, rci_array, symmetry_test
from surveys.core.analysis_tables import number
from surveys.core.definitions import Scale


def cross_table(pairs: Iterable[tuple[str | None, str | None]], order: Sequence[str]) -> list[list[int]]:
    """Counts of before band (row) → after band (column); pairs with a missing or unknown band are left out."""
    index = {band: i for i, band in enumerate(order)}
    table = [[0] * len(order) for _ in order]
    for before, after in pairs:
        if before in index and after in index:
            table[index[before]][index[after]] += 1
    return table


def normalised(pairs: Iterable[tuple[str | None, str | None]], normal: str | None) -> int | None:
    """How many moved into the normal band from another band; None without a normal band."""
    if normal is None:
        return None
    return sum(1 for before, after in pairs if before is not None and before != normal and after == normal)


def band_transitions(
    pairs: Sequence[tuple[str | None, str | None]],
    scale: Scale | None,
    normal: str | None = None,
    with_test: bool = True,
) -> dict[str, Any] | None:
    """``{"labels", "table", "test", "normalised"}`` for one scale; None when the scale has no bands.

    ``labels`` are the bands' Russian labels (the id for a band the scale no longer has), in
    the order of :func:`band_order`; ``normal`` is an explicit normal band id (see
    :func:`normal_band`); ``with_test`` False leaves the test out (too few pairs).
    """
    seen = [band for pair in pairs for band in pair if band is not None]
    order = band_order(scale, seen)
    if not order or scale is None or not scale.bands:
        return None
    titles = {b.id: str(b.label) for b in scale.bands}
    table = cross_table(pairs, order)
    return {
        "labels": [titles.get(band, band) for band in order],
        "table": table,
        "test": symmetry_test(table) if with_test else None,
        "normalised": normalised(pairs, normal_band(scale, normal)),
    }


def rci_values(
    before: Sequence[float], after: Sequence[float], reliability: float, sd_before: float | None = None
) -> list[float] | None:
    """:func:`rci_array` as a list of floats."""
    values = rci_array(before, after, reliability, sd_before)
    return None if values is None else values.tolist()


def paired_arrays(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The participants with a score in both waves (sorted) and their before and after scores."""
    pairs = sorted((k, number(before[k]), number(after[k])) for k in before.keys() & after.keys())
    pairs = [p for p in pairs if p[1] is not None and p[2] is not None]
    b = np.fromiter((p[1] for p in pairs), dtype=float, count=len(pairs))
    a = np.fromiter((p[2] for p in pairs), dtype=float, count=len(pairs))
    return [p[0] for p in pairs], b, a
