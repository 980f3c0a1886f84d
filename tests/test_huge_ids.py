"""Ids no database row can have (2**31 and beyond) answer 404 on every route, never 500.

The whole URL map is walked: every rule with an ``int`` argument is requested with each of its methods,
anonymously, as a signed-in admin of an organisation and with an API token of all scopes. Query strings
and form fields that carry ids get the same numbers and must never cause a 500.
"""

from __future__ import annotations

import re

import pytest

from surveys.core.models import Membership, User
from surveys.extensions import db
from tests.api_support import PLUGINS, auth, build_school, token_for
from tests.conftest import set_role

HUGE = (2**31, 2**63, 2**64, 10**30)  # past a PostgreSQL INTEGER, a SQLite INTEGER, and far past
ARGUMENT = re.compile(r"<(?:(?P<converter>[a-zA-Z_]+)(?:\([^)]*\))?:)?(?P<name>\w+)>")
PLAUSIBLE = {"filename": "style.css", "code": "ru", "instrument_id": "gad7", "token": "abc", "secret": "abc"}
# Every query parameter and form field that names a row by its number somewhere in the app.
ID_FIELDS = (
    "page",
    "programme",
    "wave",
    "before",
    "after",
    "selected",
    "participants",
    "mentor",
    "mentees",
    "organisation",
    "waves",
    "keep",
    "drop",
    "only",
)


def _url(rule, number: int, known: dict | None = None) -> str:
    def value(match: re.Match) -> str:
        if match.group("converter") == "int":
            return str((known or {}).get(match.group("name"), number))
        return PLAUSIBLE.get(match.group("name"), "x")

    return ARGUMENT.sub(value, rule.rule)


def _has_int(rule) -> bool:
    return any(m.group("converter") == "int" for m in ARGUMENT.finditer(rule.rule))


@pytest.fixture
def walker(make_app):
    """An app without CSRF checks (so that posts reach the views), a school with a campaign, and three
    callers: anonymous, the school's admin signed in, and an API token of the school of every scope."""
    # A failure is a 500, as in production.
    app = make_app(SURVEYS_PLUGINS_PATH=PLUGINS, WTF_CSRF_ENABLED=False, PROPAGATE_EXCEPTIONS=False)
    school = build_school(app, "Школа № 9")
    with app.app_context():
        user = User(email="admin@example.org", name="Админ")
        user.set_password("correct horse")
        db.session.add(user)
        db.session.flush()
        db.session.add(Membership(user_id=user.id, organisation_id=school["organisation"], role="admin"))
        db.session.commit()
    admin = app.test_client()
    assert admin.post("/login", data={"email": "admin@example.org", "password": "correct horse"}).status_code == 302
    headers = auth(token_for(app, school["organisation"]))
    callers = {"anonymous": (app.test_client(), {}), "admin": (admin, {}), "api token": (app.test_client(), headers)}
    return app, school, callers


def _call(client, method: str, url: str, headers: dict, data=None):
    return client.open(url, method=method, headers=headers, data=data)


def test_every_route_answers_404_for_an_id_past_the_database_range(walker):
    app, _school, callers = walker
    rules = [rule for rule in app.url_map.iter_rules() if _has_int(rule)]
    assert len(rules) > 50  # the walk covers the app, its API and the plugins' pages
    wrong = []
    for number in HUGE:
        for rule in rules:
            url = _url(rule, number)
            for method in sorted(rule.methods):
                for who, (client, headers) in callers.items():
                    status = _call(client, method, url, headers).status_code
                    if status != 404:
                        wrong.append(f"{who} {method} {url}: {status}")
    assert not wrong, "\n".join(wrong)


def test_no_route_fails_on_huge_numbers_in_the_query_string_or_form(walker):
    app, school, callers = walker
    wrong = []
    for number in HUGE:
        fields = {name: str(number) for name in ID_FIELDS}
        query = "&".join(f"{name}={number}" for name in ID_FIELDS)
        for rule in app.url_map.iter_rules():
            if rule.endpoint == "auth.logout":  # the admin stays signed in for the rest of the walk
                continue
            url = _url(rule, 1, school)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                for who, (client, headers) in callers.items():
                    if method == "GET":
                        response = _call(client, method, f"{url}?{query}", headers)
                    else:
                        response = _call(client, method, url, headers, data=fields)
                    if response.status_code >= 500:
                        wrong.append(f"{who} {method} {url}: {response.status_code}")
    assert not wrong, "\n".join(wrong)


def test_the_audit_log_with_a_page_number_past_any_id_answers_a_page(logged_in, app):
    set_role(app, "curator@example.org", "admin")
    for page in ("99999999999999999999", str(2**63), "-5"):
        response = logged_in.get(f"/staff/audit?page={page}")
        assert response.status_code == 200, page
