"""API tokens: the admins' staff page (made once, listed by prefix, revoked, audited, CSRF) and the CLI."""

from __future__ import annotations

import re

import pytest

from surveys.core.api_models import ApiToken
from surveys.core.log_models import AuditEvent
from surveys.core.models import hash_token
from surveys.extensions import db
from tests.api_support import PLUGINS, auth, build_school
from tests.conftest import csrf_token, post_form, set_role

PAGE = "/staff/api-tokens"
SECRET = re.compile(r'id="api-token">([0-9a-z]{34})<')


@pytest.fixture
def app(make_app):
    return make_app(SURVEYS_PLUGINS_PATH=PLUGINS)


@pytest.fixture
def admin(app, logged_in, staff):
    """The signed-in staff member as their organisation's admin, with a campaign in it."""
    set_role(app, staff[0], "admin")
    return logged_in


def make_token(client, name="Дашборд района", scopes=("campaigns:read", "scores:read")) -> str:
    page = post_form(client, PAGE, {"name": name, "scopes": list(scopes)})
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    found = SECRET.search(page.get_data(as_text=True))
    assert found, "the new token is shown on the page"
    return found.group(1)


def test_an_admin_makes_a_token_that_is_shown_once_and_opens_the_api(app, admin, staff):
    secret = make_token(admin)
    assert admin.get("/api/v1/campaigns", headers=auth(secret)).status_code == 200
    assert admin.get("/api/v1/instruments", headers=auth(secret)).status_code == 403  # not a scope it has
    listing = admin.get(PAGE).get_data(as_text=True)
    assert "Дашборд района" in listing and secret[:8] in listing and secret not in listing
    assert "campaigns:read, scores:read" in listing
    with app.app_context():
        token = db.session.execute(db.select(ApiToken)).scalar_one()
        assert token.token_hash == hash_token(secret) and token.organisation_id == staff[2]
        assert secret not in str([token.token_hash, token.prefix, token.name])  # only the hash is kept
        event = db.session.execute(db.select(AuditEvent).filter_by(action="api.token.create")).scalar_one()
        assert event.details["scopes"] == ["campaigns:read", "scores:read"] and event.target == f"api_token:{token.id}"


def test_a_revoked_token_stops_at_once_and_the_revocation_is_audited(app, admin):
    secret = make_token(admin)
    with app.app_context():
        token_id = db.session.execute(db.select(ApiToken.id)).scalar_one()
    answer = post_form(admin, f"{PAGE}/revoke", {"token": str(token_id)}, page_url=PAGE)
    assert answer.status_code == 302
    assert admin.get("/api/v1/campaigns", headers=auth(secret)).status_code == 401
    assert f'name="token" value="{token_id}"' not in admin.get(PAGE).get_data(as_text=True)  # no more button
    with app.app_context():
        assert db.session.get(ApiToken, token_id).revoked_at is not None
        assert db.session.execute(db.select(AuditEvent).filter_by(action="api.token.revoke")).scalar_one()


def test_forms_need_their_csrf_token_a_name_and_a_scope(app, admin):
    assert admin.post(PAGE, data={"name": "x", "scopes": ["campaigns:read"]}).status_code == 400
    for data in ({"name": "x"}, {"name": "   ", "scopes": ["campaigns:read"]}, {"name": "x", "scopes": ["root"]}):
        page = post_form(admin, PAGE, data)
        assert page.status_code == 200 and not SECRET.search(page.get_data(as_text=True)), data
    assert admin.post(f"{PAGE}/revoke", data={"token": "1"}).status_code == 400
    with app.app_context():
        assert db.session.execute(db.select(ApiToken)).first() is None


def test_only_admins_reach_the_page_and_only_their_own_tokens(app, admin, staff):
    theirs = build_school(app, "Школа B")
    with app.app_context():
        from surveys.api.tokens import create_token

        their_token = create_token(theirs["organisation"], "токен школы B", ["campaigns:read"], None)[0].id
    token = csrf_token(admin.get(PAGE).get_data(as_text=True))
    assert admin.post(f"{PAGE}/revoke", data={"csrf_token": token, "token": str(their_token)}).status_code == 404
    assert admin.post(f"{PAGE}/revoke", data={"csrf_token": token, "token": "99999999999"}).status_code == 404
    assert "токен школы B" not in admin.get(PAGE).get_data(as_text=True)
    with app.app_context():
        assert db.session.get(ApiToken, their_token).revoked_at is None
    for role in ("curator", "psychologist", "viewer"):
        set_role(app, staff[0], role)
        assert admin.get(PAGE).status_code == 403
        assert (
            admin.post(PAGE, data={"csrf_token": token, "name": "x", "scopes": ["campaigns:read"]}).status_code == 403
        )
    admin.post("/logout", data={"csrf_token": token})
    assert admin.get(PAGE).status_code == 302  # to the sign-in page


def test_the_cli_makes_lists_and_revokes_tokens(app, runner, staff):
    organisation = staff[2]
    made = runner.invoke(
        args=[
            "api-token",
            "create",
            "--organisation",
            str(organisation),
            "--name",
            "Выгрузка",
            "--scope",
            "responses:read",
            "--scope",
            "scores:read",
        ]
    )
    assert made.exit_code == 0, made.output
    secret = made.output.strip().splitlines()[-1]
    assert len(secret) == 34
    client = app.test_client()
    assert client.get("/api/v1/campaigns/1/scores", headers=auth(secret)).status_code == 404  # opens the API
    listed = runner.invoke(args=["api-token", "list", "--organisation", str(organisation)])
    assert secret[:8] in listed.output and secret not in listed.output and "не использовался" not in listed.output
    with app.app_context():
        token_id = db.session.execute(db.select(ApiToken.id)).scalar_one()
    assert runner.invoke(args=["api-token", "revoke", str(token_id)]).exit_code == 0
    assert client.get("/api/v1/campaigns/1/scores", headers=auth(secret)).status_code == 401
    assert "уже был отозван" in runner.invoke(args=["api-token", "revoke", str(token_id)]).output
    bad = runner.invoke(
        args=["api-token", "create", "--organisation", str(organisation), "--name", "x", "--scope", "all"]
    )
    assert bad.exit_code == 2 and "all" in bad.output
    nowhere = runner.invoke(
        args=["api-token", "create", "--organisation", "999", "--name", "x", "--scope", "scores:read"]
    )
    assert nowhere.exit_code == 2 and "999" in nowhere.output
    with app.app_context():
        actions = db.session.execute(db.select(AuditEvent.action).order_by(AuditEvent.id)).scalars().all()
        assert actions == ["api.token.create", "api.token.revoke"]
