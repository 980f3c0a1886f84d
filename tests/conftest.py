"""Fixtures: a real database (SQLite always, PostgreSQL when SURVEYS_TEST_DATABASE_URL is set),
an app per test, a test client, a CLI runner, and helpers for forms with CSRF tokens."""

from __future__ import annotations

import io
import os
import re
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from werkzeug.serving import make_server

from surveys import create_app
from surveys.config import normalise_database_url
from surveys.core.models import Membership, Organisation, Participant, User
from surveys.extensions import db

PG_URL = os.environ.get("SURVEYS_TEST_DATABASE_URL")
COMPILED_CATALOGUE_WAS_CURRENT: list[bool] = []  # filled once per run by pytest_sessionstart
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)]
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def pytest_sessionstart(session):
    """Rebuild the Russian messages.mo from messages.po before any app is made, so that a stale compiled
    catalogue cannot hide a gap during the run; whether the committed one was current is kept for
    tests/test_project.py (the wheel ships the committed file)."""
    from tests.catalogue import compile_catalogue, compiled_is_current

    current = compiled_is_current()
    COMPILED_CATALOGUE_WAS_CURRENT.append(current)
    if not current:
        compile_catalogue()


def _reset_postgresql(url: str) -> None:
    engine = sa.create_engine(normalise_database_url(url))
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def database_urls(tmp_path_factory):
    """One migrated database per backend for the whole run, built with ``db upgrade``."""
    urls = {"sqlite": f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"}
    if PG_URL:
        _reset_postgresql(PG_URL)
        urls["postgresql"] = PG_URL
    instance = tmp_path_factory.mktemp("migrate-instance")
    for url in urls.values():
        app = create_app({"SURVEYS_DATABASE_URL": url, "SURVEYS_SECRET_KEY": "x"}, instance_path=str(instance))
        with app.app_context():
            upgrade()
    return urls


@pytest.fixture(params=BACKENDS)
def backend(request, database_urls):
    if request.param not in database_urls:
        pytest.skip("SURVEYS_TEST_DATABASE_URL is not set: PostgreSQL run skipped")
    return request.param


@pytest.fixture
def make_app(backend, database_urls, tmp_path):
    """Build apps on the test database; every table is emptied after the test."""
    made = []

    def factory(**config):
        settings = {
            "TESTING": True,
            "SURVEYS_DATABASE_URL": database_urls[backend],
            "SURVEYS_SECRET_KEY": "test-secret",
            "SURVEYS_BASE_URL": "http://localhost",
        }
        settings.update(config)
        app = create_app(settings, instance_path=str(tmp_path / "instance"))
        made.append(app)
        return app

    yield factory
    if made:
        with made[0].app_context():
            for table in reversed(db.metadata.sorted_tables):
                db.session.execute(table.delete())
            db.session.commit()
            db.engine.dispose()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


DEMO_LABELS = {
    "ru": ("Логин сотрудника", "Пароль", "Страница входа", "Ссылка участника"),
    "en": ("Staff login", "Password", "Sign in at", "Participant link"),
}


def demo_login(output: str, locale: str = "ru") -> tuple[str, str, str]:
    """The staff e-mail, password and participant link that ``surveys demo`` prints: in Russian, the
    default language of its messages, or in ``locale`` when the app was made in another one. Fails,
    showing the output, when a line is missing."""
    labels = DEMO_LABELS[locale]
    line = re.compile(rf"^({'|'.join(labels)}):\s+(\S+)$", re.M)
    found = dict(line.findall(output))
    assert set(found) == set(labels), output
    return found[labels[0]], found[labels[1]], found[labels[3]]


def csrf_token(html: str) -> str:
    found = CSRF.search(html)
    assert found, "the page has no CSRF token"
    return found.group(1)


def post_form(client, url: str, data: dict, page_url: str | None = None, **kwargs):
    """GET the page to pick up its CSRF token, then POST the form like a browser would."""
    page = client.get(page_url or url)
    return client.post(url, data={"csrf_token": csrf_token(page.get_data(as_text=True)), **data}, **kwargs)


def xlsx(rows) -> bytes:
    """A workbook whose first sheet has ``rows``, as uploaded bytes."""
    import openpyxl

    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def enrol_people(organisation_id: int, programme_id: int, roles: dict[str, str], form: str = "") -> dict[str, int]:
    """Participants of the organisation (new, or the one with that code) enrolled in the programme
    (``{code: role}``), in the form of mentoring ``form``; their ids by code. Needs an app context; commits."""
    from surveys.workspace import enrol

    ids = {}
    for code, role in roles.items():
        participant = db.session.execute(
            db.select(Participant).filter_by(organisation_id=organisation_id, code=code)
        ).scalar_one_or_none()
        if participant is None:
            participant = Participant(organisation_id=organisation_id, code=code, role=role, tags=[])
            db.session.add(participant)
            db.session.flush()
        enrol(participant, programme_id, role, form, "")
        ids[code] = participant.id
    db.session.commit()
    return ids


@pytest.fixture
def staff(app):
    """A curator of one organisation; returns (email, password, organisation id)."""
    return add_curator(app)


def add_curator(app) -> tuple[str, str, int]:
    """A curator of a new organisation «Школа № 7» in ``app`` (e.g. a live server's); returns (email,
    password, organisation id)."""
    with app.app_context():
        organisation = Organisation(name="Школа № 7")
        user = User(email="curator@example.org", name="Куратор")
        user.set_password("correct horse")
        db.session.add_all([organisation, user])
        db.session.flush()
        db.session.add(Membership(user_id=user.id, organisation_id=organisation.id, role="curator"))
        db.session.commit()
        return "curator@example.org", "correct horse", organisation.id


def submit_in_wave(app, wave_id: int, participant_id: int, instrument_id: str, answers: dict) -> bool:
    """Invite the participant to the wave, answer the questionnaire and submit it (in an app context)."""
    from surveys.core.models import Invitation, Wave
    from surveys.instruments import instrument_for
    from surveys.participation.responses import start_response, submit

    invitation = Invitation(wave_id=wave_id, participant_id=participant_id)
    invitation.issue_token()
    db.session.add(invitation)
    db.session.commit()
    organisation_id = db.session.get(Wave, wave_id).campaign.organisation_id
    instrument = instrument_for(organisation_id, instrument_id)  # a plugin's or the organisation's upload
    response = start_response(invitation, instrument)
    response.answers = answers
    db.session.commit()
    return bool(submit(response, instrument))


def submit_through_review(client, url: str, last_page: dict, csrf: str | None = None):
    """What a participant does at the end of a questionnaire: «Далее» on the last page leads to the
    review page, whose «Отправить» submits. Returns the response to that submit (a redirect)."""
    token = {"csrf_token": csrf} if csrf else {}
    to_review = client.post(url, data={**token, **last_page, "action": "next"})
    assert to_review.status_code == 302, to_review.status_code
    assert "Проверьте ответы" in client.get(url).get_data(as_text=True)
    return client.post(url, data={**token, "instrument": last_page["instrument"], "review": "1", "action": "submit"})


def form_meant_for(instrument) -> str:
    """A form of mentoring whose mentors and mentees the instrument may go to: adults-only
    questionnaires (``ages: adults``) go to the forms of adults only (issue 22)."""
    return "учитель–учитель" if instrument.ages == "adults" else "ученик–ученик"


def set_role(app, email: str, role: str) -> None:
    """Give the staff member this role in every organisation they belong to."""
    with app.app_context():
        user = db.session.execute(db.select(User).filter_by(email=email)).scalar_one()
        for membership in user.memberships:
            membership.role = role
        db.session.commit()


@pytest.fixture
def logged_in(client, staff):
    email, password, _ = staff
    response = post_form(client, "/login", {"email": email, "password": password})
    assert response.status_code == 302
    return client


FIXTURES = Path(__file__).parent / "fixtures"


# Browser tests: Debian's chromium driven by Playwright. Screenshots are kept as test artefacts.
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SHOTS = Path(os.environ.get("SURVEYS_SCREENSHOTS", Path(__file__).parents[1] / "test-artifacts" / "screenshots"))


@pytest.fixture
def live_server(make_app):
    """Start the app on a free port in a thread; returns a factory of (app, base URL)."""
    servers = []

    def start(**config):
        app = make_app(**config)
        httpd = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{httpd.server_port}"
        app.config["SURVEYS_BASE_URL"] = base
        servers.append(httpd)
        return app, base

    yield start
    for httpd in servers:
        httpd.shutdown()


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the run."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (see .ci/run)")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield chromium
        chromium.close()


def keep_requests_local(context, base: str) -> list[str]:
    """Abort every request of a browser context that leaves ``base``; returns the list they go to."""
    outside: list[str] = []

    def route(request_route):
        if request_route.request.url.startswith(base):
            request_route.continue_()
        else:
            outside.append(request_route.request.url)
            request_route.abort()

    context.route("**/*", route)
    return outside


def signed_in_phone(browser, base: str, email: str, password: str, **options):
    """A 360×740 Russian browser context kept to ``base``, signed in as the staff member: returns the
    context, its page (on the staff start page) and the list of requests that tried to leave ``base``."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="ru-RU", **options)
    outside = keep_requests_local(context, base)
    page = context.new_page()
    page.set_default_timeout(20000)
    page.goto(f"{base}/login")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/staff/.*"))
    return context, page, outside
