"""WTForms and labels shared by every feature's staff pages."""

from __future__ import annotations

from flask import flash
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

ROLE_LABELS = {
    "mentor": _l("Mentor"),
    "mentee": _l("Mentee"),
    "curator": _l("Curator"),
    "teacher": _l("Teacher"),
    "parent": _l("Parent"),
    "employer": _l("Employer or partner"),
    "other": _l("Other"),
}


STAFF_ROLE_LABELS = {
    "admin": _l("Administrator"),
    "curator": _l("Curator"),
    "psychologist": _l("Psychologist"),
    "viewer": _l("Viewer (school administration)"),
}


WAVE_LABELS = {
    "input": _l("Input wave"),
    "intermediate": _l("Intermediate wave"),
    "output": _l("Output wave"),
}


class ActionForm(FlaskForm):
    """A button that changes something: CSRF-protected, no fields."""


def flash_errors(form: FlaskForm) -> None:
    """Each field's errors as a flashed message naming the field, for forms that redirect on failure."""
    for field in form:
        for error in field.errors:
            flash(f"{field.label.text}: {error}", "error")
