"""WTForms and labels shared by every feature's staff pages."""

from __future__ import annotations

from flask import flash
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

from surveys.core.export_labels import ROLES, WAVE_KINDS

ROLE_LABELS = ROLES  # one wording for roles and wave kinds on pages and in exports
WAVE_LABELS = WAVE_KINDS

STAFF_ROLE_LABELS = {
    "admin": _l("Administrator"),
    "curator": _l("Curator"),
    "psychologist": _l("Psychologist"),
    "viewer": _l("Viewer (school administration)"),
}


class ActionForm(FlaskForm):
    """A button that changes something: CSRF-protected, no fields."""


def flash_errors(form: FlaskForm) -> None:
    """Each field's errors as a flashed message naming the field, for forms that redirect on failure."""
    for field in form:
        for error in field.errors:
            flash(f"{field.label.text}: {error}", "error")
