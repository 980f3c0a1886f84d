"""The export's aggregates: scale statistics by wave × role × form × class, small groups hidden.

Each scale of each wave gets a row for everyone, then per role, per role and form, and per
role, form and class (the levels nest). A row of fewer than MIN_GROUP people shows «<5» for
its n and nothing else, and a band count under MIN_GROUP shows «<5»; so that no hidden value can
be worked out from the shown ones (a parent minus its children, a row's n minus its bands), the
core's disclosure policy hides more, marked as hidden to protect a small group. The
statistics (n, mean, SD with n − 1, median, min, max) are computed with numpy by
:func:`describe_scores`, a pure function.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from flask_babel import gettext as _

from surveys.core.contracts import MIN_GROUP, Sheet
from surveys.core.definitions import Instrument
from surveys.core.disclosure import decide, hidden_label, mark_of
from surveys.core.export_labels import everyone, headers, locale, not_given, role_label, sheet_name
from surveys.core.models import Response, Score, Wave
from surveys.core.threshold import min_group
from surveys.extensions import db

COLUMNS = ["wave", "role", "form", "group", "instrument", "instrument_id", "scale", "scale_id", "n", "mean", "sd"]
COLUMNS += ["median", "min", "max", "bands"]
STATISTICS = ("mean", "sd", "median", "min", "max")  # shown with 2 decimals (the cells keep the full value)
LEVELS = ("role", "form", "group")  # nested: everyone → role → role × form → role × form × class
ALL = "все"
UNSPECIFIED = "не указано"
BATCH = 5000

Key = tuple[str, str, str]  # (role, form, group); ALL where the level is summed over


def describe_scores(values: Sequence[float]) -> dict[str, float | int | None]:
    """n, mean, SD (n − 1), median, min and max of the values; None where undefined."""
    x = np.frombuffer(values, dtype=float) if isinstance(values, array) else np.asarray(values, dtype=float)
    n = int(x.size)
    if n == 0:
        return {"n": 0, "mean": None, "sd": None, "median": None, "min": None, "max": None}
    return {
        "n": n,
        "mean": float(x.mean()),
        "sd": float(x.std(ddof=1)) if n > 1 else None,
        "median": float(np.median(x)),
        "min": float(x.min()),
        "max": float(x.max()),
    }


def _parent(key: Key, level: int) -> Key:
    """The key one level up: the last named part summed over (``level`` 1..3 names that many parts)."""
    parts = list(key)
    parts[level - 1] = ALL
    return (parts[0], parts[1], parts[2])


def _levels(key: Key) -> list[tuple[int, Key]]:
    """The key at every level of the nesting: (0, everyone), (1, role), (2, role×form), (3, all three)."""
    role, form, group = key
    return [(0, (ALL, ALL, ALL)), (1, (role, ALL, ALL)), (2, (role, form, ALL)), (3, (role, form, group))]


def cell_of(level: int, key: Key) -> dict[str, str]:
    """The group of a row: the first ``level`` of role, form and class."""
    return dict(zip(LEVELS[:level], key[:level], strict=True))


def merged_levels(values: Mapping[Key, Sequence[float]]) -> dict[tuple[int, Key], array]:
    """The values of every row of a scale in a wave, by (level, key): each full key's values go to its
    row at every level of the nesting."""
    merged: dict[tuple[int, Key], array] = {}
    for key, xs in values.items():
        for level, at in _levels(key):
            merged.setdefault((level, at), array("d")).extend(xs)
    return merged


def nested_order(rows: Iterable[tuple[int, Key]]) -> list[tuple[int, Key]]:
    """The rows in the sheet's order: everyone, then each role followed by its forms, each form by its classes."""

    def nested(lk: tuple[int, Key]) -> tuple[str, ...]:
        level, key = lk
        return tuple(part if i < level else "" for i, part in enumerate(key))

    return sorted(rows, key=nested)


def scale_rows(
    values: Mapping[Key, Sequence[float]],
    bands: Mapping[Key, Counter],
    band_order: Sequence[tuple[str, str]],
    k: int = MIN_GROUP,
) -> list[tuple[int, Key, dict[str, Any] | None, str | None, str | None]]:
    """Rows of one scale in one wave: ``(level, key, statistics or None when hidden, bands text, mark)``;
    ``mark`` is None for a shown row, ``SMALL`` for a group under MIN_GROUP and ``PROTECTING`` for a row
    hidden so that a small group cannot be worked out from the others (surveys/core/disclosure.py,
    over every row and band count of the scale at once).

    ``values`` and ``bands`` are by full key (role, form, group); ``band_order`` lists the
    scale's bands as (id, label).
    """
    merged = merged_levels(values)
    return rows_of(own_decision(values, bands, [band for band, _label in band_order], k, merged), merged, band_order, k)


@dataclass(frozen=True)
class ScaleCells:
    """What the policy decided for one scale in one wave: the rows in the sheet's order, each row's
    mark (None: shown) and number of people and, per row, its bands' marks and counts by band id."""

    order: list[tuple[int, Key]]
    marks: list[str | None]
    sizes: list[int]
    band_marks: list[dict[str, str | None]]
    band_counts: list[dict[str, int]]


def own_decision(
    values: Mapping[Key, Sequence[float]], bands: Mapping[Key, Counter], band_ids, k: int, merged=None
) -> ScaleCells:
    """The decision over one scale in one wave alone: every row and band count of it at once (``merged``:
    the rows' values, when the caller has them already)."""
    order = nested_order(merged if merged is not None else merged_levels(values))
    people, counts = [], []  # one record per group and band, standing for that many people
    for key, xs in values.items():
        person = dict(zip(LEVELS, key, strict=True))
        counted = bands.get(key, Counter())
        for band, count in [*counted.items(), ("", len(xs) - sum(counted.values()))]:
            if count > 0:
                people.append({**person, "band": band})
                counts.append(count)
    cells = [cell_of(*lk) for lk in order]
    cells += [{**cell_of(*lk), "band": band} for lk in order for band in band_ids]
    decision = decide(people, cells, k, counts)
    return cells_from(decision, order, band_ids, 0)


def cells_from(decision, order, band_ids, start: int) -> ScaleCells:
    """A :class:`ScaleCells` read off a decision whose cells from ``start`` on are the rows in
    ``order``, then each row's bands in ``band_ids`` order."""
    marks, sizes, band_marks, band_counts = [], [], [], []
    width = len(band_ids)
    for row in range(len(order)):
        first = start + len(order) + row * width
        marks.append(mark_of(decision, start + row))
        sizes.append(decision.sizes[start + row])
        band_marks.append({band: mark_of(decision, first + i) for i, band in enumerate(band_ids)})
        band_counts.append({band: decision.sizes[first + i] for i, band in enumerate(band_ids)})
    return ScaleCells(order, marks, sizes, band_marks, band_counts)


def rows_of(
    cells: ScaleCells, merged: Mapping[tuple[int, Key], array], band_order, k: int
) -> list[tuple[int, Key, dict[str, Any] | None, str | None, str | None]]:
    """The rows of one scale in one wave as :func:`scale_rows` gives them, from a decision."""
    rows = []
    for index, lk in enumerate(cells.order):
        if cells.marks[index]:
            rows.append((lk[0], lk[1], None, None, cells.marks[index]))
            continue
        text = _bands_text(cells.band_counts[index], cells.band_marks[index], band_order, k)
        rows.append((lk[0], lk[1], describe_scores(merged[lk]), text, None))
    return rows


def _bands_text(counts: Mapping[str, int], marks: Mapping[str, str | None], band_order, k: int) -> str | None:
    if not band_order:
        return None
    parts = []
    for band, label in band_order:
        parts.append(f"{label}: {hidden_label(marks[band], k) if marks[band] else counts[band]}")
    return "; ".join(parts)


class AggregateCollector:
    """Scale scores gathered by group, fed one at a time (:meth:`add`) by whoever reads them."""

    def __init__(self, standing_of: Callable[[int], Any], units: bool = False) -> None:
        self.standing_of = standing_of
        self.collected: dict[tuple[int, str, str], tuple[dict[Key, array], dict[Key, Counter]]] = {}
        self.complete = False  # set by the reader once every score has been added
        # With ``units``, who is behind each score too (participant id → band, "" for none), per
        # (wave, instrument, scale): what an aggregated export's joint decision needs (joint.py).
        self.units: dict[tuple[int, str, str], dict[int, str]] | None = {} if units else None

    def key_of(self, participant_id: int) -> Key:
        s = self.standing_of(participant_id)
        return (s.role or UNSPECIFIED, s.form or UNSPECIFIED, s.group or UNSPECIFIED)

    def add(self, participant_id: int, wave_id: int, instrument_id: str, scale: str, value, band) -> None:
        if value is None:
            return
        key = self.key_of(participant_id)
        if self.units is not None:
            self.units.setdefault((wave_id, instrument_id, scale), {})[participant_id] = band or ""
        values, bands = self.collected.setdefault((wave_id, instrument_id, scale), ({}, {}))
        found = values.get(key)
        if found is None:
            found = values[key] = array("d")
        found.append(value)
        if band is not None:
            bands.setdefault(key, Counter())[band] += 1


def collect_scores(
    collector: AggregateCollector, waves: dict[int, Wave], instruments: list[str], kept: Callable[[int], bool]
) -> None:
    """Read the scores of the waves and instruments into the collector (when no other sheet did)."""
    query = (
        db.select(
            Response.participant_id, Response.wave_id, Response.instrument_id, Score.scale, Score.value, Score.band
        )
        .join(Response, Response.id == Score.response_id)
        .where(Response.wave_id.in_(list(waves) or [-1]), Response.status == "submitted")
        .where(Response.instrument_id.in_(instruments or [""]))
    )
    for participant_id, *rest in db.session.execute(query.execution_options(yield_per=BATCH)):
        if kept(participant_id):
            collector.add(participant_id, *rest)
    collector.complete = True


def _aggregate_rows(
    collector: AggregateCollector,
    waves: dict[int, Wave],
    instruments: list[str],
    kept: Callable[[int], bool],
    available: Mapping[str, Instrument],
    joint=None,
) -> Iterator[list[Any]]:
    if not collector.complete:
        collect_scores(collector, waves, instruments, kept)
    if joint is not None:
        joint.settle()  # before the first scale's values are let go
    collected = collector.collected
    position = {w.id: w.position for w in waves.values()}
    k = min_group()
    language = locale()
    words = {ALL: everyone(), UNSPECIFIED: not_given()}

    def shown(part: str, role: bool = False) -> str:
        """A level's value as people read it: everyone, not given, a role in words, a form or class as named."""
        if part in words:
            return words[part]
        return role_label(part) if role else part

    def order(item: tuple[int, str, str]) -> tuple:
        wave_id, instrument_id, scale = item
        instrument = available.get(instrument_id)
        ids = [s.id for s in instrument.scales] if instrument else []
        return position[wave_id], instrument_id, ids.index(scale) if scale in ids else len(ids), scale

    for wave_id, instrument_id, scale_id in sorted(collected, key=order):
        instrument = available.get(instrument_id)
        scale = instrument.scale(scale_id) if instrument else None
        band_order = [(b.id, b.label.get(language)) for b in scale.bands] if scale else []
        titles = [instrument.title.get(language) if instrument else instrument_id, instrument_id]
        titles += [scale.title.get(language) if scale else scale_id, scale_id]
        values, bands = collected.pop((wave_id, instrument_id, scale_id))
        if joint is None:  # decided alone: the psychologist's export, which holds individual data anyway
            rows = scale_rows(values, bands, band_order, k)
        else:  # decided with the other waves of the scale and the plugins' sheets (joint.py)
            rows = rows_of(joint.scale(wave_id, instrument_id, scale_id), merged_levels(values), band_order, k)
        for _level, (role, form, group), stats, bands_text, mark in rows:
            head = [waves[wave_id].name, shown(role, role=True), shown(form), shown(group), *titles]
            if stats is None:
                yield [*head, hidden_label(mark, k), None, None, None, None, None, None]
            else:
                numbers = [stats[k] for k in ("n", "mean", "sd", "median", "min", "max")]
                yield [*head, *numbers, bands_text]


def aggregate_sheet(
    collector: AggregateCollector,
    waves: dict[int, Wave],
    instruments: list[str],
    kept: Callable[[int], bool],
    available: Mapping[str, Instrument],
    joint=None,
) -> Sheet:
    """The ``aggregates`` sheet (see the module docstring), from the collector once it is complete
    (the scores sheet fills it as it goes), else from its own reading of the scores. With ``joint``
    (a :class:`~surveys.exports.joint.JointDisclosure`), its cells are decided with the rest of an
    aggregated export; without, each scale in each wave on its own."""
    decimals = {COLUMNS.index(c): "0.00" for c in STATISTICS}
    return Sheet(
        sheet_name("aggregates"),
        headers(COLUMNS),
        _aggregate_rows(collector, waves, instruments, kept, available, joint),
        number_formats=decimals,
        widths=[18, 12, 20, 10, 30, 16, 26, 14, 6, 8, 8, 8, 8, 8, 50],
        description=_(
            "Aggregates by wave × role × form × class: n, mean, SD, median, min, max and bands; "
            "«%(everyone)s» is everyone at that level; groups under %(n)s show «<%(n)s», and a group hidden so "
            "that a smaller one cannot be worked out by subtraction says so.",
            everyone=everyone(),
            n=min_group(),
        ),
        key="aggregates",
        keys=list(COLUMNS),
    )
