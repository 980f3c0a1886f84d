"""The web layer every feature's pages share.

Owns the base templates and static files, sign-in and its limits, access control (roles, the
organisation boundary, ``staff_blueprint``), shared staff forms, health checks, trusted proxies and the
URL id converter. Features' domain modules never import it; their pages do.
"""

from .access import (
    EVERYONE,
    INDIVIDUAL,
    MANAGE,
    allowed,
    current_role,
    invitation_or_404,
    no_store,
    owned_or_404,
    require_role,
    staff_blueprint,
    wave_or_404,
)
from .auth import fresh_session
from .forms import ROLE_LABELS, STAFF_ROLE_LABELS, WAVE_LABELS, ActionForm, flash_errors
from .ids import row_id

__all__ = [
    "ActionForm",
    "EVERYONE",
    "INDIVIDUAL",
    "MANAGE",
    "ROLE_LABELS",
    "STAFF_ROLE_LABELS",
    "WAVE_LABELS",
    "allowed",
    "flash_errors",
    "current_role",
    "fresh_session",
    "invitation_or_404",
    "no_store",
    "owned_or_404",
    "require_role",
    "row_id",
    "staff_blueprint",
    "wave_or_404",
]
