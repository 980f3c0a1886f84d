"""Schemathesis runs every operation of /api/v1/openapi.json against the app in-process (WSGI) with a
valid token: no answer may be a 5xx, and every answer must conform to the document (status, content
type, headers, body schema). Generated ids mostly name nothing (404); half the time the test puts the
real campaign and wave in the path, and most generated questionnaire ids are swapped for ids the API
lists, so that the answers with data are checked too. School A has uploaded a questionnaire with every
question type, and every questionnaire the API lists is fetched and checked against the document."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from marshmallow import Schema
from schemathesis.checks import positive_data_acceptance
from schemathesis.core.parameters import ParameterLocation

from surveys.api import schemas
from surveys.core.models import Organisation
from surveys.extensions import db
from surveys.instruments.uploads import store_upload
from surveys.state import get_state
from tests.api_support import PLUGINS, auth, build_school, token_for
from tests.conftest import FIXTURES

MAX_EXAMPLES = 25  # per operation and phase: the whole run stays well under a minute
EVERY_TYPE = FIXTURES / "browser_plugins" / "every_type" / "every_type.yaml"  # each built-in question type


@pytest.fixture
def api_school(make_app):
    """The app with two schools and a token of school A with every scope; limits out of the way."""
    app = make_app(SURVEYS_PLUGINS_PATH=PLUGINS, SURVEYS_API_RATE_LIMIT=10**6, SURVEYS_API_BAD_TOKEN_LIMIT=10**6)
    ours = build_school(app, "Школа A")
    build_school(app, "Школа B", upload=True)
    with app.test_request_context():
        organisation = db.session.get(Organisation, ours["organisation"])
        assert store_upload(organisation, EVERY_TYPE.name, EVERY_TYPE.read_bytes(), None).instrument is not None
    secret = token_for(app, ours["organisation"])
    ours["instrument_ids"] = listed_ids(app, secret)
    return app, ours, secret


def listed_ids(app, secret: str) -> list[str]:
    """Every questionnaire id ``GET /instruments`` lists, page by page."""
    ids, page, client = [], 1, app.test_client()
    while True:
        body = client.get(f"/api/v1/instruments?page={page}&per_page=5", headers=auth(secret)).get_json()
        ids += [item["id"] for item in body["items"]]
        if page >= body["pages"]:
            return ids
        page += 1


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
    generated_id = parameters.get("instrument_id")
    if not is_negative(case) and isinstance(generated_id, str):
        real = ours["instrument_ids"]  # one slot in len(real) + 1 keeps the generated id (mostly a 404)
        choice = sum(map(ord, generated_id)) % (len(real) + 1)
        parameters["instrument_id"] = real[choice] if choice < len(real) else generated_id
    # A case whose headers were made invalid on purpose (the token left out) is sent as generated.
    headers = None if is_negative(case, ParameterLocation.HEADER) else auth(secret)
    # Requests that fit the document may still name things that are not there (a wave of another
    # campaign, an unknown participant code): the API refuses those with 400 or 422, as it should, so
    # "schema-valid data must be accepted" does not hold here; every other check runs.
    case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])


def test_every_listed_questionnaire_is_described_as_the_document_says(api_school, api_schema):
    app, ours, secret = api_school
    operation = api_schema["/api/v1/instruments/{instrument_id}"]["GET"]
    types: set[str] = set()
    assert len(ours["instrument_ids"]) > 5 and "every_type" in ours["instrument_ids"]
    for instrument_id in ours["instrument_ids"]:
        case = operation.Case(path_parameters={"instrument_id": instrument_id})
        response = case.call_and_validate(headers=auth(secret))
        assert response.status_code == 200, (instrument_id, response.status_code)
        body = response.json()
        assert body["id"] == instrument_id
        types |= {question["type"] for page in body["pages"] for question in page["questions"]}
    with app.app_context():
        assert types >= set(get_state().registry.question_types)


def test_every_api_schema_reads_a_dict_by_its_keys_only():
    declared = [v for v in vars(schemas).values() if isinstance(v, type) and issubclass(v, Schema)]
    assert all(issubclass(v, schemas.ApiSchema) for v in declared if v is not Schema)
    assert issubclass(schemas.page_schema(schemas.QuestionSchema), schemas.ApiSchema)
    # a rating question has no matrix rows: a missing key is left out, not read as dict.items
    assert "items" not in schemas.QuestionSchema().dump({"id": "q", "type": "rating", "min": 1, "max": 5})
