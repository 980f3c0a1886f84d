"""``/campaigns/<id>/comparison`` and ``/campaigns/<id>/swot``: the analyses of the built-in plugins.

Those plugins load like third-party ones, so each endpoint first checks that its plugin is loaded
(404 otherwise) and only then imports it. The comparison is the report the comparison page serves
(groups under 5 are hidden there). SWOT documents are given as the curator stored them, except
that for tokens without ``responses:read`` the points the disclosure policy withholds are left out,
as they are for viewers on the SWOT page.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask_babel import gettext as _

from ..core.disclosure import PROTECTING, SMALL, hidden_label
from ..core.threshold import min_group
from ..extensions import db
from ..workspace import campaign_tables
from .access import campaign_or_404, plugin_or_404, wave_filter
from .auth import current_token
from .blueprint import operation
from .errors import ApiError
from .pagination import page_of_query
from .schemas import ComparisonArgsSchema, ComparisonSchema, SwotArgsSchema, SwotDocumentSchema, page_schema

QUADRANTS = ("S", "W", "O", "T")


def swot_document_of(document: Any, show_small: bool, answers: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A SWOT document's points by quadrant; unless ``show_small``, without the points the disclosure
    policy withholds (from a group under 5, or letting one be worked out); ``answers``: the campaign's
    answer rows, read once for a whole page of documents."""
    from plugins.swot.documents import withheld_in

    withheld = set() if show_small else withheld_in(document, answers)
    content, hidden = {}, 0
    for quadrant in QUADRANTS:
        points = document.points(quadrant)
        kept = [point for index, point in enumerate(points) if (quadrant, index) not in withheld]
        hidden += len(points) - len(kept)
        content[quadrant] = kept
    found = {
        "id": document.id,
        "wave": document.wave_id,
        "form": document.form,
        "status": document.status,
        "version": document.version,
        "content": content,
        "conclusion": document.conclusion or "",
        "hidden": hidden,
        "created_at": document.created_at,
        "updated_at": document.updated_at,
        "approved_at": document.approved_at,
    }
    if not show_small:  # the threshold the points passed, as every disclosed answer names it
        k = min_group()
        marks = {"small": hidden_label(SMALL, k), "protecting": hidden_label(PROTECTING, k)}
        found["disclosure"] = {"min_group": k, **marks}
    return found


@operation(
    "/campaigns/<int:campaign_id>/comparison",
    summary="The input/output comparison of two waves",
    scope="analyses:read",
    args=ComparisonArgsSchema,
    result=ComparisonSchema,
    tag="analyses",
)
def comparison(campaign_id: int, args):
    """The same report as the comparison page's JSON (docs/comparison.md): per scale and subgroup, n, means,
    paired differences, tests and effect sizes; groups under 5 are hidden. Default waves: the first input
    wave and the last output wave. Needs the comparison plugin."""
    plugin_or_404("comparison")
    campaign = campaign_or_404(campaign_id)
    before = wave_filter(campaign, args.get("before"), "before")
    after = wave_filter(campaign, args.get("after"), "after")
    if before is not None and before == after:
        raise ApiError(400, fields={"after": [_("Choose two different waves.")]})
    if len(campaign.waves) < 2:
        raise ApiError(400, _("The campaign needs two waves to compare."))
    from plugins.comparison.service import campaign_report

    try:
        # figures through the disclosure policy, unless the token may read individual answers
        report = campaign_report(campaign, before, after, args.get("by"), current_token().allows("responses:read"))
    except ValueError as err:  # e.g. the default waves are the same one
        raise ApiError(400, str(err)) from err
    return jsonify(ComparisonSchema().dump(report))


@operation(
    "/campaigns/<int:campaign_id>/swot",
    summary="The campaign's SWOT analyses: drafts and approved versions",
    scope="analyses:read",
    args=SwotArgsSchema,
    result=page_schema(SwotDocumentSchema),
    tag="analyses",
)
def swot(campaign_id: int, args):
    """The curator's SWOT documents per wave and form: the editable draft (version 0) and every approved
    version, with their points (strengths S, weaknesses W, opportunities O, threats T) and conclusion.
    Needs the swot plugin."""
    plugin_or_404("swot")
    campaign = campaign_or_404(campaign_id)
    wave_filter(campaign, args.get("wave"))
    from plugins.swot.models import SwotDocument

    query = db.select(SwotDocument).filter_by(organisation_id=campaign.organisation_id, campaign_id=campaign.id)
    for name in ("wave", "form", "status"):
        if args.get(name) is not None:
            query = query.filter_by(**{"wave_id" if name == "wave" else name: args[name]})
    query = query.order_by(SwotDocument.wave_id, SwotDocument.form, SwotDocument.version)
    show_small = current_token().allows("responses:read")
    answers = None if show_small else campaign_tables(campaign).answers
    body = page_of_query(query, args, lambda row: swot_document_of(row[0], show_small, answers))
    return jsonify(page_schema(SwotDocumentSchema)().dump(body))
