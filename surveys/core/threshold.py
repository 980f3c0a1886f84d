"""The disclosure threshold k of the running app: ``SURVEYS_MIN_GROUP`` (default 5, at least 2).

Every output that hides small groups asks here, once per page, export or answer, and passes k on to
the pure functions of ``disclosure`` and ``published``; outside an app (a script, a pure test) it is
the default, ``contracts.MIN_GROUP``.
"""

from __future__ import annotations

from flask import current_app, has_app_context

from .contracts import MIN_GROUP


def min_group() -> int:
    """k: values from fewer people than this are hidden from every audience but the psychologist."""
    if not has_app_context():
        return MIN_GROUP
    return int(current_app.config.get("SURVEYS_MIN_GROUP", MIN_GROUP))
