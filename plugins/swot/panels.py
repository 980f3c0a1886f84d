"""The SWOT on a programme's dashboard and in its printed report.

Per campaign: the latest approved SWOT of all forms together (the newest wave first), else the
automatic draft of the latest wave with programme-feedback answers, marked as such. Points
from groups under the threshold (quotes, and ratings' means) are left out: everyone in the
organisation reads the dashboard.
"""

from __future__ import annotations

from typing import Any

from flask_babel import get_locale
from flask_babel import gettext as _

from surveys.core.contracts import Panel, ProgrammeView
from surveys.extensions import db

from .disclosed import withheld
from .documents import content_from, withheld_in
from .draft import draft_swot
from .models import APPROVED, QUADRANTS, SwotDocument
from .spec import app_specs


def _approved(campaign: Any) -> SwotDocument | None:
    positions = {w.id: w.position for w in campaign.waves}
    found = db.session.execute(
        db.select(SwotDocument).filter_by(campaign_id=campaign.id, form="", status=APPROVED)
    ).scalars()
    return max(found, key=lambda d: (positions.get(d.wave_id, -1), d.version), default=None)


def swot_panel(view: ProgrammeView, campaign: Any) -> Panel | None:
    """The SWOT of one campaign, or None when it has neither an approved SWOT nor feedback answers."""
    from .views import QUADRANT_LABELS

    waves = {w.id: w for w in campaign.waves}
    document = _approved(campaign)
    if document is not None:
        hidden = withheld_in(document, view.tables(campaign).answers)  # every staff role reads the panel
        content = {q: [p for i, p in enumerate(document.points(q)) if (q, i) not in hidden] for q in QUADRANTS}
        conclusion, wave = document.conclusion, waves.get(document.wave_id)
    else:
        specs = app_specs()
        rows = [r for r in view.tables(campaign).answers if r["instrument"] in specs]
        answered = [w for w in campaign.waves if any(r["wave_id"] == w.id for r in rows)]
        if not answered:
            return None
        wave = answered[-1]
        draft = draft_swot(specs, rows, view.min_group, wave_id=wave.id)
        hide, locale = withheld(draft, view.min_group), str(get_locale() or "ru")  # every staff role reads it
        content = content_from(draft, locale, hide)
        conclusion = ""
    quadrants = [
        {
            "id": q,
            "label": str(QUADRANT_LABELS[q]),
            "points": [p["text"] for p in content.get(q) or []],
        }
        for q in QUADRANTS
    ]
    data = {
        "campaign": campaign,
        "wave": wave,
        "document": document,
        "quadrants": quadrants,
        "conclusion": conclusion,
        "approved": document is not None,
    }
    return Panel(f"swot-{campaign.id}", _("SWOT analysis"), "swot/panel.html", data, order=20)
