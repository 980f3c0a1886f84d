"""Faults a participant may meet, in the suite (the long runs with gunicorn are in bench/load):
the database down or busy gives a clean, retryable 503 and loses nothing; fifty participants at
once on SQLite all finish, with every answer stored."""

from __future__ import annotations

import sqlite3
import threading
import urllib.error
import urllib.parse
import urllib.request

import pytest

from surveys import create_app
from surveys.core.models import Organisation, Participant, Response
from surveys.extensions import db
from surveys.participation.links import generate_links
from surveys.workspace.campaigns import create_campaign

ON_SQLITE = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
ANSWERS = {f"gad7_{i}": str(i % 4) for i in range(1, 8)}  # GAD-7: seven items scored 0–3


def _campaign(app, people: int) -> list[str]:
    """A school with a GAD-7 campaign for ``people`` mentees; returns their link tokens."""
    with app.test_request_context():
        organisation = Organisation(name="Школа")
        db.session.add(organisation)
        db.session.commit()
        campaign = create_campaign(organisation, "Вход", ["gad7"], "Вход")
        campaign.assignments[0].audience = ["mentee"]
        for i in range(people):
            db.session.add(Participant(organisation_id=organisation.id, code=f"P{i:03d}", role="mentee", tags=[]))
        db.session.commit()
        return [token for _participant, token in generate_links(campaign.waves[0])]


def _stored(app) -> dict[str, tuple[str, dict]]:
    with app.app_context():
        rows = db.session.execute(db.select(Participant.code, Response.status, Response.answers).join(Response))
        return {code: (status, answers) for code, status, answers in rows}


def test_an_unreachable_database_gives_a_clean_retryable_503(tmp_path):
    app = create_app(
        {"SURVEYS_DATABASE_URL": "postgresql://postgres@127.0.0.1:1/none", "SURVEYS_SECRET_KEY": "x", "TESTING": True},
        instance_path=str(tmp_path),
    )
    client = app.test_client()
    for method, url in (("GET", "/s/ABCDEFGHJKMNPQRSTVWXYZ234"), ("POST", "/s/ABCDEFGHJKMNPQRSTVWXYZ234/autosave")):
        response = client.open(url, method=method, data={"instrument": "gad7"})
        body = response.get_data(as_text=True)
        assert response.status_code == 503 and response.headers["Retry-After"] == "5", (method, url)
        assert "Попробуйте через минуту" in body and "сохранено" in body
        assert "psycopg" not in body and "connection" not in body.lower() and "Traceback" not in body


@ON_SQLITE
def test_a_busy_sqlite_database_never_shows_database_is_locked_and_keeps_the_answers(make_app, tmp_path):
    app = make_app(SURVEYS_SQLITE_BUSY_MS=200)
    token = _campaign(app, 1)[0]
    client = app.test_client()
    client.post(f"/s/{token}/consent", data={"decision": "agree"})
    assert client.get(f"/s/{token}").status_code == 200
    first = {"instrument": "gad7", "page": "gad7", "action": "next", "gad7_1": "2", "gad7_2": "1"}
    assert client.post(f"/s/{token}/autosave", data=first).status_code == 200
    # Another process holds the write lock for longer than the app waits.
    path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    holder = sqlite3.connect(path, timeout=1)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        blocked = client.post(f"/s/{token}", data={**first, **ANSWERS, "action": "submit"})
        body = blocked.get_data(as_text=True)
        assert blocked.status_code == 503 and "locked" not in body and "Попробуйте через минуту" in body
    finally:
        holder.rollback()
        holder.close()
    assert _stored(app)["P000"][1] == {"gad7_1": 2, "gad7_2": 1}  # the autosave before the fault is intact
    again = client.post(f"/s/{token}", data={**first, **ANSWERS, "action": "submit"})  # the participant retries
    assert again.status_code == 302
    status, answers = _stored(app)["P000"]
    assert status == "submitted" and answers == {k: int(v) for k, v in ANSWERS.items()}


def _take(base: str, token: str, errors: list[str]) -> None:
    """One participant's whole path through the real server: open, agree, answer, submit."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())

    def call(url: str, data: dict | None = None) -> int:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with opener.open(base + url, data=body, timeout=60) as response:
                text = response.read().decode()
                if "locked" in text:
                    errors.append(f"{token[:4]}: 'locked' in the page")
                return response.status
        except urllib.error.HTTPError as err:
            errors.append(f"{token[:4]} {url.split('/')[-1]}: {err.code} {err.read()[:200]!r}")
            return err.code

    call(f"/s/{token}")
    call(f"/s/{token}/consent", {"decision": "agree"})
    call(f"/s/{token}/autosave", {"instrument": "gad7", "page": "gad7", "gad7_1": "1"})
    call(f"/s/{token}", {"instrument": "gad7", "page": "gad7", "action": "submit", **ANSWERS})


@ON_SQLITE
def test_fifty_participants_at_once_on_sqlite_all_finish_with_every_answer_stored(live_server):
    app, base = live_server()
    tokens = _campaign(app, 50)
    errors: list[str] = []
    threads = [threading.Thread(target=_take, args=(base, token, errors)) for token in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == []
    stored = _stored(app)
    assert len(stored) == 50
    assert all(status == "submitted" for status, _ in stored.values())
    assert all(answers == {k: int(v) for k, v in ANSWERS.items()} for _, answers in stored.values())
