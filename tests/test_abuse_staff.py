"""Abuse of the staff side, end to end through the test client: forged posts (CSRF), roles that may
not change what they reach, and ids of another organisation slipped into query strings and forms.
Hostile text in every field and in exports: tests/test_abuse_text.py."""

from __future__ import annotations

import pytest
from flask import url_for

from surveys.core.models import Campaign, GuardianConsent, Invitation, Membership, Participant, User
from surveys.extensions import db
from surveys.participation.links import create_open_link
from tests.conftest import CSRF, csrf_token, post_form, set_role
from tests.test_permissions import PLUGINS, build_school

# What a forged post carries: enough for most staff forms to change something if the post were accepted.
FORGED = {
    "name": "Подделка",
    "kind": "output",
    "code": "FORGED1",
    "role": "mentee",
    "email": "forged@example.org",
    "password": "forged password",
    "text": "Подделка",
    "S": "Подделка",
    "conclusion": "Подделка",
    "mode": "self",
    "decision": "agree",
    "scope": "all",
    "forms": "Подделка",
    "fmt": "json",
    "period": "2025-09",
    "value": "1",
    "instruments": "wellbeing_check",
    "wave_name": "Подделка",
}
# Posts any signed-in role may make: switching organisation, and (aggregated) exports.
EVERYONE_POSTS = {"admin.switch", "exports.export_form", "exports.again", "exports.delete"}


@pytest.fixture
def app(make_app):
    return make_app(SURVEYS_PLUGINS_PATH=PLUGINS, SURVEYS_EXPORT_QUEUE="inline")


def snapshot(app, leave_out=()) -> dict[str, list[str]]:
    """Every row of every table (but those left out), to show that nothing changed."""
    with app.app_context():
        return {
            table.name: sorted(repr(tuple(row)) for row in db.session.execute(table.select()))
            for table in db.metadata.sorted_tables
            if table.name not in leave_out
        }


def our_school(app, email: str) -> dict[str, object]:
    """A school with one of every object (tests.test_permissions.build_school) that the staff member
    works in, as its admin; returns its ids."""
    with app.test_request_context():
        ids = build_school("Своя")
        user_id = db.session.execute(db.select(User.id).filter_by(email=email)).scalar_one()
        db.session.execute(
            db.update(Membership).filter_by(user_id=user_id).values(organisation_id=ids["organisation"], role="admin")
        )
        db.session.commit()
    return ids


def staff_urls(app, ids, method: str):
    """(endpoint, url) of every staff and plugin route answering ``method``, with ids from ``ids``."""
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if rule.rule.startswith(("/staff/", "/plugins/")) and method in rule.methods:
                yield rule.endpoint, url_for(rule.endpoint, **{name: ids[name] for name in rule.arguments})


def test_every_staff_post_refuses_a_missing_or_invalid_csrf_token_and_changes_nothing(app, logged_in, staff):
    ids = our_school(app, staff[0])
    other = app.test_client()  # a token that is valid, but for another session
    elsewhere = csrf_token(other.get("/login").get_data(as_text=True))
    before = snapshot(app)
    checked = []
    for endpoint, url in [*staff_urls(app, ids, "POST"), ("auth.logout", "/logout")]:
        for token in (None, "", "x" * 40, elsewhere):
            data = FORGED if token is None else {**FORGED, "csrf_token": token}
            response = logged_in.post(url, data=data)
            assert response.status_code == 400, f"{endpoint} {url} with {token!r}: {response.status_code}"
            assert "Время на заполнение формы истекло" in response.get_data(as_text=True)
        checked.append(endpoint)
    assert len(checked) >= 30
    assert snapshot(app) == before
    assert logged_in.get("/staff/").status_code == 200  # a forged sign-out did not sign out either
    # The same post with the page's own token does go through: the data above would have changed things.
    assert post_form(logged_in, "/staff/programmes", FORGED).status_code == 302
    assert snapshot(app) != before


def test_only_personal_link_posts_go_without_a_csrf_token(app, logged_in, staff):
    """Personal-link pages carry no CSRF token by design (docs/participants.md): the 130-bit token in
    the address proves the post comes from the participant. Every other post needs a token."""
    ids = our_school(app, staff[0])
    with app.test_request_context():
        wave = db.session.get(Campaign, ids["campaign_id"]).waves[0]
        _link, open_token = create_open_link(wave, "mentee")
    visitor = app.test_client()
    consent = visitor.get(f"/o/{open_token}").get_data(as_text=True)
    visitor.post(f"/o/{open_token}/consent", data={"csrf_token": csrf_token(consent), "decision": "agree"})
    assert visitor.get(f"/o/{open_token}/code").status_code == 200  # past the consent: a code would join now
    before = snapshot(app)
    code = {"guardian_letters": "Ол", "own_letter": "м", "birth_day": "7", "birth_month": "3"}
    checked = []
    for rule in app.url_map.iter_rules():
        # Personal links and the JSON API (a bearer token, never a cookie: tests/test_api.py) need no CSRF token.
        if "POST" not in rule.methods or rule.endpoint.startswith(("participant.", "api.")):
            continue
        values = {"token": open_token, "secret": open_token, **ids}
        with app.test_request_context():
            url = url_for(rule.endpoint, **{name: values[name] for name in rule.arguments})
        for token in (None, "forged"):
            data = {**FORGED, **code, "decision": "decline"} | ({} if token is None else {"csrf_token": token})
            assert visitor.post(url, data=data).status_code == 400, rule.rule
        checked.append(rule.endpoint)
    assert {"open.consent", "open.code", "open.survey", "open.save", "open.forget", "auth.login"} <= set(checked)
    assert snapshot(app) == before  # no decline counted, no code joined, nothing forgotten or changed
    personal = [r.rule for r in app.url_map.iter_rules() if r.endpoint.startswith("participant.")]
    posted = [r.rule for r in app.url_map.iter_rules() if r.endpoint.startswith("participant.") and "POST" in r.methods]
    assert len(personal) == 6 and {"/privacy", "/s/<token>/again"} <= set(personal)  # both read only
    assert len(posted) == 4 and all(rule.startswith("/s/<token>") for rule in posted)
    with app.test_request_context():
        token = db.session.get(Invitation, ids["invitation_id"]).issue_token()
        db.session.commit()
    assert visitor.post(f"/s/{token}/consent", data={"decision": "agree"}).status_code == 302
    with app.app_context():
        assert db.session.get(Invitation, ids["invitation_id"]).consented_at is not None


@pytest.mark.parametrize("role", ["viewer", "psychologist"])
def test_roles_that_may_not_manage_change_nothing(app, logged_in, staff, role):
    ids = our_school(app, staff[0])
    set_role(app, staff[0], role)
    # The psychologist adds methods, tries them in the preview and erases a person (docs/privacy.md).
    theirs = {"texts.upload", "uploads.upload", "erasure.erase_participant", "preview.preview", "preview.autosave"}
    allowed = EVERYONE_POSTS | (theirs | {"preview.again"} if role == "psychologist" else set())
    token = csrf_token(logged_in.get("/staff/dashboard").get_data(as_text=True))
    before = snapshot(app)
    refused = []
    for endpoint, url in staff_urls(app, ids, "POST"):
        if endpoint in allowed:
            continue
        response = logged_in.post(url, data={**FORGED, "csrf_token": token})
        assert response.status_code == 403, f"{role}: POST {url} gave {response.status_code}"
        refused.append(endpoint)
    assert len(refused) >= 25
    assert snapshot(app) == before
    # Pages that show names or issue links are for those who manage, too.
    wave, campaign = ids["wave_id"], ids["campaign_id"]
    for url in (f"/staff/campaigns/{campaign}/guardians", f"/staff/waves/{wave}/slips", f"/staff/waves/{wave}"):
        assert logged_in.get(url).status_code == 403, (role, url)
    assert logged_in.get(f"/staff/campaigns/{campaign}/consent").status_code == 403


def test_ids_of_another_organisation_in_query_strings_and_forms_reach_nothing(app, logged_in, staff):
    """The boundary test (tests/test_permissions.py) covers ids in the path; these ids come in a query
    string or a form field."""
    ours = our_school(app, staff[0])
    with app.test_request_context():
        theirs = build_school("Чужая")
    before = snapshot(app, leave_out=("audit_event",))
    # Query strings.
    assert logged_in.get(f"/staff/dashboard?programme={theirs['programme_id']}").status_code == 404
    swot = f"/plugins/swot/campaigns/{ours['campaign_id']}?wave={theirs['wave_id']}"
    assert logged_in.get(swot).status_code == 404
    # Form fields.
    page = logged_in.get("/staff/").get_data(as_text=True)
    token = CSRF.search(page).group(1)
    switched = logged_in.post("/staff/organisation", data={"csrf_token": token, "organisation": theirs["organisation"]})
    assert switched.status_code == 400
    assert "Своя" in logged_in.get("/staff/").get_data(as_text=True)
    with app.app_context():
        their_people = db.session.execute(
            db.select(Participant.id).filter_by(organisation_id=theirs["organisation"])
        ).scalars()
        their_people = [str(i) for i in their_people]
    programme, campaign, wave = ours["programme_id"], ours["campaign_id"], ours["wave_id"]
    posts = {
        "/staff/campaigns/new": {
            "name": "Х",
            "instruments": "wellbeing_check",
            "wave_name": "В",
            "programme": theirs["programme_id"],
        },
        "/staff/participants": {"code": "NEW1", "role": "mentee", "programme": theirs["programme_id"]},
        f"/staff/programmes/{programme}/pairs": {"mentor": their_people[0], "mentees": their_people[1]},
        f"/staff/campaigns/{campaign}/guardians": {"participants": their_people},
        f"/staff/waves/{wave}/links": {"scope": "selected", "selected": their_people},
        f"/staff/waves/{wave}/slips": {
            "group": "all",
            "participants": "all",
            "confirm_reissue": "y",
            "show": "code",
            "only": ",".join(their_people),
        },
        f"/staff/campaigns/{campaign}/linking/{theirs['wave_id']}/merge": {
            "keep": their_people[0],
            "drop": their_people[1],
        },
        f"/staff/campaigns/{campaign}/export": {"fmt": "json", "waves": theirs["wave_id"]},
    }
    for url, data in posts.items():
        response = logged_in.post(url, data={"csrf_token": token, **data})
        assert response.status_code in (200, 302, 400), (url, response.status_code)
        assert "Чужая" not in response.get_data(as_text=True), url
    assert snapshot(app, leave_out=("audit_event",)) == before  # nothing created, enrolled, paired or issued
    # The same posts with the organisation's own people do change things: the field names above are right.
    with app.app_context():
        mentee = db.session.get(Invitation, ours["invitation_id"])
        mentee_id, old_hash = str(mentee.participant_id), mentee.token_hash
    logged_in.post(f"/staff/campaigns/{campaign}/guardians", data={"csrf_token": token, "participants": mentee_id})
    logged_in.post(f"/staff/waves/{wave}/links", data={"csrf_token": token, "scope": "selected", "selected": mentee_id})
    with app.app_context():
        assert db.session.get(Invitation, ours["invitation_id"]).token_hash != old_hash
        assert db.session.execute(db.select(GuardianConsent.participant_id)).scalars().all() == [int(mentee_id)]
