"""The preview on a 360 px phone in a real Chromium with JavaScript off: from the Questionnaires page's
«Просмотр» link through the questions to the scores, without a horizontal scroll and without a row
written to the database."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import SHOTS, add_curator, set_role
from tests.test_browser import sign_in
from tests.test_instrument_preview import no_rows, shown_scores, stored_scores

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("backend", ["sqlite"], indirect=True)]

WIDE = "() => document.documentElement.scrollWidth > document.documentElement.clientWidth"


def test_a_psychologist_previews_gad7_on_a_phone_and_sees_its_scores(live_server, browser):
    app, base = live_server()
    email, password, organisation_id = add_curator(app)
    set_role(app, email, "psychologist")
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="ru-RU", java_script_enabled=False)
    page = sign_in(context, f"{base}/login", email, password)
    page.goto(f"{base}/staff/instruments")
    page.locator('a[href="/staff/instruments/gad7/preview"]').click()
    page.wait_for_url(f"{base}/staff/instruments/gad7/preview")
    expect(page.get_by_text("Просмотр: так эту страницу видят участники")).to_be_visible()
    assert not page.evaluate(WIDE)
    answers = {}
    names = sorted({r.get_attribute("name") for r in page.locator("input[type=radio]").all()})
    for n, name in enumerate(names):
        choices = page.locator(f'input[type=radio][name="{name}"]')
        chosen = choices.nth(n % choices.count())
        page.locator(f'label[for="{chosen.get_attribute("id")}"]').click()
        answers[name] = int(chosen.get_attribute("value"))
    page.screenshot(path=str(SHOTS / "preview-gad7-360.png"), full_page=True)
    page.get_by_role("button", name="Далее").last.click()
    page.wait_for_url(f"{base}/staff/instruments/gad7/preview/scores")
    expect(page.get_by_role("heading", name="Баллы", exact=False)).to_be_visible()
    assert not page.evaluate(WIDE)
    page.screenshot(path=str(SHOTS / "preview-gad7-scores-360.png"), full_page=True)
    shown = shown_scores(page.content())
    context.close()
    assert no_rows(app)
    assert shown == stored_scores(app, organisation_id, "gad7", answers) and len(answers) == 7
