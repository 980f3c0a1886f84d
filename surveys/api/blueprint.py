"""The ``/api/v1`` blueprint and ``operation``, the decorator every API view is declared with.

``operation`` mounts the view and records what the OpenAPI document says about it (its scope,
query and body schemas, result schema, error statuses), so the document and the checks made on
each request come from the same declaration. Query strings are checked by their schema before
the view runs; a problem is a 400 naming the field.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from flask import Blueprint, g, request
from flask_babel import force_locale
from marshmallow import RAISE, Schema, ValidationError
from werkzeug.exceptions import BadRequest

from ..extensions import csrf
from .auth import authenticate, require_scope, setting
from .errors import PREFIX, ApiError, api_locale, flatten, handle_errors

bp = Blueprint("api", __name__, url_prefix=PREFIX)
csrf.exempt(bp)  # token authentication only: no cookies, so no cross-site requests to guard against
PUBLIC = {"api.openapi"}  # endpoints that need no token
handle_errors(bp)


@dataclass(frozen=True)
class Operation:
    """What the OpenAPI document says about one view, and what is checked before it runs."""

    summary: str
    description: str
    scope: str | None
    args: type[Schema] | None = None
    body: type[Schema] | None = None
    result: type[Schema] | None = None
    status: int = 200
    errors: tuple[int, ...] = ()
    tag: str = ""
    audited: bool = False


@bp.before_request
def authenticate_request():
    """Every API call but the OpenAPI document needs a live token; bodies are capped in size."""
    request.max_content_length = setting("SURVEYS_API_MAX_BODY")
    if request.endpoint in PUBLIC:
        return
    g.api_token = authenticate()


@bp.after_request
def never_cached(response):
    """No answer of the API is kept by a cache: they hold individual data and change from call to call."""
    response.headers["Cache-Control"] = "no-store"
    return response


def load_args(schema: type[Schema]) -> dict[str, Any]:
    """The query string loaded by ``schema``; 400 naming each bad or unknown parameter."""
    try:
        return schema(unknown=RAISE).load(request.args.to_dict())
    except ValidationError as err:
        raise ApiError(400, fields=flatten(err.messages)) from err


def load_body(schema: type[Schema]) -> dict[str, Any]:
    """The JSON body loaded by ``schema``; 415 when it is not JSON, 400 when it does not parse, 422 naming
    each bad or unknown field."""
    if not request.is_json:
        raise ApiError(415)
    try:
        data = request.get_json()
    except (BadRequest, RecursionError) as err:  # not JSON, or nested too deep to read
        raise ApiError(400, fields={"body": ["not valid JSON"]}) from err
    try:
        return schema().load(data)
    except ValidationError as err:
        raise ApiError(422, fields=flatten(err.messages)) from err


def operation(
    rule: str, *, summary: str, scope: str | None, methods: tuple[str, ...] = ("GET",), **details: Any
) -> Callable:
    """Mount an API view at ``rule`` and declare it (see ``Operation``).

    The view gets the loaded query string as ``args`` when ``details`` names an ``args`` schema.
    It runs in the caller's language (``Accept-Language``: ru or en).
    """

    def decorate(view: Callable) -> Callable:
        declared = Operation(summary=summary, description=inspect.getdoc(view) or "", scope=scope, **details)

        @wraps(view)
        def run(**kwargs: Any):
            with force_locale(api_locale()):
                if declared.scope:
                    require_scope(declared.scope)
                if declared.args is not None:
                    kwargs["args"] = load_args(declared.args)
                return view(**kwargs)

        run.api_operation = declared
        bp.add_url_rule(rule, view_func=run, methods=list(methods))
        return run

    return decorate
