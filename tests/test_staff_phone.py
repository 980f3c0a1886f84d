"""Staff pages on a 360 px phone: a curator follows every staff link of the demo school in Chromium and
no page is wider than the screen (wide tables scroll inside themselves, the page does not)."""

from __future__ import annotations

import re

import pytest

from tests.conftest import SHOTS, demo_login, signed_in_phone

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("backend", ["sqlite"], indirect=True)]

# Downloads and actions are not pages to look at; nor every participant's page (one per code, all
# alike: test_browser_participant_editing measures it), so that they do not use up LIMIT.
NOT_PAGES = re.compile(r"/lang/|export|download|\.xlsx|\.csv|\.pdf|\.zip|\.json|logout|/print|slips|/participants/\d")
LIMIT = 60


def test_no_staff_page_of_the_demo_is_wider_than_a_phone(live_server, browser):
    app, base = live_server()
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    email, password, _link = demo_login(result.output)
    _context, page, outside = signed_in_phone(browser, base, email, password)

    seen: list[str] = []
    todo = [page.url]
    too_wide: dict[str, int] = {}
    while todo and len(seen) < LIMIT:
        url = todo.pop(0)
        if url in seen:
            continue
        seen.append(url)
        page.goto(url)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 360:
            too_wide[url.removeprefix(base)] = width
            page.screenshot(path=str(SHOTS / f"staff-too-wide-{len(too_wide)}.png"), full_page=True)
        links = page.eval_on_selector_all("a[href*='/staff/'], a[href*='/plugins/']", "all => all.map(a => a.href)")
        for link in links:
            link = link.split("#")[0]
            if link.startswith(base) and not NOT_PAGES.search(link) and link not in seen and link not in todo:
                todo.append(link)

    assert len(seen) >= 15, seen  # the crawl really went through the staff area
    assert any("/programmes/" in url for url in seen) and any("/campaigns/" in url for url in seen)
    assert too_wide == {}, f"pages wider than 360 px: {too_wide}"
    assert outside == []
