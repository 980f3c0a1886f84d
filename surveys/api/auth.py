"""Who is calling: the bearer token, its rate limit, and the failed attempts of a client address.

Only the ``Authorization`` header counts. Session cookies are never read, so a signed-in staff
member's browser cannot make API calls on their behalf (and cross-site requests gain nothing).
Counters live in the database (``surveys/throttle.py``), so every app server sees the same counts.
"""

from __future__ import annotations

from flask import current_app, g, request
from flask_babel import lazy_gettext as _l

from surveys import throttle

from ..core.api_models import ApiToken
from ..core.models import utcnow
from .errors import ApiError
from .tokens import bearer, find_token

LAST_USED_EVERY = 60  # seconds: how often ``last_used_at`` is written for a busy token


def setting(name: str) -> int:
    """An API setting (``SURVEYS_API_*``; defaults and integer conversion in surveys/config.py)."""
    return current_app.config[name]


def seconds_left(window: int) -> int:
    """Seconds until the current fixed window ends (the windows of ``throttle``), at least 1."""
    epoch = int(utcnow().timestamp())
    return max(1, window - epoch % window)


def _too_many(window: int) -> ApiError:
    wait = seconds_left(window)
    message = _l("Too many requests: wait %(seconds)s seconds and try again.", seconds=wait)
    return ApiError(429, message, headers={"Retry-After": str(wait)})


def _refused() -> ApiError:
    return ApiError(401, headers={"WWW-Authenticate": 'Bearer realm="surveys"'})


def authenticate() -> ApiToken:
    """The live token the request carries, counted against its rate limit.

    A missing, unknown or revoked token is a 401 with the same body and the same work, and is
    counted against the client address; an address past its limit gets 429 for every token until
    its window ends, so it cannot go on telling good tokens from bad ones.
    """
    address = request.remote_addr or "unknown"
    bad_key, bad_window = f"api-bad-token:{address}", setting("SURVEYS_API_BAD_TOKEN_WINDOW")
    if throttle.exceeded(bad_key, setting("SURVEYS_API_BAD_TOKEN_LIMIT"), bad_window):
        raise _too_many(bad_window)
    token = find_token(bearer(request.headers.get("Authorization")))
    if token is None:
        throttle.hit(bad_key, bad_window)
        raise _refused()
    now = utcnow()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() >= LAST_USED_EVERY:
        token.last_used_at = now  # committed with the counter below
    window = setting("SURVEYS_API_RATE_WINDOW")
    if throttle.hit(f"api-token:{token.id}", window) > setting("SURVEYS_API_RATE_LIMIT"):
        raise _too_many(window)
    return token


def current_token() -> ApiToken:
    """The token of the current API request (set before every view runs)."""
    return g.api_token


def require_scope(scope: str) -> None:
    """Refuse (403) unless the current token has ``scope``."""
    if not current_token().allows(scope):
        raise ApiError(403, _l("This token does not have the scope %(scope)s.", scope=scope))
