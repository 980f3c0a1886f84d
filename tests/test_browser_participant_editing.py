"""A curator on a 360 px phone, JavaScript off, in a real Chromium: corrects a participant, merges a
second code into theirs, adds a questionnaire to a running campaign and removes it through its
confirmation page. No page is wider than the phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from surveys.core.models import Organisation, Participant, PersonalData
from surveys.extensions import db
from surveys.workspace.campaigns import create_campaign
from surveys.workspace.people import enrol
from surveys.workspace.programmes import create_programme
from tests.conftest import FIXTURES, SHOTS, keep_requests_local
from tests.test_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("backend", ["sqlite"], indirect=True)]


@pytest.fixture
def server(live_server):
    return live_server(SURVEYS_PLUGINS_PATH=str(FIXTURES / "plugins"))


def school(app, organisation_id: int) -> int:
    """P1 (with a name) and P1B (the same pupil's second code) in a programme, and a campaign."""
    with app.test_request_context():
        organisation = db.session.get(Organisation, organisation_id)
        programme = create_programme(organisation, "2025/26")
        for code in ("P1", "P1B"):
            person = Participant(organisation_id=organisation.id, code=code, role="mentee", tags=[])
            db.session.add(person)
            db.session.flush()
            enrol(person, programme.id, "mentee", "ученик–ученик", "7А")
        db.session.add(PersonalData(participant_id=person.id, full_name="Сидоров Семён"))
        db.session.commit()
        return create_campaign(organisation, "Мониторинг", ["wellbeing_check"], "Вход").id


def fits(page, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"participant-editing-{name}.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, name


def test_a_curator_corrects_and_merges_a_participant_and_changes_a_campaign_on_a_phone(server, browser, staff):
    app, base = server
    email, password, organisation_id = staff
    campaign_id = school(app, organisation_id)
    context = browser.new_context(viewport={"width": 360, "height": 740}, java_script_enabled=False, locale="ru-RU")
    outside = keep_requests_local(context, base)
    page = sign_in(context, f"{base}/login", email, password)
    page.goto(f"{base}/staff/participants")
    page.get_by_role("link", name="P1", exact=True).click()
    fits(page, "page")
    page.locator("#group").fill("9В")
    page.get_by_role("button", name="Сохранить изменения").click()
    expect(page.get_by_text("Изменения сохранены.")).to_be_visible()
    expect(page.locator("#group")).to_have_value("9В")

    page.get_by_label("Другой код этого человека").fill("P1B")
    page.get_by_role("button", name="Далее").click()
    expect(page.get_by_role("heading", name="Объединить P1B с P1?")).to_be_visible()
    fits(page, "merge")
    page.get_by_role("button", name="Объединить коды").click()
    expect(page.get_by_text("Код P1B присоединён к P1.")).to_be_visible()

    page.goto(f"{base}/staff/campaigns/{campaign_id}")
    fits(page, "campaign")
    page.get_by_label("Анкета", exact=True).select_option("satisfaction_exp_mentee")
    page.get_by_role("button", name="Добавить анкету").click()
    expect(page.get_by_text("Анкета добавлена.")).to_be_visible()
    page.locator('li[data-instrument="satisfaction_exp_mentee"]').get_by_role("link", name="Убрать…").click()
    fits(page, "remove")
    page.get_by_role("button", name="Убрать анкету").click()
    expect(page.get_by_text("Анкета удалена.")).to_be_visible()
    expect(page.locator('li[data-instrument="satisfaction_exp_mentee"]')).to_have_count(0)
    assert outside == []
    with app.app_context():
        codes = db.session.execute(db.select(Participant.code)).scalars().all()
        assert codes == ["P1"]
