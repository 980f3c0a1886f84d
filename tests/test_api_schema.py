"""Schemathesis runs every operation of /api/v1/openapi.json against the app in-process (WSGI) with a
valid token: no answer may be a 5xx, and every answer must conform to the document (status, content
type, headers, body schema). Generated ids mostly name nothing (404); half the time the test puts the
real campaign and wave in the path, so that the answers with data are checked too."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import positive_data_acceptance
from schemathesis.core.parameters import ParameterLocation

from tests.api_support import PLUGINS, auth, build_school, token_for

MAX_EXAMPLES = 25  # per operation and phase: the whole run stays well under a minute


@pytest.fixture
def api_school(make_app):
    """The app with two schools and a token of school A with every scope; limits out of the way."""
    app = make_app(SURVEYS_PLUGINS_PATH=PLUGINS, SURVEYS_API_RATE_LIMIT=10**6, SURVEYS_API_BAD_TOKEN_LIMIT=10**6)
    ours = build_school(app, "Школа A")
    build_school(app, "Школа B", upload=True)
    return app, ours, token_for(app, ours["organisation"])


@pytest.fixture
def api_schema(api_school):
    app, _ours, _secret = api_school
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


schema = schemathesis.pytest.from_fixture("api_schema")


def is_negative(case, location: ParameterLocation | None = None) -> bool:
    """Whether schemathesis made this case (or its part at ``location``) invalid on purpose."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_negative:
        return False
    return location is None or meta.is_negative_at(location)


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_conforms_to_the_document(case, api_school):
    _app, ours, secret = api_school
    parameters = case.path_parameters or {}
    generated = parameters.get("campaign_id")
    valid_id = isinstance(generated, int) and not isinstance(generated, bool) and generated > 0
    if not is_negative(case) and valid_id and generated % 2 == 0:
        parameters["campaign_id"] = ours["campaign_id"]
        if "wave_id" in parameters:
            parameters["wave_id"] = ours["wave_id"]
    if not is_negative(case) and parameters.get("instrument_id", "").startswith("g"):
        parameters["instrument_id"] = "gad7"
    # A case whose headers were made invalid on purpose (the token left out) is sent as generated.
    headers = None if is_negative(case, ParameterLocation.HEADER) else auth(secret)
    # Requests that fit the document may still name things that are not there (a wave of another
    # campaign, an unknown participant code): the API refuses those with 400 or 422, as it should, so
    # "schema-valid data must be accepted" does not hold here; every other check runs.
    case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])
