"""Printable link slips for a wave: the curator picks a group and what to print, gets one slip per participant.

Links exist in clear only when they are issued, so printing slips issues them: new links for
participants who have none and, if the curator asks, new links for everyone else too (their old
links stop working at once). Names are personal data: they are printed only when chosen, and the
audit log records which fields were printed.
"""

from __future__ import annotations

from flask import make_response, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from surveys.core.field_checks import MultiCheckboxField
from surveys.core.models import Participant, Wave
from surveys.participation.pages.staff import link_for
from surveys.participation.slip_printing import natural_key, print_run, printable
from surveys.web import MANAGE, require_role, staff_blueprint, wave_or_404
from surveys.workspace import check_editable

bp = staff_blueprint("slips", __name__)

ALL_GROUPS = "all"
GROUP_PREFIX = "group:"  # a group's choice value; the prefix keeps any group name apart from ALL_GROUPS
FIELD_CHOICES = [
    SelectChoice("code", _l("Participant code")),
    SelectChoice("group", _l("Group")),
    SelectChoice("name", _l("Full name (personal data)")),
]


class SlipsForm(FlaskForm):
    """What to print: for whom, which fields, under which heading."""

    group = SelectField(_l("Group or class"))
    participants = RadioField(
        _l("Participants"),
        choices=[
            SelectChoice("new", _l("Only those without a link yet")),
            SelectChoice("all", _l("All, issuing new links (the old links stop working)")),
        ],
        default="new",
    )
    show = MultiCheckboxField(_l("Print on each slip"), choices=FIELD_CHOICES, default=["code", "group"])
    confirm_reissue = BooleanField(
        _l("I understand: everyone chosen who already has a link gets a new one, and their old link stops working")
    )
    heading = StringField(_l("Heading"), validators=[Optional(), Length(max=200)])
    only = HiddenField()  # comma-separated participant ids: reprinting for chosen people (e.g. non-responders)


def chosen_ids(text: str | None) -> set[int]:
    """The participant ids of ``only`` ("3,5,8"); anything that is not a number is ignored."""
    return {int(part) for part in (text or "").split(",") if part.strip().isdigit()}


def group_choices(participants: list[Participant], groups: dict[int, str]) -> list[SelectChoice]:
    """The choice of all groups, then each distinct group name of ``participants`` in natural order."""
    names = sorted({groups.get(p.id, "") for p in participants}, key=natural_key)
    return [SelectChoice(ALL_GROUPS, _("All groups"))] + [
        SelectChoice(GROUP_PREFIX + name, name or _("No group")) for name in names
    ]


def default_heading(wave: Wave) -> str:
    """The slips' heading unless the curator writes another: campaign — wave."""
    return f"{wave.campaign.name} — {wave.name}"


@bp.route("/waves/<int:wave_id>/slips", methods=["GET", "POST"])
@require_role(*MANAGE)
def print_slips(wave_id: int):
    """GET: the form. POST: issue the links, log what is printed, show the print page (never cached)."""
    wave = wave_or_404(wave_id)
    if request.method == "POST":
        check_editable(wave)  # printing issues links
    participants, groups = printable(wave)
    only = request.args.get("only", "")
    form = SlipsForm(heading=default_heading(wave), only=only, participants="all" if only else "new")
    form.group.choices = group_choices(participants, groups)
    valid = form.validate_on_submit()
    if valid and form.participants.data == "all" and not form.confirm_reissue.data:
        form.confirm_reissue.errors = [_("Tick to confirm that new links are made, or choose only those without one.")]
        valid = False
    if not valid:
        chosen = chosen_ids(form.only.data)
        return render_template("staff/slips_form.html", wave=wave, form=form, chosen=len(chosen))
    group = None
    if form.group.data != ALL_GROUPS:
        group = form.group.data.removeprefix(GROUP_PREFIX)
        participants = [p for p in participants if groups.get(p.id, "") == group]
    if form.only.data:
        chosen = chosen_ids(form.only.data)
        participants = [p for p in participants if p.id in chosen]
    reissue = form.participants.data == "all"
    show = [choice.value for choice in FIELD_CHOICES if choice.value in form.show.data]
    slips = print_run(wave, participants, groups, reissue=reissue, show=show, group=group, url_of=link_for)
    heading = (form.heading.data or "").strip() or default_heading(wave)
    page = render_template("staff/slips.html", wave=wave, slips=slips, heading=heading, reissue=reissue)
    response = make_response(page)
    response.headers["Cache-Control"] = "no-store"  # the links exist nowhere else
    return response
