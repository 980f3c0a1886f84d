"""Abuse from outside, end to end through the test client: guessing link tokens (rate limits, and
no timing difference between near and far misses), session fixation and stolen cookies, and
guessing staff passwords. The rate limits' clock is set by the tests, never slept on."""

from __future__ import annotations

import ast
import datetime as dt
import inspect
import re
import statistics
import textwrap
import time

import pytest
from sqlalchemy import event

from surveys import throttle
from surveys.core.models import (
    TOKEN_ALPHABET,
    Invitation,
    OpenLink,
    Organisation,
    Participant,
    Programme,
    User,
    hash_token,
    new_token,
)
from surveys.extensions import db
from surveys.participation import links as links_module
from surveys.participation.links import generate_links
from surveys.web import sign_in_limits
from surveys.workspace.campaigns import create_campaign
from tests.conftest import FIXTURES, csrf_token, post_form

PLUGINS = str(FIXTURES / "plugins")
LIMIT = 4  # refused tokens per address and window in these tests
PAGE_ONE = {"instrument": "wellbeing_check", "page": "mood", "wb_calm": 3, "wb_tense": 2, "wb_happy": 4}
CODE = {"guardian_letters": "Ол", "own_letter": "м", "birth_day": "7", "birth_month": "3"}
TOO_MANY = "Слишком много попыток"
# The hash lookup as SQLite (?) and psycopg (%(name)s, with a cast) spell it.
EQUALS_HASH = re.compile(r"\sWHERE (invitation|open_link)\.token_hash = (\?|%\(\w+\)s(::VARCHAR)?)( ORDER BY [\w.]+)?$")


@pytest.fixture
def app(make_app):
    return make_app(
        SURVEYS_PLUGINS_PATH=PLUGINS,
        SURVEYS_BAD_LINK_LIMIT=LIMIT,
        SURVEYS_BAD_LINK_LOCK=LIMIT,
        SURVEYS_BAD_LINK_WINDOW=600,
    )


@pytest.fixture
def clock(monkeypatch):
    """The rate limits' clock: a fixed moment 5 s into a 10-minute window, moved on by the test."""
    now = [dt.datetime(2026, 11, 24, 10, 0, 5)]
    monkeypatch.setattr(throttle, "utcnow", lambda: now[0])
    return now


def make_links(app) -> tuple[str, str]:
    """A campaign with one participant's personal link and an open link for mentees: (/s/…, /o/…)."""
    with app.test_request_context():
        organisation = Organisation(name="Школа")
        db.session.add(organisation)
        db.session.commit()
        db.session.add(Participant(organisation_id=organisation.id, code="P1", role="mentee", tags=[]))
        db.session.commit()
        campaign = create_campaign(organisation, "Мониторинг", ["wellbeing_check"], "Вход")
        [(_participant, token)] = generate_links(campaign.waves[0])
        _link, open_token = links_module.create_open_link(campaign.waves[0], "mentee")
        return f"/s/{token}", f"/o/{open_token}"


def client_at(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def link_rules(app):
    """Every route that looks a link token up, with its methods."""
    rules = [r for r in app.url_map.iter_rules() if r.rule.startswith(("/s/<token>", "/o/<token>"))]
    assert len(rules) >= 10  # personal: page, consent, autosave, edit; open: start, consent, code, survey, …
    return [(rule.rule, sorted(rule.methods & {"GET", "POST"})) for rule in rules]


def miss(client, n: int) -> int:
    """One unknown token, on a personal link or an open link in turn: both count against the address."""
    return client.get(f"/{'so'[n % 2]}/{new_token()}").status_code


def test_between_the_limit_and_the_lock_a_school_keeps_working(make_app, clock):
    app = make_app(SURVEYS_PLUGINS_PATH=PLUGINS, SURVEYS_BAD_LINK_LIMIT=2, SURVEYS_BAD_LINK_LOCK=5)
    personal, open_link = make_links(app)
    school = client_at(app, "10.0.0.1")
    assert [miss(school, n) for n in range(4)] == [404, 404, 429, 429]  # a class tries old links
    assert school.get(personal).status_code == 200 and school.get(open_link).status_code == 200
    assert miss(school, 4) == 429  # the fifth refusal reaches the lock: now nothing opens
    assert school.get(personal).status_code == 429 and school.get(open_link).status_code == 429


def test_past_the_lock_every_token_from_the_address_waits_right_ones_included(app, clock):
    personal, open_link = make_links(app)
    guesser = client_at(app, "10.0.0.1")
    assert [miss(guesser, n) for n in range(LIMIT)] == [404] * LIMIT
    token = csrf_token(guesser.get("/login").get_data(as_text=True))  # so open-link posts pass their CSRF check
    right = {"/s/": personal.removeprefix("/s/"), "/o/": open_link.removeprefix("/o/")}
    tried = 0
    for rule, methods in link_rules(app):
        for method in methods:
            pages = set()
            for value in (right[rule[:3]], new_token()):
                url = rule.replace("<token>", value)
                response = guesser.open(url, method=method, data={"csrf_token": token, "decision": "agree", **CODE})
                assert response.status_code == 429, f"{method} {url}"
                assert response.headers["Retry-After"] == "600"
                pages.add(response.get_data(as_text=True).replace(value, "<token>"))
                tried += 1
            assert len(pages) == 1 and TOO_MANY in pages.pop()  # a right and a wrong token: the same page
    assert tried >= 28
    with app.app_context():  # and nothing was done for the right tokens
        assert db.session.execute(db.select(Invitation.consented_at)).scalar_one() is None
        assert db.session.execute(db.select(OpenLink.declines)).scalar_one() == 0
        assert db.session.execute(db.select(db.func.count(Participant.id))).scalar_one() == 1
        assert throttle.count("bad-link:10.0.0.1", 600) == LIMIT  # waiting does not lengthen the wait
    # Another address is not affected, right or wrong.
    neighbour = client_at(app, "10.0.0.2")
    assert neighbour.get(personal).status_code == 200 and neighbour.get(open_link).status_code == 200
    assert neighbour.get(f"/s/{new_token()}").status_code == 404


def test_the_wait_ends_with_the_configured_window(make_app, clock):
    app = make_app(
        SURVEYS_PLUGINS_PATH=PLUGINS, SURVEYS_BAD_LINK_LIMIT=2, SURVEYS_BAD_LINK_LOCK=2, SURVEYS_BAD_LINK_WINDOW=300
    )
    personal, open_link = make_links(app)
    guesser = client_at(app, "10.0.0.1")
    assert [miss(guesser, n) for n in range(3)] == [404, 404, 429]
    clock[0] = dt.datetime(2026, 11, 24, 10, 4, 59)  # the last second of the 5-minute window
    waiting = guesser.get(personal)
    assert waiting.status_code == 429 and waiting.headers["Retry-After"] == "300"
    clock[0] = dt.datetime(2026, 11, 24, 10, 5, 0)
    assert guesser.get(personal).status_code == 200 and guesser.get(open_link).status_code == 200
    assert [miss(guesser, n) for n in range(3)] == [404, 404, 429]  # a new window, a new allowance


def test_a_participants_own_links_never_count_as_misses(app, clock):
    personal, open_link = make_links(app)
    pupil = client_at(app, "10.0.0.1")
    assert pupil.post(f"{personal}/consent", data={"decision": "agree"}).status_code == 302
    for n in range(LIMIT * 5):  # autosave after every change, far more often than the limit
        saved = pupil.post(f"{personal}/autosave", data={**PAGE_ONE, "wb_calm": 1 + n % 4})
        assert saved.status_code == 200 and saved.get_json() == {"saved": True}
        assert pupil.get(personal).status_code == 200
    consent = pupil.get(open_link).get_data(as_text=True)
    pupil.post(f"{open_link}/consent", data={"csrf_token": csrf_token(consent), "decision": "agree"})
    page = pupil.get(f"{open_link}/code").get_data(as_text=True)
    assert pupil.post(f"{open_link}/code", data={"csrf_token": csrf_token(page), **CODE}).status_code == 302
    for _n in range(LIMIT * 3):
        saved = pupil.post(f"{open_link}/autosave", data={"csrf_token": csrf_token(page), **PAGE_ONE})
        assert saved.status_code == 200 and saved.get_json() == {"saved": True}
    with app.app_context():
        assert throttle.count("bad-link:10.0.0.1", 600) == 0
    assert miss(pupil, 0) == 404  # a first mistyped link is still only a miss


def _near_miss(token: str) -> str:
    """A wrong token that shares all but its last symbol with ``token``."""
    return token[:-1] + next(symbol for symbol in TOKEN_ALPHABET if symbol != token[-1])


def _statements(app, client, url: str) -> list[tuple[str, tuple]]:
    """The SQL a request runs, each with its parameters."""
    seen: list[tuple[str, tuple]] = []
    with app.app_context():
        engine = db.engine

    def listen(_conn, _cursor, statement, parameters, _context, _executemany):
        values = parameters.values() if isinstance(parameters, dict) else parameters or ()  # psycopg: named
        seen.append((statement, tuple(values)))

    event.listen(engine, "before_cursor_execute", listen)
    try:
        assert client.get(url).status_code == 404
    finally:
        event.remove(engine, "before_cursor_execute", listen)
    return seen


def test_a_near_miss_and_a_random_token_run_the_same_lookup_by_hash(make_app):
    app = make_app(SURVEYS_PLUGINS_PATH=PLUGINS, SURVEYS_BAD_LINK_LIMIT=10**6, SURVEYS_BAD_LINK_LOCK=10**6)
    personal, open_link = make_links(app)
    visitor = app.test_client()
    visitor.get(f"/s/{new_token()}")  # the address's counter exists from now on: compare later requests
    for prefix, real in (("/s/", personal), ("/o/", open_link)):
        near, far = _near_miss(real.removeprefix(prefix)), new_token()
        runs = {token: _statements(app, visitor, prefix + token) for token in (near, far)}
        masked = [
            [(sql, tuple("<hash>" if p == hash_token(token) else p for p in params)) for sql, params in runs[token]]
            for token in (near, far)
        ]
        assert masked[0] == masked[1]  # the same statements with the same parameters, but for the hash
        lookups = [(sql, params) for sql, params in runs[near] if hash_token(near) in params]
        assert len(lookups) == 1 and EQUALS_HASH.search(lookups[0][0]), lookups
        assert not any(near in str(p) or near[:20] in str(p) for _sql, params in runs[near] for p in params)
    with app.app_context():  # the hash column is indexed (unique), so the database compares whole hashes
        inspector = db.inspect(db.engine)
        for table in ("invitation", "open_link"):
            unique = [c["column_names"] for c in inspector.get_unique_constraints(table)]
            indexed = [i["column_names"] for i in inspector.get_indexes(table) if i["unique"]]
            assert ["token_hash"] in unique + indexed, table
    # In Python, the token only ever goes through the hash: no prefix or character comparisons.
    # The statement (built once) compares the whole hash, bound as a parameter.
    built = ast.parse(textwrap.dedent(inspect.getsource(links_module._statement)))
    calls = [ast.unparse(n) for n in ast.walk(built) if isinstance(n, ast.Call)]
    assert any(".filter_by(token_hash=bindparam('token_hash'))" in c for c in calls), calls
    tree = ast.parse(textwrap.dedent(inspect.getsource(links_module._lookup)))
    names = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)} | {
        n.attr for n in ast.walk(built) if isinstance(n, ast.Attribute)
    }
    assert not names & {"startswith", "find", "index", "like", "ilike", "contains"}
    assert not [n for n in ast.walk(tree) if isinstance(n, ast.Subscript)]
    compared = [ast.unparse(n) for n in ast.walk(tree) if isinstance(n, ast.Compare)]
    assert compared == ["len(token) > MAX_TOKEN_LENGTH", "counted is not None"]
    used = [n for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id == "token"]
    hashed = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and ast.unparse(n) == "hash_token(token)"]
    assert len(hashed) == 1 and len(used) == 4  # tested for emptiness and length, replaced, hashed: nothing else


def test_a_near_miss_costs_the_same_time_as_a_random_token(make_app):
    app = make_app(SURVEYS_PLUGINS_PATH=PLUGINS, SURVEYS_BAD_LINK_LIMIT=10**6, SURVEYS_BAD_LINK_LOCK=10**6)
    personal, _open_link = make_links(app)
    near, far = _near_miss(personal.removeprefix("/s/")), new_token()
    visitor = app.test_client()
    timings: dict[str, list[float]] = {near: [], far: []}
    for round_ in range(220):
        for token in (near, far) if round_ % 2 else (far, near):  # alternate, so drift hits both alike
            start = time.perf_counter()
            status = visitor.get(f"/s/{token}").status_code
            elapsed = time.perf_counter() - start
            assert status == 404
            if round_ >= 20:  # the first rounds warm caches up
                timings[token].append(elapsed)
    near_median, far_median = statistics.median(timings[near]), statistics.median(timings[far])
    bound = max(0.25 * min(near_median, far_median), 0.002)
    assert abs(near_median - far_median) < bound, (near_median, far_median)


def test_a_cookie_from_before_sign_in_never_carries_the_sign_in(app, staff):
    email, password, _organisation = staff
    victim = app.test_client()
    victim.get("/lang/en")
    page = victim.get("/login").get_data(as_text=True)
    planted, planted_token = victim.get_cookie("session").value, csrf_token(page)
    signed_in = victim.post("/login", data={"csrf_token": planted_token, "email": email, "password": password})
    assert signed_in.status_code == 302
    assert victim.get_cookie("session").value != planted
    assert "Sign out" in victim.get("/staff/").get_data(as_text=True)  # the language chosen before stays
    # Whoever planted the cookie holds no signed-in session with it ...
    attacker = app.test_client()
    attacker.set_cookie("session", planted)
    assert attacker.get("/staff/").status_code == 302
    # ... and the CSRF token that came with it does not work in the victim's signed-in session.
    forged = victim.post("/staff/programmes", data={"csrf_token": planted_token, "name": "Подложная"})
    assert forged.status_code == 400
    assert post_form(victim, "/staff/programmes", {"name": "Своя"}).status_code == 302
    with app.app_context():
        assert db.session.execute(db.select(Programme.name)).scalars().all() == ["Своя"]


def test_signing_out_ends_every_copy_of_the_session(app, logged_in, staff, runner):
    email, password, _organisation = staff
    stolen = logged_in.get_cookie("session").value
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert thief.get("/staff/").status_code == 200  # a copy works while its owner is signed in
    page = logged_in.get("/staff/").get_data(as_text=True)
    assert logged_in.post("/logout", data={"csrf_token": csrf_token(page)}).status_code == 302
    assert logged_in.get("/staff/").status_code == 302
    assert thief.get("/staff/").status_code == 302  # the copy ended with the sign-out
    assert post_form(logged_in, "/login", {"email": email, "password": password}).status_code == 302
    assert logged_in.get("/staff/").status_code == 200 and thief.get("/staff/").status_code == 302
    # A new password ends the sessions signed in with the old one.
    stolen = logged_in.get_cookie("session").value
    args = ["user", "create", email, "--organisation", "Школа № 7", "--reset-password", "--password", "n" * 12]
    assert runner.invoke(args=args).exit_code == 0
    thief.set_cookie("session", stolen)
    assert thief.get("/staff/").status_code == 302 and logged_in.get("/staff/").status_code == 302


def _sign_in(client, email: str, password: str):
    return post_form(client, "/login", {"email": email, "password": password})


def test_sign_in_is_limited_per_account_and_address_and_per_address_until_the_window_ends(make_app, staff, clock):
    """The limits alone (no delays); the delays, the parallel attempts and the audit: tests/test_login_throttle.py."""
    app = make_app(
        SURVEYS_PLUGINS_PATH=PLUGINS, SURVEYS_LOGIN_LIMIT=3, SURVEYS_LOGIN_IP_LIMIT=5, SURVEYS_LOGIN_MAX_DELAY=0
    )
    email, password, _organisation = staff
    with app.app_context():
        second = User(email="second@example.org")
        second.set_password("second password")
        db.session.add(second)
        db.session.commit()
    attacker = client_at(app, "10.0.0.9")
    for typed in (email, email.upper(), email):  # the e-mail's case makes no new account
        wrong = _sign_in(attacker, typed, "wrong")
        assert wrong.status_code == 200 and "Неверная электронная почта или пароль." in wrong.get_data(as_text=True)
    blocked = _sign_in(attacker, email, password)  # even the right password now waits, from this address
    text = blocked.get_data(as_text=True)
    assert blocked.status_code == 429 and "Слишком много неудачных попыток входа. Подождите 15 мин." in text
    assert attacker.get("/staff/").status_code == 302
    assert _sign_in(client_at(app, "10.0.0.10"), email, password).status_code == 302  # the owner elsewhere is not
    # Per address: 3 failures and 1 refusal so far; one more failure, then every account waits, from there only.
    assert _sign_in(attacker, "nobody@example.org", "x").status_code == 200
    assert _sign_in(attacker, "second@example.org", "second password").status_code == 429
    assert _sign_in(client_at(app, "10.0.0.11"), "second@example.org", "second password").status_code == 302
    with app.app_context():
        keys = sign_in_limits.Attempt(email, "10.0.0.9", None).keys
        assert throttle.count(keys["pair"], 900) == 4 and throttle.count(keys["address"], 900) == 6
    clock[0] = dt.datetime(2026, 11, 24, 10, 14, 59)
    assert _sign_in(attacker, email, password).status_code == 429
    clock[0] = dt.datetime(2026, 11, 24, 10, 15, 0)  # the 15-minute window is over
    assert _sign_in(attacker, email, password).status_code == 302
    assert attacker.get("/staff/").status_code == 200
