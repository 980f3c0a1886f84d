"""Expected vs real for the comparison report: per item and per form of mentoring.

The expectation is asked in the input wave (``satisfaction_exp_<role>``) and the reality in the
output wave (``satisfaction_<role>``), under the same item ids; the satisfaction plugin pairs them by
participant (``plugins.satisfaction.gap``). Here the same pairing runs for everyone and for each form
of mentoring, so the report can show where expectations were met.
"""

from __future__ import annotations

from typing import Any

from surveys.core.contracts import MIN_GROUP, CampaignTables


def expectations(tables: CampaignTables, before: int, after: int, min_group: int = MIN_GROUP) -> list[dict[str, Any]]:
    """Rows of role, item, form (None for everyone), n, mean expected, mean real and mean gap."""
    try:
        from plugins.satisfaction.gap import expectation_gaps
    except ImportError:  # the satisfaction plugin is not installed
        return []
    forms: dict[str, set[str]] = {}
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
