"""Expected vs real for the comparison report: per item and per form of mentoring.

The expectation is asked in the input wave (``satisfaction_exp_<role>``) and the reality in the
output wave (``satisfaction_<role>``), under the same item ids; the satisfaction plugin pairs them by
participant (``plugins.satisfaction.gap``). Here the same pairing runs for everyone and for each form
of mentoring, so the report can show where expectations were met.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from surveys.core.analysis_columns import AnalysisColumns
from surveys.core.contracts import MIN_GROUP, CampaignTables, ScoreRow


def expectations_of_columns(
    columns: AnalysisColumns, before: int, after: int, min_group: int = MIN_GROUP
) -> list[dict[str, Any]]:
    """:func:`expectations` of a campaign read as columns: only the satisfaction questionnaires' rows
    are turned back into tables (the forms are the participants' ``form`` keys)."""
    try:
        from plugins.satisfaction.gap import INSTRUMENTS
    except ImportError:  # the satisfaction plugin is not installed
        return []
    wanted = [i for i, name in enumerate(columns.instruments) if name in INSTRUMENTS]
    waves = {w.id: w for w in columns.waves}
    picked = np.flatnonzero(np.isin(columns.score_instrument, wanted)).tolist()
    scores = []
    for i in picked:
        wave, value, band = int(columns.score_wave[i]), float(columns.score_value[i]), int(columns.score_band[i])
        scores.append(
            ScoreRow(
                columns.codes[columns.score_person[i]],
                wave,
                waves[wave].name if wave in waves else "",
                waves[wave].kind if wave in waves else "",
                columns.instruments[columns.score_instrument[i]],
                columns.scales[columns.score_scale[i]],
                None if value != value else value,
                columns.bands[band] if band >= 0 else None,
            )
        )
    tables = CampaignTables(columns.campaign, list(columns.waves), scores, columns.answers_of(INSTRUMENTS))
    form = columns.keys.get("form")
    forms: dict[str, set[str]] = {}
    if form is not None and wanted:  # no satisfaction questionnaire: no gaps, for everyone or per form
        for code, name in zip(columns.codes.tolist(), form.tolist(), strict=True):
            forms.setdefault(name, set()).add(code)
    return expectations(tables, before, after, min_group, forms)


def expectations(
    tables: CampaignTables,
    before: int,
    after: int,
    min_group: int = MIN_GROUP,
    forms: dict[str, set[str]] | None = None,
) -> list[dict[str, Any]]:
    """Rows of role, item, form (None for everyone), n, mean expected, mean real and mean gap.

    ``forms`` ({form: participants}) defaults to the forms the answers rows carry.
    """
    try:
        from plugins.satisfaction.gap import expectation_gaps
    except ImportError:  # the satisfaction plugin is not installed
        return []
    if forms is None:
        forms = {}
        for row in tables.answers:
            forms.setdefault(row.get("form") or "", set()).add(row["participant"])
    groups: list[tuple[str | None, CampaignTables]] = [(None, tables)]
    for form in sorted(f for f in forms if f):
        people = forms[form]
        groups.append(
            (
                form,
                CampaignTables(
                    campaign=tables.campaign,
                    waves=list(tables.waves),
                    answers=[r for r in tables.answers if r["participant"] in people],
                    scores=[s for s in tables.scores if s.participant in people],
                ),
            )
        )
    rows = []
    for form, part in groups:
        for gap in expectation_gaps(part, before, after, min_group):
            rows.append(
                {
                    "role": gap.role,
                    "item": gap.item,
                    "form": form,
                    "n": gap.n,
                    "hidden": gap.hidden,
                    "mean_expected": gap.mean_expected,
                    "mean_real": gap.mean_real,
                    "mean_gap": gap.mean_gap,
                    "people": sorted(gap.participants),  # kept only for the disclosure policy
                }
            )
    return rows
