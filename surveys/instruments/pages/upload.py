"""Uploading a questionnaire file for the organisation (the psychologist's page)."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired, FileSize

from surveys.instruments.titles import instrument_title
from surveys.instruments.uploads import MAX_BYTES, upload_questionnaire
from surveys.staff_context import current_organisation
from surveys.web import require_role, staff_blueprint

bp = staff_blueprint("uploads", __name__)
bp.add_app_template_global(instrument_title)  # {{ instrument_title(organisation_id, id) }} on every page


class InstrumentUploadForm(FlaskForm):
    file = FileField(
        _l("Questionnaire file (YAML or JSON)"),
        validators=[
            FileRequired(_l("Choose the questionnaire file.")),
            FileSize(MAX_BYTES, message=_l("The file is too large: at most 512 KB.")),
        ],
    )


@bp.route("/instruments/upload", methods=["GET", "POST"])
@require_role("admin", "psychologist")
def upload():
    """Check a questionnaire file and store it as a new version for this organisation."""
    form = InstrumentUploadForm()
    problems: tuple[str, ...] = ()
    if form.validate_on_submit():
        organisation = current_organisation()
        upload_file = form.file.data
        result = upload_questionnaire(organisation, upload_file.filename or "", upload_file.read(), current_user.id)
        if result.instrument is not None:
            instrument = result.instrument
            flash(
                _(
                    "Questionnaire %(id)s, version %(version)s, is uploaded and can be used in campaigns.",
                    id=instrument.id,
                    version=instrument.version,
                )
            )
            for warning in result.warnings:
                flash(warning, "warning")
            return redirect(url_for("staff.instruments"))
        problems = result.problems
    return render_template("staff/instrument_upload.html", form=form, problems=problems), 422 if problems else 200
