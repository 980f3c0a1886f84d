"""Archiving and deleting a campaign in a real Chromium at 360 px, with JavaScript off: the box on the
campaign page, the archive section of the list, and the typed confirmation of a deletion."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from surveys.core.models import Campaign
from surveys.extensions import db
from tests.conftest import SHOTS, signed_in_phone
from tests.school_year import school_year

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("backend", ["sqlite"], indirect=True)]


def no_wider_than_the_phone(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, page.url


def test_a_curator_archives_then_deletes_an_empty_campaign_without_javascript(live_server, browser, staff):
    app, base = live_server()
    email, password, organisation_id = staff
    with app.app_context():
        year = school_year(organisation_id, answered=False)
    context, page, outside = signed_in_phone(browser, base, email, password, java_script_enabled=False)
    page.goto(f"{base}/staff/campaigns/{year.campaign_id}")
    page.get_by_text("Переименовать, отправить в архив или удалить кампанию").click()
    no_wider_than_the_phone(page)
    page.get_by_role("button", name="Отправить в архив").click()
    expect(page.locator(".archived-banner")).to_contain_text("В архиве")
    expect(page.get_by_role("button", name="Сохранить роли")).to_have_count(0)
    no_wider_than_the_phone(page)
    page.goto(f"{base}/staff/")
    expect(page.get_by_role("link", name="Мониторинг 2025/26")).to_be_hidden()  # folded away in the archive
    page.get_by_text("Архив (1)").click()
    page.get_by_role("link", name="Мониторинг 2025/26").click()
    page.get_by_text("Переименовать, отправить в архив или удалить кампанию").click()
    page.get_by_role("link", name="Удалить кампанию…").click()
    no_wider_than_the_phone(page)
    page.get_by_label("Для подтверждения введите точное название").fill("Мониторинг")
    page.get_by_role("button", name="Удалить окончательно").click()
    expect(page.locator(".error")).to_contain_text("введите точное название «Мониторинг 2025/26»")
    page.screenshot(path=str(SHOTS / "campaign-delete-confirm.png"), full_page=True)
    page.get_by_label("Для подтверждения введите точное название").fill("Мониторинг 2025/26")
    page.get_by_role("button", name="Удалить окончательно").click()
    page.wait_for_url(re.compile(r".*/staff/$"))
    expect(page.locator("main")).to_contain_text("Удалено: «Мониторинг 2025/26»")
    with app.app_context():
        assert db.session.get(Campaign, year.campaign_id) is None
    assert outside == []
    context.close()
