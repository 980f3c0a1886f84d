"""The workbook's reliability sheet: alpha (or KR-20) and item–total r per scale and wave (docs/format.md).

Built on :mod:`.reliability` (the statistics); this module only groups answers by instrument and
wave, hides results on fewer than ``min_group`` complete answers and lays out the rows.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from .contracts import MIN_GROUP, CampaignTables, Sheet
from .definitions import Instrument
from .export_labels import headers, locale, method_label, reliability_reason_label, sheet_name
from .reliability import STRUCTURAL, KeyedCollector, ScaleReliability, reliability_of_matrix, scale_reliability


def reliability_rows(tables: CampaignTables, registry: Any, min_group: int = MIN_GROUP) -> list[dict[str, Any]]:
    """Every instrument × declarative scale × wave of a campaign's (submitted) answers.

    ``registry`` is anything with an ``instruments`` mapping (the plugins' Registry); answers
    to an instrument that is no longer loaded are skipped. Rows come by instrument id, then in
    the instrument's scale order, then by wave position, for the waves that have answers to
    the instrument. A result on fewer than ``min_group`` complete answers is hidden: no
    coefficient and no item–total correlations, reason "fewer than 5 complete answers".
    """
    position = {wave.name: wave.position for wave in tables.waves}
    grouped: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
    kinds: dict[str, str] = {}
    for row in tables.answers:
        grouped.setdefault((row["instrument"], row["wave"]), []).append(row["answers"] or {})
        kinds.setdefault(row["wave"], row.get("wave_kind"))
    sources = []
    for instrument_id in sorted({instrument_id for instrument_id, _wave in grouped}):
        instrument = registry.instruments.get(instrument_id)
        if instrument is None:
            continue
        waves = sorted(
            (wave for i, wave in grouped if i == instrument_id), key=lambda w: (position.get(w, math.inf), w)
        )
        for wave in waves:
            sources.append((instrument, wave, kinds.get(wave), lambda i=instrument_id, w=wave: grouped[(i, w)]))
    return list(reliability_rows_from(sources, min_group))


# (instrument, wave name, wave kind, answers): ``answers()`` gives the answers to read, or a
# KeyedCollector that has already been fed them.
Source = tuple[Instrument, str, str | None, Callable[[], "Iterable[Mapping[str, Any]] | KeyedCollector"]]


def reliability_rows_from(sources: Iterable[Source], min_group: int = MIN_GROUP) -> Iterator[dict[str, Any]]:
    """The rows of :func:`reliability_rows` from ``(instrument, wave name, wave kind, answers)`` sources.

    Sources of one instrument come together, in wave order; ``answers()`` is called once per
    source and may stream. Each response is reduced at once to its keyed items in a compact
    array per scale, so a wave of 100,000 answers costs a few megabytes per scale.
    """
    by_instrument: dict[str, list[Source]] = {}
    for source in sources:
        by_instrument.setdefault(source[0].id, []).append(source)
    for group in by_instrument.values():
        instrument = group[0][0]
        results: dict[tuple[str, str], ScaleReliability] = {}
        for _instrument, wave, _kind, answers in group:
            given = answers()
            if isinstance(given, KeyedCollector):
                collector = given
            else:
                collector = KeyedCollector(instrument)
                for one in given:
                    collector.add(one)
            if not collector.count:
                continue  # no answers to the instrument in this wave: no row
            matrices = collector.matrices()
            for scale in instrument.scales:
                matrix = matrices[scale.id]
                if matrix is None:
                    results[(scale.id, wave)] = scale_reliability(instrument, scale, [])
                else:
                    results[(scale.id, wave)] = reliability_of_matrix(instrument, scale, matrix)
        for scale in instrument.scales:
            for _instrument, wave, kind, _answers in group:
                if (scale.id, wave) not in results:
                    continue
                result = results[(scale.id, wave)]
                small = result.n < min_group and result.reason not in STRUCTURAL
                if small:
                    result = result.hidden(f"fewer than {min_group} complete answers")
                yield {
                    "instrument": instrument.id,
                    "scale": scale.id,
                    "instrument_title": instrument.title.get(locale()),
                    "scale_title": scale.title.get(locale()),
                    "wave": wave,
                    "wave_kind": kind,
                    "method": result.method,
                    "k": result.k,
                    "n": None if small and result.n else result.n,  # a group under the threshold: not even its size
                    "coefficient": result.coefficient,
                    "item_total": result.item_total,
                    "reason": result.reason,
                }


SCALE_COLUMNS = ["instrument", "instrument_id", "scale", "scale_id", "wave", "method", "k", "n", "coefficient"]
RELIABILITY_COLUMNS = [*SCALE_COLUMNS, "item_id", "item_total_r", "reason"]
STATISTICS = {"coefficient": "0.000", "item_total_r": "0.000"}  # the columns' Excel number formats


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def reliability_sheet(tables: CampaignTables, registry: Any, min_group: int = MIN_GROUP) -> Sheet:
    """The workbook's reliability sheet: one row per item of each scale and wave.

    The scale's columns (method, k, n, coefficient, reason) repeat on each of its item rows, so
    that the sheet can be filtered and sorted in a spreadsheet; numbers are rounded to 3 places.
    Instruments and scales show by title, next to their ids; headers and words in the locale.
    """
    body = list(reliability_sheet_rows(reliability_rows(tables, registry, min_group)))
    formats = {RELIABILITY_COLUMNS.index(key): fmt for key, fmt in STATISTICS.items()}
    return Sheet(
        sheet_name("reliability"),
        headers(RELIABILITY_COLUMNS),
        body,
        number_formats=formats,
        key="reliability",
        keys=list(RELIABILITY_COLUMNS),
    )


def reliability_sheet_rows(rows: Iterable[dict[str, Any]]) -> Iterator[list[Any]]:
    """The reliability sheet's rows: one per item of each scale and wave, numbers rounded to 3 places."""
    for row in rows:
        method, reason = method_label(row["method"]), reliability_reason_label(row["reason"])
        for item, r in row["item_total"].items():
            yield [
                row.get("instrument_title") or row["instrument"],
                row["instrument"],
                row.get("scale_title") or row["scale"],
                row["scale"],
                row["wave"],
                method,
                row["k"],
                row["n"],
                _rounded(row["coefficient"]),
                item,
                _rounded(r),
                reason,
            ]
