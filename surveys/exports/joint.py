"""An aggregated export as one publication: the aggregates and the plugins' sheets decided together.

An aggregated workbook (or CSV or JSON export) shows the same people several times: a wave's
aggregates row for everyone, the other wave's, the comparison's pairs, its attrition counts. Each
table can be safe on its own while two of them subtract to one person (everyone of the input wave
minus the pairs is whoever left). So the export's cells are decided together, by the core's policy
(surveys/core/disclosure.py), over the participants behind them:

- per scale (an instrument's scale, every wave at once): each aggregates row (wave × role × form ×
  class) and its band counts, with every plugin value about that scale (``Counted.about``) and every
  plugin value about no one scale (attrition, SWOT, satisfaction);
- and the plugins' values all together, as :func:`surveys.core.published.disclose` does.

A plugin value hidden by any of these decisions is hidden. Hiding more never shows more, so each
decision still holds once the others have hidden their share. What is not decided together: the
aggregates of two different scales (their bands partition the same people in different ways; a
recovery across them would need two scales' bands to coincide exactly), see docs/privacy.md.

The decision is made once, when the first of its cells is written (the aggregates stream first), and
holds in memory only the people's groups, not their scores.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import replace

from surveys.core.contracts import Sheet
from surveys.core.disclosure import PROTECTING, SMALL, decide, decide_groups, hidden_label
from surveys.core.published import Groups, groups_of, shown_sheets

from .aggregates import AggregateCollector, ScaleCells, cell_of, cells_from, merged_levels, nested_order

ROW_VALUES = 6  # an aggregates row shows n, mean, SD, median, min and max: hiding it costs six values


class JointDisclosure:
    """The decision over an aggregated export's aggregates and plugin sheets (see the module docstring).

    ``complete`` reads the scores into the collector when nothing else has; ``codes`` gives each
    participant id's code (the units of the plugins' Counted values); ``band_ids(instrument, scale)``
    the scale's bands in order.
    """

    def __init__(
        self,
        collector: AggregateCollector,
        complete: Callable[[], None],
        codes: Callable[[], Mapping[int, str]],
        band_ids: Callable[[str, str], Sequence[str]],
        k: int,
    ) -> None:
        if collector.units is None:
            raise ValueError("the collector must keep its units for a joint decision")
        self.collector = collector
        self.complete = complete
        self.codes = codes
        self.band_ids = band_ids
        self.k = k
        self.plugin: list[Sheet] = []
        self.groups = Groups()
        self._scales: dict[tuple[int, str, str], ScaleCells] | None = None
        self._hidden: set[int] = set()

    def sheets(self, plugin_sheets: Sequence[Sheet]) -> list[Sheet]:
        """The plugins' sheets as they will be shown: each value by the joint decision (made when the
        first row is written, if the aggregates have not made it already)."""
        self.plugin = [replace(sheet, rows=[list(row) for row in sheet.rows]) for sheet in plugin_sheets]
        self.groups = groups_of(self.plugin)
        return shown_sheets(self.plugin, self.groups, self.mark, self.k)

    def mark(self, index: int) -> str | None:
        """Why the plugins' group ``index`` is hidden (SMALL, PROTECTING), or None when it is shown."""
        self.settle()
        size = len(self.groups.sets[index])
        if 0 < size < self.k:
            return SMALL
        return PROTECTING if index in self._hidden else None

    def scale(self, wave_id: int, instrument: str, scale: str) -> ScaleCells:
        """The decision over the aggregates rows of a scale in a wave."""
        return self.settle()[(wave_id, instrument, scale)]

    def reliability_n(self, wave_id: int, instrument: str, scale: str, n: int | None) -> int | str | None:
        """The reliability sheet's n of complete answers to a scale in a wave, as it may be shown: only
        when it is the n of the scale's everyone row in that wave, shown; else the complete answers
        would be that row minus those with a missing item, a group decided nowhere, so it is hidden."""
        cells = self.settle().get((wave_id, instrument, scale))
        if n is None or (cells and cells.order and not cells.marks[0] and cells.sizes[0] == n):
            return n
        return hidden_label(SMALL if 0 < n < self.k else PROTECTING, self.k)

    def settle(self) -> dict[tuple[int, str, str], ScaleCells]:
        if self._scales is not None:
            return self._scales
        if not self.collector.complete:
            self.complete()
        groups = self.groups
        plugins_alone = decide_groups(groups.sets, self.k, groups.weights)
        self._hidden = set(plugins_alone.hidden)
        families: dict[tuple[str, str], list[int]] = {}
        for wave_id, instrument, scale in self.collector.collected:
            families.setdefault((instrument, scale), []).append(wave_id)
        codes = self.codes() if groups.weights else {}
        self._scales = {}
        for (instrument, scale), wave_ids in families.items():
            related = [j for j, about in enumerate(groups.about) if not about or (instrument, scale) in about]
            decided, hidden = self._family(instrument, scale, sorted(wave_ids), related, codes)
            self._scales.update(decided)
            self._hidden |= hidden
        return self._scales

    def _family(
        self, instrument: str, scale: str, wave_ids: list[int], related: list[int], codes: Mapping[int, str]
    ) -> tuple[dict[tuple[int, str, str], ScaleCells], set[int]]:
        """One scale's aggregates in every wave with the plugin groups ``related`` to it: one decision."""
        collector, band_ids = self.collector, list(self.band_ids(instrument, scale))
        records: dict[Hashable, dict[str, str]] = {}  # unit → its attributes (see the cells below)
        for wave_id in wave_ids:
            for participant_id, band in collector.units[(wave_id, instrument, scale)].items():
                unit = codes.get(participant_id, participant_id)
                record = records.get(unit)
                if record is None:
                    role, form, group = collector.key_of(participant_id)
                    record = records[unit] = {"role": role, "form": form, "group": group}
                record[f"w{wave_id}"] = "1"
                record[f"b{wave_id}"] = band
        for j in related:
            for unit in self.groups.sets[j]:
                records.setdefault(unit, {})[f"g{j}"] = "1"
        cells: list[dict[str, str]] = []
        weights: list[int] = []
        layout: dict[int, tuple[list, int]] = {}  # wave → (rows in order, index of its first cell)
        for wave_id in wave_ids:
            values, _bands = collector.collected[(wave_id, instrument, scale)]
            order = nested_order(merged_levels(values))
            layout[wave_id] = (order, len(cells))
            at = {f"w{wave_id}": "1"}
            cells += [{**at, **cell_of(*lk)} for lk in order]
            weights += [ROW_VALUES] * len(order)
            cells += [{**at, **cell_of(*lk), f"b{wave_id}": band} for lk in order for band in band_ids]
            weights += [1] * (len(order) * len(band_ids))
        first_group = len(cells)
        cells += [{f"g{j}": "1"} for j in related]
        weights += [self.groups.weights[j] for j in related]
        names = sorted({name for cell in cells for name in cell})
        tally = Counter(tuple(record.get(name) for name in names) for record in records.values())
        people = [dict(zip(names, key, strict=True)) for key in tally]
        decision = decide(people, cells, self.k, list(tally.values()), weights)
        decided = {}
        for wave_id, (order, start) in layout.items():
            decided[(wave_id, instrument, scale)] = cells_from(decision, order, band_ids, start)
        hidden = {j for position, j in enumerate(related) if not decision.shown(first_group + position)}
        return decided, hidden
