"""The linking page of a campaign: attrition between waves, unmatched codes, and merging two codes."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from surveys.core.models import Campaign
from surveys.web import MANAGE, owned_or_404, require_role, staff_blueprint
from surveys.workspace.archiving import check_editable
from surveys.workspace.linking import MergeError, merge_codes, sections

bp = staff_blueprint("linking", __name__)


class MergeForm(FlaskForm):
    keep = SelectField(_l("Keep this code (answered the earlier wave)"), coerce=int, validators=[InputRequired()])
    drop = SelectField(
        _l("Merge into it this code (answered the later wave)"), coerce=int, validators=[InputRequired()]
    )


def _sections(campaign: Campaign) -> list[tuple]:
    """Each pair of waves with its merge form: the codes seen only before, and only after."""
    rows = []
    for section in sections(campaign):
        form = MergeForm(prefix=f"w{section.after.id}")
        form.keep.choices = [SelectChoice(p.id, p.code) for p in section.found.before_only]
        form.drop.choices = [SelectChoice(p.id, p.code) for p in section.found.after_only]
        rows.append((section.before, section.after, section.found, form))
    return rows


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
    check_editable(campaign)
    section = next((s for s in _sections(campaign) if s[1].id == wave_id), None)
    if section is None:
        return redirect(url_for("linking.linking", campaign_id=campaign.id))
    form = section[3]
    if not form.validate_on_submit():
        flash(_("Choose one code on each side."), "error")
        return redirect(url_for("linking.linking", campaign_id=campaign.id))
    try:
        keep, drop = merge_codes(campaign, form.keep.data, form.drop.data)
    except MergeError as err:
        flash(_("The codes were not merged: %(why)s.", why=str(err)), "error")
        return redirect(url_for("linking.linking", campaign_id=campaign.id))
    flash(_("%(drop)s was merged into %(keep)s.", drop=drop, keep=keep))
    return redirect(url_for("linking.linking", campaign_id=campaign.id))
