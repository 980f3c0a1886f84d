"""The JSON API at ``/api/v1`` (docs/api.md), its staff page for tokens and its command.

Owns the API's tokens, schemas, errors and endpoints. Uses the features through their public
modules and the web layer's access control; no feature imports it.

| module | what it does |
|---|---|
| ``tokens`` | making, finding and revoking tokens; the scopes |
| ``auth`` | the bearer token of a request, rate limits, scope checks |
| ``blueprint`` | the blueprint and ``operation``, the declaration of every view |
| ``errors`` | the one error shape, also for unknown paths and methods |
| ``schemas`` | marshmallow schemas of every body |
| ``pagination`` | pages of lists |
| ``access`` | the organisation boundary, plugins, the audit log |
| ``instruments``, ``campaigns``, ``records``, ``importing``, ``analyses`` | the endpoints |
| ``batch`` | checking and importing a batch of answers (through the paper import's row checks) |
| ``openapi`` | the OpenAPI document |
| ``token_pages`` | the staff page: create, list and revoke tokens |
| ``cli`` | ``surveys api-token create|revoke|list`` |
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Mount the API and the tokens page, with JSON errors for everything under ``/api/v1``."""
    from . import (  # noqa: F401 - importing an endpoint module mounts its views on the blueprint
        analyses,
        campaigns,
        errors,
        importing,
        instruments,
        openapi,
        records,
        token_pages,
    )
    from .blueprint import bp

    errors.handle_routing_errors(app)
    app.register_blueprint(bp)
    app.register_blueprint(token_pages.bp)
