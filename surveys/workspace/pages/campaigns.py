"""Staff pages: campaigns, waves, links, participants and the workbook download."""

from __future__ import annotations

import secrets

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from wtforms.fields.choices import SelectChoice

from surveys.audit import record
from surveys.core.instrument_models import InstrumentTexts
from surveys.core.models import Campaign, Participant, PersonalData, Programme
from surveys.extensions import db
from surveys.instruments import catalogue, needs_texts, versions
from surveys.staff_context import current_organisation
from surveys.state import get_state
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
from surveys.workspace.campaigns import (
    add_wave,
    create_campaign,
    wave_status,
)
from surveys.workspace.pages.forms import CampaignForm, ParticipantForm, WaveForm
from surveys.workspace.people import enrol

bp = staff_blueprint("staff", __name__)


@bp.get("/")
@require_role(*EVERYONE)
def index():
    if current_role() == "viewer":  # the school administration starts at the dashboard
        return redirect(url_for("dashboard.dashboard"))
    organisation = current_organisation()
    campaigns = db.session.execute(
        db.select(Campaign).filter_by(organisation_id=organisation.id).order_by(Campaign.id.desc())
    ).scalars()
    return render_template("staff/index.html", organisation=organisation, campaigns=list(campaigns))


def _instrument_choices(organisation_id: int):
    """Every loaded instrument; key-only ones without the organisation's text pack are shown disabled."""
    instruments = sorted(catalogue(organisation_id).values(), key=lambda i: i.id)
    choices = []
    for instrument in instruments:
        label = f"{instrument.title.get(str(get_locale()))} ({instrument.id})"
        if needs_texts(organisation_id, instrument):
            label += " — " + _("needs item texts")
            choices.append(SelectChoice(instrument.id, label, render_kw={"disabled": True}))
        else:
            choices.append(SelectChoice(instrument.id, label))
    return choices


@bp.route("/campaigns/new", methods=["GET", "POST"])
@require_role(*MANAGE)
def new_campaign():
    organisation = current_organisation()
    form = CampaignForm()
    form.instruments.choices = _instrument_choices(organisation.id)
    form.programme.choices = [SelectChoice(0, _("— none: all the organisation's participants —"))] + [
        SelectChoice(p.id, p.name)
        for p in db.session.execute(
            db.select(Programme).filter_by(organisation_id=organisation.id).order_by(Programme.id.desc())
        ).scalars()
    ]
    known = {choice.value for choice in form.instruments.choices if not (choice.render_kw or {}).get("disabled")}
    if form.validate_on_submit():
        chosen = [i for i in form.instruments.data if i in known]
        refused = [i for i in form.instruments.data if i not in known]
        if refused:
            message = _("Add the item texts of %(ids)s on the Questionnaires page first.", ids=", ".join(refused))
            form.instruments.errors.append(message)
            return render_template("staff/campaign_new.html", form=form)
        campaign = create_campaign(organisation, form.name.data.strip(), chosen, form.wave_name.data.strip())
        campaign.programme_id = form.programme.data or None
        db.session.commit()
        flash(_("Campaign created."))
        return redirect(url_for("staff.campaign", campaign_id=campaign.id))
    return render_template("staff/campaign_new.html", form=form)


@bp.get("/campaigns/<int:campaign_id>")
@require_role(*EVERYONE)
def campaign(campaign_id: int):
    found = owned_or_404(Campaign, campaign_id)
    state = get_state()
    analyses = [a for a in state.registry.analyses.values() if a.endpoint]
    statuses = {wave.id: wave_status(wave) for wave in found.waves}
    return render_template(
        "staff/campaign.html",
        campaign=found,
        programme=db.session.get(Programme, found.programme_id) if found.programme_id else None,
        can_export=True,
        registry=state.registry,
        statuses=statuses,
        analyses=analyses,
        wave_form=WaveForm(),
    )


@bp.post("/campaigns/<int:campaign_id>/assignments")
@require_role(*MANAGE)
def assignments(campaign_id: int):
    """Which roles get each instrument, e.g. mentees anxiety and satisfaction, teachers burnout."""
    found = owned_or_404(Campaign, campaign_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    chosen = {
        a.id: [r for r in ROLE_LABELS if r in request.form.getlist(f"audience-{a.id}")] for a in found.assignments
    }
    kinds = {a.id: [k for k in WAVE_LABELS if k in request.form.getlist(f"waves-{a.id}")] for a in found.assignments}
    empty = [a.instrument_id for a in found.assignments if not chosen[a.id] or not kinds[a.id]]
    if empty:
        flash(_("Choose at least one role and one wave for: %(ids)s.", ids=", ".join(empty)), "error")
        return redirect(url_for("staff.campaign", campaign_id=found.id))
    for assignment in found.assignments:
        assignment.audience = chosen[assignment.id]
        # every kind ticked is the same as none: the instrument goes to every wave
        assignment.wave_kinds = [] if len(kinds[assignment.id]) == len(WAVE_LABELS) else kinds[assignment.id]
    db.session.commit()
    record(
        "campaign.assignments",
        f"campaign:{found.id}",
        audience={a.instrument_id: a.audience for a in found.assignments},
        waves={a.instrument_id: a.wave_kinds for a in found.assignments},
    )
    flash(_("Roles saved."))
    return redirect(url_for("staff.campaign", campaign_id=found.id))


@bp.post("/campaigns/<int:campaign_id>/waves")
@require_role(*MANAGE)
def new_wave(campaign_id: int):
    found = owned_or_404(Campaign, campaign_id)
    form = WaveForm()
    if form.validate_on_submit():
        add_wave(found, form.kind.data, form.name.data.strip())
        flash(_("Wave added."))
    else:
        flash(_("The wave was not added: give it a name and a kind."), "error")
    return redirect(url_for("staff.campaign", campaign_id=found.id))


def _programme_choices(organisation) -> list[SelectChoice]:
    rows = db.session.execute(
        db.select(Programme).filter_by(organisation_id=organisation.id).order_by(Programme.id.desc())
    ).scalars()
    return [SelectChoice(0, "—")] + [SelectChoice(p.id, p.name) for p in rows]


@bp.route("/participants", methods=["GET", "POST"])
@require_role(*MANAGE)
def participants():
    """Add one participant (bulk: import a file on the programme's page); names are kept apart."""
    organisation = current_organisation()
    form = ParticipantForm()
    form.programme.choices = _programme_choices(organisation)
    if form.validate_on_submit():
        code = (form.code.data or "").strip() or secrets.token_hex(3).upper()
        taken = db.session.execute(
            db.select(Participant).filter_by(organisation_id=organisation.id, code=code)
        ).scalar_one_or_none()
        if taken:
            form.code.errors.append(_("This code is already used in your organisation."))
        else:
            person = Participant(
                organisation_id=organisation.id,
                code=code,
                role=form.role.data,
                form=(form.form.data or "").strip(),
                group_name=(form.group.data or "").strip(),
                tags=[t.strip() for t in (form.tags.data or "").replace(";", ",").split(",") if t.strip()],
            )
            db.session.add(person)
            db.session.flush()
            if form.programme.data:
                enrol(person, form.programme.data, person.role, person.form, person.group_name)
            if (form.full_name.data or "").strip() or form.birth_year.data or form.sex.data:
                db.session.add(
                    PersonalData(
                        participant_id=person.id,
                        full_name=(form.full_name.data or "").strip(),
                        birth_year=form.birth_year.data,
                        sex=form.sex.data or "",
                    )
                )
            db.session.commit()
            flash(_("Participant %(code)s added.", code=code))
            return redirect(url_for("staff.participants"))
    rows = db.session.execute(
        db.select(Participant).filter_by(organisation_id=organisation.id).order_by(Participant.code)
    ).scalars()
    return render_template("staff/participants.html", form=form, participants=list(rows))


@bp.get("/instruments")
@require_role(*EVERYONE)
def instruments():
    state = get_state()
    organisation = current_organisation()
    rows = sorted(catalogue(organisation.id).values(), key=lambda i: i.id)
    packs = set(
        db.session.execute(
            db.select(InstrumentTexts.instrument_id).filter_by(organisation_id=organisation.id)
        ).scalars()
    )
    return render_template(
        "staff/instruments.html",
        instruments=rows,
        owner=state.registry.instrument_owner,
        packs=packs,
        uploads=versions(organisation.id),
        can_add_texts=allowed("admin", "psychologist"),
    )
