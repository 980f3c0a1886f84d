"""The JSON API at /api/v1: tokens and scopes, organisation boundaries on every endpoint, pagination,
the error shape, rate limits, and what each read endpoint gives out (and never gives out)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event

from surveys.core.api_models import ApiToken
from surveys.core.instrument_models import InstrumentTexts
from surveys.core.log_models import AuditEvent
from surveys.extensions import db
from surveys.state import get_state
from tests.api_support import ALL_SCOPES, CODES, GAD7, PLUGINS, auth, build_school, error_of, token_for
from tests.conftest import post_form

ARGUMENT = re.compile(r"<(?:[a-z]+:)?(\w+)>")


@pytest.fixture
def app(make_app):
    return make_app(SURVEYS_PLUGINS_PATH=PLUGINS)


@pytest.fixture
def schools(app):
    """School A (ours, with a token of every scope) and school B (theirs, with an upload of its own)."""
    ours = build_school(app, "Школа A")
    theirs = build_school(app, "Школа B", upload=True)
    return ours, theirs, token_for(app, ours["organisation"])


def api_rules(app):
    """Every API rule with the methods it answers (HEAD and OPTIONS aside)."""
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            yield rule, sorted(rule.methods - {"HEAD", "OPTIONS"})


def url_of(rule, ids: dict) -> str:
    """The rule's path with ids from ``ids`` (an unknown argument fails the test, to be added)."""
    names = ARGUMENT.findall(rule.rule)
    unknown = set(names) - set(ids)
    assert not unknown, f"{rule.rule}: add {unknown} to build_school() so the boundary is tested"
    return ARGUMENT.sub(lambda m: str(ids[m.group(1)]), rule.rule)


def call(client, method: str, url: str, secret: str, **kwargs):
    if method == "POST":
        kwargs.setdefault("json", {"responses": [{"participant": "P3", "instrument": "gad7", "answers": {}}]})
    return client.open(url, method=method, headers=auth(secret), **kwargs)


# ---- tokens, scopes and sessions ---------------------------------------------------------
def test_missing_unknown_revoked_and_malformed_tokens_get_the_same_401_after_the_same_work(app, client, schools):
    ours, _theirs, _secret = schools
    revoked = token_for(app, ours["organisation"], name="old")
    with app.app_context():
        token = db.session.execute(db.select(ApiToken).filter_by(name="old")).scalar_one()
        token.revoked_at = token.created_at
        db.session.commit()
        engine = db.engine

    def attempt(headers):
        statements = []

        def listen(conn, cursor, statement, parameters, context, executemany):
            statements.append(statement.split()[0])

        event.listen(engine, "before_cursor_execute", listen)
        try:
            response = client.get("/api/v1/campaigns", headers=headers)
        finally:
            event.remove(engine, "before_cursor_execute", listen)
        return response, statements

    attempt({})  # the first refusal from an address creates its counter: count the work after it
    answers = [
        attempt({}),
        attempt(auth("0" * 34)),
        attempt(auth(revoked)),
        attempt({"Authorization": f"Basic {revoked}"}),
        attempt(auth("x" * 5000)),
    ]
    assert {r.status_code for r, _ in answers} == {401}
    assert len({r.get_data() for r, _ in answers}) == 1
    assert error_of(answers[0][0])["code"] == "unauthorized"
    assert all(r.headers["WWW-Authenticate"].startswith("Bearer") for r, _ in answers)
    assert len({tuple(statements) for _r, statements in answers}) == 1  # the same queries every time


def test_a_signed_in_staff_session_does_not_open_the_api(app, client, staff, schools):
    _ours, _theirs, secret = schools
    post_form(client, "/login", {"email": staff[0], "password": staff[1]})
    assert client.get("/staff/").status_code == 200  # the browser session works where it belongs
    refused = client.get("/api/v1/campaigns")
    assert refused.status_code == 401 and error_of(refused)["code"] == "unauthorized"
    answered = client.get("/api/v1/campaigns", headers=auth(secret))
    assert answered.status_code == 200
    assert "Set-Cookie" not in answered.headers  # the API neither reads nor writes the session


def test_every_endpoint_needs_its_scope(app, client, schools):
    ours, _theirs, _secret = schools
    checked = 0
    for rule, methods in api_rules(app):
        declared = app.view_functions[rule.endpoint].api_operation
        if declared.scope is None:
            continue
        secret = token_for(app, ours["organisation"], tuple(s for s in ALL_SCOPES if s != declared.scope))
        for method in methods:
            response = call(client, method, url_of(rule, ours), secret)
            error = error_of(response)
            assert response.status_code == 403 and error["code"] == "forbidden", rule.rule
            assert declared.scope in error["message"]
            checked += 1
    assert checked >= 10


# ---- organisation boundaries -------------------------------------------------------------
def test_every_endpoint_hides_another_organisations_objects(app, client, schools):
    ours, theirs, secret = schools
    checked = []
    for rule, methods in api_rules(app):
        if not ARGUMENT.search(rule.rule):
            continue
        mixed = {**ours, **{k: v for k, v in theirs.items() if k in ("wave_id",)}}  # our campaign, their wave
        for method in methods:
            theirs_answer = call(client, method, url_of(rule, theirs), secret)
            assert theirs_answer.status_code == 404, f"{method} {rule.rule}: {theirs_answer.status_code}"
            assert error_of(theirs_answer)["code"] == "not_found"
            text = theirs_answer.get_data(as_text=True)
            assert "Школа B" not in text and "own_check" not in text
            if "<int:wave_id>" in rule.rule:
                assert call(client, method, url_of(rule, mixed), secret).status_code == 404
            checked.append((method, rule.rule))
    assert len(checked) >= 8
    with app.app_context():
        assert db.session.execute(db.select(db.func.count()).select_from(AuditEvent)).scalar_one() == 0


def test_lists_hold_only_the_tokens_organisation(client, schools):
    ours, theirs, secret = schools
    campaigns = client.get("/api/v1/campaigns", headers=auth(secret)).get_json()
    assert [c["id"] for c in campaigns["items"]] == [ours["campaign_id"]] and campaigns["total"] == 1
    ids = [i["id"] for i in client.get("/api/v1/instruments?per_page=200", headers=auth(secret)).get_json()["items"]]
    assert "gad7" in ids and "own_check" not in ids
    filtered = client.get(
        f"/api/v1/campaigns/{ours['campaign_id']}/responses?wave={theirs['wave_id']}", headers=auth(secret)
    )
    assert filtered.status_code == 400 and "wave" in error_of(filtered)["fields"]


# ---- pagination and errors ---------------------------------------------------------------
def test_pages_count_totals_and_bounds(app, client, schools):
    ours, _theirs, secret = schools
    url = f"/api/v1/campaigns/{ours['campaign_id']}/participants"
    first = client.get(f"{url}?per_page=4", headers=auth(secret)).get_json()
    assert (first["total"], first["pages"], first["page"], first["per_page"]) == (6, 2, 1, 4)
    second = client.get(f"{url}?per_page=4&page=2", headers=auth(secret)).get_json()
    assert [p["code"] for p in first["items"] + second["items"]] == list(CODES)
    past = client.get(f"{url}?per_page=4&page=3", headers=auth(secret)).get_json()
    assert past["items"] == [] and past["total"] == 6
    default = client.get(url, headers=auth(secret)).get_json()
    assert default["per_page"] == 50 and default["pages"] == 1
    for query, field in [("page=0", "page"), ("per_page=201", "per_page"), ("page=two", "page"), ("pge=2", "pge")]:
        response = client.get(f"{url}?{query}", headers=auth(secret))
        assert response.status_code == 400 and field in error_of(response)["fields"], query


def test_unknown_paths_wrong_methods_bodies_and_crashes_answer_in_the_error_shape(make_app, schools):
    ours, _theirs, secret = schools
    app = make_app(SURVEYS_PLUGINS_PATH=PLUGINS, SURVEYS_API_MAX_BODY=2000, TESTING=False)
    client = app.test_client()
    for url in ("/api/v1/nothing", "/api/v1", "/api/v1/campaigns/1/nothing"):
        assert error_of(client.get(url, headers=auth(secret)))["code"] == "not_found"
    wrong = client.delete("/api/v1/campaigns", headers=auth(secret))
    assert (
        wrong.status_code == 405 and error_of(wrong)["code"] == "method_not_allowed" and "GET" in wrong.headers["Allow"]
    )
    url = f"/api/v1/campaigns/{ours['campaign_id']}/waves/{ours['wave_id']}/responses"
    big = client.post(url, headers=auth(secret), json={"responses": [{"participant": "P1" * 2000}]})
    assert big.status_code == 413 and error_of(big)["code"] == "payload_too_large"
    form = client.post(url, headers=auth(secret), data={"responses": "x"})
    assert form.status_code == 415 and error_of(form)["code"] == "unsupported_media_type"
    broken = client.post(url, headers=auth(secret, **{"Content-Type": "application/json"}), data="{")
    assert broken.status_code == 400 and error_of(broken)["fields"] == {"body": ["not valid JSON"]}

    def crash(**kwargs):
        raise RuntimeError("boom")

    app.view_functions["api.campaigns"] = crash
    crashed = client.get("/api/v1/campaigns", headers=auth(secret))
    assert crashed.status_code == 500 and error_of(crashed)["code"] == "internal_error"
    assert "boom" not in crashed.get_data(as_text=True)


def test_messages_follow_accept_language(client, schools):
    _ours, _theirs, secret = schools
    english = client.get("/api/v1/campaigns/999999", headers=auth(secret, **{"Accept-Language": "en"}))
    assert error_of(english)["message"] == "There is no such campaign."


# ---- rate limits -------------------------------------------------------------------------
def test_a_token_past_its_rate_limit_waits_and_other_tokens_do_not(make_app):
    app = make_app(SURVEYS_PLUGINS_PATH=PLUGINS, SURVEYS_API_RATE_LIMIT=3, SURVEYS_API_RATE_WINDOW=3600)
    ours = build_school(app, "Школа A")
    busy, calm = token_for(app, ours["organisation"]), token_for(app, ours["organisation"])
    client = app.test_client()
    assert [client.get("/api/v1/campaigns", headers=auth(busy)).status_code for _ in range(3)] == [200] * 3
    refused = client.get("/api/v1/campaigns", headers=auth(busy))
    assert refused.status_code == 429 and error_of(refused)["code"] == "rate_limited"
    assert 0 < int(refused.headers["Retry-After"]) <= 3600
    assert client.get("/api/v1/campaigns", headers=auth(calm)).status_code == 200


def test_an_address_that_sends_bad_tokens_is_stopped_even_with_a_good_one(make_app):
    app = make_app(SURVEYS_PLUGINS_PATH=PLUGINS, SURVEYS_API_BAD_TOKEN_LIMIT=2, SURVEYS_API_BAD_TOKEN_WINDOW=86400)
    ours = build_school(app, "Школа A")
    secret = token_for(app, ours["organisation"])
    client = app.test_client()
    assert [client.get("/api/v1/campaigns", headers=auth("bad")).status_code for _ in range(2)] == [401, 401]
    for headers in (auth("bad"), auth(secret)):
        refused = client.get("/api/v1/campaigns", headers=headers)
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    other = client.get("/api/v1/campaigns", headers=auth(secret), environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 200


# ---- what the read endpoints give out ----------------------------------------------------
def test_campaign_gives_waves_questionnaires_and_programme(client, schools):
    ours, _theirs, secret = schools
    found = client.get(f"/api/v1/campaigns/{ours['campaign_id']}", headers=auth(secret)).get_json()
    assert found["name"] == "Мониторинг Школа A" and found["programme"] is None
    assert [(w["kind"], w["name"], w["state"]) for w in found["waves"]] == [
        ("input", "Вход", "open"),
        ("output", "Выход", "open"),
    ]
    assert [a["instrument"] for a in found["instruments"]] == ["gad7", "wellbeing_check"]
    assert found["instruments"][0]["audience"] == ["mentee", "mentor"]


def test_participants_are_codes_roles_forms_and_groups_only(client, schools):
    ours, _theirs, secret = schools
    response = client.get(f"/api/v1/campaigns/{ours['campaign_id']}/participants", headers=auth(secret))
    items = response.get_json()["items"]
    assert {tuple(sorted(p)) for p in items} == {("code", "form", "group", "role")}
    assert items[0] == {"code": "P1", "role": "mentee", "form": "", "group": ""}
    text = response.get_data(as_text=True)
    assert "Иванова" not in text and "2011" not in text and "ОВЗ" not in text


def test_responses_are_given_under_codes_filtered_and_every_read_is_audited(app, client, schools):
    ours, _theirs, secret = schools
    url = f"/api/v1/campaigns/{ours['campaign_id']}/responses"
    body = client.get(url, headers=auth(secret)).get_json()
    assert [(r["participant"], r["instrument"], r["status"]) for r in body["items"]] == [
        ("P1", "gad7", "submitted"),
        ("P2", "gad7", "submitted"),
    ]
    first = body["items"][0]
    assert first["answers"] == {f"gad7_{n}": v for n, v in enumerate(GAD7["P1"], start=1)}
    assert first["wave"] == ours["wave_id"] and first["version"] == "1" and first["submitted_at"].endswith("+00:00")
    query = f"{url}?wave={ours['output_wave_id']}&instrument=gad7&status=submitted"
    assert client.get(query, headers=auth(secret)).get_json()["total"] == 0
    with app.app_context():
        events = db.session.execute(db.select(AuditEvent).filter_by(action="api.responses.read")).scalars().all()
        token = db.session.execute(db.select(ApiToken)).scalars().first()
        assert len(events) == 2 and {e.organisation_id for e in events} == {ours["organisation"]}
        assert events[0].details["token"] == token.id and events[0].details["count"] == 2
        assert events[1].details | {"wave": ours["output_wave_id"], "instrument": "gad7"} == events[1].details
        assert events[1].target == f"campaign:{ours['campaign_id']}"


def test_scores_are_the_stored_scores_and_every_read_is_audited(app, client, schools):
    ours, _theirs, secret = schools
    body = client.get(f"/api/v1/campaigns/{ours['campaign_id']}/scores?scale=total", headers=auth(secret)).get_json()
    rows = {(s["participant"], s["scale"]): s for s in body["items"]}
    p1, p2 = rows[("P1", "total")], rows[("P2", "total")]
    assert (p1["value"], p1["band"], p1["n_answered"]) == (3, "minimal", 7)  # 0+1+0+1+0+1+0
    assert (p2["value"], p2["band"], p2["scored_by"]) == (13, "moderate", "core")  # 2+2+1+2+3+1+2
    with app.app_context():
        event_ = db.session.execute(db.select(AuditEvent).filter_by(action="api.scores.read")).scalar_one()
        assert event_.details["scale"] == "total" and event_.details["count"] == 2


def test_instruments_describe_questions_and_scales_but_never_key_only_texts(app, client, schools):
    ours, _theirs, secret = schools
    with app.app_context():
        pack = {"stai_s01": {"ru": "ЛИЦЕНЗИОННЫЙ ТЕКСТ"}}
        db.session.add(
            InstrumentTexts(
                organisation_id=ours["organisation"], instrument_id="stai_khanin", texts=pack, instrument_version="1"
            )
        )
        db.session.commit()
    gad7 = client.get("/api/v1/instruments/gad7", headers=auth(secret)).get_json()
    matrix = gad7["pages"][0]["questions"][0]
    assert matrix["type"] == "matrix" and matrix["answer_keys"] == [f"gad7_{n}" for n in range(1, 8)]
    assert matrix["items"][0]["text"]["en"] == "Feeling nervous, anxious, or on edge"
    assert [c["value"] for c in matrix["choices"]] == [0, 1, 2, 3]
    total = gad7["scales"][0]
    assert (total["id"], total["method"], total["min_answered"]) == ("total", "sum", 7)
    assert [(b["id"], b["min"], b["max"]) for b in total["bands"]][0] == ("minimal", 0, 4)
    stai = client.get("/api/v1/instruments/stai_khanin", headers=auth(secret))
    body = stai.get_json()
    assert body["key_only"] is True
    questions = [q for page in body["pages"] for q in page["questions"]]
    assert all(q["text"] is None and all(i["text"] is None for i in q.get("items", [])) for q in questions)
    assert "ЛИЦЕНЗИОННЫЙ" not in stai.get_data(as_text=True) and "[stai_s01]" not in stai.get_data(as_text=True)
    assert client.get("/api/v1/instruments/nothing", headers=auth(secret)).status_code == 404


def test_comparison_is_the_plugins_report_and_checks_its_waves(app, client, schools):
    ours, _theirs, secret = schools
    url = f"/api/v1/campaigns/{ours['campaign_id']}/comparison"
    report = client.get(url, headers=auth(secret)).get_json()
    assert (report["before"]["id"], report["after"]["id"]) == (ours["wave_id"], ours["output_wave_id"])
    assert report["min_group"] == 5 and report["attrition"] == {"both": 0, "before_only": 2, "after_only": 0}
    assert all(row["hidden"] for row in report["scales"])  # two people: below the minimum group
    for query, field in [("before=999999", "before"), ("after=0", "after"), ("by=name", "by")]:
        refused = client.get(f"{url}?{query}", headers=auth(secret))
        assert refused.status_code == 400 and field in error_of(refused)["fields"], query
    same = client.get(f"{url}?before={ours['wave_id']}&after={ours['wave_id']}", headers=auth(secret))
    assert same.status_code == 400 and "after" in error_of(same)["fields"]
    get_state(app).pm.unregister(name="comparison")
    missing = client.get(url, headers=auth(secret, **{"Accept-Language": "en"}))
    assert missing.status_code == 404 and "comparison" in error_of(missing)["message"]


def test_comparison_for_a_token_without_individual_data_passes_the_disclosure_policy(app, client, schools):
    ours, _theirs, _secret = schools
    url = f"/api/v1/campaigns/{ours['campaign_id']}/comparison"
    aggregated = token_for(app, ours["organisation"], ("analyses:read",), name="aggregated")
    report = client.get(url, headers=auth(aggregated)).get_json()
    # two people answered the first wave only: that count is under 5, so it is null, and the mark says why
    assert report["disclosure"] == {"min_group": 5, "small": "<5", "protecting": "скрыто для защиты малой группы"}
    assert report["attrition"]["before_only"] is None and report["attrition_marks"]["before_only"] == "<5"
    assert all(row["hidden"] and row["n_pairs"] in (None, 0) and "pairs" not in row for row in report["scales"])
    assert "people" not in report and not any("people" in row for row in report["scales"])
    english = client.get(url, headers=auth(aggregated, **{"Accept-Language": "en"})).get_json()
    assert english["disclosure"]["protecting"] == "hidden to protect a small group"
    # the method note too is in the caller's language; the numbers are the same
    note, english_note = report["method_note"], english["method_note"]
    assert note.startswith("Сравнение волн") and "Участники в обеих волнах: 0" in note
    assert english_note.startswith("Comparison of the waves") and "in the first only: <5" in english_note
    assert english["attrition"] == report["attrition"]


def test_swot_documents_hide_small_groups_quotes_from_tokens_without_individual_data(app, client, schools):
    ours, _theirs, secret = schools
    from plugins.swot.models import SwotDocument

    with app.app_context():
        document = db.session.get(SwotDocument, ours["document_id"])
        quote = {"text": "Мало встреч", "source": {"kind": "quote", "instrument": "x", "question": "q", "small": True}}
        document.content = {"S": [{"text": "Сильная сторона"}], "W": [quote], "O": [], "T": []}
        document.conclusion = "Вывод"
        db.session.commit()
    url = f"/api/v1/campaigns/{ours['campaign_id']}/swot"
    full = client.get(url, headers=auth(secret)).get_json()["items"][0]
    assert full["content"]["W"] == [quote] and full["hidden"] == 0 and full["conclusion"] == "Вывод"
    aggregated = token_for(app, ours["organisation"], ("analyses:read",))
    limited = client.get(url, headers=auth(aggregated)).get_json()["items"][0]
    assert limited["content"]["W"] == [] and limited["hidden"] == 1
    assert limited["content"]["S"] == [{"text": "Сильная сторона"}]
    # the answer names the threshold it applied; the full answer applied none
    assert limited["disclosure"] == {"min_group": 5, "small": "<5", "protecting": "скрыто для защиты малой группы"}
    assert "disclosure" not in full
    assert client.get(f"{url}?status=approved", headers=auth(secret)).get_json()["total"] == 0
    get_state(app).pm.unregister(name="swot")
    assert client.get(url, headers=auth(secret)).status_code == 404
