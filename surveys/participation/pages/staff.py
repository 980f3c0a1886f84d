"""Staff pages for how participants take part: a wave's page with its links, consent settings,
guardians' consents, when a wave is open, open links, and issuing and revoking personal links."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import to_user_timezone, to_utc
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from surveys.core.models import Campaign, OpenLink
from surveys.extensions import db
from surveys.participation import wave_admin as admin
from surveys.participation.consent import MODE_LABELS, SECTIONS, default_texts
from surveys.participation.pages.forms import ConsentSettingsForm, GuardianForm, OpenLinkForm, ScheduleForm
from surveys.web import (
    MANAGE,
    ROLE_LABELS,
    ActionForm,
    flash_errors,
    invitation_or_404,
    no_store,
    owned_or_404,
    require_role,
    staff_blueprint,
    wave_or_404,
)
from surveys.workspace import check_editable, has_pupils

bp = staff_blueprint("participation", __name__)


@bp.app_context_processor
def consent_labels():
    """The consent modes' names, for every page that shows a campaign."""
    return {"CONSENT_MODE_LABELS": MODE_LABELS}


def _local(value):
    return to_user_timezone(value).replace(tzinfo=None) if value else None


@bp.route("/campaigns/<int:campaign_id>/consent", methods=["GET", "POST"])
@require_role(*MANAGE)
def consent_settings(campaign_id: int):
    campaign = owned_or_404(Campaign, campaign_id)
    if request.method == "POST":
        check_editable(campaign)
    texts = campaign.consent_texts or {}
    saved = {"mode": campaign.consent_mode, "allow_editing": campaign.allow_editing, **texts}
    form = ConsentSettingsForm(data=saved | {"support_contact": campaign.support_contact})
    pupils = has_pupils(campaign)
    if form.validate_on_submit():
        confirm = admin.self_needs_confirmation(campaign, form.mode.data)
        if confirm and not form.confirm_self.data:
            form.confirm_self.errors = [_("Tick to confirm, or choose the parents' consent or the minor's own assent.")]
        else:
            chosen = admin.ConsentSettings(
                form.mode.data,
                form.allow_editing.data,
                {key: form[key].data for key in SECTIONS},
                form.support_contact.data or "",
                confirmed_self=confirm,
            )
            admin.save_consent_settings(campaign, chosen)
            flash(_("Consent settings saved."))
            return redirect(url_for("staff.campaign", campaign_id=campaign.id))
    return render_template(
        "staff/consent_settings.html", campaign=campaign, form=form, defaults=default_texts(), pupils=pupils
    )


@bp.route("/campaigns/<int:campaign_id>/guardians", methods=["GET", "POST"])
@require_role(*MANAGE)
def guardians(campaign_id: int):
    """Record which minors' guardians have consented (paper forms collected by the curator)."""
    campaign = owned_or_404(Campaign, campaign_id)
    if request.method == "POST":
        check_editable(campaign)
    found = admin.guardians_of(campaign)
    form = GuardianForm(data={"participants": sorted(found.recorded)})
    form.participants.choices = [
        SelectChoice(p.id, " · ".join(x for x in (p.code, p.group_name, found.names.get(p.id, "")) if x))
        for p in found.people
    ]
    if form.validate_on_submit():
        chosen = {int(i) for i in form.participants.data or []}
        added, withdrawn = admin.save_guardians(campaign, found.people, chosen, current_user.id)
        flash(_("Guardian consents saved: %(added)s added, %(withdrawn)s withdrawn.", added=added, withdrawn=withdrawn))
        return redirect(url_for("participation.guardians", campaign_id=campaign.id))
    return render_template("staff/guardians.html", campaign=campaign, form=form, recorded=found.recorded)


@bp.route("/waves/<int:wave_id>/schedule", methods=["POST"])
@require_role(*MANAGE)
def schedule(wave_id: int):
    wave = wave_or_404(wave_id)
    check_editable(wave)
    form = ScheduleForm()
    if form.validate_on_submit():
        opens_at = to_utc(form.opens_at.data) if form.opens_at.data else None
        closes_at = to_utc(form.closes_at.data) if form.closes_at.data else None
        admin.schedule(wave, opens_at, closes_at, form.closed.data)
        flash(_("Wave dates saved."))
    else:
        flash_errors(form)
    return redirect(url_for("participation.wave", wave_id=wave.id))


def schedule_form(wave) -> ScheduleForm:
    return ScheduleForm(
        data={"opens_at": _local(wave.opens_at), "closes_at": _local(wave.closes_at), "closed": wave.closed}
    )


def open_link_form(wave) -> OpenLinkForm:
    form = OpenLinkForm()
    roles = sorted({role for a in wave.campaign.assignments for role in a.audience}) or list(ROLE_LABELS)
    form.role.choices = [SelectChoice(r, ROLE_LABELS.get(r, r)) for r in roles]
    return form


def open_link_url(token: str) -> str:
    return current_app.config["SURVEYS_BASE_URL"].rstrip("/") + url_for("open.start", token=token)


@bp.post("/waves/<int:wave_id>/open-links")
@require_role(*MANAGE)
def new_open_link(wave_id: int):
    wave = wave_or_404(wave_id)
    check_editable(wave)
    if wave.campaign.consent_mode == "guardian":
        flash(_("This campaign needs guardians' consent, which is recorded per person: use personal links."), "error")
        return redirect(url_for("participation.wave", wave_id=wave.id))
    form = open_link_form(wave)
    if not form.validate_on_submit():
        abort(400)
    link, token = admin.new_open_link(wave, form.role.data)
    return render_template("staff/open_link.html", wave=wave, link=link, url=open_link_url(token))


@bp.post("/open-links/<int:link_id>/revoke")
@require_role(*MANAGE)
def revoke_open_link(link_id: int):
    link = db.session.get(OpenLink, link_id)
    if link is None:
        abort(404)
    wave = wave_or_404(link.wave_id)
    check_editable(wave)
    if not ActionForm().validate_on_submit():
        abort(400)
    admin.stop_open_link(link)
    flash(_("The open link no longer works."))
    return redirect(url_for("participation.wave", wave_id=wave.id))


@bp.post("/invitations/<int:invitation_id>/revoke")
@require_role(*MANAGE)
def revoke_invitation(invitation_id: int):
    invitation = invitation_or_404(invitation_id)
    check_editable(invitation.wave)
    if not ActionForm().validate_on_submit():
        abort(400)
    admin.stop_link(invitation)
    flash(_("The link of %(code)s no longer works. Reissue it to give a new one.", code=invitation.participant.code))
    return redirect(url_for("participation.wave", wave_id=invitation.wave_id))


def link_for(token: str) -> str:
    return current_app.config["SURVEYS_BASE_URL"].rstrip("/") + url_for("participant.take", token=token)


@bp.get("/waves/<int:wave_id>")
@require_role(*MANAGE)
def wave(wave_id: int):
    found = wave_or_404(wave_id)
    page = admin.wave_page(found)
    return render_template(
        "staff/wave.html",
        wave=found,
        rows=page.rows,
        open_links=page.open_links,
        schedule_form=schedule_form(found),
        open_link_form=open_link_form(found),
    )


@bp.post("/waves/<int:wave_id>/links")
@require_role(*MANAGE)
@no_store
def make_links(wave_id: int):
    found = wave_or_404(wave_id)
    check_editable(found)
    if not ActionForm().validate_on_submit():
        abort(400)
    selected = {int(i) for i in request.form.getlist("selected") if i.isdigit()}
    only_selected = request.form.get("scope") == "selected"
    if only_selected and not selected:
        flash(_("Tick the participants who should get new links."), "error")
        return redirect(url_for("participation.wave", wave_id=found.id))
    issued = admin.new_links(found, selected, only_selected)
    links = [(p, link_for(token)) for p, token in issued]
    tokens = [token for _p, token in issued]
    declined = admin.declined_in(found)
    return render_template("staff/links.html", wave=found, links=links, tokens=tokens, declined=declined)


@bp.post("/invitations/<int:invitation_id>/reissue")
@require_role(*MANAGE)
def reissue(invitation_id: int):
    invitation = invitation_or_404(invitation_id)
    check_editable(invitation.wave)
    if not ActionForm().validate_on_submit():
        abort(400)
    token = admin.new_link(invitation)
    links = [(invitation.participant, link_for(token))]
    declined = {invitation.participant_id} if invitation.declined_at else set()
    return render_template("staff/links.html", wave=invitation.wave, links=links, tokens=[token], declined=declined)


@bp.post("/invitations/<int:invitation_id>/reset-decline")
@require_role(*MANAGE)
def reset_decline(invitation_id: int):
    """Clear a participant's decline (e.g. they told the curator they changed their mind)."""
    invitation = invitation_or_404(invitation_id)
    check_editable(invitation.wave)
    if not ActionForm().validate_on_submit():
        abort(400)
    if admin.reset_decline(invitation):
        code = invitation.participant.code
        flash(_("The decline of %(code)s is reset: their link shows the information page again.", code=code))
    return redirect(url_for("participation.wave", wave_id=invitation.wave_id))
