"""Accessibility of every participant page, checked by axe-core in a real Chromium on a 360×740 phone.

Every instrument the app loads (the programme's questionnaires, the plugins' scales, key-only ones and
the SWOT plugin's questionnaire) is walked through a personal link: the information and consent page,
the first page with its validation errors, every page of the questionnaire with answers in place, and
the done page; around them the declined, guardian, privacy, invalid link, "not open yet" and closed
pages, and an open link's code page (with its errors) and first question page. Russian, the default
language, everywhere; English for one questionnaire. axe-core runs the WCAG 2.1 A and AA rules and its
best practices; a violation of impact "serious" or "critical" fails the test, named by its page, rule
and the nodes it found.

axe-core comes bundled in the ``axe-playwright-python`` package and is injected from that file: no
request leaves the live server (checked). The markup and stylesheet are the same on every database, so
the walk runs on SQLite only.
"""

from __future__ import annotations

import datetime as dt
import random

import pytest
from axe_playwright_python.sync_playwright import Axe

from surveys.core.models import Organisation, Participant, Response, Wave
from surveys.demo import fake_answers
from surveys.extensions import db
from surveys.participation.links import create_open_link, generate_links
from surveys.participation.questionnaire import visible_pages
from surveys.participation.responses import submit
from surveys.state import get_state
from surveys.workspace.campaigns import create_campaign
from tests.conftest import form_meant_for, keep_requests_local

pytestmark = pytest.mark.browser
PHONE = {"viewport": {"width": 360, "height": 740}, "locale": "ru-RU"}
RULES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
FAILING = {"serious", "critical"}
AXE = Axe()


def axe_problems(page, name: str) -> list[str]:
    """Run axe-core on the page shown; one line for each serious or critical violation, and for each
    serious or critical check axe could not finish ("needs review": a contrast it could not measure)."""
    options = {"runOnly": {"type": "tag", "values": RULES}, "resultTypes": ["violations", "incomplete"]}
    # The script goes in through Playwright's evaluate, which the page's Content-Security-Policy
    # (default-src 'self') does not govern: the page is checked as participants get it, no bypass_csp.
    found = AXE.run(page, options=options).response
    assert found["testEngine"]["name"] == "axe-core" and found["url"] == page.url
    lines = []
    for kind, results in (("", found["violations"]), (", needs review", found["incomplete"])):
        for result in results:
            if result["impact"] in FAILING:
                targets = "; ".join(" ".join(node["target"]) for node in result["nodes"])
                lines.append(f"{name}: {result['id']} ({result['impact']}{kind}) {result['help']} — at {targets}")
    return lines


class Walk:
    """One browser page walking participant pages; every page looked at is checked and counted."""

    def __init__(self, browser, base: str, **context):
        self.context = browser.new_context(**(PHONE | context))
        self.outside = keep_requests_local(self.context, base)
        self.page = self.context.new_page()
        self.base = base
        self.problems: list[str] = []
        self.checked: list[str] = []

    def go(self, path: str) -> int:
        return self.page.goto(self.base + path).status

    def check(self, name: str) -> None:
        self.page.wait_for_load_state()
        self.problems += axe_problems(self.page, name)
        self.checked.append(name)

    def close(self) -> None:
        self.context.close()


def one_campaign(organisation, instrument_id: str, code: str, **campaign) -> tuple[str, int]:
    """A campaign of one questionnaire with one participant of its audience; returns (link, wave id)."""
    instrument = get_state().registry.instruments[instrument_id]
    person = Participant(
        organisation_id=organisation.id,
        code=code,
        role=instrument.audience[0],
        form=form_meant_for(instrument),
        tags=[],
    )
    db.session.add(person)
    db.session.commit()
    made = create_campaign(organisation, f"Проверка {code}", [instrument_id], "Срез")
    wave = made.waves[0]
    wave.kind = instrument.waves[0] if instrument.waves else "input"
    made.assignments[0].audience = [person.role]
    for key, value in campaign.items():
        setattr(made, key, value)
    db.session.commit()
    [token] = [t for p, t in generate_links(wave) if p.id == person.id]
    return f"/s/{token}", wave.id


def walk_questionnaire(app, walk: Walk, link: str, wave_id: int, agree: str, label: str) -> None:
    """Consent, the first page with its errors, every page with answers in place, the review and the done page.

    The answers are put in place on the server (the demo's plausible answers, page by page, as the
    language crawl does), so that every page of every questionnaire is reached, branches included."""
    walk.go(link)
    walk.check(f"{label}: consent")
    walk.page.get_by_role("button", name=agree).click()
    walk.page.locator("form[data-autosave]").wait_for()
    walk.check(f"{label}: page 1")
    if walk.page.locator("form[data-autosave] [required]").count():
        # nothing answered: the errors are shown (the visible «Далее»; the first is the hidden Enter default)
        walk.page.locator("button[name=action]:not([aria-hidden])").last.click()
        walk.page.locator(".error-summary").wait_for()
        walk.check(f"{label}: page 1 with errors")
    response_id, indexes = answer_on_the_server(app, wave_id)
    for index in indexes:
        with app.app_context():
            db.session.get(Response, response_id).page_index = index
            db.session.commit()
        walk.go(link)
        walk.check(f"{label}: page {index + 1} answered")
    with app.app_context():  # one past the last page: the review of every answer before sending
        response = db.session.get(Response, response_id)
        response.page_index = len(get_state().registry.instruments[response.instrument_id].pages)
        db.session.commit()
    walk.go(link)
    assert walk.page.locator("button[value=submit]").count() == 1, f"{label}: no review page"
    walk.check(f"{label}: review")
    submit_on_the_server(app, response_id)
    walk.go(link)
    walk.check(f"{label}: done")


def answer_on_the_server(app, wave_id: int) -> tuple[int, list[int]]:
    """Plausible answers (the demo's) for the one response of a wave; returns it and its visible pages."""
    with app.app_context():
        response = db.session.execute(db.select(Response).filter_by(wave_id=wave_id)).scalar_one()
        instrument = get_state().registry.instruments[response.instrument_id]
        response.answers = fake_answers(instrument, random.Random(22), 0.5)
        db.session.commit()
        return response.id, visible_pages(instrument, response.answers)


def submit_on_the_server(app, response_id: int) -> None:
    with app.app_context():
        response = db.session.get(Response, response_id)
        assert submit(response, get_state().registry.instruments[response.instrument_id])


@pytest.fixture
def server(live_server):
    return live_server(SURVEYS_BAD_LINK_LIMIT=1)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_every_participant_page_has_no_serious_accessibility_violation(server, browser):
    app, base = server
    with app.app_context():
        instruments = sorted(get_state().registry.instruments)
        assert {"programme_feedback", "stai_khanin", "mbi_vodopyanova", "quality_mentee"} <= set(instruments)
        organisation = Organisation(name="Школа")
        db.session.add(organisation)
        db.session.commit()
        links = {i: one_campaign(organisation, i, f"A{n:02d}") for n, i in enumerate(instruments)}
        english = one_campaign(organisation, "quality_mentee", "EN01")
        declined, _ = one_campaign(organisation, "gad7", "NO01")
        guardian, _ = one_campaign(organisation, "gad7", "GU01", consent_mode="guardian")
        assent = one_campaign(organisation, "gad7", "AS01", consent_mode="assent", allow_editing=True)
        later, later_wave = one_campaign(organisation, "gad7", "LA01")
        gone, gone_wave = one_campaign(organisation, "gad7", "GO01")
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        db.session.get(Wave, later_wave).opens_at = now + dt.timedelta(days=3)
        db.session.get(Wave, gone_wave).closed = True
        _, open_wave = one_campaign(organisation, "gad7", "OP01")
        _, open_token = create_open_link(db.session.get(Wave, open_wave), "mentee")
        db.session.commit()

    walk = Walk(browser, base)
    for instrument_id, (link, wave_id) in links.items():
        walk_questionnaire(app, walk, link, wave_id, "Я согласен(на), начать", instrument_id)
    walk_questionnaire(app, walk, *assent, "Я согласен(на) участвовать", "gad7, parents told, may change answers")
    walk.page.get_by_role("button", name="Изменить ответы", exact=False).click()
    walk.page.locator("form[data-autosave]").wait_for()
    walk.check("gad7, parents told: changing sent answers, page 1")
    walk.go(declined)
    walk.page.get_by_role("button", name="Я не согласен(на)").click()
    walk.page.get_by_role("heading").first.wait_for()
    walk.check("declined")
    for name, path, status in (
        ("guardian's consent missing", guardian, 403),
        ("not open yet", later, 404),
        ("closed", gone, 410),
        ("privacy", "/privacy?back=" + declined, 200),
    ):
        assert walk.go(path) == status, name
        walk.check(name)
    walk.go(f"/o/{open_token}")
    walk.check("open link: consent")
    walk.page.get_by_role("button", name="Я согласен(на), начать").click()
    walk.page.get_by_role("button", name="Продолжить").wait_for()
    walk.check("open link: code")
    walk.page.get_by_role("button", name="Продолжить").click()
    walk.page.get_by_role("button", name="Продолжить").wait_for()
    walk.check("open link: code with errors")
    walk.page.locator("[name=guardian_letters]").fill("ОЛ")
    walk.page.locator("[name=own_letter]").fill("М")
    walk.page.locator("[name=birth_day]").fill("12")
    walk.page.locator("[name=birth_month]").select_option("5")
    walk.page.get_by_role("button", name="Продолжить").click()
    walk.page.locator("form[data-autosave]").wait_for()
    walk.check("open link: page 1")
    submit_on_the_server(app, answer_on_the_server(app, open_wave)[0])
    walk.page.reload()
    walk.check("open link: done")
    for number in range(2):  # an invalid link, then the same address past its limit of bad links
        assert walk.go("/s/" + f"{number}" * 26) == (404, 429)[number]
        walk.check("invalid link" if number == 0 else "too many invalid links")
    assert walk.outside == []  # axe-core came from the package: nothing was fetched from elsewhere
    walk.close()

    english_walk = Walk(browser, base, locale="en-GB")
    english_walk.go("/lang/en")
    walk_questionnaire(app, english_walk, *english, "I agree, start", "quality_mentee in English")
    assert english_walk.outside == []
    english_walk.close()

    checked = walk.checked + english_walk.checked
    assert len(checked) >= 5 * len(instruments) + 10 and "quality_mentee: page 6 answered" in checked
    problems = walk.problems + english_walk.problems
    assert not problems, f"{len(problems)} serious or critical axe-core findings:\n" + "\n".join(problems)


def test_the_check_names_the_page_rule_and_nodes_of_a_planted_violation(browser):
    """A field without a label (critical) and pale text (serious) fail; text outside a landmark (moderate)
    does not. axe-core runs here on a page written in place, so the rules are known to run at all."""
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.set_content(
        '<!doctype html><html lang="ru"><head><title>Проба</title></head><body><p>Вне разметки</p><main>'
        '<h1>Анкета</h1><input type="text" id="nameless"><p class="pale" style="color:#bbb">Бледный текст</p>'
        "</main></body></html>"
    )
    problems = axe_problems(page, "planted page 2")
    context.close()
    assert len(problems) == 2, problems
    contrast, label = sorted(problems)
    assert label.startswith("planted page 2: label (critical)") and label.endswith("at #nameless")
    assert contrast.startswith("planted page 2: color-contrast (serious)") and contrast.endswith("at .pale")
