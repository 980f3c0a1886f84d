"""A participant on a 360 px phone, in a real Chromium with JavaScript off, takes a survey by link."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from surveys.core.models import Organisation, Participant, Response
from surveys.extensions import db
from surveys.participation.links import generate_links
from surveys.workspace.campaigns import create_campaign
from tests.conftest import FIXTURES, SHOTS, keep_requests_local

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("backend", ["sqlite"], indirect=True)]


@pytest.fixture
def server(live_server):
    return live_server(SURVEYS_PLUGINS_PATH=str(FIXTURES / "plugins"))


def sign_in(context, url: str, email: str, password: str):
    """A new page of ``context`` signed in as staff through the Russian login form at ``url``."""
    page = context.new_page()
    page.set_default_timeout(10000)
    page.goto(url)
    page.get_by_label("Электронная почта").fill(email)
    page.get_by_label("Пароль").fill(password)
    page.get_by_role("button", name="Войти").click()
    return page


def invite(app, base) -> str:
    with app.test_request_context():
        organisation = Organisation(name="Школа")
        db.session.add(organisation)
        db.session.commit()
        db.session.add(Participant(organisation_id=organisation.id, code="PHONE1", role="mentee", tags=[]))
        db.session.commit()
        campaign = create_campaign(organisation, "Мониторинг", ["wellbeing_check"], "Вход")
        [(_, token)] = generate_links(campaign.waves[0])
    return f"{base}/s/{token}"


def test_participant_takes_a_survey_on_a_phone_without_javascript(server, browser):
    app, base = server
    link = invite(app, base)
    context = browser.new_context(viewport={"width": 360, "height": 740}, java_script_enabled=False, locale="ru-RU")
    outside = keep_requests_local(context, base)
    page = context.new_page()
    SHOTS.mkdir(parents=True, exist_ok=True)

    page.goto(link)
    assert page.locator("html").get_attribute("lang") == "ru"
    page.screenshot(path=str(SHOTS / "1-consent.png"), full_page=True)
    page.get_by_role("button", name="Я согласен(на), начать").click()

    expect(page.get_by_text("Страница 1 из 2")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    # Submitting an incomplete required matrix shows where the problem is and keeps what was chosen.
    page.get_by_role("group", name="1. Я спокоен").get_by_label("Скорее согласен").check()
    page.get_by_role("button", name="Далее").click()
    expect(page.get_by_role("alert")).to_be_visible()
    assert page.get_by_role("group", name="1. Я спокоен").get_by_label("Скорее согласен").is_checked()
    page.screenshot(path=str(SHOTS / "2-errors.png"), full_page=True)
    page.get_by_role("group", name="2. Я напряжён").get_by_label("Полностью согласен").check()
    page.get_by_role("group", name="3. Я доволен").get_by_label("Скорее согласен").check()
    page.get_by_role("group", name="Оцените атмосферу в школе").get_by_label("8").check()
    page.get_by_role("button", name="Далее").click()

    expect(page.get_by_text("Страница 2 из 2")).to_be_visible()
    page.get_by_label("Что вас беспокоит?").fill("<script>alert(1)</script> контрольная")
    page.screenshot(path=str(SHOTS / "3-page-two.png"), full_page=True)
    # Going back keeps the answers of both pages.
    page.get_by_role("button", name="Назад").click()
    assert page.get_by_role("group", name="2. Я напряжён").get_by_label("Полностью согласен").is_checked()
    page.get_by_role("button", name="Далее").click()
    assert page.get_by_label("Что вас беспокоит?").input_value() == "<script>alert(1)</script> контрольная"
    page.get_by_role("button", name="Далее").click()  # the last page leads to the review
    expect(page.get_by_role("heading", name="Проверьте ответы")).to_be_visible()
    expect(page.get_by_text("<script>alert(1)</script> контрольная")).to_be_visible()  # shown as text
    page.get_by_role("button", name="Отправить").click()
    expect(page.get_by_role("heading", name="Спасибо!")).to_be_visible()
    assert outside == []

    with app.app_context():
        response = db.session.execute(db.select(Response)).scalar_one()
        assert response.status == "submitted"
        assert response.answers["wb_tense"] == 4 and response.answers["school_rating"] == 8
        assert response.answers["worries"] == "<script>alert(1)</script> контрольная"
        assert response.scores[0].value == 3 + (1 + 4 - 4) + 3

    # The same link on another device shows the thanks page, not a second questionnaire.
    other = browser.new_context(viewport={"width": 360, "height": 740}, java_script_enabled=False)
    second = other.new_page()
    second.goto(link)
    expect(second.get_by_role("heading", name="Спасибо!")).to_be_visible()
    other.close()
    context.close()


def test_answers_resume_on_another_device(server, browser):
    app, base = server
    link = invite(app, base)
    phone = browser.new_context(viewport={"width": 360, "height": 740}, java_script_enabled=False)
    page = phone.new_page()
    page.goto(link)
    page.get_by_role("button", name="Я согласен(на), начать").click()
    for item, answer in (
        ("1. Я спокоен", "Скорее согласен"),
        ("2. Я напряжён", "Совсем не согласен"),
        ("3. Я доволен", "Полностью согласен"),
    ):
        page.get_by_role("group", name=item).get_by_label(answer).check()
    page.get_by_role("button", name="Далее").click()
    phone.close()

    desktop = browser.new_context(viewport={"width": 1280, "height": 800}, java_script_enabled=True)
    page = desktop.new_page()
    page.goto(link)
    expect(page.get_by_text("Страница 2 из 2")).to_be_visible()
    # The condition on "Я напряжён" (answered 1) hides the follow-up question.
    assert page.get_by_label("Что вас беспокоит?").count() == 0
    page.get_by_role("button", name="Назад").click()
    assert page.get_by_role("group", name="3. Я доволен").get_by_label("Полностью согласен").is_checked()
    desktop.close()


def test_staff_member_runs_a_campaign_in_the_browser(server, browser, staff):
    import io
    import re
    import zipfile

    import openpyxl

    app, base = server
    email, password, _ = staff
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = sign_in(context, f"{base}/staff/", email, password)

    page.get_by_role("link", name="Участники").click()
    page.get_by_label("Код").fill("WEB1")
    page.get_by_role("button", name="Добавить").click()
    expect(page.get_by_role("cell", name="WEB1")).to_be_visible()

    page.get_by_role("link", name="Кампании").click()
    page.get_by_role("link", name="Новая кампания").click()
    page.get_by_label("Название кампании").fill("Браузерная кампания")
    page.get_by_label("Самочувствие (wellbeing_check)").check()
    page.get_by_role("button", name="Создать").click()
    expect(page.get_by_role("heading", name="Браузерная кампания")).to_be_visible()

    page.get_by_role("link", name="Входная волна").first.click()
    page.get_by_role("button", name="Создать ссылки").click()
    link = page.locator("a.link-url").first.get_attribute("href")
    assert link.startswith(f"{base}/s/")
    page.screenshot(path=str(SHOTS / "4-staff-links.png"), full_page=True)

    page.get_by_role("link", name="← Входная волна").click()
    page.get_by_role("link", name="← Браузерная кампания").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Скачать таблицу (XLSX)").click()
    book = openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert "Сводка" in book.sheetnames and "Баллы" not in book.sheetnames  # a curator: aggregates only
    name = download.value.suggested_filename
    assert name.startswith("campaign-") and "Brauzernaya" in name

    # The background export: choose CSV, follow the self-refreshing page, download the archive.
    page.get_by_role("link", name="Выгрузка: XLSX, CSV или JSON, с фильтрами").click()
    page.get_by_label("Таблицы CSV в архиве ZIP").check()
    page.get_by_role("button", name="Сделать выгрузку").click()
    ready = page.get_by_role("link", name=re.compile("^Скачать campaign-"))
    ready.wait_for(timeout=30_000)
    with page.expect_download() as download:
        ready.click()
    archive = zipfile.ZipFile(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert archive.namelist()[:2] == ["01-О_файле.csv", "02-Кодовая_книга.csv"]
    page.screenshot(path=str(SHOTS / "5-staff-export.png"), full_page=True)
    context.close()


def test_curator_runs_a_cycle_in_the_browser(server, browser, staff):
    app, base = server
    email, password, _ = staff
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = sign_in(context, f"{base}/login", email, password)

    page.get_by_role("link", name="Программы").click()
    page.get_by_label("Название программы, например 2025/26").fill("2025/26")
    page.get_by_role("button", name="Создать").click()
    expect(page.get_by_role("heading", name="2025/26")).to_be_visible()
    page.get_by_role("link", name="Импортировать участников из CSV или XLSX").click()
    rows = "код;роль;форма;группа;метки;ФИО\nB-1;наставник;ученик-ученик;10А;;Петров Пётр\n"
    rows += "B-2;наставляемый;ученик–ученик;8Б;ОВЗ;\nB-3;наставляемый;ученик–ученик;8Б;;\n"
    page.get_by_label("Файл (CSV или XLSX)").set_input_files(
        files=[{"name": "people.csv", "mimeType": "text/csv", "buffer": rows.encode("utf-8-sig")}]
    )
    page.get_by_role("button", name="Импортировать").click()
    expect(page.get_by_text("Импортировано: новых участников — 3, обновлено — 0.")).to_be_visible()
    page.screenshot(path=str(SHOTS / "staff-import.png"), full_page=True)
    page.get_by_role("link", name="Вернуться к программе").click()

    block = page.locator("details.pair-block").filter(has_text="ученик–ученик")  # one block per form
    block.locator("summary").click()
    block.get_by_label("Наставник", exact=True).select_option(label="B-1 · 10А")
    block.get_by_role("group", name="Наставляемые").get_by_label("B-2 · 8Б").check()
    block.get_by_role("group", name="Наставляемые").get_by_label("B-3 · 8Б").check()
    block.get_by_role("button", name="Сохранить пару").click()
    expect(page.get_by_text("Пара сохранена.")).to_be_visible()
    expect(page.get_by_role("cell", name="B-2, B-3")).to_be_visible()
    page.screenshot(path=str(SHOTS / "staff-programme.png"), full_page=True)

    page.get_by_role("link", name="Кампании").click()
    page.get_by_role("link", name="Новая кампания").click()
    page.get_by_label("Название кампании").fill("Срез 2025/26")
    page.get_by_label("Самочувствие (wellbeing_check)").check()
    page.get_by_label("Программа (цикл наставничества)").select_option(label="2025/26")
    page.get_by_role("button", name="Создать").click()
    page.get_by_role("link", name="Отслеживание ответов").click()
    expect(page.get_by_text("Заполнили 0 из 3 (0%); в процессе 0; отказались 0.")).to_be_visible()
    expect(page.get_by_role("link", name="Перепечатать их карточки")).to_be_visible()
    page.screenshot(path=str(SHOTS / "staff-tracker.png"), full_page=True)
    context.close()
