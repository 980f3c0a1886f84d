"""The comparison report computed on a campaign's columns (:class:`~surveys.core.analysis_columns.AnalysisColumns`).

:func:`build_report_columns` is what :func:`.report.build_report` has always computed (see that
module's docstring and docs/comparison.md for every field), done on arrays (issue 25): each scale's
scores are paired once by participant index (:mod:`.pairing`), a subgroup is an integer code per
participant, the band cross-table a ``bincount``, the factors arrays over the participants, and the
input alpha is read from one pass over each instrument's before-wave answers for all of its scales
that need it. Participant codes are only built, from the index arrays, with ``with_people``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from flask_babel import gettext

from surveys.core.analysis_columns import AnalysisColumns
from surveys.core.contracts import MIN_GROUP
from surveys.core.definitions import Instrument, Scale
from surveys.core.disclosure import Indexed
from surveys.core.reliability import KeyedCollector, reliability_of_matrix, scale_reliability

from .expectations import expectations_of_columns
from .factors import MEETINGS, SATISFACTION, correlations, meeting_counts, satisfaction_index
from .method_note import method_note
from .pairing import Side, group_codes, labels_of, scale_sides
from .report_rows import apply_holm, independent_row, linked_row, suppress_complements
from .stats_individual import choose_reliability
from .stats_paired import MIN_PAIRS

GROUP_KEYS = ("form", "role", "group", "variant", "mentor")
CATEGORY_FACTORS = ("form", "variant")


def _scale_order(key: tuple[str, str], instruments: Mapping[str, Instrument]) -> tuple[str, int, str]:
    instrument = instruments.get(key[0])
    ids = [s.id for s in instrument.scales] if instrument is not None else []
    return key[0], ids.index(key[1]) if key[1] in ids else len(ids), key[1]


def _present(columns: AnalysisColumns, wave: int) -> np.ndarray:
    """The participants with a score or a submitted response in ``wave`` (a mask)."""
    out = np.zeros(columns.codes.size, dtype=bool)
    out[columns.score_person[columns.score_wave == wave]] = True
    out[columns.response_person[columns.response_wave == wave]] = True
    return out


def input_alphas(
    columns: AnalysisColumns, wanted: Sequence[tuple[Instrument, Scale]], before: int, min_group: int
) -> dict[tuple[str, str], float | None]:
    """The alpha (KR-20 for 0/1 items) of each scale over the before wave's answers to its instrument.

    One pass over an instrument's rows gathers the items of all its scales (``KeyedCollector``); None
    with fewer than ``min_group`` complete answers.
    """
    by_instrument: dict[str, tuple[Instrument, list[Scale]]] = {}
    for instrument, scale in wanted:
        by_instrument.setdefault(instrument.id, (instrument, []))[1].append(scale)
    out: dict[tuple[str, str], float | None] = {}
    for instrument, scales in by_instrument.values():
        coefficients: dict[str, tuple[float | None, int]] = {}
        for scale in scales:
            if scale.method == "custom":
                result = scale_reliability(instrument, scale, [])
                coefficients[scale.id] = (result.coefficient, result.n)
        collected = [s for s in scales if s.method != "custom"]
        if collected:
            collector = KeyedCollector(instrument, collected)
            for row in columns.answers_of([instrument.id], [before]):  # the before wave's JSON alone
                collector.add(row.get("answers") or {})
            matrices = collector.matrices()
            for scale in collected:
                result = reliability_of_matrix(instrument, scale, matrices[scale.id])
                coefficients[scale.id] = (result.coefficient, result.n)
        for scale in scales:
            coefficient, n = coefficients[scale.id]
            out[(instrument.id, scale.id)] = None if coefficient is None or n < min_group else float(coefficient)
    return out


def _reliabilities(keys, instruments, columns, before, published, min_group) -> dict[tuple[str, str], tuple]:
    """``{(instrument, scale): (r, source, citation)}``: the caller's value, else the file's, else the input alpha."""
    chosen: dict[tuple[str, str], tuple[float | None, str | None]] = {}
    needing: list[tuple[Instrument, Scale]] = []
    for key in keys:
        instrument = instruments.get(key[0])
        scale = instrument.scale(key[1]) if instrument is not None else None
        given, citation = published.get(key), None
        if given is None and scale is not None and scale.reliability is not None:
            given, citation = scale.reliability, scale.reliability_source
        chosen[key] = (given, citation)
        if given is None and scale is not None and instrument is not None:
            needing.append((instrument, scale))
    alphas = input_alphas(columns, needing, before, min_group) if needing else {}
    return {key: (*choose_reliability(given, alphas.get(key)), citation) for key, (given, citation) in chosen.items()}


def _categories(columns: AnalysisColumns, factor: str) -> tuple[list[str], np.ndarray]:
    """A factor's categories and each participant's index into them (-1: none)."""
    labels = labels_of(columns, factor, "")
    if labels is None:
        return [], np.full(columns.codes.size, -1, dtype=np.int64)
    names, code_of = group_codes(labels)
    if "" in names:  # no value: no category (sorted first)
        names, code_of = names[1:], code_of - 1
    return names, code_of


def _check(columns: AnalysisColumns, before: int, after: int, group_by: str | None) -> None:
    waves = {w.id for w in columns.waves}
    if before not in waves or after not in waves:
        raise ValueError(f"unknown wave: {before if before not in waves else after}")
    if before == after:
        raise ValueError("the before and after waves are the same")
    if group_by is not None and group_by not in GROUP_KEYS:
        raise ValueError(f"group_by must be one of {', '.join(GROUP_KEYS)}, not {group_by!r}")


def _scale_rows(key, scale, sides: tuple[Side, Side], groups, linked, context) -> list[dict[str, Any]]:
    """The rows of one scale: everyone, then each subgroup (sorted), the complements hidden."""
    before, after = sides
    reliability, normal, limits, codes, bands = context
    names, code_of = groups
    members: list[tuple[str | None, np.ndarray | None]] = [(None, None)]
    if code_of is not None:
        present = np.unique(code_of[before.has | after.has]).tolist()
        members += [(names[g], code_of == g) for g in present]
    rows = []
    for group, member in members:
        if linked:
            rows.append(linked_row(key, scale, group, before, after, member, reliability, normal, limits, codes, bands))
        else:
            rows.append(independent_row(key, scale, group, before, after, member, limits, codes))
    suppress_complements(rows[1:], limits[0])
    return rows


def build_report_columns(
    columns: AnalysisColumns,
    instruments: Mapping[str, Instrument],
    before_wave_id: int,
    after_wave_id: int,
    group_by: str | None = None,
    min_group: int = MIN_GROUP,
    min_pairs: int = MIN_PAIRS,
    published_reliability: Mapping[tuple[str, str], float] | None = None,
    normal_bands: Mapping[tuple[str, str], str] | None = None,
    with_people: bool = False,
) -> dict[str, Any]:
    """The comparison of ``before_wave_id`` with ``after_wave_id``: :func:`.report.build_report` on columns.

    Raises ValueError for an unknown wave, the same wave twice or an unknown ``group_by``.
    """
    _check(columns, before_wave_id, after_wave_id, group_by)
    published, normal_bands = dict(published_reliability or {}), dict(normal_bands or {})
    pair = (before_wave_id, after_wave_id)
    before_people, after_people = _present(columns, before_wave_id), _present(columns, after_wave_id)
    both = before_people & after_people
    linked = bool(both.any())
    in_pair = bool(np.isin(columns.response_wave, pair).any())
    key = group_by if group_by is not None and group_by in columns.keys and in_pair else None
    unspecified = gettext("not specified")  # the group of the participants without a value
    groups: tuple[list[str], np.ndarray | None] = ([], None)
    if key is not None:
        groups = group_codes(labels_of(columns, key, unspecified))
    codes = columns.codes if with_people else None

    sides = scale_sides(columns, pair)
    comparable = [k for k, (b, a) in sides.items() if b.measured.any() and a.measured.any()]
    comparable.sort(key=lambda k: _scale_order(k, instruments))
    reliabilities = _reliabilities(comparable, instruments, columns, before_wave_id, published, min_group)
    scales: list[dict[str, Any]] = []
    for scale_key in comparable:
        instrument = instruments.get(scale_key[0])
        scale = instrument.scale(scale_key[1]) if instrument is not None else None
        context = (reliabilities[scale_key], normal_bands.get(scale_key), (min_group, min_pairs), codes, columns.bands)
        scales.extend(_scale_rows(scale_key, scale, sides[scale_key], groups, linked, context))
    apply_holm(scales)
    found = []
    if linked:
        categories = {factor: _categories(columns, factor) for factor in CATEGORY_FACTORS}
        numbers = {
            SATISFACTION: satisfaction_index(columns, before_wave_id, after_wave_id),
            MEETINGS: meeting_counts(columns, instruments, before_wave_id, after_wave_id),
        }
        found = correlations(sides, pair, scales, categories, numbers, min_group, min_pairs, codes)
    waves = {w.id: w for w in columns.waves}
    report: dict[str, Any] = {
        "campaign": columns.campaign,
        "before": {"id": before_wave_id, "name": waves[before_wave_id].name},
        "after": {"id": after_wave_id, "name": waves[after_wave_id].name},
        "group_by": key,
        "min_group": min_group,
        "min_pairs": min_pairs,
        "linked": linked,
        "attrition": {
            "both": int(both.sum()),
            "before_only": int((before_people & ~after_people).sum()),
            "after_only": int((after_people & ~before_people).sum()),
        },
        "scales": scales,
        "correlations": found,
        "expectations": expectations_of_columns(columns, before_wave_id, after_wave_id, min_group),
    }
    report["method_note"] = method_note(report)
    if with_people:
        report["people"] = {
            "both": Indexed(columns.codes, np.flatnonzero(both)),
            "before_only": Indexed(columns.codes, np.flatnonzero(before_people & ~after_people)),
            "after_only": Indexed(columns.codes, np.flatnonzero(after_people & ~before_people)),
        }
    else:
        for row in report["expectations"]:
            row.pop("people", None)
    return report
