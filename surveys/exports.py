"""Building a campaign's workbook: the core's own sheets plus the plugins' sheets."""

from __future__ import annotations

from typing import Any

from .campaigns import campaign_tables
from .core.contracts import CampaignTables, Sheet
from .core.export import write_workbook
from .core.models import Campaign
from .core.reliability import reliability_sheet
from .plugins import call_each
from .state import get_state

ANSWER_COLUMNS = ["participant", "role", "form", "group", "wave", "instrument_version", "submitted_at"]


def answers_sheets(tables: CampaignTables) -> list[Sheet]:
    """One sheet per instrument: a row per submitted response, a column per answer key."""
    registry = get_state().registry
    by_instrument: dict[str, list[dict[str, Any]]] = {}
    for row in tables.answers:
        by_instrument.setdefault(row["instrument"], []).append(row)
    sheets = []
    for instrument_id, rows in by_instrument.items():
        instrument = registry.instruments.get(instrument_id)
        keys = list(instrument.answer_keys) if instrument else []
        keys += sorted({k for r in rows for k in r["answers"]} - set(keys))
        types = registry.question_types
        exporters = {}
        if instrument:
            for q in instrument.questions():
                for key in types[q.type].answer_keys(q):
                    exporters[key] = (types[q.type], q)
        body = []
        for r in rows:
            cells = [r[c] for c in ANSWER_COLUMNS]
            for key in keys:
                value = r["answers"].get(key)
                if key in exporters and value is not None:
                    qtype, q = exporters[key]
                    value = qtype.export(q, key, value)
                elif isinstance(value, list):
                    value = "; ".join(map(str, value))
                cells.append(value)
            body.append(cells)
        sheets.append(Sheet(f"answers {instrument_id}", ANSWER_COLUMNS + keys, body))
    return sheets


def scores_sheet(tables: CampaignTables) -> Sheet:
    columns = ["participant", "wave", "wave_kind", "instrument", "scale", "raw", "value", "band", "norm"]
    columns += ["norm_kind", "missing_reason", "scoring_version"]
    rows = [
        [s.participant, s.wave, s.wave_kind, s.instrument, s.scale, s.raw, s.value, s.band, s.norm]
        + [s.norm_kind, s.missing_reason, s.scoring_version]
        for s in tables.scores
    ]
    return Sheet("scores", columns, rows)


def campaign_workbook(campaign: Campaign) -> bytes:
    tables = campaign_tables(campaign)
    sheets = [*answers_sheets(tables), scores_sheet(tables), reliability_sheet(tables, get_state().registry)]
    hook = get_state().pm.hook.surveys_export_sheets
    for _plugin, extra in call_each(hook, campaign=campaign, tables=tables):
        sheets.extend(extra or [])
    return write_workbook(sheets)
