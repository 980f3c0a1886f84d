"""The SWOT on a programme's dashboard and in its printed report.

Per campaign: the latest approved SWOT of all forms together (the newest wave first), else the
automatic draft of the latest wave with programme-feedback answers, marked as such. Everyone in
the organisation reads the dashboard, so every point from a group (quotes, ratings' means) is
decided with the page's other figures: a point from fewer than 5 people, or one that would let
such a group be worked out, is left out.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from flask_babel import get_locale
from flask_babel import gettext as _

from surveys.core.contracts import Panel, ProgrammeView
from surveys.extensions import db

from .disclosed import point_groups
from .documents import point_of
from .draft import draft_swot
from .models import APPROVED, QUADRANTS, SwotDocument
from .spec import app_specs


def _approved(campaign: Any) -> SwotDocument | None:
    positions = {w.id: w.position for w in campaign.waves}
    found = db.session.execute(
        db.select(SwotDocument).filter_by(campaign_id=campaign.id, form="", status=APPROVED)
    ).scalars()
    return max(found, key=lambda d: (positions.get(d.wave_id, -1), d.version), default=None)


def _decided_with_the_page(view: ProgrammeView, campaign: Any, groups) -> set[int]:
    """Add each point's group (None: the curator's own words) to the page's publication; the numbers of
    the points it hides fill the set returned, once the page is decided."""
    hidden: set[int] = set()
    for number, group in enumerate(groups):
        if group is None:
            continue  # the curator's own words: no figure of a group
        # a stored point's stand-in units are its own: tell them from another campaign's
        units = frozenset(("swot", campaign.id, unit) if isinstance(unit, tuple) else unit for unit in group)
        view.publication.add(units, 1, lambda _mark, number=number: hidden.add(number))
    return hidden


def swot_panel(view: ProgrammeView, campaign: Any) -> Panel | None:
    """The SWOT of one campaign, or None when it has neither an approved SWOT nor feedback answers.

    Every point from a group joins the page's publication (``view.publication``), decided with the
    other panels' figures; the panel's ``finish`` keeps the points shown."""
    from .views import QUADRANT_LABELS

    waves = {w.id: w for w in campaign.waves}
    specs = app_specs()
    rows = [r for r in view.tables(campaign).answers if r["instrument"] in specs]
    document = _approved(campaign)
    if document is not None:
        wave = waves.get(document.wave_id)
        draft = draft_swot(specs, rows, view.min_group, wave_id=document.wave_id, form=document.form or None)
        points = [(q, point) for q in QUADRANTS for point in document.points(q)]
        groups = point_groups([point for _q, point in points], draft)
        conclusion = document.conclusion
    else:
        answered = [w for w in campaign.waves if any(r["wave_id"] == w.id for r in rows)]
        if not answered:
            return None
        wave = answered[-1]
        draft = draft_swot(specs, rows, view.min_group, wave_id=wave.id)
        locale = str(get_locale() or "ru")
        made = [(q, item) for q in QUADRANTS for item in draft.points(q)]
        points = [(q, point_of(item, locale)) for q, item in made]
        groups = [frozenset(item.people) for _q, item in made]
        conclusion = ""
    hidden = _decided_with_the_page(view, campaign, groups)

    def finish(panel: Panel) -> Panel:
        quadrants = [
            {
                "id": q,
                "label": str(QUADRANT_LABELS[q]),
                "points": [p["text"] for number, (at, p) in enumerate(points) if at == q and number not in hidden],
            }
            for q in QUADRANTS
        ]
        return replace(panel, data={**panel.data, "quadrants": quadrants})

    data = {"campaign": campaign, "wave": wave, "document": document, "conclusion": conclusion}
    data["approved"] = document is not None
    return Panel(f"swot-{campaign.id}", _("SWOT analysis"), "swot/panel.html", data, order=20, finish=finish)
