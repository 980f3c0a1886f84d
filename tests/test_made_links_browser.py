"""In Chromium on a 360 px phone: a curator makes links, downloads them as XLSX and prints their slips,
and the links in the file, on the page and on the slips are the same working links."""

from __future__ import annotations

import re

import openpyxl
import pytest

from tests.conftest import SHOTS, signed_in_phone
from tests.test_slips import school  # noqa: F401 (the fixture this test takes)

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("backend", ["sqlite"], indirect=True)]


def test_make_links_download_xlsx_then_print_their_slips_on_a_phone(live_server, browser, staff, school):  # noqa: F811
    email, password, _organisation = staff
    _app, base = live_server()
    context, page, outside = signed_in_phone(browser, base, email, password, accept_downloads=True)
    page.goto(f"{base}/staff/waves/{school}")
    page.locator("button[name=scope][value=missing]").click()
    page.wait_for_url(re.compile(rf".*/staff/waves/{school}/links"))
    shown = page.eval_on_selector_all("a.link-url", "all => all.map(a => a.href)")
    assert shown and page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(SHOTS / "made-links-360.png"), full_page=True)

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Скачать XLSX").click()
    download = download_info.value
    assert download.suggested_filename == f"links-wave-{school}.xlsx"
    with open(download.path(), "rb") as saved:
        sheet = openpyxl.load_workbook(saved).active
    assert sorted(row[3] for row in sheet.iter_rows(min_row=2, values_only=True)) == sorted(shown)

    with context.expect_page() as printed_info:
        page.get_by_role("button", name="Напечатать карточки этих ссылок").click()
    printed = printed_info.value
    printed.wait_for_load_state()
    slips = printed.eval_on_selector_all(".slip-url a", "all => all.map(a => a.href)")
    assert sorted(slips) == sorted(shown)
    assert printed.evaluate("document.documentElement.scrollWidth") <= 360
    for link in shown:  # after the download and the slips, the links made first still open
        assert page.goto(link).status == 200
    assert outside == []
