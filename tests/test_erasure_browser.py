"""Erasing on a 360 px phone with JavaScript off: the admin finds the row's link, types the code and the
person is gone; no page of the way is wider than the screen."""

from __future__ import annotations

import re

import pytest

from surveys.core.models import Participant
from surveys.extensions import db
from tests.conftest import SHOTS, demo_login, set_role, signed_in_phone

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("backend", ["sqlite"], indirect=True)]


def test_an_admin_erases_a_participant_on_a_phone_without_javascript(live_server, browser):
    app, base = live_server()
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    email, password, _link = demo_login(result.output)
    set_role(app, email, "admin")
    with app.app_context():
        person_id = db.session.execute(db.select(Participant.id).filter_by(code="D-004")).scalar_one()
    context, page, outside = signed_in_phone(browser, base, email, password, java_script_enabled=False)
    page.goto(f"{base}/staff/participants")
    widths = {"participants": page.evaluate("document.documentElement.scrollWidth")}
    page.locator(f"a[href$='/staff/participants/{person_id}/erase']").click()
    page.wait_for_url(re.compile(r".*/erase$"))
    widths["erase"] = page.evaluate("document.documentElement.scrollWidth")
    page.screenshot(path=str(SHOTS / "erase-participant-phone.png"), full_page=True)
    page.get_by_label("Для подтверждения введите код участника").fill("D-004")
    page.get_by_role("button", name="Удалить навсегда").click()
    page.wait_for_url(re.compile(r".*/staff/participants$"))
    assert "Участник D-004 удалён" in page.content()
    assert max(widths.values()) <= 360, widths
    assert outside == []
    with app.app_context():
        assert db.session.get(Participant, person_id) is None
