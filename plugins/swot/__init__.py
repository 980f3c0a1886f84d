"""Stage 1: the programme feedback questionnaire and a first SWOT draft for the curator."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from surveys import hookimpl
from surveys.core.contracts import Analysis, CampaignTables, Sheet
from surveys.plugins import files_beside

from .analysis import draft_swot

INSTRUMENT = "programme_feedback"


def _rating_items(instrument) -> list[str]:
    return [key for key, (low, high) in instrument.item_ranges.items() if (low, high) == (1, 5)]


def run(data: tuple[CampaignTables, object]):
    tables, instrument = data
    answers = [row["answers"] for row in tables.answers if row["instrument"] == INSTRUMENT]
    return draft_swot(answers, _rating_items(instrument))


@hookimpl
def surveys_register_instruments():
    return files_beside(__file__)


@hookimpl
def surveys_register_analyses():
    return [Analysis(name="swot", title=_l("SWOT draft"), applies_to="campaign", run=run)]


@hookimpl
def surveys_export_sheets(campaign, tables):
    from surveys.state import get_state

    instrument = get_state().instrument(INSTRUMENT)
    if instrument is None or not any(r["instrument"] == INSTRUMENT for r in tables.answers):
        return None
    swot = run((tables, instrument))
    rows = [["S", item, round(mean, 2), n] for item, mean, n in swot.strengths]
    rows += [["W", item, round(mean, 2), n] for item, mean, n in swot.weaknesses]
    return [Sheet("swot", ["quadrant", "item", "mean", "n"], rows)]
