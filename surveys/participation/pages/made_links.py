"""The links just made, kept without reissuing: download them as XLSX or CSV, or print their slips.

The links page posts the fresh tokens back (a CSRF-protected form of hidden fields); only the live
invitations of that wave among them are kept (``link_files.live_links``), anything else is ignored and
counted. Nothing is issued here, so the links stay the ones just made. Answers are never cached.
"""

from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from surveys.participation import link_files
from surveys.participation.pages.slips import default_heading
from surveys.participation.pages.staff import link_for
from surveys.participation.slip_printing import print_made
from surveys.web import MANAGE, ROLE_LABELS, ActionForm, no_store, require_role, staff_blueprint, wave_or_404

bp = staff_blueprint("made_links", __name__)


def _kept(wave_id: int):
    wave = wave_or_404(wave_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    return wave, link_files.live_links(wave, request.form.getlist("token"))


def ignored_message(ignored: int) -> str:
    return ngettext(
        "%(num)d link sent with the form is not a working link of this wave and was left out.",
        "%(num)d links sent with the form are not working links of this wave and were left out.",
        ignored,
    )


def _role(role: str) -> str:
    return str(ROLE_LABELS.get(role, role))


@bp.post("/waves/<int:wave_id>/made-links.xlsx")
@require_role(*MANAGE)
@no_store
def download_xlsx(wave_id: int):
    """The links just made as a workbook: code, class or group, role, link."""
    return _download(wave_id, "xlsx")


@bp.post("/waves/<int:wave_id>/made-links.csv")
@require_role(*MANAGE)
@no_store
def download_csv(wave_id: int):
    """The links just made as a CSV file, with the workbook's columns."""
    return _download(wave_id, "csv")


def _download(wave_id: int, fmt: str):
    wave, kept = _kept(wave_id)
    if kept.ignored:
        flash(ignored_message(kept.ignored), "error")
    if not kept.links:
        flash(_("None of these links works any more: there is nothing to download."), "error")
        return redirect(url_for("participation.wave", wave_id=wave.id))
    headers = [_("Code"), _("Class or group"), _("Role"), _("Link")]
    rows = link_files.link_rows(kept, _role, link_for)
    write = link_files.links_xlsx if fmt == "xlsx" else link_files.links_csv
    body = write(headers, rows, _("Links"))
    link_files.record_download(wave, fmt, kept)
    response = make_response(body)
    response.headers["Content-Type"] = link_files.FORMATS[fmt]
    response.headers["Content-Disposition"] = f'attachment; filename="links-wave-{wave.id}.{fmt}"'
    return response


@bp.post("/waves/<int:wave_id>/made-links/slips")
@require_role(*MANAGE)
@no_store
def slips(wave_id: int):
    """Slips of the links just made: the same page as printing slips, but nothing is issued."""
    wave, kept = _kept(wave_id)
    printed = print_made(wave, kept.links, kept.groups, show=["code", "group"], url_of=link_for)
    ignored = ignored_message(kept.ignored) if kept.ignored else ""
    heading = default_heading(wave)
    return render_template("staff/slips.html", wave=wave, slips=printed, heading=heading, made=True, ignored=ignored)
