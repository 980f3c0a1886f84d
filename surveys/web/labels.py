"""What every template may use: the shared labels, and for a signed-in staff member what they may do.

Features add their own labels with their blueprints' ``app_context_processor``."""

from __future__ import annotations

from flask import current_app
from flask_login import current_user

from surveys.core.threshold import min_group
from surveys.web.access import MANAGE, allowed
from surveys.web.forms import ROLE_LABELS, STAFF_ROLE_LABELS, WAVE_LABELS, ActionForm


def labels() -> dict:
    """The staff-only parts only for a signed-in staff member, so that participant pages get no CSRF
    token (and no session cookie) from here."""
    common = {
        "ROLE_LABELS": ROLE_LABELS,
        "WAVE_LABELS": WAVE_LABELS,
        "STAFF_ROLE_LABELS": STAFF_ROLE_LABELS,
        "endpoints": current_app.view_functions,
        "MIN_GROUP": min_group(),  # the disclosure threshold every caption names (docs/privacy.md)
    }
    if not current_user.is_authenticated:
        return {**common, "can_manage": False, "can_audit": False, "menu_manage": False, "menu_find": False}
    return {
        **common,
        "action_form": ActionForm(),
        "can_manage": allowed(*MANAGE),  # a page may narrow it (an archived campaign's page shows no edits)
        "menu_manage": allowed(*MANAGE),  # the menu's own: the same on every page
        "menu_find": allowed("psychologist"),  # no participants list: finding one by code, e.g. to erase
        "can_audit": allowed("admin"),
    }
