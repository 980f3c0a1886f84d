"""Today's comparison report before it ran on columns (issue 25), kept only as the reference the
vectorised one must equal number for number (test_report_columns.py). Not used by the app.

The original docstring follows.

The whole input/output comparison of a campaign as one JSON-ready dict (docs/comparison.md).

:func:`build_report` is pure: it reads a campaign's tables (scores and answers rows) and the
instrument definitions and returns plain dicts, lists, strings, ints, floats and None (no NaN).

- **Pairing** is by participant code. The waves are *linked* when at least one participant has a
  score or an answer in both; otherwise every scale falls back to the independent-groups
  comparison (:mod:`.stats_groups`).
- **Scales** are the (instrument, scale) pairs with at least one score in each wave, by
  instrument id and then in the instrument's scale order. Missing scores are dropped pairwise.
- **Subgroups.** ``group_by`` is one of ``form``, ``role``, ``group`` (class), ``variant`` or
  ``mentor``, read from the answers rows of the two waves (the first non-empty value of each
  participant). A key that no row carries is skipped (no subgroups, ``group_by`` None). Each scale
  has a row for everyone (``group`` None) and, with subgroups, one per group in sorted order;
  participants without a value form the group «not specified» (in the interface language).
- **Hiding.** Rows under ``min_group`` pairs are hidden (n only). When the hidden groups of a scale
  hold fewer than ``min_group`` people together, the smallest shown group is hidden too, so that
  no hidden group can be worked out as the total minus the shown groups.
- **Holm** runs over the scales' Wilcoxon p (Mann–Whitney p when not linked) within each group.
- **RCI reliability**: ``published_reliability[(instrument, scale)]`` if given, else the scale's
  published ``reliability`` from the instrument file (its ``source`` goes into the row as
  ``reliability_citation``), otherwise the alpha (KR-20) of every answer to the instrument in the
  before wave (at least ``min_group`` complete).
- **People** (``with_people=True``, for the workbook's disclosure policy only): each scale row carries
  ``people``, the sorted participant codes behind its numbers: ``row`` (the pairs; both waves'
  participants when not linked), ``before`` and ``after``, and, where computed, ``improved``,
  ``no_change``, ``deteriorated`` (the RCI classes) and ``normalised``; the report carries
  ``people`` for the attrition counts (``both``, ``before_only``, ``after_only``). Left out by
  default, so the JSON of the command line, the page and the API never lists codes.
- **Correlations** (linked waves only): see ``factors.py``.
- **Words.** Everything else is numbers, ids and the school's own names, except ``method_note`` (see
  ``method_note.py``) and the «not specified» group: both are written in the language of the app
  context the report is built in (English outside one).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
from flask_babel import gettext
from reference_factors import MEETINGS, SATISFACTION, correlations, meeting_counts, satisfaction_index
from reference_stats import band_transitions, paired_arrays, rci_values

from plugins.comparison.expectations import expectations
from plugins.comparison.method_note import method_note
from plugins.comparison.stats_groups import mann_whitney
from plugins.comparison.stats_individual import (
    DETERIORATED,
    IMPROVED,
    NO_CHANGE,
    band_order,
    choose_reliability,
    classify,
    input_alpha,
    normal_band,
    reliable_change,
)
from plugins.comparison.stats_paired import MIN_PAIRS, describe, holm, paired_summary
from surveys.core.analysis_tables import number
from surveys.core.contracts import MIN_GROUP, CampaignTables, ScoreRow
from surveys.core.definitions import Instrument, Scale

GROUP_KEYS = ("form", "role", "group", "variant", "mentor")
CATEGORY_FACTORS = ("form", "variant")
SECONDARY = "hidden so that a smaller hidden group cannot be worked out from the total"

Values = dict[str, tuple[float | None, str | None]]  # participant → (value, band)


def _wave_id(row: Mapping[str, Any], ids_by_name: Mapping[str, list[int]]) -> int | None:
    """An answers row's wave: its ``wave_id``, else its wave name when that name is unique."""
    if row.get("wave_id") is not None:
        return row["wave_id"]
    ids = ids_by_name.get(row.get("wave"), [])
    return ids[0] if len(ids) == 1 else None


def _score_values(scores: Iterable[ScoreRow], waves: Sequence[int]) -> dict[tuple[str, str], dict[int, Values]]:
    """{(instrument, scale): {wave id: {participant: (value, band)}}}; the last row of a participant wins."""
    values: dict[tuple[str, str], dict[int, Values]] = {}
    wanted = set(waves)
    for participant, wave_id, _name, _kind, instrument, scale, value, band, *_rest in scores:
        if wave_id in wanted:
            by_wave = values.get((instrument, scale))
            if by_wave is None:
                by_wave = values[(instrument, scale)] = {w: {} for w in waves}
            by_wave[wave_id][participant] = (number(value), band)
    return values


def _measured(values: Values) -> bool:
    return any(v is not None for v, _ in values.values())


def _scale_order(key: tuple[str, str], instruments: Mapping[str, Instrument]) -> tuple[str, int, str]:
    instrument = instruments.get(key[0])
    ids = [s.id for s in instrument.scales] if instrument is not None else []
    return key[0], ids.index(key[1]) if key[1] in ids else len(ids), key[1]


def _people(rows: Sequence[Mapping[str, Any]], key: str | None) -> dict[str, str]:
    """participant → group value (first non-empty), from the answers rows of the two waves."""
    groups: dict[str, str] = {}
    if key is None:
        return groups
    for row in rows:
        value = row.get(key)
        if value not in (None, "") and row["participant"] not in groups:
            groups[row["participant"]] = str(value)
    return groups


def _present(tables: CampaignTables, rows: Sequence[Mapping[str, Any]], ids_by_name, wave: int) -> set[str]:
    people = {s.participant for s in tables.scores if s.wave_id == wave}
    return people | {row["participant"] for row in rows if _wave_id(row, ids_by_name) == wave}


def _reliability(
    key: tuple[str, str], scale: Scale | None, instrument: Instrument | None, before_answers, published, min_group
) -> tuple[float | None, str | None]:
    """``(r, source, citation)``: the caller's value, else the instrument file's, else the input alpha."""
    given = published.get(key)
    citation = None
    if given is None and scale is not None and scale.reliability is not None:
        given, citation = scale.reliability, scale.reliability_source
    alpha = None
    if given is None and scale is not None and instrument is not None:
        answers = [row.get("answers") or {} for row in before_answers if row.get("instrument") == key[0]]
        alpha = input_alpha(instrument, scale, answers, min_group)
    return (*choose_reliability(given, alpha), citation)


def _base(key: tuple[str, str], scale: Scale | None, group: str | None) -> dict[str, Any]:
    return {
        "instrument": key[0],
        "scale": key[1],
        "title": str(scale.title) if scale is not None else key[1],
        "higher_is": scale.higher_is if scale is not None else None,
        "group": group,
    }


def _linked_row(key, scale, group, before: Values, after: Values, reliability, normal, min_group, min_pairs):
    codes, b, a = paired_arrays({p: v for p, (v, _) in before.items()}, {p: v for p, (v, _) in after.items()})
    summary = paired_summary(b, a, min_group, min_pairs)
    row = {**_base(key, scale, group), **summary, "p_holm": None, "rci": None, "bands": None}
    row["people"] = {"row": codes, "before": codes, "after": codes}
    reasons = [summary["reason"]] if summary["reason"] else []
    if not summary["hidden"]:
        higher_is = scale.higher_is if scale else None
        rci, why = reliable_change(b, a, higher_is, *reliability[:2])
        if rci is not None:
            rci["reliability_citation"] = reliability[2] if rci["reliability_source"] == "published" else None
            classes = [classify(x, higher_is) for x in rci_values(b, a, reliability[0])]
            for name in (IMPROVED, NO_CHANGE, DETERIORATED):
                row["people"][name] = [p for p, c in zip(codes, classes, strict=True) if c == name]
        row["rci"] = rci
        reasons += [why] if why else []
        bands = [(before[p][1], after[p][1]) for p in codes]
        row["bands"] = band_transitions(bands, scale, normal, with_test=len(codes) >= min_pairs)
        norm = normal_band(scale, normal)
        if row["bands"] is not None and norm is not None:
            moved = zip(codes, bands, strict=True)
            row["people"]["normalised"] = [p for p, (x, y) in moved if x is not None and x != norm and y == norm]
        if row["bands"] is not None:  # the people in each cell of the cross-table, in its order
            order = band_order(scale, [band for pair in bands for band in pair if band is not None])
            band_of = list(zip(codes, bands, strict=True))
            row["people"]["bands"] = [[[p for p, b in band_of if b == (x, y)] for y in order] for x in order]
        changes = Counter(zip(b.tolist(), a.tolist(), strict=True))
        row["pairs"] = [[x, y, count] for (x, y), count in sorted(changes.items())]
    row["reason"] = "; ".join(reasons) or None
    row["independent"] = None
    return row


def _independent_row(key, scale, group, before: Values, after: Values, min_group, min_pairs):
    b = np.array([v for v, _ in before.values() if v is not None], dtype=float)
    a = np.array([v for v, _ in after.values() if v is not None], dtype=float)
    smaller = int(min(b.size, a.size))
    row = {**_base(key, scale, group), "n_pairs": 0, "hidden": smaller < min_group, "reason": None}
    seen = [sorted(p for p, (v, _) in values.items() if v is not None) for values in (before, after)]
    row["people"] = {"row": sorted({*seen[0], *seen[1]}), "before": seen[0], "after": seen[1]}
    row["before"], row["after"] = describe(b), describe(a)
    row["difference"] = {"mean": None, "ci_low": None, "ci_high": None}
    row.update(wilcoxon=None, t_test=None, d_z=None, rank_biserial=None, p_holm=None, rci=None, bands=None)
    row["independent"] = None
    if row["hidden"]:
        _hide(row, f"fewer than {min_group} participants in a wave")
    elif smaller < min_pairs:
        row["difference"]["mean"] = row["after"]["mean"] - row["before"]["mean"]
        row["reason"] = f"fewer than {min_pairs} participants in a wave"
    else:
        row["difference"]["mean"] = row["after"]["mean"] - row["before"]["mean"]
        row["independent"] = mann_whitney(a, b)
    return row


def _size(row: Mapping[str, Any]) -> int:
    """How many people a row stands for: its pairs, or the smaller wave when the waves are not linked."""
    return row["n_pairs"] or min(row["before"]["n"], row["after"]["n"])


def _hide(row: dict[str, Any], reason: str) -> None:
    """Leave only the counts of a row."""
    row.update(hidden=True, reason=reason, difference={"mean": None, "ci_low": None, "ci_high": None})
    row["before"] = {"mean": None, "median": None, "n": row["before"]["n"]}
    row["after"] = {"mean": None, "median": None, "n": row["after"]["n"]}
    row.update(wilcoxon=None, t_test=None, d_z=None, rank_biserial=None, p_holm=None, rci=None, bands=None)
    row.pop("pairs", None)
    row["independent"] = None
    if "people" in row:  # the RCI classes and «normalised» go with their numbers
        row["people"] = {k: v for k, v in row["people"].items() if k in ("row", "before", "after")}


def _suppress_complements(rows: list[dict[str, Any]], min_group: int) -> None:
    """Hide the smallest shown groups until the hidden ones hold 0 or at least ``min_group`` people."""
    while True:
        hidden = sum(_size(r) for r in rows if r["hidden"])
        shown = sorted((r for r in rows if not r["hidden"]), key=lambda r: (_size(r), str(r["group"])))
        if not 0 < hidden < min_group or not shown:
            return
        _hide(shown[0], SECONDARY)


def _apply_holm(rows: list[dict[str, Any]]) -> None:
    families: dict[str | None, list[dict[str, Any]]] = {}
    for row in rows:
        families.setdefault(row["group"], []).append(row)
    for family in families.values():
        pvalues = [(r["wilcoxon"] or r["independent"] or {}).get("p") for r in family]
        for row, adjusted in zip(family, holm(pvalues), strict=True):
            row["p_holm"] = adjusted


def build_report(
    tables: CampaignTables,
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
    """The comparison of ``before_wave_id`` with ``after_wave_id`` (see the module docstring and docs/comparison.md).

    ``normal_bands`` optionally names the normal band of a scale, ``{(instrument, scale): band id}``;
    ``with_people`` keeps the participant codes behind the numbers (``people``, see above).
    Raises ValueError for an unknown wave, the same wave twice or an unknown ``group_by``.
    """
    published = dict(published_reliability or {})
    normal_bands = dict(normal_bands or {})
    waves = {w.id: w for w in tables.waves}
    if before_wave_id not in waves or after_wave_id not in waves:
        raise ValueError(f"unknown wave: {before_wave_id if before_wave_id not in waves else after_wave_id}")
    if before_wave_id == after_wave_id:
        raise ValueError("the before and after waves are the same")
    if group_by is not None and group_by not in GROUP_KEYS:
        raise ValueError(f"group_by must be one of {', '.join(GROUP_KEYS)}, not {group_by!r}")
    ids_by_name: dict[str, list[int]] = {}
    for wave in tables.waves:
        ids_by_name.setdefault(wave.name, []).append(wave.id)
    pair = (before_wave_id, after_wave_id)
    rows_in_waves = [row for row in tables.answers if _wave_id(row, ids_by_name) in pair]
    before_people = _present(tables, rows_in_waves, ids_by_name, before_wave_id)
    after_people = _present(tables, rows_in_waves, ids_by_name, after_wave_id)
    linked = bool(before_people & after_people)
    key = group_by if group_by is not None and any(group_by in row for row in rows_in_waves) else None
    groups = _people(rows_in_waves, key)
    before_answers = [row for row in rows_in_waves if _wave_id(row, ids_by_name) == before_wave_id]
    unspecified = gettext("not specified")  # the group of the participants without a value

    values = _score_values(tables.scores, pair)
    comparable = [k for k, by_wave in values.items() if all(_measured(by_wave[w]) for w in pair)]
    scales: list[dict[str, Any]] = []
    for scale_key in sorted(comparable, key=lambda k: _scale_order(k, instruments)):
        instrument = instruments.get(scale_key[0])
        scale = instrument.scale(scale_key[1]) if instrument is not None else None
        before, after = values[scale_key][before_wave_id], values[scale_key][after_wave_id]
        reliability = _reliability(scale_key, scale, instrument, before_answers, published, min_group)
        names = sorted({groups.get(p, unspecified) for p in set(before) | set(after)}) if key else []
        scale_rows = []
        for group in [None, *names]:

            def member(p: str, group: str | None = group) -> bool:
                return group is None or groups.get(p, unspecified) == group

            b = {p: v for p, v in before.items() if member(p)}
            a = {p: v for p, v in after.items() if member(p)}
            if linked:
                normal = normal_bands.get(scale_key)
                row = _linked_row(scale_key, scale, group, b, a, reliability, normal, min_group, min_pairs)
            else:
                row = _independent_row(scale_key, scale, group, b, a, min_group, min_pairs)
            scale_rows.append(row)
        _suppress_complements(scale_rows[1:], min_group)
        scales.extend(scale_rows)
    _apply_holm(scales)
    categories = {factor: _people(rows_in_waves, factor) for factor in CATEGORY_FACTORS}
    numbers = {
        SATISFACTION: satisfaction_index(tables.scores, before_wave_id, after_wave_id),
        MEETINGS: meeting_counts(tables, instruments, before_wave_id, after_wave_id),
    }
    found = correlations(values, pair, scales, categories, numbers, min_group, min_pairs) if linked else []
    report: dict[str, Any] = {
        "campaign": tables.campaign,
        "before": {"id": before_wave_id, "name": waves[before_wave_id].name},
        "after": {"id": after_wave_id, "name": waves[after_wave_id].name},
        "group_by": key,
        "min_group": min_group,
        "min_pairs": min_pairs,
        "linked": linked,
        "attrition": {
            "both": len(before_people & after_people),
            "before_only": len(before_people - after_people),
            "after_only": len(after_people - before_people),
        },
        "scales": scales,
        "correlations": found,
        "expectations": expectations(tables, before_wave_id, after_wave_id, min_group),
    }
    report["method_note"] = method_note(report)
    if with_people:
        report["people"] = {
            "both": sorted(before_people & after_people),
            "before_only": sorted(before_people - after_people),
            "after_only": sorted(after_people - before_people),
        }
    else:
        for row in [*scales, *found, *report["expectations"]]:
            for name in ("people", "people_by_category", "people_left_out"):
                row.pop(name, None)
    return report
