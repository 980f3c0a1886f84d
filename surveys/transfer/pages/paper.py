"""Paper answers on a wave's page: download an entry template per questionnaire, upload it filled in.

Only members who manage the organisation (admins and curators) may do this; another
organisation's wave is a 404. Both the download and the import are written to the audit log.
"""

from __future__ import annotations

from flask import Response, abort, render_template
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired, FileSize
from wtforms import BooleanField, RadioField, SelectField
from wtforms.fields.choices import SelectChoice

from surveys.audit import record
from surveys.core.definitions import Instrument
from surveys.core.models import Wave
from surveys.instruments import instrument_for
from surveys.state import get_state
from surveys.transfer.paper import PaperImportResult, eligible_codes, import_paper
from surveys.transfer.paper_reading import PaperError, read_filled
from surveys.transfer.paper_template import entry_template
from surveys.web import MANAGE, no_store, require_role, staff_blueprint, wave_or_404

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


def wave_instruments(wave: Wave) -> list[Instrument]:
    """The questionnaires of the wave's campaign that are loaded, in the campaign's order."""
    organisation_id = wave.campaign.organisation_id
    found = (instrument_for(organisation_id, a.instrument_id) for a in wave.campaign.assignments)
    return [i for i in found if i is not None]


@bp.get("/waves/<int:wave_id>/paper/<instrument_id>.xlsx")
@require_role(*MANAGE)
@no_store
def template(wave_id: int, instrument_id: str):
    """The entry template of one questionnaire, prefilled with the codes of the people it is for."""
    wave = wave_or_404(wave_id)
    instrument = next((i for i in wave_instruments(wave) if i.id == instrument_id), None)
    if instrument is None:
        abort(404)
    codes = eligible_codes(wave, instrument.id)
    data = entry_template(instrument, get_state().registry, str(get_locale()), codes)
    record("paper.template", f"wave:{wave.id}", instrument=instrument.id, count=len(codes))
    filename = f"paper-wave-{wave.id}-{instrument.id}.xlsx"
    return Response(data, mimetype=XLSX, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def run_import(wave: Wave, form: PaperImportForm) -> tuple[Instrument, PaperImportResult] | None:
    """Read and import the uploaded file; on a problem with the file as a whole, a form error and None."""
    instrument = instrument_for(wave.campaign.organisation_id, form.instrument.data)
    try:
        rows, problems = read_filled(instrument, get_state().registry, form.file.data.read())
        result = import_paper(wave, instrument, rows, form.mode.data, problems, replace_online=form.replace_online.data)
    except PaperError as err:
        form.file.errors.append(str(err))
        return None
    record(
        "paper.import",
        f"wave:{wave.id}",
        instrument=instrument.id,
        mode=result.mode,
        created=result.created,
        updated=result.updated,
        unchanged=result.unchanged,
        rejected=result.rejected,
        problems=len(result.problems),
        replace_online=bool(form.replace_online.data),
    )
    return instrument, result


@bp.route("/waves/<int:wave_id>/paper", methods=["GET", "POST"])
@require_role(*MANAGE)
def paper(wave_id: int):
    """GET: the templates and the upload form. POST: import the file and show what happened."""
    wave = wave_or_404(wave_id)
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
