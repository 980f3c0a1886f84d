"""The linking page of a campaign: attrition between waves, unmatched codes, and merging two codes."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from surveys.audit import record
from surveys.core.models import Campaign, Participant, Wave
from surveys.extensions import db
from surveys.web import MANAGE, owned_or_404, require_role, staff_blueprint
from surveys.workspace.linking import MergeError, attrition, campaign_wave_pairs, merge_participants

bp = staff_blueprint("linking", __name__)


class MergeForm(FlaskForm):
    keep = SelectField(_l("Keep this code (answered the earlier wave)"), coerce=int, validators=[InputRequired()])
    drop = SelectField(
        _l("Merge into it this code (answered the later wave)"), coerce=int, validators=[InputRequired()]
    )


def _sections(campaign: Campaign):
    sections = []
    for before_id, after_id in campaign_wave_pairs(campaign):
        before, after = db.session.get(Wave, before_id), db.session.get(Wave, after_id)
        found = attrition(before_id, after_id)
        form = MergeForm(prefix=f"w{after_id}")
        form.keep.choices = [SelectChoice(p.id, p.code) for p in found.before_only]
        form.drop.choices = [SelectChoice(p.id, p.code) for p in found.after_only]
        sections.append((before, after, found, form))
    return sections


@bp.get("/campaigns/<int:campaign_id>/linking")
@require_role(*MANAGE)
def linking(campaign_id: int):
    """Who answered which wave, and the codes that did not link up."""
    campaign = owned_or_404(Campaign, campaign_id)
    return render_template("staff/linking.html", campaign=campaign, sections=_sections(campaign))


@bp.post("/campaigns/<int:campaign_id>/linking/<int:wave_id>/merge")
@require_role(*MANAGE)
def merge(campaign_id: int, wave_id: int):
    """Merge an after-only code into a before-only code of the same person."""
    campaign = owned_or_404(Campaign, campaign_id)
    section = next((s for s in _sections(campaign) if s[1].id == wave_id), None)
    if section is None:
        return redirect(url_for("linking.linking", campaign_id=campaign.id))
    form = section[3]
    if not form.validate_on_submit():
        flash(_("Choose one code on each side."), "error")
        return redirect(url_for("linking.linking", campaign_id=campaign.id))
    keep = db.session.get(Participant, form.keep.data)
    drop = db.session.get(Participant, form.drop.data)
    codes = (keep.code, drop.code)
    try:
        moved = merge_participants(keep, drop)
    except MergeError as err:
        db.session.rollback()
        flash(_("The codes were not merged: %(why)s.", why=str(err)), "error")
        return redirect(url_for("linking.linking", campaign_id=campaign.id))
    record("participants.merge", f"campaign:{campaign.id}", keep=codes[0], merged=codes[1], moved=moved)
    flash(_("%(drop)s was merged into %(keep)s.", drop=codes[1], keep=codes[0]))
    return redirect(url_for("linking.linking", campaign_id=campaign.id))
