"""Sign-in throttling that protects without locking out (surveys/web/sign_in_limits.py): every attempt is
counted before its password is checked, per e-mail and address and per address; an e-mail's failures
slow down only the addresses that failed for it; failures and refusals go to the audit log; behind a
proxy the forwarded address is the one counted. The rate limits' clock is set by the tests, never slept
on, but for the parallel and the ``surveys serve`` tests."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from surveys import throttle
from surveys.core.log_models import AuditEvent
from surveys.core.models import Membership, Organisation, User, new_token
from surveys.extensions import db
from surveys.web import sign_in as auth
from tests.conftest import csrf_token, post_form
from tests.installed import command, served, status

PARALLEL = 40


@pytest.fixture
def clock(monkeypatch):
    """The rate limits' clock: a fixed moment 5 s into a 15-minute window, moved on by the test."""
    now = [dt.datetime(2026, 11, 24, 10, 0, 5)]
    monkeypatch.setattr(throttle, "utcnow", lambda: now[0])
    return now


@pytest.fixture
def checks(monkeypatch):
    """Every password checked, against an account's hash or (unknown e-mail) the dummy hash."""
    checked: list[str] = []
    real_check, real_hash_check = User.check_password, auth.check_password_hash

    def check_password(user, password):
        checked.append(password)
        return real_check(user, password)

    def check_password_hash(pwhash, password):
        checked.append(password)
        return real_hash_check(pwhash, password)

    monkeypatch.setattr(User, "check_password", check_password)
    monkeypatch.setattr(auth, "check_password_hash", check_password_hash)
    return checked


def client_at(app, address: str, **headers):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    client.environ_base.update({f"HTTP_{name.upper()}": value for name, value in headers.items()})
    return client


def sign_in(client, email: str, password: str):
    return post_form(client, "/login", {"email": email, "password": password})


def later(clock, seconds: float) -> None:
    clock[0] += dt.timedelta(seconds=seconds)


def add_user(app, email: str, password: str) -> None:
    with app.app_context():
        user = User(email=email)
        user.set_password(password)
        db.session.add(user)
        db.session.commit()


@pytest.mark.parametrize("target", ["one account", "forty e-mails"])
def test_forty_parallel_wrong_sign_ins_check_no_more_passwords_than_the_limit(live_server, staff, checks, target):
    """Per e-mail and address (one account), and per address (forty unknown e-mails): the count is
    taken atomically before the password is checked, so parallel requests cannot slip past it."""
    limit = 5
    _app, base = live_server(SURVEYS_LOGIN_LIMIT=limit, SURVEYS_LOGIN_IP_LIMIT=limit)
    browser = requests.Session()
    token = csrf_token(browser.get(f"{base}/login", timeout=60).text)
    cookies = browser.cookies.get_dict()
    barrier = threading.Barrier(PARALLEL)

    def attempt(n: int) -> int:
        email = staff[0] if target == "one account" else f"nobody{n}@example.org"
        barrier.wait(timeout=120)
        data = {"csrf_token": token, "email": email, "password": f"wrong {n}"}
        return requests.post(f"{base}/login", data=data, cookies=cookies, timeout=300).status_code

    with ThreadPoolExecutor(PARALLEL) as pool:
        statuses = list(pool.map(attempt, range(PARALLEL)))
    print(f"{target}: {len(checks)} of {PARALLEL} parallel attempts checked against a password")
    assert 1 <= len(checks) <= limit
    assert statuses.count(200) == len(checks) and statuses.count(429) == PARALLEL - len(checks)


def test_a_hundred_wrong_passwords_from_one_address_do_not_lock_the_owner_out_at_another(app, staff, clock, checks):
    email, password, _organisation = staff
    attacker = client_at(app, "10.0.0.66")
    statuses = []
    for n in range(100):  # one guess a second: the delays let five through, the limit no more
        statuses.append(sign_in(attacker, email, f"guess {n}").status_code)
        later(clock, 1)
    assert statuses.count(200) == 5 and statuses.count(429) == 95 and len(checks) == 5
    owner = client_at(app, "10.0.0.7")
    assert sign_in(owner, email, password).status_code == 302
    assert owner.get("/staff/").status_code == 200
    refused = sign_in(attacker, email, password)  # the right password from the attacker's address is refused
    assert refused.status_code == 429 and int(refused.headers.get("Retry-After", 0)) > 0 and len(checks) == 6
    assert "Слишком много неудачных попыток входа. Подождите" in refused.get_data(as_text=True)


def test_an_emails_failures_slow_down_only_the_addresses_that_failed_for_it(make_app, staff, clock):
    app = make_app(SURVEYS_LOGIN_LIMIT=50, SURVEYS_LOGIN_MAX_DELAY=60)
    email, password, _organisation = staff
    desk = client_at(app, "10.0.0.1")
    assert sign_in(desk, email, "typo").status_code == 200  # the e-mail's 1st failure: this address waits 2 s
    waited = sign_in(desk, email, password)
    assert waited.status_code == 429 and waited.headers.get("Retry-After") == "2"
    assert "Подождите 2 сек. и попробуйте снова." in waited.get_data(as_text=True)
    later(clock, 2)
    assert sign_in(desk, email, "typo again").status_code == 200  # 2nd: 4 s
    assert sign_in(desk, email, password).headers.get("Retry-After") == "4"
    for n in range(3):  # failures from elsewhere make the address that failed wait longer: 2^5 s
        assert sign_in(client_at(app, f"10.0.1.{n}"), email, "guess").status_code == 200
    assert sign_in(desk, email, password).headers.get("Retry-After") == "32"
    for n in range(10):  # ... but never more than SURVEYS_LOGIN_MAX_DELAY
        assert sign_in(client_at(app, f"10.0.2.{n}"), email, "guess").status_code == 200
    assert sign_in(desk, email, password).headers.get("Retry-After") == "60"
    clean = client_at(app, "10.0.3.1")  # an address that never failed for the e-mail does not wait
    assert sign_in(clean, email, password).status_code == 302
    later(clock, 60)
    assert sign_in(desk, email, password).status_code == 302
    with app.app_context():  # four refusals for the wait, one audited
        refused = db.session.execute(db.select(AuditEvent).filter_by(action="sign_in.refused")).scalars().all()
        assert [(event.details["reason"], event.details["address"]) for event in refused] == [("delay", "10.0.0.1")]


def test_one_address_is_held_to_the_limit_per_email_and_across_emails_to_the_limit_per_address(
    make_app, staff, clock, checks
):
    app = make_app(SURVEYS_LOGIN_LIMIT=3, SURVEYS_LOGIN_IP_LIMIT=6, SURVEYS_LOGIN_MAX_DELAY=0)  # no delays here
    email, password, _organisation = staff
    add_user(app, "second@example.org", "second password")
    attacker = client_at(app, "10.0.0.9")
    for typed in (email, email.upper(), email):  # the e-mail's case makes no new key
        assert sign_in(attacker, typed, "wrong").status_code == 200
    refused = sign_in(attacker, email, password)
    assert refused.status_code == 429 and refused.headers.get("Retry-After") == "895"  # the 15-minute window's end
    assert "Подождите 15 мин." in refused.get_data(as_text=True) and len(checks) == 3
    assert sign_in(client_at(app, "10.0.0.10"), email, password).status_code == 302  # not locked for the owner
    # Per address: 4 attempts so far (3 failures, 1 refused); two more e-mails, then every e-mail waits.
    assert [sign_in(attacker, f"nobody{n}@example.org", "x").status_code for n in range(2)] == [200, 200]
    assert sign_in(attacker, "second@example.org", "second password").status_code == 429
    assert len(checks) == 6
    assert sign_in(client_at(app, "10.0.0.11"), "second@example.org", "second password").status_code == 302
    later(clock, 895)  # the window is over
    assert sign_in(attacker, email, password).status_code == 302


def test_failures_and_the_first_refusal_are_audited_in_each_organisation_without_the_password(make_app, staff, clock):
    app = make_app(SURVEYS_LOGIN_LIMIT=2, SURVEYS_LOGIN_MAX_DELAY=0)
    email, password, first = staff
    with app.app_context():
        second = Organisation(name="Колледж")
        db.session.add(second)
        db.session.flush()
        user = db.session.execute(db.select(User).filter_by(email=email)).scalar_one()
        db.session.add(Membership(user_id=user.id, organisation_id=second.id, role="admin"))
        db.session.execute(db.update(Membership).filter_by(organisation_id=first).values(role="admin"))
        db.session.commit()
        user_id, second_id = user.id, second.id
    attacker = client_at(app, "192.0.2.44")
    statuses = [sign_in(attacker, email, f"hunter2-{n}").status_code for n in range(22)]
    assert statuses == [200, 200] + [429] * 20
    stranger = client_at(app, "192.0.2.45")  # an unknown e-mail, here a password typed in the wrong field
    assert sign_in(stranger, "MyPassword-77", "pw-typed").status_code == 200
    with app.app_context():
        events = db.session.execute(db.select(AuditEvent).order_by(AuditEvent.id)).scalars().all()
        rows = [(e.organisation_id, e.user_id, e.action, e.target, sorted(e.details.items())) for e in events]
    ours = sorted({"email": email, "address": "192.0.2.44"}.items())
    refusal = sorted({"email": email, "address": "192.0.2.44", "reason": "pair", "retry_after": 895}.items())
    assert sorted(rows, key=repr) == sorted(
        [(org, None, "sign_in.failed", f"user:{user_id}", ours) for org in (first, second_id)] * 2
        + [(org, None, "sign_in.refused", f"user:{user_id}", refusal) for org in (first, second_id)]
        + [(None, None, "sign_in.failed", "user:unknown", [("address", "192.0.2.45")])],
        key=repr,
    )
    assert not any(secret in repr(rows).lower() for secret in ("hunter2", "mypassword", "pw-typed"))
    # The organisation's admin sees them on the audit page.
    admin = client_at(app, "192.0.2.1")
    assert sign_in(admin, email, password).status_code == 302
    page = admin.get("/staff/audit").get_data(as_text=True)
    assert page.count("sign_in.failed") >= 2 and "sign_in.refused" in page and "192.0.2.44" in page
    # The next window audits its own first refusal, once again.
    later(clock, 900)
    statuses = [sign_in(attacker, email, "again").status_code for _ in range(10)]
    assert statuses == [200, 200] + [429] * 8
    with app.app_context():
        refused = db.session.execute(db.select(AuditEvent).filter_by(action="sign_in.refused")).scalars().all()
        assert len(refused) == 4


def test_forwarded_addresses_count_only_from_the_trusted_proxy(make_app):
    app = make_app(SURVEYS_PROXY_HOPS=1, SURVEYS_TRUSTED_PROXY="10.0.0.1, 10.0.0.2", SURVEYS_BAD_LINK_LIMIT=2)

    def misses(client, n=3):
        return [client.get(f"/s/{new_token()}").status_code for _ in range(n)]

    assert misses(client_at(app, "10.0.0.1", x_forwarded_for="198.51.100.1")) == [404, 404, 429]
    assert misses(client_at(app, "10.0.0.2", x_forwarded_for="198.51.100.2")) == [404, 404, 429]
    # A client reaching the app directly cannot pick its address: it is counted under its own.
    direct = [client_at(app, "10.9.9.9", x_forwarded_for=f"198.51.100.{n}") for n in range(10, 13)]
    assert [misses(client, 1)[0] for client in direct] == [404, 404, 429]


def test_surveys_serve_counts_the_forwarded_address_behind_one_proxy_and_ignores_the_header_without(tmp_path):
    env = {**os.environ, "SURVEYS_INSTANCE_PATH": str(tmp_path), "SURVEYS_SECRET_KEY": "x"}
    env.pop("SURVEYS_DATABASE_URL", None)
    env.update(SURVEYS_BAD_LINK_LIMIT="3", SURVEYS_BAD_LINK_LOCK="1000")
    subprocess.run([command("surveys"), "db", "upgrade"], env=env, check=True, capture_output=True, timeout=300)

    def misses(port: int, forwarded: str, n: int) -> list[int]:
        return [status(port, f"/s/{new_token()}", **{"X-Forwarded-For": forwarded}) for _ in range(n)]

    with served({**env, "SURVEYS_PROXY_HOPS": "1"}) as port:  # waitress passes the header, ProxyFix reads it
        assert misses(port, "203.0.113.1", 4) == [404, 404, 404, 429]
        assert misses(port, "203.0.113.2", 1) == [404]  # another client behind the same proxy
        assert misses(port, "198.51.100.9, 203.0.113.3", 1) == [404]  # one hop: the proxy's entry counts
        assert misses(port, "198.51.100.9, 203.0.113.1", 1) == [429]
    with served({**env, "SURVEYS_PROXY_HOPS": "0"}) as port:  # no proxy: the header is the client's own word
        assert misses(port, "203.0.113.4", 4) == [404, 404, 404, 429]
        assert misses(port, "203.0.113.5", 1) == [429]
