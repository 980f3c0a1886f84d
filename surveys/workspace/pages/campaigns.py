"""Staff pages: campaigns, waves, links, participants and the workbook download."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from wtforms.fields.choices import SelectChoice

from surveys.core.models import Campaign
from surveys.instruments import PREVIEW, campaign_choices, instruments_of
from surveys.staff_context import current_organisation
from surveys.web import (
    EVERYONE,
    MANAGE,
    ROLE_LABELS,
    WAVE_LABELS,
    ActionForm,
    allowed,
    current_role,
    owned_or_404,
    require_role,
    staff_blueprint,
)
from surveys.workspace import campaign_editing as editing
from surveys.workspace.archiving import check_editable
from surveys.workspace.audience import campaign_forms
from surveys.workspace.lifecycle import split_archived
from surveys.workspace.minors import has_pupils
from surveys.workspace.pages.forms import CampaignForm, ParticipantForm, WaveForm
from surveys.workspace.pages.manage import manage_context
from surveys.workspace.programme_editing import programmes_of

bp = staff_blueprint("staff", __name__)


@bp.get("/")
@require_role(*EVERYONE)
def index():
    if current_role() == "viewer":  # the school administration starts at the dashboard
        return redirect(url_for("dashboard.dashboard"))
    organisation = current_organisation()
    active, archived = split_archived(editing.campaigns_of(organisation))
    return render_template(
        "staff/index.html",
        organisation=organisation,
        campaigns=active,
        archived=archived,
        can_manage=allowed(*MANAGE),  # the psychologist reads campaigns but does not make them
    )


def instrument_choices(organisation_id: int):
    """Every loaded instrument; key-only ones without the organisation's text pack are shown disabled."""
    choices = []
    for instrument, needs_texts in campaign_choices(organisation_id):
        label = f"{instrument.title.get(str(get_locale()))} ({instrument.id})"
        if needs_texts:
            label += " — " + _("needs item texts")
            choices.append(SelectChoice(instrument.id, label, render_kw={"disabled": True}))
        else:
            choices.append(SelectChoice(instrument.id, label))
    return choices


def _programme_choices(organisation, none_label: str) -> list[SelectChoice]:
    active = [p for p in programmes_of(organisation) if p.archived_at is None]  # an archived one takes nothing new
    return [SelectChoice(0, none_label)] + [SelectChoice(p.id, p.name) for p in active]


@bp.route("/campaigns/new", methods=["GET", "POST"])
@require_role(*MANAGE)
def new_campaign():
    organisation = current_organisation()
    form = CampaignForm()
    form.instruments.choices = instrument_choices(organisation.id)
    form.programme.choices = _programme_choices(organisation, _("— none: all the organisation's participants —"))
    known = {choice.value for choice in form.instruments.choices if not (choice.render_kw or {}).get("disabled")}
    if form.validate_on_submit():
        chosen = [i for i in form.instruments.data if i in known]
        refused = [i for i in form.instruments.data if i not in known]
        if refused:
            message = _("Add the item texts of %(ids)s on the Questionnaires page first.", ids=", ".join(refused))
            form.instruments.errors.append(message)
            return render_template("staff/campaign_new.html", form=form)
        campaign = editing.start_campaign(
            organisation, form.name.data, chosen, form.wave_name.data, form.programme.data
        )
        flash(_("Campaign created."))
        if campaign.consent_mode == "guardian":
            flash(_("The programme has pupils: by default, their parents' consent. Record it on «Guardians' consent»."))
        return redirect(url_for("staff.campaign", campaign_id=campaign.id))
    return render_template("staff/campaign_new.html", form=form)


@bp.get("/campaigns/<int:campaign_id>")
@require_role(*EVERYONE)
def campaign(campaign_id: int):
    page = editing.campaign_page(owned_or_404(Campaign, campaign_id))
    return render_template(
        "staff/campaign.html",
        **manage_context(page.campaign),
        campaign=page.campaign,
        programme=page.programme,
        can_export=True,
        registry=page.registry,
        statuses=page.statuses,
        analyses=page.analyses,
        groups=page.groups,
        wave_form=WaveForm(),
        self_with_pupils=page.campaign.consent_mode == "self" and has_pupils(page.campaign),
    )


@bp.post("/campaigns/<int:campaign_id>/assignments")
@require_role(*MANAGE)
def assignments(campaign_id: int):
    """Which roles get each instrument, e.g. mentees anxiety and satisfaction, teachers burnout."""
    found = owned_or_404(Campaign, campaign_id)
    check_editable(found)
    if not ActionForm().validate_on_submit():
        abort(400)
    ticked = request.form.getlist
    audiences = {a.id: [r for r in ROLE_LABELS if r in ticked(f"audience-{a.id}")] for a in found.assignments}
    kinds = {a.id: [k for k in WAVE_LABELS if k in ticked(f"waves-{a.id}")] for a in found.assignments}
    offered = campaign_forms(found)  # a form not offered on the page cannot be ticked
    forms = {a.id: [f for f in offered if f in ticked(f"forms-{a.id}")] for a in found.assignments}
    empty = editing.save_assignments(found, audiences, kinds, len(WAVE_LABELS), forms)
    if empty:
        flash(_("Choose at least one role and one wave for: %(ids)s.", ids=", ".join(empty)), "error")
    else:
        flash(_("Roles saved."))
    return redirect(url_for("staff.campaign", campaign_id=found.id))


@bp.post("/campaigns/<int:campaign_id>/waves")
@require_role(*MANAGE)
def new_wave(campaign_id: int):
    found = owned_or_404(Campaign, campaign_id)
    check_editable(found)
    form = WaveForm()
    if form.validate_on_submit():
        editing.new_wave(found, form.kind.data, form.name.data)
        flash(_("Wave added."))
    else:
        flash(_("The wave was not added: give it a name and a kind."), "error")
    return redirect(url_for("staff.campaign", campaign_id=found.id))


@bp.route("/participants", methods=["GET", "POST"])
@require_role(*MANAGE)
def participants():
    """Add one participant (bulk: import a file on the programme's page); names are kept apart."""
    organisation = current_organisation()
    form = ParticipantForm()
    form.programme.choices = _programme_choices(organisation, "—")
    if form.validate_on_submit():
        typed = editing.NewParticipant(
            code=form.code.data or "",
            role=form.role.data,
            form=form.form.data or "",
            group=form.group.data or "",
            tags=form.tags.data or "",
            programme_id=form.programme.data,
            full_name=form.full_name.data or "",
            birth_year=form.birth_year.data,
            sex=form.sex.data or "",
        )
        person = editing.add_participant(organisation, typed)
        if person is None:
            form.code.errors.append(_("This code is already used in your organisation."))
        else:
            flash(_("Participant %(code)s added.", code=person.code))
            return redirect(url_for("staff.participants"))
    return render_template(
        "staff/participants.html",
        form=form,
        participants=editing.participants_of(organisation),
        can_erase=allowed("admin", "psychologist"),
    )


@bp.get("/instruments")
@require_role(*EVERYONE)
def instruments():
    found = instruments_of(current_organisation().id)
    return render_template(
        "staff/instruments.html",
        instruments=found.instruments,
        owner=found.owner,
        packs=found.packs,
        uploads=found.uploads,
        shadowed=found.shadowed,
        can_add_texts=allowed("admin", "psychologist"),
        can_preview=allowed(*PREVIEW),
    )
