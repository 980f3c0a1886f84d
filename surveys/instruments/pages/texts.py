"""Uploading the item texts of a key-only instrument (the psychologist's page)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired, FileSize

from surveys.instruments.text_packs import add_pack, text_ids
from surveys.staff_context import current_organisation
from surveys.state import get_state
from surveys.web import require_role, staff_blueprint

bp = staff_blueprint("texts", __name__)
MAX_PACK = 1024 * 1024


class TextPackForm(FlaskForm):
    file = FileField(
        _l("Text pack (YAML or JSON)"),
        validators=[
            FileRequired(_l("Choose the file with the item texts.")),
            FileSize(MAX_PACK, message=_l("The file is too large: at most 1 MB.")),
        ],
    )


@bp.route("/instruments/<instrument_id>/texts", methods=["GET", "POST"])
@require_role("admin", "psychologist")
def upload(instrument_id: str):
    """Add (or replace) the organisation's item texts for a key-only instrument."""
    instrument = get_state().instrument(instrument_id)
    if instrument is None or not instrument.key_only:
        abort(404)
    form = TextPackForm()
    problems: list[str] = []
    if form.validate_on_submit():
        upload_name = form.file.data.filename or "texts.yaml"
        data = form.file.data.read()
        count, problems = add_pack(current_organisation().id, instrument, upload_name, data, current_user.id)
        if not problems:
            flash(_("Item texts added: %(n)s items. The questionnaire can now be used in campaigns.", n=count))
            return redirect(url_for("staff.instruments"))
    return render_template(
        "staff/instrument_texts.html",
        instrument=instrument,
        form=form,
        problems=problems,
        item_ids=text_ids(instrument),
    )
