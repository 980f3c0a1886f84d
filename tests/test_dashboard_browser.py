"""The director's dashboard and report in a real Chromium, on the demo school: desktop and phone
screenshots, charts that load with their text alternatives, no outside requests, and the PDF
downloaded from the page opening with every section."""

from __future__ import annotations

import io
import re

import pypdf
import pytest
from playwright.sync_api import expect

from tests.conftest import SHOTS, demo_login, keep_requests_local, set_role

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("backend", ["sqlite"], indirect=True)]

HEADINGS = (
    "Участие",
    "SWOT-анализ",
    "Ключевые шкалы до и после",
    "Достоверное улучшение",
    "Распределение по уровням",
    "Ожидания и реальность",
    "Показатели программы",
)
PDF_SECTIONS = ("Отчёт о мониторинге", "Как проводилось сравнение", *HEADINGS, "Выводы")


def _sign_in(page, base: str, password: str) -> None:
    page.goto(f"{base}/login")
    page.locator("input[name=email]").fill("curator@demo.school")
    page.locator("input[name=password]").fill(password)
    page.locator("button[type=submit]").click()
    page.wait_for_url(f"{base}/staff/dashboard")  # a viewer's home is the dashboard


def _check_page(page) -> None:
    for heading in HEADINGS:
        expect(page.get_by_role("heading", name=heading, exact=True).first, heading).to_be_visible()
    images = page.locator("img.chart")
    assert images.count() >= 8
    for index in range(images.count()):
        image = images.nth(index)
        assert image.evaluate("i => i.complete && i.naturalWidth > 0"), index
        assert len(image.get_attribute("alt") or "") > 20  # the chart's numbers in words


def test_a_director_reads_the_dashboard_on_desktop_and_phone_and_prints_the_report(live_server, browser, tmp_path):
    app, base = live_server()
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    _email, password, _link = demo_login(result.output)
    set_role(app, "curator@demo.school", "viewer")

    desktop = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    outside = keep_requests_local(desktop, base)
    page = desktop.new_page()
    page.set_default_timeout(20000)
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    _sign_in(page, base, password)
    _check_page(page)
    page.screenshot(path=str(SHOTS / "dashboard-desktop.png"), full_page=True)

    page.get_by_role("link", name="Отчёт для педагогического совета").first.click()
    page.wait_for_url(re.compile(r".*/report$"))
    expect(page.get_by_role("heading", name="Отчёт о мониторинге программы наставничества")).to_be_visible()
    assert page.locator("textarea").count() == 0  # a viewer does not edit the conclusions
    page.emulate_media(media="print")
    assert page.locator("nav.staff").is_hidden() and page.locator(".cover").evaluate(
        "e => getComputedStyle(e).breakAfter"
    ) in ("page", "always")
    page.emulate_media(media="screen")
    with page.expect_download() as download:
        page.get_by_role("link", name="Скачать в PDF").click()
    path = tmp_path / "report.pdf"
    download.value.save_as(path)
    assert re.fullmatch(r"report-\d+-[A-Za-z0-9._-]+\.pdf", download.value.suggested_filename)
    reader = pypdf.PdfReader(io.BytesIO(path.read_bytes()))
    text = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in reader.pages))
    for section in PDF_SECTIONS:
        assert section in text, section
    assert "Демо-школа № 1" in reader.pages[0].extract_text()
    desktop.close()

    # A 360 px phone, without JavaScript: nothing wider than the screen, the same charts.
    phone = browser.new_context(viewport={"width": 360, "height": 740}, java_script_enabled=False)
    outside += keep_requests_local(phone, base)
    page = phone.new_page()
    page.set_default_timeout(20000)
    _sign_in(page, base, password)
    _check_page(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    widest = page.locator("img.chart").evaluate_all("all => Math.max(...all.map(i => i.getBoundingClientRect().right))")
    assert widest <= 360
    page.screenshot(path=str(SHOTS / "dashboard-phone.png"), full_page=True)
    phone.close()
    assert outside == [] and problems == []
