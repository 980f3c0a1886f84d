"""A participant on a phone declines, changes their mind on the same link and starts answering, in a
real Chromium at 360×740 with no request leaving the site."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from surveys.core.models import Invitation, Organisation, Participant
from surveys.extensions import db
from surveys.participation.links import generate_links
from surveys.workspace.campaigns import create_campaign
from tests.conftest import FIXTURES, SHOTS, keep_requests_local

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("backend", ["sqlite"], indirect=True)]
PHONE = {"viewport": {"width": 360, "height": 740}, "locale": "ru-RU"}


def test_a_pupil_declines_then_changes_their_mind_on_a_phone(live_server, browser):
    app, base = live_server(SURVEYS_PLUGINS_PATH=str(FIXTURES / "plugins"))
    with app.test_request_context():
        organisation = Organisation(name="Школа")
        db.session.add(organisation)
        db.session.commit()
        db.session.add(Participant(organisation_id=organisation.id, code="PHONE1", role="mentee", tags=[]))
        db.session.commit()
        made = create_campaign(organisation, "Мониторинг", ["wellbeing_check"], "Вход")
        made.consent_mode = "assent"
        db.session.commit()
        [(_, token)] = generate_links(made.waves[0])
    context = browser.new_context(**PHONE)
    outside = keep_requests_local(context, base)
    page = context.new_page()
    page.goto(f"{base}/s/{token}")
    page.get_by_role("button", name="Я не согласен(на)").click()

    expect(page.get_by_role("heading", name="Спасибо")).to_be_visible()
    page.wait_for_load_state("load")  # measured with its stylesheet applied (CI once measured it before)
    changed = page.get_by_role("button", name="Я передумал(а) — хочу участвовать")
    assert changed.bounding_box()["height"] >= 44  # a touch target
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(SHOTS / "participant-declined.png"), full_page=True)
    changed.click()

    page.get_by_role("button", name="Я согласен(на) участвовать").click()
    expect(page.get_by_text("Страница 1 из")).to_be_visible()
    with app.app_context():
        invitation = db.session.execute(db.select(Invitation)).scalar_one()
        assert invitation.declined_at is None and invitation.consented_at is not None
    assert outside == []
    context.close()
