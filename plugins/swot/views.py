"""The SWOT workspace, editing, approval and the print page, mounted by the core under /plugins/swot."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, flash, g, redirect, render_template, request, send_from_directory, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy.exc import IntegrityError
from wtforms import HiddenField, TextAreaField
from wtforms.validators import Length

from surveys.audit import record
from surveys.core.models import Campaign, Wave
from surveys.core.threshold import min_group
from surveys.extensions import db
from surveys.web import EVERYONE, MANAGE, allowed, owned_or_404
from surveys.workspace import campaign_tables, check_editable

from . import documents as docs
from .disclosed import withheld
from .draft import Draft, draft_swot
from .models import QUADRANTS, SwotDocument
from .spec import app_specs

STATIC = Path(__file__).parent / "static"
QUADRANT_LABELS = {
    "S": _l("Strengths"),
    "W": _l("Weaknesses"),
    "O": _l("Opportunities"),
    "T": _l("Threats"),
}
READERS_OF_SMALL_GROUPS = ("psychologist",)  # who sees individual results; everyone else, what the policy shows

bp = Blueprint("swot", __name__, template_folder="templates")


@bp.record_once
def _check_specs(setup_state) -> None:
    """Validate every questionnaire's extensions.swot at start-up; invalid ones are logged and ignored."""
    app_specs(setup_state.app)


class EditForm(FlaskForm):
    """The draft's text: one textarea per quadrant (a point per line) and the conclusion."""

    S = TextAreaField(_l("Strengths"), validators=[Length(max=20000)])
    W = TextAreaField(_l("Weaknesses"), validators=[Length(max=20000)])
    O = TextAreaField(_l("Opportunities"), validators=[Length(max=20000)])  # noqa: E741 - the quadrant's letter
    T = TextAreaField(_l("Threats"), validators=[Length(max=20000)])
    conclusion = TextAreaField(_l("Conclusion"), validators=[Length(max=20000)])


class DraftForm(FlaskForm):
    """The "make a draft from the answers" button: the wave and the form ("" = all forms)."""

    wave = HiddenField()
    form = HiddenField()


def _locale() -> str:
    return str(get_locale() or "ru")


def _readable() -> None:
    if not allowed(*EVERYONE):
        abort(403)


def _editable() -> None:
    if not allowed(*MANAGE):
        abort(403)


def _hide_small() -> bool:
    """Everyone but the psychologist sees the SWOT as the disclosure policy shows it (issue 20)."""
    return not allowed(*READERS_OF_SMALL_GROUPS)


def shown_points(document: SwotDocument | None, quadrant: str) -> list[dict]:
    """A document's points of one quadrant; for viewers, without the points the disclosure policy withholds
    (from a group under MIN_GROUP, or letting one be worked out), decided once per document and request."""
    if document is None:
        return []
    if not _hide_small():
        return document.points(quadrant)
    decided, answers = g.setdefault("swot_withheld", {}), g.setdefault("swot_answers", {})
    if document.id not in decided:  # the campaign's answers are read once per request, whatever the documents
        if document.campaign_id not in answers:
            answers[document.campaign_id] = campaign_tables(db.session.get(Campaign, document.campaign_id)).answers
        decided[document.id] = docs.withheld_in(document, answers[document.campaign_id])
    return [p for i, p in enumerate(document.points(quadrant)) if (quadrant, i) not in decided[document.id]]


@bp.app_template_global("swot_points")
def _swot_points(document, quadrant):
    """Templates: the points of a document's quadrant that the current user may see."""
    return shown_points(document, quadrant)


def _selection(campaign: Campaign, wave_id: int | None, form: str | None):
    """The wave, the form and the SWOT answer rows of the campaign; unknown choices are a 404."""
    specs = app_specs()
    rows = [r for r in campaign_tables(campaign).answers if r["instrument"] in specs]
    waves = {w.id: w for w in campaign.waves}
    if wave_id is None:
        answered = [w for w in campaign.waves if any(r["wave_id"] == w.id for r in rows)]
        wave = (answered or campaign.waves or [None])[-1]
    else:
        wave = waves.get(wave_id) or abort(404)
    stored = db.session.execute(db.select(SwotDocument.form).filter_by(campaign_id=campaign.id).distinct()).scalars()
    forms = sorted({r["form"] for r in rows if r["form"]} | {f for f in stored if f})
    form = form or ""
    if form and form not in forms:
        abort(404)
    return specs, rows, wave, forms, form


def automatic(specs, rows, wave: Wave | None, form: str) -> Draft:
    """The automatic points of one wave and form ("" = all forms)."""
    if wave is None:
        return Draft()
    return draft_swot(specs, rows, min_group(), wave_id=wave.id, form=form or None)


def _workspace(campaign: Campaign, wave_id: int | None, form: str | None, edit_form: EditForm | None = None):
    specs, rows, wave, forms, form = _selection(campaign, wave_id, form)
    draft = automatic(specs, rows, wave, form)
    # the viewer: nothing from a group under MIN_GROUP, nor what would let one be worked out (the policy)
    hide = withheld(draft, min_group()) if _hide_small() else {}
    auto = {q: [p for p in draft.points(q) if id(p) not in hide] for q in QUADRANTS}
    neutral = [p for p in draft.neutral if id(p) not in hide]
    facts = [f for f in draft.facts if id(f) not in hide]
    hidden = sum(len(draft.points(q)) - len(auto[q]) for q in QUADRANTS)
    hidden += len(draft.neutral) - len(neutral) + len(draft.facts) - len(facts)
    document = docs.find_draft(campaign.id, wave.id, form) if wave else None
    versions = docs.approved_versions(campaign.id, wave.id, form) if wave else []
    previous = docs.previous_cycle(campaign, form)
    if document is not None and edit_form is None and allowed(*MANAGE):
        edit_form = EditForm(
            formdata=None,
            conclusion=document.conclusion,
            **{q: "\n".join(p["text"] for p in shown_points(document, q)) for q in QUADRANTS},
        )
    return render_template(
        "swot/workspace.html",
        campaign=campaign,
        wave=wave,
        forms=forms,
        form=form,
        draft=draft,
        auto=auto,
        neutral=neutral,
        facts=facts,
        hidden=hidden,
        specs=specs,
        document=document,
        edit_form=edit_form,
        make_form=DraftForm(formdata=None, wave=wave.id if wave else "", form=form),
        versions=versions,
        current=versions[0] if versions else document,
        previous=previous,
        previous_campaign=db.session.get(Campaign, previous.campaign_id) if previous else None,
        previous_wave=db.session.get(Wave, previous.wave_id) if previous else None,
        people=docs.people(document, previous, *versions),
        can_edit=allowed(*MANAGE),
        labels=QUADRANT_LABELS,
        quadrants=QUADRANTS,
        locale=_locale(),
        min_group=min_group(),
    ), (400 if edit_form is not None and edit_form.errors else 200)


@bp.get("/campaigns/<int:campaign_id>")
@login_required
def campaign(campaign_id: int):
    """The SWOT workspace of a campaign: ``?wave=<id>&form=<name>`` (no form: all forms)."""
    found = owned_or_404(Campaign, campaign_id)
    _readable()
    return _workspace(found, request.args.get("wave", type=int), request.args.get("form", ""))


def _back(document: SwotDocument):
    where = {"wave": document.wave_id, "form": document.form or None}
    return redirect(url_for("swot.campaign", campaign_id=document.campaign_id, **where))


@bp.post("/campaigns/<int:campaign_id>/draft")
@login_required
def make_draft(campaign_id: int):
    """Make the editable draft of a wave and form from its automatic points."""
    found = owned_or_404(Campaign, campaign_id)
    _editable()
    check_editable(found)
    form = DraftForm()
    if not form.validate_on_submit() or not (form.wave.data or "").isdigit():
        abort(400)
    specs, rows, wave, _forms, chosen = _selection(found, int(form.wave.data), form.form.data)
    existing = docs.find_draft(found.id, wave.id, chosen)
    if existing is not None:
        return _back(existing)
    draft = automatic(specs, rows, wave, chosen)
    hide, locale = withheld(draft, min_group()), _locale()  # made by staff who see aggregates only
    content = docs.content_from(draft, locale, hide)
    document = docs.create_draft(found, wave.id, chosen, content, current_user.id)
    try:
        db.session.commit()
    except IntegrityError:  # another curator made it at the same moment: use theirs
        db.session.rollback()
        return _back(docs.find_draft(found.id, wave.id, chosen) or abort(409))
    record("swot.save", f"swot:{document.id}", campaign=found.id, wave=wave.id, form=chosen, made="from answers")
    flash(_("The draft was made from the answers. Edit it below."))
    return _back(document)


def _edit(document_id: int) -> tuple[SwotDocument, EditForm | None]:
    document = owned_or_404(SwotDocument, document_id)
    _editable()
    check_editable(db.session.get(Campaign, document.campaign_id))
    if not document.is_draft:
        abort(400)
    form = EditForm()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        return document, form
    texts = {q: getattr(form, q).data for q in QUADRANTS}
    docs.save_draft(document, texts, form.conclusion.data, current_user.id)
    db.session.commit()
    counts = {q: len(document.points(q)) for q in QUADRANTS}
    record("swot.save", f"swot:{document.id}", campaign=document.campaign_id, wave=document.wave_id, **counts)
    return document, None


@bp.post("/documents/<int:document_id>/save")
@login_required
def save(document_id: int):
    """Save the draft: one point per line in each quadrant, and the conclusion."""
    document, invalid = _edit(document_id)
    if invalid is not None:
        return _workspace(db.session.get(Campaign, document.campaign_id), document.wave_id, document.form, invalid)
    flash(_("The draft was saved."))
    return _back(document)


@bp.post("/documents/<int:document_id>/approve")
@login_required
def approve(document_id: int):
    """Save the draft as posted, then freeze it as the next approved version."""
    document, invalid = _edit(document_id)
    if invalid is not None:
        return _workspace(db.session.get(Campaign, document.campaign_id), document.wave_id, document.form, invalid)
    version = docs.approve(document, current_user.id)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        flash(_("Someone approved this SWOT at the same moment. Check the versions and approve again."), "error")
        return _back(document)
    where = {"campaign": version.campaign_id, "wave": version.wave_id, "form": version.form}
    record("swot.approve", f"swot:{version.id}", version=version.version, draft=document.id, **where)
    flash(_("Version %(version)s was approved.", version=version.version))
    return _back(document)


@bp.get("/documents/<int:document_id>/print")
@login_required
def print_document(document_id: int):
    """A print-ready page: the 2×2 grid (S W / O T) and the conclusion, A4."""
    document = owned_or_404(SwotDocument, document_id)
    _readable()
    return render_template(
        "swot/print.html",
        document=document,
        campaign=db.session.get(Campaign, document.campaign_id),
        wave=db.session.get(Wave, document.wave_id),
        people=docs.people(document),
        labels=QUADRANT_LABELS,
        min_group=min_group() if _hide_small() else None,  # the threshold the page applied, if any
    )


@bp.get("/static/swot.css")
def stylesheet():
    """The plugin's stylesheet (a fixed path, so the route takes no arguments)."""
    return send_from_directory(STATIC, "swot.css", mimetype="text/css", max_age=3600)
