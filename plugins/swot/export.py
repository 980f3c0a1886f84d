"""The workbook's ``swot`` sheet: the latest approved SWOT of each wave and form, else the automatic points."""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import gettext as _

from surveys.core.contracts import MIN_GROUP, CampaignTables, Sheet
from surveys.extensions import db

from .documents import people, quote_text
from .draft import DimensionPoint, draft_swot
from .models import APPROVED, QUADRANTS, SwotDocument
from .spec import SwotSpec

COLUMNS = ["wave", "form", "status", "version", "quadrant", "point", "n", "approved_by", "approved_at"]
AUTOMATIC = "automatic draft"


def latest_approved(campaign_id: int) -> dict[tuple[int, str], SwotDocument]:
    """The newest approved version of each (wave id, form) of a campaign."""
    query = (
        db.select(SwotDocument)
        .filter_by(campaign_id=campaign_id, status=APPROVED)
        .order_by(SwotDocument.version.desc())
    )
    latest: dict[tuple[int, str], SwotDocument] = {}
    for document in db.session.execute(query).scalars():
        latest.setdefault((document.wave_id, document.form), document)
    return latest


def _automatic_rows(specs, tables: CampaignTables, wave, locale: str) -> list[list]:
    draft = draft_swot(specs, tables.answers, MIN_GROUP, wave_id=wave.id)
    rows = []
    for quadrant in QUADRANTS:
        for item in draft.points(quadrant):
            if isinstance(item, DimensionPoint):
                text = f"{item.title.get(locale)}: {item.mean:.2f}"
            else:
                text = quote_text(item)
            rows.append([wave.name, "", AUTOMATIC, None, quadrant, text, item.n, None, None])
    return rows


def swot_sheet(campaign, tables: CampaignTables, specs: Mapping[str, SwotSpec], locale: str = "ru") -> Sheet | None:
    """One row per point. Waves without an approved SWOT for all forms get their automatic points,
    with the status ``automatic draft``; None when there is nothing to write."""
    latest = latest_approved(campaign.id)
    names = people(*latest.values())
    answered = set()
    if tables.has_answers_to(specs):  # without SWOT questionnaires the answers are not even read
        answered = {row["wave_id"] for row in tables.answers if row["instrument"] in specs}
    rows: list[list] = []
    for wave in tables.waves:
        forms = sorted(form for wave_id, form in latest if wave_id == wave.id)
        for form in forms:
            document = latest[(wave.id, form)]
            who, when = names.get(document.approved_by), document.approved_at
            for quadrant in QUADRANTS:
                for point in document.points(quadrant):
                    source = point.get("source") or {}
                    rows.append(
                        [
                            wave.name,
                            form,
                            APPROVED,
                            document.version,
                            quadrant,
                            str(point["text"]),
                            source.get("n"),
                            who,
                            when,
                        ]
                    )
            if document.conclusion:
                rows.append(
                    [wave.name, form, APPROVED, document.version, "conclusion", document.conclusion, None, who, when]
                )
        if "" not in forms and wave.id in answered:
            rows.extend(_automatic_rows(specs, tables, wave, locale))
    if not rows:
        return None
    description = _("SWOT: the approved analysis of each wave and form, else the automatic draft points.")
    return Sheet("swot", list(COLUMNS), rows, description=description)
