"""Staff pages for importing participants into a programme from a CSV or XLSX file, and its templates."""

from __future__ import annotations

from flask import Response, current_app, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import RadioField
from wtforms.fields.choices import SelectChoice

from surveys.core.models import ROLES, Programme
from surveys.web import MANAGE, ROLE_LABELS, owned_or_404, require_role, staff_blueprint
from surveys.workspace.archiving import check_editable
from surveys.workspace.people_columns import (
    COLUMN_LABELS,
    COLUMNS,
    HEADER_ALIASES,
    PERSONAL,
    REQUIRED,
    ROLE_WORDS,
)
from surveys.workspace.people_files import MAX_BYTES, template_csv, template_xlsx
from surveys.workspace.people_import import ALL_OR_NOTHING, MODES, VALID_ROWS, run_import

bp = staff_blueprint("people_import", __name__)

MODE_LABELS = {
    ALL_OR_NOTHING: _l("Import nothing unless every row is correct"),
    VALID_ROWS: _l("Import the correct rows and list the others"),
}
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class UploadForm(FlaskForm):
    """An upload of one CSV or XLSX file (the pairs import uses it as it is)."""

    file = FileField(
        _l("File (CSV or XLSX)"),
        validators=[
            FileRequired(message=_l("Choose a file to import.")),
            FileAllowed(["csv", "xlsx"], message=_l("Only CSV and XLSX files can be imported.")),
        ],
    )


class ImportForm(UploadForm):
    """The participants upload: the file and what to do with rows that have problems."""

    mode = RadioField(
        _l("If some rows have problems"),
        choices=[SelectChoice(k, MODE_LABELS[k]) for k in MODES],
        default=ALL_OR_NOTHING,
    )


def _locale() -> str:
    return "ru" if str(get_locale()) == "ru" else "en"


def _programme_url(programme: Programme) -> str | None:
    """The programme's page, when the programme pages are installed."""
    if "programmes.programme" in current_app.view_functions:
        return url_for("programmes.programme", programme_id=programme.id)
    return None


def _page_context(programme: Programme) -> dict:
    return {
        "programme": programme,
        "programme_url": _programme_url(programme),
        "columns": COLUMNS,
        "required": REQUIRED,
        "personal": PERSONAL,
        "column_labels": COLUMN_LABELS,
        "header_aliases": HEADER_ALIASES,
        "roles": [(role, ROLE_LABELS[role], (role, *ROLE_WORDS[role])) for role in ROLES],
        "max_mb": MAX_BYTES >> 20,
    }


@bp.route("/programmes/<int:programme_id>/import", methods=["GET", "POST"])
@require_role(*MANAGE)
def upload(programme_id: int):
    """The upload form; a valid POST imports the file and shows what happened, row by row."""
    programme = owned_or_404(Programme, programme_id)
    if request.method == "POST":
        check_editable(programme)
    form = ImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read(MAX_BYTES + 1)
        report = run_import(programme, upload.filename or "", data, current_user, form.mode.data)
        return render_template(
            "staff/people_import_result.html",
            report=report,
            mode_label=MODE_LABELS[report.mode],
            **_page_context(programme),
        )
    return render_template("staff/people_import.html", form=form, **_page_context(programme))


@bp.get("/programmes/<int:programme_id>/import/template.csv")
@require_role(*MANAGE)
def template_as_csv(programme_id: int):
    """The CSV template (UTF-8 with BOM, ``;``-separated)."""
    programme = owned_or_404(Programme, programme_id)
    return Response(
        template_csv(_locale()),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="participants-{programme.id}.csv"'},
    )


@bp.get("/programmes/<int:programme_id>/import/template.xlsx")
@require_role(*MANAGE)
def template_as_xlsx(programme_id: int):
    """The XLSX template with drop-down lists of the programme's roles and forms of mentoring."""
    programme = owned_or_404(Programme, programme_id)
    return Response(
        template_xlsx(programme, _locale()),
        mimetype=XLSX_TYPE,
        headers={"Content-Disposition": f'attachment; filename="participants-{programme.id}.xlsx"'},
    )
