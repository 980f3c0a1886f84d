"""The participant's path in a real Chromium on a 360 px phone: the school and campaign in the header,
«Назад» left of «Далее» and before it in the tab order, Enter going forward, and the review page with
its «Изменить» links. Screenshots go to ``test-artifacts/screenshots``."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from surveys.core.models import Campaign, Organisation, Response
from surveys.extensions import db
from tests.conftest import keep_requests_local
from tests.test_browser_participants import AGREE, PHONE, PLUGINS, WCAG_CHECK, campaign, no_horizontal_scroll, shot

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("backend", ["sqlite"], indirect=True)]
SCHOOL = "Муниципальное бюджетное общеобразовательное учреждение «Средняя общеобразовательная школа № 7»"
CAMPAIGN = "Мониторинг программы наставничества <b>2026</b>, входной срез"


@pytest.fixture
def server(live_server):
    return live_server(SURVEYS_PLUGINS_PATH=PLUGINS)


def named(app) -> None:
    with app.app_context():
        db.session.execute(db.update(Organisation).values(name=SCHOOL))
        db.session.execute(db.update(Campaign).values(name=CAMPAIGN))
        db.session.commit()


def focused(page) -> str:
    return page.evaluate("(() => { const el = document.activeElement; return el.textContent.trim() || el.name; })()")


def test_header_buttons_enter_and_the_review_on_a_phone(server, browser):
    app, base = server
    link, _ = campaign(app, "wellbeing_check")
    named(app)
    context = browser.new_context(**PHONE)
    outside = keep_requests_local(context, base)
    page = context.new_page()
    page.goto(base + link)
    header = page.locator("header.top")
    expect(header.get_by_text(SCHOOL)).to_be_visible()
    expect(header.get_by_text(CAMPAIGN)).to_be_visible()  # escaped: the tags are shown as text
    no_horizontal_scroll(page)  # long names wrap
    page.get_by_role("button", name=AGREE).click()

    expect(page.get_by_text("Страница 1 из 2")).to_be_visible()
    expect(header.get_by_text(SCHOOL)).to_be_visible()
    assert page.get_by_role("button", name="Назад").count() == 0  # nothing to go back to
    for item, answer in (("1. Я спокоен", "Скорее согласен"), ("2. Я напряжён", "Скорее не согласен")):
        page.get_by_role("group", name=item).get_by_label(answer).check()
    page.get_by_role("group", name="3. Я доволен").get_by_label("Полностью согласен").check()
    page.get_by_role("button", name="Далее").click()

    expect(page.get_by_text("Страница 2 из 2")).to_be_visible()
    back, forward = page.get_by_role("button", name="Назад"), page.get_by_role("button", name="Далее")
    left, right = back.bounding_box(), forward.bounding_box()
    assert left["x"] + left["width"] <= right["x"] and abs(left["y"] - right["y"]) < 2  # one row, Back left
    assert right["x"] + right["width"] > 360 - 40  # Next at the right edge
    page.get_by_role("group", name="Ходите ли вы в кружки?").get_by_label("Спорт").check()
    other = page.get_by_label("Другое (напишите, что именно)")
    other.focus()
    page.keyboard.press("Tab")
    assert focused(page) == "Назад"  # the tab order follows the screen: Back, then Next
    page.keyboard.press("Tab")
    assert focused(page) == "Далее"
    shot(page, "path-buttons")
    other.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")  # Enter in a field goes forward, not back

    expect(page.get_by_role("heading", name="Проверьте ответы")).to_be_visible()
    main = page.locator("main")
    expect(main.get_by_text("Скорее не согласен")).to_be_visible()
    expect(main.get_by_text("Спорт")).to_be_visible()
    expect(main.get_by_text("нет ответа")).to_be_visible()  # the school rating, skipped
    assert main.get_by_text("Что вас беспокоит?").count() == 0  # hidden by its condition
    assert page.evaluate(WCAG_CHECK) == []
    no_horizontal_scroll(page)
    shot(page, "path-review")

    page.get_by_role("link", name=re.compile(r"^Изменить\W+Настроение$")).click()
    expect(page.get_by_text("Страница 1 из 2")).to_be_visible()
    page.get_by_role("group", name="2. Я напряжён").get_by_label("Полностью согласен").check()
    page.get_by_role("button", name="Далее").click()  # straight back to the review
    expect(page.get_by_role("heading", name="Проверьте ответы")).to_be_visible()
    expect(main.get_by_text("Что вас беспокоит?")).to_be_visible()  # now shown, not answered
    page.get_by_role("button", name="Отправить").click()
    expect(page.get_by_role("heading", name="Спасибо!")).to_be_visible()
    expect(header.get_by_text(SCHOOL)).to_be_visible()
    assert outside == []
    context.close()

    with app.app_context():
        response = db.session.execute(db.select(Response)).scalar_one()
        assert response.status == "submitted" and response.answers["wb_tense"] == 4
        assert response.answers["club"] == "sport"
