"""SURVEYS_MIN_GROUP: one setting moves the threshold of every output and of the consent text's promise."""

from __future__ import annotations

import io

import openpyxl
import pytest

from surveys import create_app
from surveys.core.threshold import min_group
from tests.conftest import post_form
from tests.test_plugins import HOOKS, _answer


def test_the_threshold_is_5_by_default_and_outside_an_app():
    assert min_group() == 5


@pytest.mark.parametrize("value", ["1", "0", "-3"])
def test_a_threshold_under_2_stops_the_start_with_the_setting_named(tmp_path, value):
    with pytest.raises(ValueError, match="SURVEYS_MIN_GROUP"):
        create_app({"SURVEYS_MIN_GROUP": value, "SURVEYS_DATABASE_URL": f"sqlite:///{tmp_path}/x.db"})


def test_a_threshold_of_7_is_the_one_the_workbook_shows_and_the_consent_page_promises(make_app):
    app = make_app(SURVEYS_PLUGINS_PATH=str(HOOKS), SURVEYS_MIN_GROUP="7")
    campaign_id = _answer(app, "kitchen_check", {"k1": 1})
    with app.test_request_context():
        from surveys.core.models import Campaign
        from surveys.exports import ExportRequest
        from surveys.exports.files import campaign_workbook
        from surveys.extensions import db
        from surveys.participation.consent import sections

        assert min_group() == 7
        campaign = db.session.get(Campaign, campaign_id)
        book = openpyxl.load_workbook(io.BytesIO(campaign_workbook(campaign, ExportRequest(individual=False))))
        promise = next(s for s in sections(campaign) if s.key == "access").paragraphs[0]
    assert list(book["kitchen"].iter_rows(values_only=True))[1] == ("К", "<7")
    readme = {row[0]: row[1] for row in book["О файле"].iter_rows(values_only=True)}
    assert "«<7»" in readme["kitchen"] and "7" in readme["Малые группы"]
    assert "не меньше 7 человек" in promise and "%(k)s" not in promise


def test_the_consent_settings_page_shows_the_standard_text_with_the_threshold(app, client, staff):
    email, password, _organisation = staff
    assert post_form(client, "/login", {"email": email, "password": password}).status_code == 302
    with app.app_context():
        from surveys.core.models import Campaign, Organisation
        from surveys.extensions import db
        from surveys.workspace.campaigns import create_campaign

        organisation = db.session.get(Organisation, staff[2])
        campaign_id = create_campaign(organisation, "Опрос", ["gad7"], "Вход").id
        assert db.session.get(Campaign, campaign_id) is not None
    page = client.get(f"/staff/campaigns/{campaign_id}/consent").get_data(as_text=True)
    assert "не меньше 5 человек" in page and "%(k)s" not in page


def test_the_dashboard_caption_names_the_threshold_in_force(make_app):
    app = make_app(SURVEYS_MIN_GROUP="7")
    with app.app_context():
        from surveys.core.models import Membership, Organisation, User
        from surveys.extensions import db
        from surveys.workspace.programmes import create_programme

        organisation = Organisation(name="Школа")
        db.session.add(organisation)
        db.session.flush()
        create_programme(organisation, "Наставничество")
        user = User(email="viewer@school.ru", name="Завуч")
        user.set_password("Viewer-pass-2026!")
        db.session.add(user)
        db.session.flush()
        db.session.add(Membership(user_id=user.id, organisation_id=organisation.id, role="viewer"))
        db.session.commit()
    client = app.test_client()
    signed_in = post_form(client, "/login", {"email": "viewer@school.ru", "password": "Viewer-pass-2026!"})
    assert signed_in.status_code == 302
    page = client.get("/staff/dashboard").get_data(as_text=True)
    assert "Группы меньше 7 человек скрыты (показаны как «<7»)" in page  # «<» before a digit is text


def test_the_privacy_page_names_the_threshold_and_leads_back_only_to_a_survey(make_app):
    """/privacy, linked from the consent page, is open without signing in and says k and both marks."""
    app = make_app(SURVEYS_MIN_GROUP="7")
    client = app.test_client()
    page = client.get("/privacy?back=/s/abc").get_data(as_text=True)
    assert "Как защищены ваши ответы" in page
    # «<» before a digit is text, not a tag
    assert "не меньше 7 человек" in page and "«<7»" in page and "скрыто для защиты малой группы" in page
    assert 'href="/s/abc"' in page  # back to the survey page it was opened from
    for elsewhere in ("//evil.example/s/", "https://evil.example/", "javascript:alert(1)", "/staff/"):
        page = client.get("/privacy", query_string={"back": elsewhere}).get_data(as_text=True)
        assert "Вернуться к анкете" not in page and f'href="{elsewhere}"' not in page, elsewhere
