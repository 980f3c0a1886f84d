"""One error shape for everything under ``/api/v1``, never an HTML page.

``{"error": {"status": 404, "code": "not_found", "message": "…", "fields": {"page": ["…"]}}}``:
``fields`` appears only for problems with what was sent, each named by its path (``page``,
``responses.2.answers.gad7_1``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Flask, current_app, jsonify, request
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException, MethodNotAllowed, default_exceptions

from ..extensions import db

PREFIX = "/api/v1"
LOCALES = ("ru", "en")
CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}
MESSAGES = {
    400: _l("The request could not be understood."),
    401: _l("A valid API token is needed: send it as 'Authorization: Bearer <token>'."),
    403: _l("This token may not do this."),
    404: _l("Not found."),
    405: _l("This action is not allowed here."),
    409: _l("Something changed meanwhile: send the request again."),
    413: _l("What you sent is too large."),
    415: _l("Send the body as JSON (Content-Type: application/json)."),
    422: _l("Some of what you sent is not valid: see the fields."),
    429: _l("Too many requests: wait and try again."),
    500: _l("Something went wrong on our side."),
    503: _l("The service is busy for a moment. Try again in a minute."),
}


class ApiError(Exception):
    """A refusal with its status, code, message, per-field problems and extra headers."""

    def __init__(
        self,
        status: int,
        message: Any = None,
        *,
        code: str | None = None,
        fields: Mapping[str, list[str]] | None = None,
        headers: Mapping[str, str] | None = None,
    ):
        super().__init__(status, message)
        self.status = status
        self.message = message
        self.code = code or CODES.get(status, "error")
        self.fields = dict(fields) if fields else None
        self.headers = dict(headers or {})


def api_locale() -> str:
    """The language of messages: the best of ``Accept-Language`` (ru, en), else the default."""
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    return request.accept_languages.best_match(LOCALES, default=default) if request else default


def flatten(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """Marshmallow's nested error messages as ``{"a.0.b": ["…"]}``; ``_schema`` stands for the level itself."""
    if isinstance(messages, Mapping):
        flat: dict[str, list[str]] = {}
        for key, value in messages.items():
            name = prefix if key == "_schema" else f"{prefix}.{key}" if prefix else str(key)
            for path, found in flatten(value, name).items():
                flat.setdefault(path, []).extend(found)
        return flat
    if isinstance(messages, list | tuple):
        if all(isinstance(item, str) for item in messages):
            return {prefix or "body": [str(item) for item in messages]}
        flat = {}
        for item in messages:
            for path, found in flatten(item, prefix).items():
                flat.setdefault(path, []).extend(found)
        return flat
    return {prefix or "body": [str(messages)]}


def error_body(status: int, code: str, message: Any, fields: Mapping[str, list[str]] | None = None) -> dict:
    """The body of every error answer."""
    body: dict[str, Any] = {"status": status, "code": code, "message": str(message)}
    if fields:
        body["fields"] = {str(k): [str(m) for m in v] for k, v in fields.items()}
    return {"error": body}


def error_response(error: ApiError):
    """The JSON answer of an ``ApiError``, in the caller's language, never cached."""
    with force_locale(api_locale()):
        message = error.message if error.message is not None else MESSAGES.get(error.status, "")
        response = jsonify(error_body(error.status, error.code, message, error.fields))
    response.status_code = error.status
    response.headers["Cache-Control"] = "no-store"
    for name, value in error.headers.items():
        response.headers[name] = value
    return response


def from_http(error: HTTPException) -> ApiError:
    """The ``ApiError`` of a werkzeug exception (404, 405, 413, …), keeping its ``Allow`` header."""
    headers = {}
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        headers["Allow"] = ", ".join(sorted(error.valid_methods))
    status = error.code or 500
    return ApiError(status, None if status in MESSAGES else error.name, headers=headers)


def _database_unavailable(error: Exception):
    current_app.logger.warning("database unavailable: %s", error)
    try:
        db.session.rollback()
    except Exception:  # the connection is gone; the pool replaces it
        db.session.close()
    return error_response(ApiError(503, headers={"Retry-After": "5"}))


def handle_errors(bp: Blueprint) -> None:
    """JSON errors for everything the API's views (and its ``before_request``) raise."""
    bp.register_error_handler(ApiError, error_response)
    bp.register_error_handler(HTTPException, lambda error: error_response(from_http(error)))
    # The app's HTML pages are registered by status code, which Flask prefers to a class: answer
    # every status by code here too (500 covers any unhandled exception).
    for status in sorted(default_exceptions):
        bp.register_error_handler(status, lambda error: error_response(from_http(error)))
    for kind in (sa.exc.OperationalError, sa.exc.InterfaceError):
        bp.register_error_handler(kind, _database_unavailable)


def handle_routing_errors(app: Flask) -> None:
    """JSON errors for unknown paths and wrong methods under ``/api/v1``, which never reach a blueprint."""

    @app.before_request
    def api_routing_errors():
        """Answer a routing error under /api/v1 in the API's shape (elsewhere, leave it to the HTML pages)."""
        routing = request.routing_exception
        if routing is None or not (request.path == PREFIX or request.path.startswith(PREFIX + "/")):
            return None
        if isinstance(routing, HTTPException) and (routing.code or 0) >= 400:
            return error_response(from_http(routing))
        return None
