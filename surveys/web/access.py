"""Who may see what.

Staff reach only their own organisations' data: anything else is a 404, so the existence of
another school's objects is never revealed. Inside an organisation, the member's role decides
what they may do (``require_role``); the deployment admin (``User.is_admin``) may do everything
everywhere.

Roles: ``admin`` (runs the organisation and its staff), ``curator`` (runs programmes,
participants, campaigns, links and exports), ``psychologist`` (adds methods and reads
individual results), ``viewer`` (the school administration: aggregated results only).
"""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, abort, g, make_response
from flask_login import current_user, login_required

from surveys.core.models import Campaign, Invitation, Membership, Wave
from surveys.extensions import db
from surveys.staff_context import current_organisation, organisation_ids  # noqa: F401 - part of the views' access surface

MANAGE = ("admin", "curator")  # change programmes, people, campaigns, links; download exports
INDIVIDUAL = ("psychologist",)  # read individual results
EVERYONE = ("admin", "curator", "psychologist", "viewer")


def current_role() -> str | None:
    """The staff member's role in the current organisation (``admin`` for the deployment admin)."""
    if not current_user.is_authenticated:
        return None
    if current_user.is_admin:
        return "admin"
    organisation = current_organisation()
    cached = g.get("staff_role")
    if cached is not None and cached[0] == (current_user.id, organisation.id):
        return cached[1]
    role = db.session.execute(
        db.select(Membership.role).filter_by(user_id=current_user.id, organisation_id=organisation.id)
    ).scalar_one_or_none()
    g.staff_role = ((current_user.id, organisation.id), role)  # once per request, however many checks
    return role


def allowed(*roles: str) -> bool:
    return current_user.is_authenticated and (current_user.is_admin or current_role() in roles)


def require_role(*roles: str):
    """Let the view run only for members whose role in the current organisation is one of ``roles``."""

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not allowed(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorate


def owned_or_404(model, object_id: int):
    """Load an object that has ``organisation_id``; 404 unless it belongs to the current organisation."""
    found = db.session.get(model, object_id)
    if found is None or found.organisation_id != current_organisation().id:
        abort(404)
    return found


def wave_or_404(wave_id: int) -> Wave:
    wave = db.session.get(Wave, wave_id)
    if wave is None:
        abort(404)
    owned_or_404(Campaign, wave.campaign_id)
    return wave


def invitation_or_404(invitation_id: int) -> Invitation:
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None:
        abort(404)
    wave_or_404(invitation.wave_id)
    return invitation


def no_store(view):
    """The view's answers carry ``Cache-Control: no-store``: individual data and personal links are never
    kept by the browser's cache, a shared computer's disk or a proxy."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        response = make_response(view(*args, **kwargs))
        response.headers["Cache-Control"] = "no-store"
        return response

    return wrapper


def staff_blueprint(name: str, import_name: str, templates: str = "../templates") -> Blueprint:
    """A blueprint under ``/staff`` whose every view needs a signed-in staff member.

    ``templates`` is its feature's template folder, relative to the module's own folder: a feature's
    pages live in ``<feature>/pages/`` and its templates in ``<feature>/templates/``."""
    bp = Blueprint(name, import_name, url_prefix="/staff", template_folder=templates)

    @bp.before_request
    @login_required
    def require_login():
        """Every staff page needs a signed-in user."""

    return bp
