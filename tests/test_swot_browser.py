"""The SWOT print page in a real Chromium: a 2×2 grid on screen and in print, no outside requests."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from plugins.swot.models import SwotDocument
from surveys.core.models import Organisation, User, utcnow
from surveys.extensions import db
from surveys.workspace.campaigns import create_campaign
from tests.conftest import FIXTURES, SHOTS, keep_requests_local

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("backend", ["sqlite"], indirect=True)]

CONTENT = {
    "S": [{"text": "Организация встреч: 8.82 (n = 12)"}, {"text": "Поддержка наставника (×5)"}],
    "W": [{"text": "Поддержка куратора: 4.17 (n = 12)"}, {"text": "Не хватает времени (×3)"}],
    "O": [{"text": "Больше совместных проектов с колледжем"}],
    "T": [{"text": "Нагрузка учителей"}, {"text": "Выгорание наставников к концу года"}],
}


@pytest.fixture
def server(live_server):
    return live_server(SURVEYS_PLUGINS_PATH=str(FIXTURES / "swot"))


def approved_swot(app, email: str, organisation_id: int) -> int:
    with app.test_request_context():
        organisation = db.session.get(Organisation, organisation_id)
        campaign = create_campaign(organisation, "Цикл 2025/26", ["swot_quality"], "Выход")
        user = db.session.execute(db.select(User).filter_by(email=email)).scalar_one()
        document = SwotDocument(
            organisation_id=organisation_id,
            campaign_id=campaign.id,
            wave_id=campaign.waves[0].id,
            form="",
            status="approved",
            version=1,
            content=CONTENT,
            conclusion="Программа в целом работает; главное — время для встреч.",
            created_by=user.id,
            approved_by=user.id,
            approved_at=utcnow(),
        )
        db.session.add(document)
        db.session.commit()
        return document.id


def test_the_print_page_shows_a_two_by_two_grid(server, browser, staff):
    app, base = server
    email, password, organisation_id = staff
    document_id = approved_swot(app, email, organisation_id)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    outside = keep_requests_local(context, base)
    page = context.new_page()
    page.set_default_timeout(10000)
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.goto(f"{base}/lang/en")
    page.goto(f"{base}/login")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/staff/")

    page.goto(f"{base}/plugins/swot/documents/{document_id}/print")
    expect(page.get_by_role("heading", name="SWOT analysis: Цикл 2025/26")).to_be_visible()
    # swot.css is loaded from the server (the CSP forbids inline styles): the grid is a CSS grid.
    assert page.locator(".swot-grid").evaluate("e => getComputedStyle(e).display") == "grid"

    def boxes():
        found = {q: page.locator(f"#print-{q}").bounding_box() for q in "SWOT"}
        assert all(found.values())
        return found

    def assert_two_by_two(box):
        assert abs(box["S"]["y"] - box["W"]["y"]) < 1 and abs(box["O"]["y"] - box["T"]["y"]) < 1
        assert abs(box["S"]["x"] - box["O"]["x"]) < 1 and abs(box["W"]["x"] - box["T"]["x"]) < 1
        assert box["S"]["x"] < box["W"]["x"] and box["S"]["y"] < box["O"]["y"]

    assert_two_by_two(boxes())
    for quadrant, title in (("S", "Strengths"), ("W", "Weaknesses"), ("O", "Opportunities"), ("T", "Threats")):
        expect(page.locator(f"#print-{quadrant}").get_by_role("heading", name=title)).to_be_visible()
    expect(page.get_by_text("Нагрузка учителей")).to_be_visible()
    expect(page.get_by_text("главное — время для встреч")).to_be_visible()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "swot-print.png"), full_page=True)

    # In print, at the width of an A4 page: still 2×2, and the back link is hidden.
    page.set_viewport_size({"width": 794, "height": 1123})
    page.emulate_media(media="print")
    assert_two_by_two(boxes())
    expect(page.locator(".swot-noprint")).not_to_be_visible()
    assert outside == [] and problems == []
    context.close()


def test_a_curator_drafts_edits_and_approves_in_the_browser(server, browser, staff):
    from tests.test_swot_workspace import FIVE_TEACHERS, make_campaign

    app, base = server
    email, password, organisation_id = staff
    campaign_id, _wave = make_campaign(app, organisation_id, groups=FIVE_TEACHERS)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    outside = keep_requests_local(context, base)
    page = context.new_page()
    page.set_default_timeout(10000)
    page.goto(f"{base}/lang/en")
    page.goto(f"{base}/login")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/staff/")

    page.goto(f"{base}/staff/campaigns/{campaign_id}")
    page.get_by_role("link", name="SWOT analysis").click()
    page.locator("#auto-W").get_by_text("«Мало времени»").wait_for()  # waits for the page that the click loads
    page.get_by_role("button", name="Make a draft from the answers").click()
    weaknesses = page.get_by_role("textbox", name="Weaknesses")
    assert "Мало времени (×5)" in weaknesses.input_value()
    page.get_by_role("textbox", name="Opportunities").fill("Совместные проекты\nНаставничество онлайн")
    page.get_by_role("textbox", name="Conclusion").fill("Вывод куратора")
    page.get_by_role("button", name="Save and approve").click()
    page.locator("#version-1").wait_for()  # waits for the page that the click loads
    assert (
        page.get_by_role("textbox", name="Opportunities").input_value() == "Совместные проекты\nНаставничество онлайн"
    )
    page.screenshot(path=str(SHOTS / "swot-workspace.png"), full_page=True)
    page.locator("#version-1").get_by_role("link").click()
    page.locator("#print-O").get_by_text("Наставничество онлайн").wait_for()  # waits for the page that the click loads
    assert outside == []
    context.close()
