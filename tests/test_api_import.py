"""Importing submitted answers through the API: stored and scored, idempotent, all or nothing, audited,
and only ever for the token's own organisation."""

from __future__ import annotations

import pytest

from surveys.core.log_models import AuditEvent
from surveys.core.models import Campaign, Organisation, Participant, Response, Score, utcnow
from surveys.extensions import db
from tests.api_support import PLUGINS, auth, build_school, error_of, gad7, token_for

WELLBEING = {"wb_calm": 3, "wb_tense": 2, "wb_happy": 4, "school_rating": 7, "club": "other", "club__other": "шахматы"}
BATCH = [
    {"participant": "P3", "instrument": "gad7", "answers": gad7([3, 3, 3, 3, 3, 3, 3])},
    {"participant": "P4", "instrument": "gad7", "answers": gad7([0, 0, 1, 0, 0, 1, 0])},
    {"participant": "P5", "instrument": "wellbeing_check", "answers": {**WELLBEING, "worries": "не спрашивали"}},
]
ENGLISH = {"Accept-Language": "en"}


@pytest.fixture
def app(make_app):
    return make_app(SURVEYS_PLUGINS_PATH=PLUGINS)


@pytest.fixture
def school(app):
    """School A with a token that may import; school B next door. Returns (ids of A, secret, ids of B)."""
    ours = build_school(app, "Школа A")
    theirs = build_school(app, "Школа B")
    return ours, token_for(app, ours["organisation"], ("responses:write",)), theirs


def url_of(ids: dict) -> str:
    return f"/api/v1/campaigns/{ids['campaign_id']}/waves/{ids['wave_id']}/responses"


def stored(app, organisation_id: int) -> dict[tuple[str, str], Response]:
    """The organisation's responses by (code, instrument), with their scores loaded."""
    with app.app_context():
        query = (
            db.select(Participant.code, Response)
            .join(Participant, Participant.id == Response.participant_id)
            .where(Participant.organisation_id == organisation_id)
        )
        found = {(code, r.instrument_id): r for code, r in db.session.execute(query)}
        for response in found.values():
            _ = response.scores
        return found


def test_a_valid_batch_is_stored_as_submitted_scored_and_audited(app, client, school):
    ours, secret, _theirs = school
    response = client.post(url_of(ours), headers=auth(secret), json={"responses": BATCH})
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"rows": 3, "created": 3, "updated": 0, "unchanged": 0}
    found = stored(app, ours["organisation"])
    p3, p4, p5 = found[("P3", "gad7")], found[("P4", "gad7")], found[("P5", "wellbeing_check")]
    assert {r.status for r in (p3, p4, p5)} == {"submitted"} and p3.wave_id == ours["wave_id"]
    assert p3.answers == gad7([3] * 7) and p3.instrument_version == "1"
    scores = {(r.participant_id, s.scale): s for r in (p3, p4, p5) for s in r.scores}
    # By hand from the key: GAD-7 total = sum of the 7 items; 15–21 severe, 0–4 minimal.
    assert (scores[(p3.participant_id, "total")].value, scores[(p3.participant_id, "total")].band) == (21, "severe")
    assert (scores[(p4.participant_id, "total")].value, scores[(p4.participant_id, "total")].band) == (2, "minimal")
    # wellbeing = calm + (5 − tense) + happy = 3 + 3 + 4 = 10: high (10–12).
    assert (scores[(p5.participant_id, "wellbeing")].value, scores[(p5.participant_id, "wellbeing")].band) == (
        10,
        "high",
    )
    assert "worries" not in p5.answers  # asked only when wb_tense ≥ 3: dropped, as on paper and online
    assert p5.answers["club__other"] == "шахматы"
    with app.app_context():
        event = db.session.execute(db.select(AuditEvent).filter_by(action="api.responses.import")).scalar_one()
        assert event.target == f"wave:{ours['wave_id']}" and event.organisation_id == ours["organisation"]
        assert event.details["created"] == 3 and event.details["instruments"] == ["gad7", "wellbeing_check"]


def test_the_same_batch_twice_changes_nothing_and_a_changed_row_is_updated(app, client, school):
    ours, secret, _theirs = school
    assert client.post(url_of(ours), headers=auth(secret), json={"responses": BATCH}).status_code == 200
    before = {key: (r.id, r.updated_at, [(s.scale, s.value) for s in r.scores]) for key, r in stored(app, 1).items()}
    again = client.post(url_of(ours), headers=auth(secret), json={"responses": BATCH})
    assert again.get_json() == {"rows": 3, "created": 0, "updated": 0, "unchanged": 3}
    after = {key: (r.id, r.updated_at, [(s.scale, s.value) for s in r.scores]) for key, r in stored(app, 1).items()}
    assert after == before
    changed = [BATCH[0] | {"answers": gad7([1, 1, 1, 1, 1, 1, 1])}]
    assert client.post(url_of(ours), headers=auth(secret), json={"responses": changed}).get_json()["updated"] == 1
    p3 = stored(app, ours["organisation"])[("P3", "gad7")]
    assert [(s.scale, s.value, s.band) for s in p3.scores] == [("total", 7, "mild")]
    with app.app_context():
        assert db.session.execute(db.select(db.func.count()).select_from(Response)).scalar_one() == 2 + 3 + 2


def test_an_invalid_batch_is_refused_whole_with_every_row_and_field_named(app, client, school):
    ours, secret, _theirs = school
    count = len(stored(app, ours["organisation"]))
    rows = [
        {"participant": "P3", "instrument": "gad7", "answers": {**gad7([5, 0, 0, 0, 0, 0]), "gad7_2": [1, 2]}},
        {"participant": "P404", "instrument": "gad7", "answers": gad7([0] * 7)},
        {"participant": "P4", "instrument": "gad7", "answers": {**gad7([0] * 7), "nope": 1}},
        {"participant": "P5", "instrument": "stai_khanin", "answers": {"stai_s01": 1}},
        {"participant": "P1", "instrument": "gad7", "answers": gad7([0] * 7)},
        {"participant": "P6", "instrument": "wellbeing_check", "answers": {**WELLBEING, "wb_tense": True}},
        {"participant": "P6", "instrument": "gad7", "answers": gad7([0] * 7)},
        {"participant": "P6", "instrument": "gad7", "answers": gad7([1] * 7)},
        {"participant": "P5", "instrument": "gad7", "answers": {"gad7_1": None}},
        {"participant": "P405", "instrument": "gad7", "answers": {**gad7([0] * 7), "gad7_1": 9}},
    ]
    response = client.post(url_of(ours), headers=auth(secret, **ENGLISH), json={"responses": rows})
    error = error_of(response)
    assert response.status_code == 422 and error["code"] == "invalid"
    assert error["fields"] == {
        "responses.0.answers.gad7_1": ["Choose one of the options offered. Allowed values: 0, 1, 2, 3."],
        "responses.0.answers.gad7_2": ["Give one value, not a list or an object."],
        "responses.0.answers.gad7_7": ["Please answer this question."],
        "responses.1.participant": ["There is no participant with the code P404."],
        "responses.2.answers.nope": ["There is no answer nope in this questionnaire."],
        "responses.3.instrument": ["The questionnaire stai_khanin is not part of this campaign."],
        "responses.4.participant": [
            "P1 has already submitted this questionnaire online; the paper answers were not imported."
        ],
        "responses.5.answers.wb_tense": ["Give a value of this question, not true or false."],
        "responses.6.participant": ["The code P6 is in more than one row (rows 6, 7)."],
        "responses.7.participant": ["The code P6 is in more than one row (rows 6, 7)."],
        "responses.8.answers": ["Give at least one answer."],
        "responses.8.answers.gad7_1": ["Please answer this question."],
        "responses.8.answers.gad7_2": ["Please answer this question."],
        "responses.8.answers.gad7_3": ["Please answer this question."],
        "responses.8.answers.gad7_4": ["Please answer this question."],
        "responses.8.answers.gad7_5": ["Please answer this question."],
        "responses.8.answers.gad7_6": ["Please answer this question."],
        "responses.8.answers.gad7_7": ["Please answer this question."],
        "responses.9.answers.gad7_1": ["Choose one of the options offered. Allowed values: 0, 1, 2, 3."],
        "responses.9.participant": ["There is no participant with the code P405."],
    }
    assert len(stored(app, ours["organisation"])) == count  # nothing written, not even the good rows
    with app.app_context():
        assert db.session.execute(db.select(AuditEvent).filter_by(action="api.responses.import")).first() is None


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"responses"}),
        ({"responses": []}, {"responses"}),
        ({"responses": "P3"}, {"responses"}),
        ({"responses": [{"participant": "P3"}]}, {"responses.0.instrument", "responses.0.answers"}),
        ({"responses": [{"participant": "", "instrument": "gad7", "answers": {}}]}, {"responses.0.participant"}),
        ({"responses": [{"participant": "P\x003", "instrument": "gad7", "answers": {}}]}, {"responses.0.participant"}),
        (
            {"responses": [{"participant": "P3", "instrument": "gad7", "answers": [], "x": 1}]},
            {"responses.0.answers", "responses.0.x"},
        ),
        ([1, 2], {"body"}),
    ],
)
def test_a_malformed_body_is_refused_naming_its_fields(client, school, body, fields):
    ours, secret, _theirs = school
    response = client.post(url_of(ours), headers=auth(secret), json=body)
    assert response.status_code == 422 and set(error_of(response)["fields"]) == fields


def test_a_token_writes_only_its_own_organisations_participants(app, client, school):
    ours, secret, theirs = school
    with app.app_context():
        db.session.add(Participant(organisation_id=theirs["organisation"], code="B7", role="mentee", tags=[]))
        db.session.commit()
    rows = [{"participant": "B7", "instrument": "gad7", "answers": gad7([0] * 7)}]
    refused = client.post(url_of(ours), headers=auth(secret, **ENGLISH), json={"responses": rows})
    assert error_of(refused)["fields"] == {"responses.0.participant": ["There is no participant with the code B7."]}
    # P3 exists in both schools: the import reaches ours only.
    rows = [{"participant": "P3", "instrument": "gad7", "answers": gad7([2] * 7)}]
    assert client.post(url_of(ours), headers=auth(secret), json={"responses": rows}).get_json()["created"] == 1
    assert ("P3", "gad7") in stored(app, ours["organisation"]) and ("P3", "gad7") not in stored(
        app, theirs["organisation"]
    )
    with app.app_context():
        assert db.session.get(Organisation, theirs["organisation"]) is not None
        their_scores = db.session.execute(
            db.select(db.func.count())
            .select_from(Score)
            .join(Response)
            .join(Participant)
            .where(Participant.organisation_id == theirs["organisation"])
        ).scalar_one()
        assert their_scores == 2  # only their own two online answers


def test_an_import_sets_no_cookie_and_its_answers_read_back_through_the_api(app, client, school):
    ours, secret, _theirs = school
    response = client.post(url_of(ours), headers=auth(secret), json={"responses": BATCH[:1]})
    assert response.status_code == 200 and "Set-Cookie" not in response.headers
    reader = token_for(app, ours["organisation"], ("responses:read",))
    items = client.get(f"/api/v1/campaigns/{ours['campaign_id']}/responses", headers=auth(reader)).get_json()["items"]
    imported = next(item for item in items if item["participant"] == "P3")
    assert imported["answers"] == BATCH[0]["answers"] and imported["source"] == "api"
    # What GET gives is what POST takes: sending it back changes nothing.
    again = {"participant": "P3", "instrument": "gad7", "answers": imported["answers"]}
    assert client.post(url_of(ours), headers=auth(secret), json={"responses": [again]}).get_json()["unchanged"] == 1


def test_an_archived_campaign_takes_no_import(app, client, school):
    ours, secret, _theirs = school
    with app.app_context():
        db.session.get(Campaign, ours["campaign_id"]).archived_at = utcnow()
        db.session.commit()
    before = set(stored(app, ours["organisation"]))
    response = client.post(url_of(ours), headers=auth(secret), json={"responses": BATCH})
    assert response.status_code == 409 and "архиве" in response.get_json()["error"]["message"]
    assert set(stored(app, ours["organisation"])) == before
