"""Stage 1 of monitoring: the programme's quality as a SWOT analysis.

Questionnaires declare under ``extensions.swot`` which ratings, closed and open questions feed the
SWOT (see README.md). The plugin makes an automatic draft from one wave's answers, lets the curator
edit and approve it (versions are kept), prints it, and adds a ``swot`` sheet to the workbook.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from surveys import hookimpl
from surveys.core.contracts import MIN_GROUP, Analysis, CampaignTables
from surveys.plugins import files_beside

from . import models  # noqa: F401 - the model must be known to the metadata (migrations, tests)
from .draft import Draft, draft_swot
from .spec import SwotSpec


@dataclass(frozen=True)
class SwotData:
    """What the ``swot`` analysis reads: the specs, a campaign's tables, one wave and a form (None: all)."""

    specs: dict[str, SwotSpec]
    tables: CampaignTables
    wave_id: int
    form: str | None = None
    min_group: int = MIN_GROUP


def run(data: SwotData) -> Draft:
    """The automatic SWOT draft of one wave (and form) of a campaign."""
    return draft_swot(data.specs, data.tables.answers, data.min_group, wave_id=data.wave_id, form=data.form)


@hookimpl
def surveys_register_instruments():
    """The programme feedback questionnaire shipped with the plugin."""
    return files_beside(__file__)


@hookimpl
def surveys_register_analyses():
    """The SWOT analysis, linked from the campaign page to the plugin's workspace."""
    return [Analysis(name="swot", title=_l("SWOT analysis"), applies_to="campaign", run=run, endpoint="swot.campaign")]


@hookimpl
def surveys_register_blueprints():
    """The workspace, editing, approval and print pages, under /plugins/swot."""
    from .views import bp

    return [bp]


@hookimpl
def surveys_export_sheets(campaign, tables):
    """The ``swot`` sheet: approved SWOTs (latest version per wave and form), else the automatic points."""
    from flask_babel import get_locale

    from .export import swot_sheet
    from .spec import app_specs

    sheet = swot_sheet(campaign, tables, app_specs(), str(get_locale() or "ru"))
    return [sheet] if sheet else None


@hookimpl
def surveys_dashboard_panels(view):
    """The SWOT of each campaign of the programme: the approved one, else the automatic draft."""
    from .panels import swot_panel

    return [panel for campaign in view.campaigns if (panel := swot_panel(view, campaign)) is not None]
