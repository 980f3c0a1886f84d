"""Taking part by link: tokens, wave states, rate limits, consent, autosave, idempotent
submits and editing, through the Flask test client on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import re
import threading
from pathlib import Path

import pytest
from sqlalchemy import event

from surveys.core.log_models import AuditEvent
from surveys.core.models import (
    TOKEN_ALPHABET,
    Campaign,
    GuardianConsent,
    Invitation,
    Organisation,
    Participant,
    Response,
    Score,
    Wave,
    hash_token,
    utcnow,
)
from surveys.extensions import db
from surveys.participation.links import generate_links
from surveys.workspace.campaigns import create_campaign
from tests.conftest import FIXTURES, csrf_token, post_form

PLUGINS = str(FIXTURES / "plugins")
STATIC = Path(__file__).parents[1] / "surveys" / "web" / "static"
PAGE_ONE = {"instrument": "wellbeing_check", "page": "mood", "wb_calm": 3, "wb_tense": 2, "wb_happy": 4}


@pytest.fixture
def app(make_app):
    return make_app(SURVEYS_PLUGINS_PATH=PLUGINS)


def setup_wave(app, codes=("P1",), organisation_id=None, **settings) -> tuple[dict[str, str], int]:
    """A campaign of the wellbeing questionnaire with personal links; returns ({code: /s/ link}, wave id)."""
    with app.test_request_context():
        if organisation_id is None:
            organisation = Organisation(name="Школа")
            db.session.add(organisation)
            db.session.commit()
        else:
            organisation = db.session.get(Organisation, organisation_id)
        for code in codes:
            db.session.add(Participant(organisation_id=organisation.id, code=code, role="mentee", tags=[]))
        db.session.commit()
        campaign = create_campaign(organisation, "Мониторинг", ["wellbeing_check"], "Вход")
        for key, value in settings.items():
            setattr(campaign, key, value)
        db.session.commit()
        links = {p.code: f"/s/{token}" for p, token in generate_links(campaign.waves[0])}
        return links, campaign.waves[0].id


def agree(client, link):
    assert client.post(f"{link}/consent", data={"decision": "agree"}).status_code == 302


def responses(app) -> list[Response]:
    with app.app_context():
        found = db.session.execute(db.select(Response).order_by(Response.id)).scalars().all()
        for response in found:
            _ = response.scores  # load while the session is open
        return found


def test_tokens_carry_130_random_bits_and_survive_retyping(app):
    links, _ = setup_wave(app, codes=("A", "B"))
    tokens = [link.rsplit("/", 1)[1] for link in links.values()]
    assert len(set(tokens)) == 2
    for token in tokens:
        assert len(token) == 26 and set(token) <= set(TOKEN_ALPHABET)  # 26 × 5 bits
    with app.app_context():
        stored = {i.token_hash for i in db.session.execute(db.select(Invitation)).scalars()}
    assert stored == {hash_token(t) for t in tokens} and not any(t in h for t in tokens for h in stored)
    token = tokens[0]
    client = app.test_client()
    typed = "-".join(token[i : i + 5] for i in range(0, 26, 5)).upper()
    assert "152-ФЗ" in client.get(f"/s/{typed}").get_data(as_text=True)
    # A typed "O" for zero and "I"/"L" for one are read as the digits.
    if "0" in token or "1" in token:
        misread = token.replace("0", "O").replace("1", "l")
        assert client.get(f"/s/{misread}").status_code == 200


def count_queries(app, client, url) -> tuple[int, list[str], str]:
    statements = []
    with app.app_context():
        engine = db.engine

    def listen(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement.split()[0])

    event.listen(engine, "before_cursor_execute", listen)
    try:
        response = client.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", listen)
    return response.status_code, statements, response.get_data(as_text=True)


def test_unknown_and_revoked_tokens_look_and_cost_the_same(app, logged_in, staff):
    links, wave_id = setup_wave(app, organisation_id=staff[2])
    link = links["P1"]
    with app.app_context():
        invitation_id = db.session.execute(db.select(Invitation)).scalar_one().id
    page = logged_in.get(f"/staff/waves/{wave_id}").get_data(as_text=True)
    revoked = logged_in.post(f"/staff/invitations/{invitation_id}/revoke", data={"csrf_token": csrf_token(page)})
    assert revoked.status_code == 302
    visitor = app.test_client()
    visitor.get("/s/" + "x" * 26)  # the first refusal from an address creates its counter; compare later ones
    status_revoked, queries_revoked, body_revoked = count_queries(app, visitor, link)
    unknown = "/s/" + "z" * 26
    status_unknown, queries_unknown, body_unknown = count_queries(app, visitor, unknown)
    assert status_revoked == status_unknown == 404
    tokens = (link.rsplit("/", 1)[1], unknown.rsplit("/", 1)[1])
    assert body_revoked.replace(tokens[0], "T") == body_unknown.replace(tokens[1], "T")
    assert "Эта ссылка не работает" in body_unknown
    assert queries_revoked == queries_unknown
    with app.app_context():
        assert db.session.execute(db.select(AuditEvent).filter_by(action="links.revoke")).scalar_one()


def test_waves_not_yet_open_or_closed_get_friendly_pages(app):
    links, wave_id = setup_wave(app, codes=("P1", "P2", "P3"))
    client = app.test_client()
    with app.app_context():
        wave = db.session.get(Wave, wave_id)
        wave.opens_at = utcnow() + dt.timedelta(days=2)
        db.session.commit()
    response = client.get(links["P1"])
    assert response.status_code == 404 and "ещё не начался" in response.get_data(as_text=True)
    # Consent given to a wave that is not open is not recorded.
    agree(client, links["P1"])
    with app.app_context():
        assert db.session.execute(db.select(Invitation).filter(Invitation.consented_at.is_not(None))).first() is None
        wave = db.session.get(Wave, wave_id)
        wave.opens_at = utcnow() - dt.timedelta(days=1)
        wave.closes_at = utcnow() - dt.timedelta(minutes=1)
        db.session.commit()
    response = client.get(links["P2"])
    assert response.status_code == 410 and "Этот опрос закрыт" in response.get_data(as_text=True)
    with app.app_context():
        wave = db.session.get(Wave, wave_id)
        wave.closes_at = None
        db.session.commit()
    assert client.get(links["P2"]).status_code == 200
    with app.app_context():
        db.session.get(Wave, wave_id).closed = True
        db.session.commit()
    assert client.get(links["P3"]).status_code == 410


def test_guessing_is_rate_limited_per_address_and_a_limited_address_learns_nothing(make_app):
    app = make_app(SURVEYS_PLUGINS_PATH=PLUGINS, SURVEYS_BAD_LINK_LIMIT=3, SURVEYS_BAD_LINK_LOCK=5)
    links, _ = setup_wave(app)
    school = app.test_client()
    school.environ_base["REMOTE_ADDR"] = "10.0.0.1"
    statuses = [school.get(f"/s/{n:026d}").status_code for n in range(5)]
    assert statuses == [404, 404, 404, 429, 429]
    blocked = school.get("/s/" + "y" * 26)
    assert blocked.headers["Retry-After"] == "600" and "Слишком много попыток" in blocked.get_data(as_text=True)
    # Past the lock (5 refusals), the same address with a real link waits too, or a guesser could go on
    # telling right tokens from wrong ones (more in tests/test_abuse.py).
    assert school.get(links["P1"]).status_code == 429
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "10.0.0.2"
    assert other.get("/s/" + "y" * 26).status_code == 404


def test_consent_page_uses_the_campaign_texts_and_a_decline_records_only_itself(app):
    links, _ = setup_wave(app, consent_texts={"purpose": "Мы изучаем адаптацию пятиклассников.\n\nВторой абзац."})
    client = app.test_client()
    page = client.get(links["P1"]).get_data(as_text=True)
    assert "<p>Мы изучаем адаптацию пятиклассников.</p>" in page and "<p>Второй абзац.</p>" in page
    for heading in ("Зачем мы спрашиваем", "Кто увидит ваши ответы", "Ваши права", "Персональные данные"):
        assert heading in page
    assert "152-ФЗ" in page  # sections left empty keep the standard text
    client.post(f"{links['P1']}/consent", data={"decision": "decline"})
    assert "Вы решили не участвовать" in client.get(links["P1"]).get_data(as_text=True)
    with app.app_context():
        invitation = db.session.execute(db.select(Invitation)).scalar_one()
        assert invitation.declined_at is not None and invitation.consented_at is None
        assert db.session.execute(db.select(Response)).first() is None


def test_guardian_consent_is_recorded_by_the_curator_before_the_link_opens(app, logged_in, staff):
    links, _ = setup_wave(app, organisation_id=staff[2], consent_mode="guardian")
    client = app.test_client()
    waiting = client.get(links["P1"])
    assert waiting.status_code == 403 and "родителей или законных представителей" in waiting.get_data(as_text=True)
    agree(client, links["P1"])
    with app.app_context():
        campaign = db.session.execute(db.select(Campaign)).scalar_one()
        participant = db.session.execute(db.select(Participant)).scalar_one()
        assert db.session.execute(db.select(Invitation)).scalar_one().consented_at is None
    url = f"/staff/campaigns/{campaign.id}/guardians"
    assert post_form(logged_in, url, {"participants": [participant.id]}).status_code == 302
    opened = client.get(links["P1"]).get_data(as_text=True)
    assert "Ваш родитель или законный представитель согласился" in opened and "Я согласен(на) участвовать" in opened
    assert post_form(logged_in, url, {}).status_code == 302  # withdrawn: the link closes again
    assert client.get(links["P1"]).status_code == 403
    with app.app_context():
        assert db.session.execute(db.select(GuardianConsent)).first() is None
        events = db.session.execute(db.select(AuditEvent).filter_by(action="guardians.update").order_by(AuditEvent.id))
        details = [e.details for e in events.scalars()]
        assert details == [{"added": 1, "withdrawn": 0}, {"added": 0, "withdrawn": 1}]


def test_a_minors_own_assent_has_its_own_wording(app):
    links, _ = setup_wave(app, consent_mode="assent")
    page = app.test_client().get(links["P1"]).get_data(as_text=True)
    assert "Твои родители" in page or "Ваши родители" in page
    assert "Я согласен(на) участвовать" in page


def test_autosave_keeps_each_valid_change_without_moving_the_participant(app):
    links, _ = setup_wave(app)
    client = app.test_client()
    link = links["P1"]
    agree(client, link)
    client.get(link)
    saved = client.post(f"{link}/autosave", data={**PAGE_ONE, "wb_happy": 9, "school_rating": 7})
    assert saved.status_code == 200 and saved.get_json() == {"saved": True}
    [response] = responses(app)
    # Valid answers are kept; the out-of-range one is not; the participant stays on page one.
    assert response.answers == {"wb_calm": 3, "wb_tense": 2, "school_rating": 7}
    assert response.page_index == 0 and response.status == "in_progress"
    stale = client.post(f"{link}/autosave", data={**PAGE_ONE, "instrument": "other"})
    assert stale.status_code == 409


def answer_everything(client, link):
    agree(client, link)
    client.get(link)
    assert client.post(link, data={**PAGE_ONE, "action": "next"}).status_code == 302
    client.get(link)
    # «Далее» on the last page leads to the review page; what its «Отправить» posts is returned.
    assert client.post(link, data={"instrument": "wellbeing_check", "page": "more", "club": "sport"}).status_code == 302
    assert "Проверьте ответы" in client.get(link).get_data(as_text=True)
    return {"instrument": "wellbeing_check", "review": "1", "action": "submit"}


def test_back_and_resubmit_and_two_tabs_give_one_response(app):
    links, _ = setup_wave(app)
    link = links["P1"]
    tab_one, tab_two = app.test_client(), app.test_client()
    final = answer_everything(tab_one, link)
    assert tab_one.post(link, data=final).status_code == 302
    # Back in history to page one and "Next" again; the second tab submits its stale page.
    assert tab_one.post(link, data={**PAGE_ONE, "wb_calm": 1, "action": "next"}).status_code == 302
    assert tab_two.post(link, data={**final, "club": "none"}).status_code == 302
    [response] = responses(app)
    assert response.status == "submitted" and response.answers["wb_calm"] == 3 and response.answers["club"] == "sport"
    assert len(response.scores) == 1
    assert "Анкета уже заполнена" in tab_two.get(link).get_data(as_text=True)


def test_concurrent_submits_score_exactly_once(app):
    links, _ = setup_wave(app)
    link = links["P1"]
    clients = [app.test_client() for _ in range(4)]
    final = answer_everything(clients[0], link)
    barrier = threading.Barrier(len(clients))
    codes = []

    def press(client):
        barrier.wait()
        codes.append(client.post(link, data=final).status_code)

    threads = [threading.Thread(target=press, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert codes == [302] * 4
    [response] = responses(app)
    assert response.status == "submitted"
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(Score.id))).scalar_one() == 1


def test_editing_is_offered_only_when_the_campaign_allows_it(app):
    links, _ = setup_wave(app, codes=("P1", "P2"), allow_editing=True)
    closed_links, _ = setup_wave(app, codes=("Q1",))
    strict = app.test_client()
    final = answer_everything(strict, closed_links["Q1"])
    strict.post(closed_links["Q1"], data=final)
    assert "Изменить ответы" not in strict.get(closed_links["Q1"]).get_data(as_text=True)
    strict.post(f"{closed_links['Q1']}/edit", data={"instrument": "wellbeing_check"})
    assert "Анкета уже заполнена" in strict.get(closed_links["Q1"]).get_data(as_text=True)

    client = app.test_client()
    link = links["P1"]
    final = answer_everything(client, link)
    client.post(link, data=final)
    done = client.get(link).get_data(as_text=True)
    assert "Изменить ответы: Самочувствие" in done
    client.post(f"{link}/edit", data={"instrument": "wellbeing_check"})
    page = client.get(link).get_data(as_text=True)
    assert "Вы меняете ответы" in page
    prefilled = r'<input checked id="wb_calm-\d" name="wb_calm" required type="radio" value="3">'
    assert re.search(prefilled, page)
    client.post(link, data={**PAGE_ONE, "wb_calm": 1, "action": "next"})
    # Until the edit is submitted, the submitted answers and the score stand.
    with app.app_context():
        response = db.session.execute(db.select(Response).filter_by(editing=True)).scalar_one()
        assert response.answers["wb_calm"] == 3 and response.draft["wb_calm"] == 1
        old_score = response.scores[0].value
        submitted_at = response.submitted_at
    client.post(link, data=final)
    client.post(link, data=final)  # a double click on the edited submit
    with app.app_context():
        response = db.session.get(Response, response.id)
        assert not response.editing and response.answers["wb_calm"] == 1 and response.draft == {}
        assert response.scores[0].value == old_score - 2 and len(response.scores) == 1
        assert response.submitted_at == submitted_at and response.edited_at is not None
        assert db.session.execute(db.select(db.func.count(Response.id))).scalar_one() == 2


def test_participant_page_is_light_and_ties_errors_to_fields(app):
    links, _ = setup_wave(app)
    client = app.test_client()
    link = links["P1"]
    agree(client, link)
    html = client.get(link).get_data()
    assets = re.findall(rb'(?:href|src)="(/static/[^"]+)"', html)
    assert sorted(assets) == [b"/static/autosave.js", b"/static/style.css"]
    weight = len(html) + sum((STATIC / a.decode().removeprefix("/static/")).stat().st_size for a in assets)
    assert weight < 60 * 1024
    assert not re.search(rb'(?:href|src)="(?:https?:)?//', html)  # nothing from elsewhere
    error = client.post(link, data={"instrument": "wellbeing_check", "page": "mood", "wb_calm": 2, "action": "next"})
    body = error.get_data(as_text=True)
    assert error.status_code == 200 and 'role="alert"' in body
    assert 'aria-describedby="wb_tense-error"' in body and 'id="wb_tense-error"' in body
    assert "Пожалуйста, ответьте на этот вопрос." in body
    # What the participant chose is still chosen after the error.
    assert re.search(r'<input checked id="wb_calm-\d" name="wb_calm" required type="radio" value="2">', body)


def test_staff_set_wave_dates_in_local_time(app, logged_in, staff):
    _, wave_id = setup_wave(app, organisation_id=staff[2])
    url = f"/staff/waves/{wave_id}/schedule"
    start = (dt.datetime.now() + dt.timedelta(days=3)).replace(second=0, microsecond=0)
    bad = post_form(
        logged_in,
        url,
        {"opens_at": start.strftime("%Y-%m-%dT%H:%M"), "closes_at": start.strftime("%Y-%m-%dT%H:%M")},
        page_url=f"/staff/waves/{wave_id}",
        follow_redirects=True,
    )
    assert "Закрытие должно быть позже открытия" in bad.get_data(as_text=True)
    good = post_form(logged_in, url, {"opens_at": start.strftime("%Y-%m-%dT%H:%M")}, page_url=f"/staff/waves/{wave_id}")
    assert good.status_code == 302
    with app.app_context():
        wave = db.session.get(Wave, wave_id)
        assert wave.closes_at is None
        assert wave.opens_at == start - dt.timedelta(hours=3)  # entered in Moscow time, stored in UTC
        assert wave.state() == "not_open"
    page = logged_in.get(f"/staff/waves/{wave_id}").get_data(as_text=True)
    assert "ещё не открыт" in page and "<title>Вход</title>" in page


def test_new_staff_pages_are_scoped_to_the_organisation_and_need_csrf(app, logged_in, staff):
    _, foreign_wave = setup_wave(app, codes=("F1",))
    with app.app_context():
        foreign = db.session.get(Wave, foreign_wave)
        foreign_campaign, invitation = foreign.campaign_id, db.session.execute(db.select(Invitation)).scalar_one().id
    for url in (f"/staff/campaigns/{foreign_campaign}/consent", f"/staff/campaigns/{foreign_campaign}/guardians"):
        assert logged_in.get(url).status_code == 404
    token = csrf_token(logged_in.get("/staff/").get_data(as_text=True))
    for url in (
        f"/staff/waves/{foreign_wave}/schedule",
        f"/staff/waves/{foreign_wave}/open-links",
        f"/staff/invitations/{invitation}/revoke",
    ):
        assert logged_in.post(url, data={"csrf_token": token, "role": "mentee"}).status_code == 404
    _, own_wave = setup_wave(app, codes=("O1",), organisation_id=staff[2])
    assert logged_in.post(f"/staff/waves/{own_wave}/open-links", data={"role": "mentee"}).status_code == 400
    with app.app_context():
        assert db.session.get(Wave, foreign_wave).closed is False


def test_consent_settings_are_saved_from_the_staff_form(app, logged_in, staff):
    links, _ = setup_wave(app, organisation_id=staff[2])
    with app.app_context():
        campaign_id = db.session.execute(db.select(Campaign)).scalar_one().id
    url = f"/staff/campaigns/{campaign_id}/consent"
    form = {"mode": "assent", "purpose": "  Своя цель опроса.  ", "access": "", "allow_editing": "y"}
    assert post_form(logged_in, url, form).status_code == 302
    with app.app_context():
        campaign = db.session.get(Campaign, campaign_id)
        assert campaign.consent_mode == "assent" and campaign.allow_editing
        assert campaign.consent_texts == {"purpose": "Своя цель опроса."}
    assert "Своя цель опроса." in app.test_client().get(links["P1"]).get_data(as_text=True)
    bad = post_form(logged_in, url, {"mode": "nobody"})
    assert bad.status_code == 200 and "Not a valid choice" not in bad.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Campaign, campaign_id).consent_mode == "assent"


def test_a_too_long_text_says_the_limit_without_a_minimum(app):
    links, _ = setup_wave(app)
    client = app.test_client()
    link = links["P1"]
    agree(client, link)
    client.post(link, data={**PAGE_ONE, "wb_tense": 4, "action": "next"})
    page = client.post(
        link, data={"instrument": "wellbeing_check", "page": "more", "worries": "я" * 5001, "action": "submit"}
    ).get_data(as_text=True)
    assert "Ответ должен быть не длиннее 5000 символов." in page and "от -1" not in page
    assert "я" * 5001 in page  # the text area keeps what was typed


def test_wtforms_messages_follow_the_page_language_and_are_read_from_disk_once(app):
    from surveys.core.answers import wtforms_messages
    from surveys.participation.forms import PageForm

    wtforms_messages.cache_clear()
    for language, expected in (("ru", "Неверный вариант."), ("en", "Not a valid choice.")):
        for _request in range(3):
            with app.test_request_context("/s/x"):
                if language == "en":
                    from flask import session

                    session["lang"] = "en"
                form = PageForm()
                assert form.meta.get_translations(form).gettext("Not a valid choice.") == expected
    assert wtforms_messages.cache_info().misses == 2  # once per language, however many requests
