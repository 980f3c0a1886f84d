"""A programme's indicators that do not come from surveys: entered per period, imported from XLSX,
shown as a trend against the target. Everyone in the organisation reads them; curators enter them."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from surveys.core.models import Programme
from surveys.core.report_models import Indicator
from surveys.extensions import db
from surveys.reporting import indicator_editing as editing
from surveys.reporting.indicators import (
    COLUMNS,
    parse_period,
)
from surveys.reporting.pages.forms import IndicatorForm, IndicatorImportForm, IndicatorValueForm
from surveys.web import EVERYONE, MANAGE, allowed, owned_or_404, require_role, staff_blueprint
from surveys.workspace import check_editable

bp = staff_blueprint("indicators", __name__)


def _page(programme: Programme, add=None, value_forms=None, upload=None, problems=(), status=200):
    shown = [
        (
            indicator,
            points,
            chart,
            (value_forms or {}).get(indicator.id) or IndicatorValueForm(prefix=f"v{indicator.id}"),
        )
        for indicator, points, chart in editing.shown(programme)
    ]
    page = render_template(
        "staff/indicators.html",
        programme=programme,
        indicators=shown,
        add_form=add or IndicatorForm(prefix="add"),
        upload_form=upload or IndicatorImportForm(prefix="upload"),
        problems=problems,
        can_manage=allowed(*MANAGE),
        indicator_columns=COLUMNS,  # the importer reads these Russian headers in either language
    )
    return page, status


@bp.get("/programmes/<int:programme_id>/indicators")
@require_role(*EVERYONE)
def indicators(programme_id: int):
    return _page(owned_or_404(Programme, programme_id))


@bp.post("/programmes/<int:programme_id>/indicators")
@require_role(*MANAGE)
def add(programme_id: int):
    programme = owned_or_404(Programme, programme_id)
    check_editable(programme)
    form = IndicatorForm(prefix="add")
    if not form.validate_on_submit():
        return _page(programme, add=form, status=400)
    higher = form.higher_is_better.data == "yes"
    editing.add_indicator(programme, form.name.data, form.unit.data or "", form.target.data, higher)
    flash(_("Indicator added."))
    return redirect(url_for("indicators.indicators", programme_id=programme.id))


@bp.post("/indicators/<int:indicator_id>/values")
@require_role(*MANAGE)
def add_value(indicator_id: int):
    indicator = owned_or_404(Indicator, indicator_id)
    programme = db.session.get(Programme, indicator.programme_id)
    check_editable(programme)
    form = IndicatorValueForm(prefix=f"v{indicator.id}")
    period = parse_period(form.period.data) if form.period.data else None
    if form.validate_on_submit() and period is None:
        form.period.errors = [*form.period.errors, _("Write the month as 2025-09.")]
    if form.errors or period is None:
        return _page(programme, value_forms={indicator.id: form}, status=400)
    editing.save_value(indicator, period, form.value.data, form.note.data or "", current_user.id)
    flash(_("Value saved."))
    return redirect(url_for("indicators.indicators", programme_id=programme.id))


@bp.post("/programmes/<int:programme_id>/indicators/import")
@require_role(*MANAGE)
def upload(programme_id: int):
    """Import indicators and values from XLSX: all rows or, if any row has a problem, none."""
    programme = owned_or_404(Programme, programme_id)
    check_editable(programme)
    form = IndicatorImportForm(prefix="upload")
    if not form.validate_on_submit():
        return _page(programme, upload=form, status=400)
    counts, problems = editing.import_file(programme, form.file.data.stream, current_user.id)
    if problems:
        return _page(programme, upload=form, problems=problems, status=400)
    if counts is None:
        abort(400)
    flash(_("Imported: %(values)s values, %(indicators)s new indicators.", **counts))
    return redirect(url_for("indicators.indicators", programme_id=programme.id))
