"""The workbook's ``swot`` sheet: the latest approved SWOT of each wave and form, else the automatic points.

Every point from a group and its ``n`` are :class:`~surveys.core.published.Counted`, so that an
aggregated export hides those from small groups (surveys/core/published.py). An automatic point
carries the participant codes it was computed from. An approved point keeps only the ``n`` of its
source, not the codes: it stands for ``n`` ids of its own (:func:`document_group`), which no other
value shares, so it is hidden when ``n`` is under the threshold. The curator's own points (no
source) and the conclusion are plain text.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from surveys.core.contracts import CampaignTables, Sheet
from surveys.core.published import counted
from surveys.core.threshold import min_group
from surveys.extensions import db

from .disclosed import point_groups
from .documents import people, quote_text
from .draft import DimensionPoint, draft_swot
from .models import APPROVED, QUADRANTS, SwotDocument
from .spec import SwotSpec

COLUMNS = ["wave", "form", "status", "version", "quadrant", "point", "n", "approved_by", "approved_at"]
HEADERS = {
    "wave": _l("Wave"),
    "form": _l("Form of mentoring"),
    "status": _l("Status"),
    "version": _l("Version"),
    "quadrant": _l("Quadrant"),
    "point": _l("Point"),
    "n": "n",
    "approved_by": _l("Approved by"),
    "approved_at": _l("Approved at"),
}
AUTOMATIC = "automatic draft"
STATUSES = {AUTOMATIC: _l("automatic draft"), APPROVED: _l("approved")}
QUADRANT_NAMES = {
    "S": _l("Strengths"),
    "W": _l("Weaknesses"),
    "O": _l("Opportunities"),
    "T": _l("Threats"),
    "conclusion": _l("Conclusion"),
}
VERSION = COLUMNS.index("version")  # a number that describes, not counts


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
    draft = draft_swot(specs, tables.answers, min_group(), wave_id=wave.id)
    rows = []
    for quadrant in QUADRANTS:
        for item in draft.points(quadrant):
            if isinstance(item, DimensionPoint):
                text = f"{item.title.get(locale)}: {item.mean:.2f}"
            else:
                text = quote_text(item)
            cells = [counted(text, item.people), counted(item.n, item.people)]
            rows.append([wave.name, "", AUTOMATIC, None, quadrant, *cells, None, None])
    return rows


def _point_cells(point: Mapping[str, Any], group: frozenset[Hashable] | None) -> list[Any]:
    """The ``point`` and ``n`` cells of a stored point: Counted with the people behind it, when it has
    any (``disclosed.point_groups``); the curator's own point is plain text."""
    text = str(point["text"])
    if group is None:
        return [text, None]
    n = (point.get("source") or {}).get("n")  # as stored with the point, like its text
    return [counted(text, group), counted(n if isinstance(n, int) else len(group), group)]


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
            points = [(quadrant, point) for quadrant in QUADRANTS for point in document.points(quadrant)]
            draft = draft_swot(specs, tables.answers, min_group(), wave_id=wave.id, form=form or None)
            groups = point_groups([point for _quadrant, point in points], draft)  # the same people as the pages
            for (quadrant, point), group in zip(points, groups, strict=True):
                cells = _point_cells(point, group)
                rows.append([wave.name, form, APPROVED, document.version, quadrant, *cells, who, when])
            if document.conclusion:
                rows.append(
                    [wave.name, form, APPROVED, document.version, "conclusion", document.conclusion, None, who, when]
                )
        if "" not in forms and wave.id in answered:
            rows.extend(_automatic_rows(specs, tables, wave, locale))
    if not rows:
        return None
    status, quadrant = COLUMNS.index("status"), COLUMNS.index("quadrant")
    for row in rows:  # the status and the quadrant in words (the stored codes are S, W, O, T)
        row[status], row[quadrant] = str(STATUSES[row[status]]), str(QUADRANT_NAMES[row[quadrant]])
    description = _("SWOT: the approved analysis of each wave and form, else the automatic draft points.")
    return Sheet(
        "SWOT",
        [str(HEADERS[key]) for key in COLUMNS],
        rows,
        widths=[18, 18, 16, 8, 16, 60, 6, 20, 16],
        description=description,
        plain_columns=frozenset({VERSION}),
        key="swot",
        keys=list(COLUMNS),
    )
