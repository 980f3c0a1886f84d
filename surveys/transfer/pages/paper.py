"""Paper answers on a wave's page: download an entry template per questionnaire, upload it filled in.

Only members who manage the organisation (admins and curators) may do this; another
organisation's wave is a 404. Both the download and the import are written to the audit log.
"""

from __future__ import annotations

from flask import Response, abort, render_template, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired, FileSize
from wtforms import BooleanField, RadioField, SelectField
from wtforms.fields.choices import SelectChoice

from surveys.core.definitions import Instrument
from surveys.core.models import Wave
from surveys.instruments import instrument_for
from surveys.transfer.paper import PaperImportResult
from surveys.transfer.paper_entry import import_filled, template_for, wave_instruments
from surveys.transfer.paper_reading import PaperError
from surveys.web import MANAGE, no_store, require_role, staff_blueprint, wave_or_404
from surveys.workspace import check_editable

bp = staff_blueprint("paper", __name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_UPLOAD = 5 * 1024 * 1024


class PaperImportForm(FlaskForm):
    """A filled template, which questionnaire it holds, and what to do with rows that have problems."""

    instrument = SelectField(_l("Questionnaire"))
    file = FileField(
        _l("Filled template (XLSX)"),
        validators=[
            FileRequired(_l("Choose the file to import.")),
            FileAllowed(["xlsx"], _l("Upload an XLSX file made from the template.")),
            FileSize(MAX_UPLOAD, message=_l("The file is too large: at most 5 MB.")),
        ],
    )
    mode = RadioField(
        _l("If some rows have problems"),
        choices=[
            SelectChoice("all_or_nothing", _l("Import nothing, so that I can fix the file and upload it again")),
            SelectChoice("valid_rows", _l("Import the rows without problems")),
        ],
        default="all_or_nothing",
    )
    replace_online = BooleanField(
        _l("Replace answers that participants typed online (each replacement is written to the audit log)")
    )


@bp.get("/waves/<int:wave_id>/paper/<instrument_id>.xlsx")
@require_role(*MANAGE)
@no_store
def template(wave_id: int, instrument_id: str):
    """The entry template of one questionnaire, prefilled with the codes of the people it is for."""
    wave = wave_or_404(wave_id)
    made = template_for(wave, instrument_id, str(get_locale()))
    if made is None:
        abort(404)
    instrument, data = made
    filename = f"paper-wave-{wave.id}-{instrument.id}.xlsx"
    return Response(data, mimetype=XLSX, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def run_import(wave: Wave, form: PaperImportForm) -> tuple[Instrument, PaperImportResult] | None:
    """Read and import the uploaded file; on a problem with the file as a whole, a form error and None."""
    instrument = instrument_for(wave.campaign.organisation_id, form.instrument.data)
    try:
        result = import_filled(wave, instrument, form.file.data.read(), form.mode.data, bool(form.replace_online.data))
    except PaperError as err:
        form.file.errors.append(str(err))
        return None
    return instrument, result


@bp.route("/waves/<int:wave_id>/paper", methods=["GET", "POST"])
@require_role(*MANAGE)
def paper(wave_id: int):
    """GET: the templates and the upload form. POST: import the file and show what happened."""
    wave = wave_or_404(wave_id)
    if request.method == "POST":
        check_editable(wave)
    instruments = wave_instruments(wave)
    locale = str(get_locale())
    form = PaperImportForm()
    form.instrument.choices = [SelectChoice(i.id, f"{i.title.get(locale)} ({i.id})") for i in instruments]
    if form.validate_on_submit():
        done = run_import(wave, form)
        if done is not None:
            instrument, result = done
            return render_template("staff/paper_result.html", wave=wave, instrument=instrument, result=result)
    return render_template("staff/paper.html", wave=wave, instruments=instruments, form=form, locale=locale)
