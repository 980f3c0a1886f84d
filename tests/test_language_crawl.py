"""Russian everywhere (issue 21): every page a person can reach speaks their language.

Staff of each role sign in to the demo school and follow every link from the menu (a few pages of each
kind); participants open every page of every built-in questionnaire, with its errors, the consent,
the privacy page and the pages around it. In Russian no English sentence may show; in English no
Russian text may show that is not the school's own (names, answers, questionnaire texts without an
English version). Reading pages is tests/crawl.py; the test client is enough, since no page needs
JavaScript.
"""

from __future__ import annotations

import random
import re

import pytest
import sqlalchemy as sa

from surveys.core.models import Invitation, Membership, Organisation, Participant, Response, User
from surveys.demo import fake_answers
from surveys.extensions import db
from surveys.participation.links import create_open_link, generate_links
from surveys.participation.questionnaire import visible_pages
from surveys.participation.responses import submit
from surveys.state import get_state
from surveys.workspace.campaigns import create_campaign
from tests.conftest import FIXTURES, csrf_token, form_meant_for, post_form
from tests.crawl import crawl, english_sentences, normalise, russian_runs, visible_text

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
ROLES = ("admin", "curator", "psychologist", "viewer")
PASSWORD = "Crawl-pass-2026!"


def staff_of_every_role(app) -> None:
    with app.app_context():
        organisation = db.session.execute(db.select(Organisation)).scalars().first()
        for role in ROLES:
            user = User(email=f"{role}@crawl.example", name=f"Сотрудник ({role})")
            user.set_password(PASSWORD)
            db.session.add(user)
            db.session.flush()
            db.session.add(Membership(user_id=user.id, organisation_id=organisation.id, role=role))
        db.session.commit()


def data_texts(app) -> str:
    """Every text the school stored and every questionnaire text, normalised: what may stay Russian."""
    texts: list[str] = []

    def walk(value, seen: set[int]) -> None:
        if isinstance(value, str):
            texts.append(value)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item, seen)
        elif isinstance(value, list | tuple | set | frozenset):
            for item in value:
                walk(item, seen)
        elif hasattr(value, "__dict__") and id(value) not in seen and type(value).__module__.startswith("surveys"):
            seen.add(id(value))
            walk(vars(value), seen)
        elif hasattr(value, "__dataclass_fields__") and id(value) not in seen:
            seen.add(id(value))
            walk([getattr(value, name) for name in value.__dataclass_fields__], seen)

    with app.app_context():
        for table in db.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, sa.String | sa.Text | sa.JSON)]
            if columns:
                for row in db.session.execute(sa.select(*columns)):
                    walk(list(row), set())
        walk(list(get_state().registry.instruments.values()), set())
    return "\n".join(normalise(text) for text in texts)


def sign_in(app, role: str):
    client = app.test_client()
    response = post_form(client, "/login", {"email": f"{role}@crawl.example", "password": PASSWORD})
    assert response.status_code == 302, role
    return client


def getter(client):
    def get(url: str):
        response = client.get(url, follow_redirects=True)
        return response.status_code, response.content_type or "", response.get_data(as_text=True)

    return get


def wrong_language(pages: dict[str, list[str]], language: str, data: str) -> dict[str, list[str]]:
    found = {}
    for url, chunks in pages.items():
        bad = english_sentences(chunks, data) if language == "ru" else russian_runs(chunks, data)
        if bad:
            found[url] = sorted(set(bad))
    return found


def report(found: dict[str, list[str]]) -> str:
    return "\n".join(f"{url}: {' | '.join(texts)}" for url, texts in sorted(found.items()))


@pytest.fixture
def school(app, runner):
    """The demo school, staff of every role, and a SWOT draft (so that its pages can be reached)."""
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    staff_of_every_role(app)
    with app.app_context():
        from surveys.core.models import Campaign

        campaign = db.session.execute(db.select(Campaign)).scalar_one()
        campaign_id, output_wave = campaign.id, campaign.waves[1].id
    client = sign_in(app, "curator")
    workspace = f"/plugins/swot/campaigns/{campaign_id}?wave={output_wave}&form="
    made = post_form(
        client, f"/plugins/swot/campaigns/{campaign_id}/draft", {"wave": output_wave, "form": ""}, page_url=workspace
    )
    assert made.status_code == 302
    return app


def test_every_staff_page_of_every_role_speaks_the_interface_language(school):
    app = school
    data = data_texts(app)
    problems, visited = {}, {}
    for language in ("ru", "en"):
        for role in ROLES:
            client = sign_in(app, role)
            client.get(f"/lang/{language}")
            result = crawl(getter(client), ["/"])
            assert not result.refused, f"{role} is shown links it cannot open: {result.refused}"
            visited[role, language] = len(result.pages)
            found = wrong_language(result.pages, language, data)
            problems.update({f"{language} {role} {url}": texts for url, texts in found.items()})
    assert all(count >= 10 for count in visited.values()), visited
    assert not problems, f"pages with text in another language than the interface's:\n{report(problems)}"


def answer_pages(app, client, language: str) -> dict[str, list[str]]:
    """Every page of every built-in questionnaire (answers filled in), an error page, and the done page."""
    pages: dict[str, list[str]] = {}
    rng = random.Random(21)
    with app.app_context():
        organisation = Organisation(name="Школа для обхода")
        db.session.add(organisation)
        db.session.commit()
        instruments = sorted(get_state().registry.instruments.values(), key=lambda i: i.id)
        plan = []
        for number, instrument in enumerate(instruments):
            person = Participant(
                organisation_id=organisation.id,
                code=f"CRAWL{number:02d}",
                role=instrument.audience[0],
                form=form_meant_for(instrument),
                tags=[],
            )
            db.session.add(person)
            db.session.commit()
            campaign = create_campaign(organisation, f"Обход {instrument.id}", [instrument.id], "Срез")
            campaign.waves[0].kind = instrument.waves[0] if instrument.waves else "input"
            campaign.assignments[0].audience = [person.role]
            db.session.commit()
            [(_, token)] = [(p, t) for p, t in generate_links(campaign.waves[0]) if p.id == person.id]
            plan.append((instrument.id, token))

    def page(name: str, url: str, method: str = "get", **kwargs):
        response = getattr(client, method)(url, **kwargs)
        assert response.status_code in (200, 302), (name, response.status_code)
        if response.status_code == 302:
            response = client.get(response.headers["Location"])
        pages[name] = visible_text(response.get_data(as_text=True))
        return response

    for instrument_id, token in plan:
        link = f"/s/{token}"
        page(f"{instrument_id} consent", link)
        first = client.post(f"{link}/consent", data={"decision": "agree"})  # a personal link needs no CSRF
        assert first.status_code == 302, instrument_id
        shown = page(f"{instrument_id} first page", link)
        html = shown.get_data(as_text=True)
        page_id = re.search(r'<input[^>]*name="page"[^>]*value="([^"]+)"', html)
        empty = {"instrument": instrument_id, "action": "next"}
        if page_id:
            empty["page"] = page_id.group(1)
        page(f"{instrument_id} errors", link, "post", data=empty)
        with app.app_context():
            response = db.session.execute(
                db.select(Response).join(Invitation).filter(Response.instrument_id == instrument_id)
            ).scalar_one()
            instrument = get_state().registry.instruments[instrument_id]
            answers = fake_answers(instrument, rng, 0.5)
            response.answers = answers
            indexes = visible_pages(instrument, answers)
            db.session.commit()
            response_id = response.id
        for index in indexes:
            with app.app_context():
                db.session.get(Response, response_id).page_index = index
                db.session.commit()
            page(f"{instrument_id} page {index + 1}", link)
        with app.app_context():
            stored = db.session.get(Response, response_id)
            assert submit(stored, get_state().registry.instruments[instrument_id])
        page(f"{instrument_id} done", link)
    return pages


@pytest.mark.parametrize("language", ["ru", "en"])
def test_every_participant_page_of_every_built_in_questionnaire_speaks_the_interface_language(app, language):
    client = app.test_client()
    client.get(f"/lang/{language}")
    pages = answer_pages(app, client, language)
    with app.app_context():
        campaign_wave = db.session.execute(db.select(Invitation)).scalars().first().wave
        _, open_token = create_open_link(campaign_wave, campaign_wave.campaign.assignments[0].audience[0])
    for name, url in (
        ("privacy", "/privacy"),
        ("invalid link", "/s/" + "0" * 26),
        ("open consent", f"/o/{open_token}"),
    ):
        response = client.get(url)
        pages[name] = visible_text(response.get_data(as_text=True))
    consent = client.get(f"/o/{open_token}").get_data(as_text=True)
    client.post(f"/o/{open_token}/consent", data={"csrf_token": csrf_token(consent), "decision": "agree"})
    code_page = client.get(f"/o/{open_token}/code").get_data(as_text=True)
    pages["open code"] = visible_text(code_page)
    errors = client.post(f"/o/{open_token}/code", data={"csrf_token": csrf_token(code_page)})
    pages["open code errors"] = visible_text(errors.get_data(as_text=True))
    assert len(pages) >= 5 * len(get_state_instruments(app))
    data = data_texts(app)
    problems = wrong_language(pages, language, data)
    assert not problems, f"{language} participant pages with text in another language:\n{report(problems)}"


def get_state_instruments(app) -> list[str]:
    with app.app_context():
        return list(get_state().registry.instruments)


CRAWL_PLUGINS = str(FIXTURES / "crawl_plugins")


def test_the_crawl_finds_the_strings_a_plugin_left_untranslated(make_app):
    """A plugin's panel with an English title nobody translated, and a Russian-only template."""
    app = make_app(SURVEYS_PLUGINS_PATH=[CRAWL_PLUGINS])
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    staff_of_every_role(app)
    data = data_texts(app)
    for language, stray in (("ru", "Weekly mood of the class"), ("en", "Настроение класса за неделю")):
        client = sign_in(app, "curator")
        client.get(f"/lang/{language}")
        found = wrong_language(crawl(getter(client), ["/"]).pages, language, data)
        assert {url for url, texts in found.items() if any(stray in text for text in texts)} >= {"/staff/dashboard"}, (
            report(found)
        )
