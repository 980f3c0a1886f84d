"""The OpenAPI 3 document of the API, built by apispec from the marshmallow schemas and each view's
``operation`` declaration (summary, docstring, scope, parameters, bodies, errors), served without
a token at ``/api/v1/openapi.json``."""

from __future__ import annotations

import re
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask, current_app, jsonify

from .blueprint import Operation, operation
from .errors import PREFIX
from .schemas import ErrorSchema

TITLE = "surveys API"
VERSION = "1"
DESCRIPTION = (
    "The JSON API of a questionnaire platform for school mentoring programmes. Every call but this document "
    "needs a staff API token of one organisation (`Authorization: Bearer <token>`), with the scope each "
    "operation names; another organisation's objects are 404. Lists come in pages. Errors share one shape "
    "(the Error schema). Reads of individual answers and scores and every import are written to the "
    "organisation's audit log. See docs/api.md."
)
ERROR_TEXTS = {
    400: "The query string or body is not valid: see error.fields.",
    401: "No token, or an unknown or revoked one.",
    403: "The token does not have the scope this operation needs.",
    404: "No such object in the token's organisation, or the plugin is not loaded.",
    409: "Something changed meanwhile: send the request again.",
    413: "The body is too large.",
    415: "The body is not JSON.",
    422: "Something sent is not valid: error.fields names every problem by its path.",
    429: "Too many requests: wait for Retry-After seconds.",
}
ARGUMENT = re.compile(r"<(?:(?P<converter>[a-z]+):)?(?P<name>\w+)>")
CACHE_KEY = "surveys_api_openapi"


def _path(rule: str) -> tuple[str, list[dict[str, Any]]]:
    """A Flask rule as an OpenAPI path, with its path parameters."""
    parameters = []
    for found in ARGUMENT.finditer(rule):
        kind = {"type": "integer", "minimum": 1} if found["converter"] == "int" else {"type": "string"}
        parameters.append({"in": "path", "name": found["name"], "required": True, "schema": kind})
    return ARGUMENT.sub(lambda m: "{" + m["name"] + "}", rule), parameters


def _error_statuses(declared: Operation, has_path_args: bool) -> list[int]:
    statuses = set(declared.errors)
    if declared.scope:
        statuses |= {401, 403, 429}
    if has_path_args:
        statuses.add(404)
    if declared.args is not None:
        statuses.add(400)
    if declared.body is not None:
        statuses |= {400, 413, 415, 422}
    return sorted(statuses)


def _operation(declared: Operation, endpoint: str, parameters: list[dict[str, Any]]) -> dict[str, Any]:
    description = declared.description
    if declared.scope:
        description += f"\n\nScope: `{declared.scope}`."
    result: dict[str, Any] = {"type": "object"} if declared.result is None else declared.result
    found: dict[str, Any] = {
        "operationId": endpoint.removeprefix("api."),
        "summary": declared.summary,
        "description": description,
        "tags": [declared.tag] if declared.tag else [],
        "parameters": parameters + ([{"in": "query", "schema": declared.args}] if declared.args else []),
        "security": [{"bearer": []}] if declared.scope else [],
        "responses": {str(declared.status): {"description": "OK", "content": {"application/json": {"schema": result}}}},
    }
    if declared.scope:
        found["x-scope"] = declared.scope
    if declared.audited:
        found["x-audited"] = True  # each call is written to the organisation's audit log
    if declared.body is not None:
        found["requestBody"] = {"required": True, "content": {"application/json": {"schema": declared.body}}}
    for status in _error_statuses(declared, any(p["in"] == "path" for p in parameters)):
        found["responses"][str(status)] = {"$ref": f"#/components/responses/Error{status}"}
    found["responses"]["default"] = {"$ref": "#/components/responses/Error"}
    return found


def build_document(app: Flask) -> dict[str, Any]:
    """The OpenAPI document of every view mounted with ``operation`` on ``app``."""
    spec = APISpec(
        title=TITLE,
        version=VERSION,
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        info={"description": DESCRIPTION},
    )
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.schema("Error", schema=ErrorSchema)
    error_content = {"application/json": {"schema": "Error"}}
    spec.components.response("Error", {"description": "Any other error (405, 500, 503, …).", "content": error_content})
    for status, text in ERROR_TEXTS.items():
        spec.components.response(f"Error{status}", {"description": text, "content": error_content})
    paths: dict[str, dict[str, Any]] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        declared = getattr(app.view_functions.get(rule.endpoint), "api_operation", None)
        if declared is None or not rule.rule.startswith(PREFIX):
            continue
        path, parameters = _path(rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = _operation(declared, rule.endpoint, parameters)
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()


@operation("/openapi.json", summary="This document (OpenAPI 3), no token needed", scope=None, tag="meta")
def openapi():
    """The OpenAPI 3 document of the API, generated from its schemas."""
    document = current_app.extensions.get(CACHE_KEY)
    if document is None:
        document = current_app.extensions[CACHE_KEY] = build_document(current_app)
    return jsonify(document)
