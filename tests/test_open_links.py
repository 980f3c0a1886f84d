"""Open links: consent, a pseudonymous code stored as a keyed hash, resuming by code, and
linking the input and output waves of the same people without names."""

from __future__ import annotations

import hashlib
import hmac
import re

import pytest

from surveys.core.models import Campaign, Invitation, OpenLink, Participant, Response, Wave
from surveys.extensions import db
from surveys.workspace.campaigns import add_wave, create_campaign
from tests.conftest import FIXTURES, csrf_token, post_form

PLUGINS = str(FIXTURES / "plugins")
OPEN = re.compile(r'id="open-link" href="http://localhost(/o/[a-z0-9]+)"')
CODE = {"guardian_letters": "Ол", "own_letter": "м", "birth_day": "7", "birth_month": "3"}
PAGE_ONE = {"instrument": "wellbeing_check", "page": "mood", "wb_calm": 3, "wb_tense": 2, "wb_happy": 4}


@pytest.fixture
def app(make_app):
    return make_app(SURVEYS_PLUGINS_PATH=PLUGINS, SURVEYS_PSEUDONYM_KEY="k" * 32)


@pytest.fixture
def campaign_waves(app, staff):
    """A campaign of the staff member's organisation with an input and an output wave."""
    with app.test_request_context():
        from surveys.core.models import Organisation

        organisation = db.session.get(Organisation, staff[2])
        campaign = create_campaign(organisation, "Открытый опрос", ["wellbeing_check"], "Вход")
        add_wave(campaign, "output", "Выход")
        return campaign.id, [w.id for w in campaign.waves]


def open_link(logged_in, wave_id, role="mentee") -> str:
    made = post_form(
        logged_in, f"/staff/waves/{wave_id}/open-links", {"role": role}, page_url=f"/staff/waves/{wave_id}"
    )
    assert made.status_code == 200
    return OPEN.search(made.get_data(as_text=True)).group(1)


def join(client, link, code=CODE):
    """Agree on the information page, then type the code; returns the page the code leads to."""
    consent = client.get(link).get_data(as_text=True)
    assert "152-ФЗ" in consent
    client.post(f"{link}/consent", data={"csrf_token": csrf_token(consent), "decision": "agree"})
    page = client.get(f"{link}/code").get_data(as_text=True)
    posted = client.post(f"{link}/code", data={"csrf_token": csrf_token(page), **code})
    assert posted.status_code == 302, posted.get_data(as_text=True)
    return client.get(posted.headers["Location"]).get_data(as_text=True)


def expected_hash(campaign_id: int, normalised: str) -> str:
    return hmac.new(b"k" * 32, f"campaign:{campaign_id}:{normalised}".encode(), hashlib.sha256).hexdigest()


def test_a_code_resumes_the_same_response_on_another_device(app, logged_in, campaign_waves):
    campaign_id, (input_wave, _) = campaign_waves
    link = open_link(logged_in, input_wave)
    assert link.startswith("/o/") and len(link) == 3 + 26
    phone = app.test_client()
    first = join(phone, link)
    assert "Страница 1 из" in first
    assert (
        phone.post(f"{link}/survey", data={"csrf_token": csrf_token(first), **PAGE_ONE, "action": "next"}).status_code
        == 302
    )

    # Another device, the same answers typed differently (case, spaces, Ё for Е): the same response.
    desktop = app.test_client()
    again = join(desktop, link, {"guardian_letters": " оЛ ", "own_letter": "М", "birth_day": "07", "birth_month": "3"})
    assert "Страница 2 из 2" in again
    with app.app_context():
        [participant] = db.session.execute(db.select(Participant)).scalars().all()
        assert participant.pseudonym_hash == expected_hash(campaign_id, "ОЛ|М|07|03")
        stored = " ".join(str(v) for v in (participant.code, participant.role, participant.tags, participant.form))
        assert "ОЛ" not in stored.upper() and participant.role == "mentee"
        [response] = db.session.execute(db.select(Response)).scalars().all()
        assert response.answers == {"wb_calm": 3, "wb_tense": 2, "wb_happy": 4, "school_rating": None}
        assert db.session.execute(db.select(Invitation)).scalar_one().consented_at is not None

    final = {"csrf_token": csrf_token(again), "instrument": "wellbeing_check", "page": "more", "action": "submit"}
    assert desktop.post(f"{link}/survey", data=final).status_code == 302
    assert "Анкета уже заполнена" in desktop.get(f"{link}/survey").get_data(as_text=True)
    # The completed page was shown once; the next person on this computer starts from the beginning.
    assert "152-ФЗ" in desktop.get(link).get_data(as_text=True)
    # The same code typed again in this wave says it is completed; nothing new is created.
    assert "Анкета уже заполнена" in join(app.test_client(), link)
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(Response.id))).scalar_one() == 1
        assert db.session.execute(db.select(db.func.count(Participant.id))).scalar_one() == 1


def test_the_same_code_links_the_input_and_output_waves(app, logged_in, campaign_waves):
    campaign_id, (input_wave, output_wave) = campaign_waves
    before, after = open_link(logged_in, input_wave), open_link(logged_in, output_wave)
    join(app.test_client(), before)
    join(app.test_client(), after)
    join(app.test_client(), after, {**CODE, "birth_day": "8"})  # someone else
    with app.app_context():
        invitations = db.session.execute(db.select(Invitation).order_by(Invitation.id)).scalars().all()
        assert [i.wave_id for i in invitations] == [input_wave, output_wave, output_wave]
        assert invitations[0].participant_id == invitations[1].participant_id != invitations[2].participant_id
        # Another campaign hashes the same code differently: codes do not link across campaigns.
        assert expected_hash(campaign_id, "ОЛ|М|07|03") != expected_hash(campaign_id + 1, "ОЛ|М|07|03")


def test_the_code_form_shows_each_problem_at_its_field_and_keeps_the_rest(app, logged_in, campaign_waves):
    _, (input_wave, _) = campaign_waves
    link = open_link(logged_in, input_wave)
    client = app.test_client()
    consent = client.get(link).get_data(as_text=True)
    client.post(f"{link}/consent", data={"csrf_token": csrf_token(consent), "decision": "agree"})
    page = client.get(f"{link}/code").get_data(as_text=True)
    bad = {
        "guardian_letters": "О1",
        "own_letter": "Ма",
        "birth_day": "32",
        "birth_month": "",
        "csrf_token": csrf_token(page),
    }
    body = client.post(f"{link}/code", data=bad).get_data(as_text=True)
    for field, message in (
        ("guardian_letters", "Введите две буквы, например «ОЛ»."),
        ("own_letter", "Введите одну букву."),
        ("birth_day", "Введите число от 1 до 31."),
        ("birth_month", "Выберите месяц."),
    ):
        assert f'<p class="error" id="{field}-error">{message}' in body
        assert f'aria-describedby="{field}-error"' in body
    assert 'value="О1"' in body and 'value="32"' in body
    with app.app_context():
        assert db.session.execute(db.select(Participant)).first() is None


def test_declining_an_open_link_counts_a_decline_and_nothing_else(app, logged_in, campaign_waves):
    _, (input_wave, _) = campaign_waves
    link = open_link(logged_in, input_wave)
    client = app.test_client()
    consent = client.get(link).get_data(as_text=True)
    client.post(f"{link}/consent", data={"csrf_token": csrf_token(consent), "decision": "decline"})
    client.post(f"{link}/consent", data={"csrf_token": csrf_token(consent), "decision": "decline"})  # a refresh
    declined = client.get(link).get_data(as_text=True)
    assert "Вы решили не участвовать" in declined
    assert client.get(f"{link}/code").status_code == 302
    with app.app_context():
        assert db.session.execute(db.select(OpenLink)).scalar_one().declines == 1
        assert db.session.execute(db.select(Participant)).first() is None
        assert db.session.execute(db.select(Invitation)).first() is None
    # Nobody is named, so there is no decline to undo: changing one's mind is starting again.
    assert "можно начать заново" in declined
    client.post(f"{link}/forget", data={"csrf_token": csrf_token(declined)})
    assert "152-ФЗ" in client.get(link).get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(db.select(OpenLink)).scalar_one().declines == 1  # the count stays


def test_not_me_forgets_the_code_in_this_browser(app, logged_in, campaign_waves):
    _, (input_wave, _) = campaign_waves
    link = open_link(logged_in, input_wave)
    client = app.test_client()
    page = join(client, link)
    assert "Не вы?" in page
    client.post(f"{link}/forget", data={"csrf_token": csrf_token(page)})
    assert "152-ФЗ" in client.get(link).get_data(as_text=True)
    assert client.get(f"{link}/survey").status_code == 302


def test_open_links_respect_waves_revocation_guardians_and_limits(make_app, logged_in, staff):
    app = make_app(SURVEYS_PLUGINS_PATH=PLUGINS, SURVEYS_CODE_LIMIT=2)
    with app.test_request_context():
        from surveys.core.models import Organisation

        campaign = create_campaign(db.session.get(Organisation, staff[2]), "К", ["wellbeing_check"], "Вход")
        wave_id, campaign_id = campaign.waves[0].id, campaign.id
    client = app.test_client()
    link = open_link(logged_in, wave_id)
    join(client, link)
    join(app.test_client(), link, {**CODE, "birth_day": "9"})
    third = app.test_client()
    consent = third.get(link).get_data(as_text=True)
    third.post(f"{link}/consent", data={"csrf_token": csrf_token(consent), "decision": "agree"})
    page = third.get(f"{link}/code").get_data(as_text=True)
    limited = third.post(f"{link}/code", data={"csrf_token": csrf_token(page), **CODE, "birth_day": "10"})
    assert limited.status_code == 429
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(Participant.id))).scalar_one() == 2
        link_id = db.session.execute(db.select(OpenLink)).scalar_one().id
        db.session.get(Wave, wave_id).closed = True
        db.session.commit()
    assert client.get(link).status_code == 410
    with app.app_context():
        db.session.get(Wave, wave_id).closed = False
        db.session.get(Campaign, campaign_id).consent_mode = "guardian"
        db.session.commit()
    assert client.get(link).status_code == 403
    refused = post_form(
        logged_in, f"/staff/waves/{wave_id}/open-links", {"role": "mentee"}, page_url=f"/staff/waves/{wave_id}"
    )
    assert refused.status_code == 302
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(OpenLink.id))).scalar_one() == 1
    revoke = post_form(logged_in, f"/staff/open-links/{link_id}/revoke", {}, page_url=f"/staff/waves/{wave_id}")
    assert revoke.status_code == 302
    assert app.test_client().get(link).status_code == 404
