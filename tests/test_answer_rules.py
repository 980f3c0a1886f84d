"""One set of rules for every answer, wherever it comes from (issue 18, item 3).

One table of bad answers is pushed through every entry path: a page submit, autosave, the final
submit, the paper import, the bundle import, the API import and ``surveys instrument score``.
Each path refuses each answer, names it, and stores and scores nothing.
"""

from __future__ import annotations

import json

import pytest
from flask_babel import force_locale

from surveys.core.log_models import AuditEvent
from surveys.core.models import Campaign, Participant, Response, Score, Wave
from surveys.extensions import db
from surveys.participation.links import issue_links
from surveys.state import get_state
from surveys.transfer.bundle import export_bundle
from surveys.transfer.bundle_checks import BundleError
from surveys.transfer.bundle_import import import_bundle
from surveys.transfer.paper import import_paper
from surveys.transfer.paper_reading import read_filled
from surveys.transfer.paper_template import entry_template
from tests.api_support import PLUGINS, auth, build_school, gad7, token_for
from tests.test_paper import fill

WELLBEING = {"wb_calm": 3, "wb_tense": 2, "wb_happy": 4, "school_rating": 7, "club": "sport"}
# name: (instrument, the whole response, the answer key at fault)
BAD = {
    "out of range": ("gad7", {**gad7([1] * 7), "gad7_1": 7}, "gad7_1"),
    "negative": ("gad7", {**gad7([1] * 7), "gad7_1": -1}, "gad7_1"),
    "not a number": ("wellbeing_check", {**WELLBEING, "school_rating": "много"}, "school_rating"),
    "unknown choice": ("wellbeing_check", {**WELLBEING, "club": "chess"}, "club"),
    "missing required": ("wellbeing_check", {k: v for k, v in WELLBEING.items() if k != "wb_happy"}, "wb_happy"),
}
# Values of the wrong kind can only come from stored JSON (a bundle, the API, an answers file).
WRONG_KIND = {
    "true for a rating": ("wellbeing_check", {**WELLBEING, "school_rating": True}, "school_rating"),
    "a list for a rating": ("gad7", {**gad7([1] * 7), "gad7_2": [1]}, "gad7_2"),
}
STORED = BAD | WRONG_KIND
VALUE_CASES = [name for name in BAD if name != "missing required"]


@pytest.fixture
def app(make_app):
    return make_app(SURVEYS_PLUGINS_PATH=PLUGINS)


@pytest.fixture
def school(app):
    return build_school(app, "Школа")


def instrument(instrument_id: str):
    return get_state().registry.instruments[instrument_id]


def nothing_stored_for(app, organisation_id: int, instrument_id: str, code: str = "P3") -> None:
    """P3 has no submitted response to the questionnaire and no score of it: what a refusal must leave."""
    with app.app_context():
        query = (
            db.select(Response)
            .join(Participant, Participant.id == Response.participant_id)
            .where(Participant.organisation_id == organisation_id, Participant.code == code)
            .where(Response.instrument_id == instrument_id)
        )
        found = db.session.execute(query).scalars().all()
        assert all(r.status != "submitted" for r in found)
        assert db.session.execute(db.select(Score).where(Score.response_id.in_([r.id for r in found]))).first() is None


def link_of(app, wave_id: int, code: str = "P3") -> str:
    with app.test_request_context():
        wave = db.session.get(Wave, wave_id)
        person = db.session.execute(db.select(Participant).filter_by(code=code)).scalar_one()
        return f"/s/{issue_links(wave, [person], reissue=True)[0][1]}"


def page_of(instrument_id: str, key: str):
    found = instrument(instrument_id)
    types = get_state().registry.question_types
    return next(p for p in found.pages for q in p.questions if key in types[q.type].answer_keys(q))


def page_values(app, instrument_id: str, page, answers: dict) -> dict:
    """What the page's form posts for these answers (the keys of its questions only)."""
    with app.app_context():
        types = get_state().registry.question_types
        keys = [k for q in page.questions for k in types[q.type].answer_keys(q)]
    return {"instrument": instrument_id, "page": page.id} | {k: str(answers[k]) for k in keys if k in answers}


def started(app, client, wave_id: int, instrument_id: str) -> str:
    """P3's link, consented, at the given questionnaire (gad7 comes first in the campaign)."""
    link = link_of(app, wave_id)
    assert client.post(f"{link}/consent", data={"decision": "agree"}).status_code == 302
    if instrument_id == "wellbeing_check":  # finish gad7 honestly first
        values = {"instrument": "gad7", "page": "gad7", "action": "submit"} | {k: "1" for k in gad7([1] * 7)}
        assert client.post(link, data=values).status_code == 302
    return link


def stored_answers(app, instrument_id: str) -> dict:
    with app.app_context():
        found = db.session.execute(
            db.select(Response)
            .join(Participant, Participant.id == Response.participant_id)
            .where(Participant.code == "P3", Response.instrument_id == instrument_id)
        ).scalar_one_or_none()
        return {} if found is None else {"status": found.status, **(found.answers or {})}


@pytest.mark.parametrize("case", list(BAD))
def test_a_page_submit_refuses_each_bad_answer(app, school, case):
    instrument_id, answers, key = BAD[case]
    client = app.test_client()
    link = started(app, client, school["wave_id"], instrument_id)
    with app.app_context():
        page = page_of(instrument_id, key)
    posted = client.post(link, data=page_values(app, instrument_id, page, answers) | {"action": "next"})
    assert posted.status_code == 200 and 'aria-invalid="true"' in posted.get_data(as_text=True)
    kept = stored_answers(app, instrument_id)
    assert kept.get(key) is None and kept.get("status") != "submitted"
    nothing_stored_for(app, school["organisation"], instrument_id)


@pytest.mark.parametrize("case", VALUE_CASES)
def test_autosave_keeps_only_the_good_answers(app, school, case):
    instrument_id, answers, key = BAD[case]
    client = app.test_client()
    link = started(app, client, school["wave_id"], instrument_id)
    with app.app_context():
        page = page_of(instrument_id, key)
    saved = client.post(f"{link}/autosave", data=page_values(app, instrument_id, page, answers))
    assert saved.status_code == 200 and saved.get_json() == {"saved": True}
    kept = stored_answers(app, instrument_id)
    assert kept.get(key) is None and kept["status"] == "in_progress"
    good = [k for k in page_values(app, instrument_id, page, answers) if k not in (key, "instrument", "page")]
    assert all(kept[k] == answers[k] for k in good)  # the rest of the page was saved


@pytest.mark.parametrize("case", list(BAD))
def test_the_final_submit_refuses_a_crafted_post_of_the_last_page(app, school, case):
    instrument_id, answers, key = BAD[case]
    client = app.test_client()
    link = started(app, client, school["wave_id"], instrument_id)
    with app.app_context():
        last = instrument(instrument_id).pages[-1]
        bad_page = page_of(instrument_id, key)
    if bad_page.id != last.id:  # the bad answer is on an earlier page: autosave is all it can reach
        client.post(f"{link}/autosave", data=page_values(app, instrument_id, bad_page, answers))
    posted = client.post(link, data=page_values(app, instrument_id, last, answers) | {"action": "submit"})
    kept = stored_answers(app, instrument_id)
    assert kept.get(key) is None  # the bad answer is never stored
    with app.app_context():
        required = next(
            q for q in bad_page.questions if key in get_state().registry.question_types[q.type].answer_keys(q)
        )
    if bad_page.id != last.id and not required.required:
        assert kept["status"] == "submitted"  # an optional answer left out: the rest may be submitted
        return
    assert posted.status_code == 200  # the page with the problem, not the thank-you page
    assert kept["status"] == "in_progress"
    with app.app_context():
        assert (
            db.session.execute(
                db.select(Score)
                .join(Response)
                .filter(Response.instrument_id == instrument_id)
                .join(Participant, Participant.id == Response.participant_id)
                .filter(Participant.code == "P3")
            ).first()
            is None
        )


def test_a_crafted_last_page_cannot_skip_a_required_first_page(app, school):
    client = app.test_client()
    link = started(app, client, school["wave_id"], "wellbeing_check")
    crafted = {"instrument": "wellbeing_check", "page": "more", "club": "sport", "action": "submit"}
    page = client.post(link, data=crafted)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "ответьте на этот вопрос" in text and 'name="wb_calm"' in text
    assert stored_answers(app, "wellbeing_check") == {"status": "in_progress", "club": "sport", "club__other": None}


@pytest.mark.parametrize("case", list(BAD))
def test_the_paper_import_refuses_each_bad_answer(app, school, case):
    instrument_id, answers, key = BAD[case]
    with app.test_request_context(), force_locale("en"):
        found = instrument(instrument_id)
        registry = get_state().registry
        data = fill(entry_template(found, registry, "en", ["P3"]), {3: {"participant": "P3", **answers}})
        rows, problems = read_filled(found, registry, data)
        result = import_paper(db.session.get(Wave, school["wave_id"]), found, rows, "all_or_nothing", problems)
    assert result.written == 0 and any(key in str(p) or p.row == 3 for p in result.problems)
    assert len(result.problems) == 1, result.problems
    nothing_stored_for(app, school["organisation"], instrument_id)


@pytest.mark.parametrize("case", list(STORED))
def test_the_api_import_refuses_each_bad_answer(app, school, case):
    instrument_id, answers, key = STORED[case]
    secret = token_for(app, school["organisation"], ("responses:write",))
    url = f"/api/v1/campaigns/{school['campaign_id']}/waves/{school['wave_id']}/responses"
    rows = [{"participant": "P3", "instrument": instrument_id, "answers": answers}]
    response = app.test_client().post(url, headers=auth(secret, **{"Accept-Language": "en"}), json={"responses": rows})
    assert response.status_code == 422
    assert list(response.get_json()["error"]["fields"]) == [f"responses.0.answers.{key}"]
    if instrument_id == "gad7" and case != "a list for a rating":
        assert "0, 1, 2, 3" in response.get_json()["error"]["fields"][f"responses.0.answers.{key}"][0]
    nothing_stored_for(app, school["organisation"], instrument_id)


@pytest.mark.parametrize("case", list(STORED))
def test_the_bundle_import_refuses_each_bad_answer(app, school, case):
    instrument_id, answers, key = STORED[case]
    with app.test_request_context():
        bundle = json.loads(json.dumps(export_bundle(db.session.get(Campaign, school["campaign_id"])), default=str))
        response = next(r for r in bundle["responses"] if r["instrument"] == "gad7")
        response.update(instrument=instrument_id, answers=answers, participant="P3")
        before = db.session.execute(db.select(db.func.count()).select_from(Response)).scalar()
        with pytest.raises(BundleError) as refused:
            import_bundle(bundle, None)
        index = bundle["responses"].index(response)
        assert any(p.path == f"responses[{index}].answers.{key}" for p in refused.value.problems), refused.value
        assert db.session.execute(db.select(db.func.count()).select_from(Response)).scalar() == before


@pytest.mark.parametrize("case", list(STORED))
def test_instrument_score_refuses_each_bad_answer(app, school, case, tmp_path):
    instrument_id, answers, key = STORED[case]
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(answers), encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["instrument", "score", instrument_id, str(path)])
    assert result.exit_code == 1
    assert f"answers.json: {key}: " in result.output and '"scales"' not in result.output


def test_instrument_score_takes_an_unfinished_response_when_asked(app, school, tmp_path):
    path = tmp_path / "answers.json"
    path.write_text(json.dumps({"gad7_1": 3}), encoding="utf-8")
    refused = app.test_cli_runner().invoke(args=["instrument", "score", "gad7", str(path)])
    assert refused.exit_code == 1 and "gad7_2" in refused.output
    partial = app.test_cli_runner().invoke(args=["instrument", "score", "gad7", str(path), "--partial"])
    assert partial.exit_code == 0 and json.loads(partial.output)["scales"][0]["n_answered"] == 1


def test_imports_never_replace_answers_typed_online_unless_asked_and_then_audit_it(app, school):
    client = app.test_client()
    link = started(app, client, school["wave_id"], "wellbeing_check")
    page = {"instrument": "wellbeing_check", "page": "mood", "wb_calm": "2", "wb_tense": "1", "wb_happy": "3"}
    assert client.post(f"{link}/autosave", data=page).get_json() == {"saved": True}
    online = stored_answers(app, "wellbeing_check")
    assert online["status"] == "in_progress" and online["wb_calm"] == 2
    secret = token_for(app, school["organisation"], ("responses:write",))
    url = f"/api/v1/campaigns/{school['campaign_id']}/waves/{school['wave_id']}/responses"
    rows = [{"participant": "P3", "instrument": "wellbeing_check", "answers": WELLBEING}]
    english = auth(secret, **{"Accept-Language": "en"})
    refused = app.test_client().post(url, headers=english, json={"responses": rows})
    assert refused.status_code == 422
    assert (
        "P3 has started this questionnaire online"
        in refused.get_json()["error"]["fields"]["responses.0.participant"][0]
    )
    with app.test_request_context(), force_locale("en"):
        found = instrument("wellbeing_check")
        registry = get_state().registry
        data = fill(entry_template(found, registry, "en", ["P3"]), {3: {"participant": "P3", **WELLBEING}})
        rows_read, problems = read_filled(found, registry, data)
        result = import_paper(db.session.get(Wave, school["wave_id"]), found, rows_read, "valid_rows", problems)
    assert result.written == 0 and "P3 has started this questionnaire online" in str(result.problems[0])
    assert stored_answers(app, "wellbeing_check") == online  # untouched by both imports
    replaced = app.test_client().post(url, headers=english, json={"responses": rows, "replace_online": True})
    assert replaced.status_code == 200 and replaced.get_json()["updated"] == 1
    after = stored_answers(app, "wellbeing_check")
    assert after["status"] == "submitted" and after["wb_calm"] == WELLBEING["wb_calm"]
    with app.app_context():
        event = db.session.execute(db.select(AuditEvent).filter_by(action="responses.replace_online")).scalar_one()
        assert event.details["code"] == "P3" and event.details["status"] == "in_progress"
        assert event.details["via"] == "api" and event.organisation_id == school["organisation"]
