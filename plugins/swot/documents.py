"""Drafts and approved versions of SWOT documents: making, editing, approving and finding them."""

from __future__ import annotations

import copy
import re
from collections.abc import Collection
from typing import Any

from surveys.core.models import Campaign, User, utcnow
from surveys.core.threshold import min_group
from surveys.extensions import db

from .disclosed import withheld_points
from .draft import DimensionPoint, Draft, Quote, draft_swot
from .models import APPROVED, DRAFT, QUADRANTS, SwotDocument, empty_content

BULLET = re.compile(r"^(?:[-*•–—]\s+|\d+[.)]\s+)")
MAX_POINT = 2000  # characters per point; longer lines are cut


def dimension_text(point: DimensionPoint, locale: str) -> str:
    """A dimension point as a line of the document: ``title: mean (n = …)``."""
    return f"{point.title.get(locale)}: {point.mean:.2f} (n = {point.n})"


def quote_text(quote: Quote) -> str:
    """A quote as a line of the document, with ``(×count)`` when answers were merged into it."""
    return f"{quote.text} (×{quote.count})" if quote.count > 1 else quote.text


def point_of(item: DimensionPoint | Quote, locale: str) -> dict[str, Any]:
    """A stored point made from an automatic one, with where it came from."""
    if isinstance(item, DimensionPoint):
        source = {"kind": "dimension", "instrument": item.instrument, "id": item.id}
        source |= {"mean": round(item.mean, 4), "n": item.n, "small": item.small}
        return {"text": dimension_text(item, locale), "source": source}
    source = {"kind": "quote", "instrument": item.instrument, "question": item.question}
    source |= {"count": item.count, "n": item.n, "small": item.small}
    return {"text": quote_text(item), "source": source}


def content_from(draft: Draft, locale: str, withheld: Collection[int] = ()) -> dict[str, list[dict[str, Any]]]:
    """The first content of a document: every automatic point under its quadrant, but those whose
    ``id`` is in ``withheld`` (``disclosed.withheld``)."""
    return {
        quadrant: [point_of(item, locale) for item in draft.points(quadrant) if id(item) not in withheld]
        for quadrant in QUADRANTS
    }


def parse_lines(text: str | None) -> list[str]:
    """One point per non-empty line; list bullets ("- ", "• ", "1. ") are dropped."""
    points = []
    for line in (text or "").splitlines():
        line = BULLET.sub("", " ".join(line.split()))
        if line:
            points.append(line[:MAX_POINT])
    return points


def as_lines(document: SwotDocument, quadrant: str) -> str:
    """The points of one quadrant as the textarea shows them: one per line."""
    return "\n".join(point["text"] for point in document.points(quadrant))


def find_draft(campaign_id: int, wave_id: int, form: str) -> SwotDocument | None:
    """The editable draft of (campaign, wave, form), if one was made."""
    return db.session.execute(
        db.select(SwotDocument).filter_by(campaign_id=campaign_id, wave_id=wave_id, form=form, status=DRAFT)
    ).scalar_one_or_none()


def approved_versions(campaign_id: int, wave_id: int, form: str) -> list[SwotDocument]:
    """The approved versions, newest first."""
    query = (
        db.select(SwotDocument)
        .filter_by(campaign_id=campaign_id, wave_id=wave_id, form=form, status=APPROVED)
        .order_by(SwotDocument.version.desc())
    )
    return list(db.session.execute(query).scalars())


def create_draft(campaign: Campaign, wave_id: int, form: str, content: dict, user_id: int | None) -> SwotDocument:
    """The editable draft of (campaign, wave, form); the caller commits."""
    now = utcnow()
    document = SwotDocument(
        organisation_id=campaign.organisation_id,
        campaign_id=campaign.id,
        wave_id=wave_id,
        form=form,
        status=DRAFT,
        version=0,
        content={q: list(content.get(q) or []) for q in QUADRANTS},
        conclusion="",
        created_by=user_id,
        created_at=now,
        updated_by=user_id,
        updated_at=now,
    )
    db.session.add(document)
    return document


def save_draft(document: SwotDocument, texts: dict[str, str], conclusion: str, user_id: int | None) -> None:
    """Replace the draft's points with the lines of ``texts`` (by quadrant); the caller commits.

    A line that is exactly the text of a point already in the draft keeps that point's source,
    even when moved to another quadrant; a new or rewritten line is the curator's own point.
    """
    if not document.is_draft:
        raise ValueError("approved versions are never changed")
    sources = {p["text"]: p.get("source") for q in QUADRANTS for p in document.points(q) if p.get("source")}
    content = empty_content()
    for quadrant in QUADRANTS:
        for line in parse_lines(texts.get(quadrant)):
            point = {"text": line}
            if sources.get(line):
                point["source"] = copy.deepcopy(sources[line])
            content[quadrant].append(point)
    document.content = content
    document.conclusion = (conclusion or "").strip()
    document.updated_by = user_id
    document.updated_at = utcnow()


def approve(document: SwotDocument, user_id: int | None) -> SwotDocument:
    """Freeze a copy of the draft as the next approved version; the draft stays editable."""
    if not document.is_draft:
        raise ValueError("only a draft can be approved")
    last = db.session.execute(
        db.select(db.func.max(SwotDocument.version)).filter_by(
            campaign_id=document.campaign_id, wave_id=document.wave_id, form=document.form
        )
    ).scalar()
    now = utcnow()
    version = SwotDocument(
        organisation_id=document.organisation_id,
        campaign_id=document.campaign_id,
        wave_id=document.wave_id,
        form=document.form,
        status=APPROVED,
        version=(last or 0) + 1,
        content=copy.deepcopy(document.content),
        conclusion=document.conclusion,
        created_by=user_id,
        created_at=now,
        updated_by=user_id,
        updated_at=now,
        approved_by=user_id,
        approved_at=now,
        based_on=document.id,
    )
    db.session.add(version)
    return version


def previous_cycle(campaign: Campaign, form: str) -> SwotDocument | None:
    """The latest approved SWOT of an earlier campaign (lower id) of the same organisation.

    The same form of mentoring is preferred; failing that, one for all forms ("").
    """
    query = (
        db.select(SwotDocument)
        .join(Campaign, Campaign.id == SwotDocument.campaign_id)
        .where(
            SwotDocument.organisation_id == campaign.organisation_id,
            SwotDocument.status == APPROVED,
            Campaign.id < campaign.id,
        )
        .order_by(Campaign.id.desc(), SwotDocument.approved_at.desc(), SwotDocument.id.desc())
    )
    for wanted in dict.fromkeys([form, ""]):
        found = db.session.execute(query.where(SwotDocument.form == wanted).limit(1)).scalars().first()
        if found is not None:
            return found
    return None


def people(*documents: SwotDocument | None) -> dict[int, str]:
    """Names (else e-mails) of the staff who wrote or approved the documents, by user id."""
    ids = {
        uid
        for d in documents
        if d is not None
        for uid in (d.created_by, d.updated_by, d.approved_by)
        if uid is not None
    }
    if not ids:
        return {}
    users = db.session.execute(db.select(User).where(User.id.in_(ids))).scalars()
    return {u.id: u.name or u.email for u in users}


def withheld_in(document: SwotDocument, answers: list[dict[str, Any]] | None = None) -> set[tuple[str, int]]:
    """(quadrant, index) of the document's points an aggregated audience may not see: the people behind
    each point are found again in the draft of its wave and form (``disclosed.py``). ``answers``: the
    campaign's answer rows, when the caller has read them already."""
    from surveys.workspace import campaign_tables

    from .spec import app_specs

    specs = app_specs()
    if answers is None:
        answers = campaign_tables(db.session.get(Campaign, document.campaign_id)).answers
    rows = [row for row in answers if row["instrument"] in specs]
    k = min_group()
    draft = draft_swot(specs, rows, k, wave_id=document.wave_id, form=document.form or None)
    return withheld_points(document.content or {}, draft, k)
