"""Minors first: guardians' consent by default where a programme has pupils, "self" only when the
curator confirms it, the support contact, and declines that the participant or the curator can undo.
Through the Flask test client on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest

from surveys.core.log_models import AuditEvent
from surveys.core.models import (
    Campaign,
    GuardianConsent,
    Invitation,
    MentoringForm,
    Organisation,
    Participant,
    PersonalData,
    Response,
    Wave,
    utcnow,
)
from surveys.extensions import db
from surveys.participation.links import generate_links
from surveys.transfer.bundle import dumps, export_bundle
from surveys.transfer.bundle_import import import_bundle
from surveys.workspace import known_adult
from surveys.workspace.campaigns import create_campaign
from surveys.workspace.people import enrol
from surveys.workspace.programmes import create_programme
from tests.api_support import auth, token_for
from tests.api_support import build_school as api_school
from tests.conftest import FIXTURES, csrf_token, demo_login, post_form, set_role

PLUGINS = str(FIXTURES / "plugins")
PAGE_ONE = {"instrument": "wellbeing_check", "page": "mood", "wb_calm": 3, "wb_tense": 2, "wb_happy": 4}
LAST_PAGE = {"instrument": "wellbeing_check", "page": "more", "action": "submit", "club": "sport"}
PUPILS_NOTE = "В программе есть учащиеся: по умолчанию согласие родителей."


@pytest.fixture
def app(make_app):
    return make_app(SURVEYS_PLUGINS_PATH=PLUGINS)


def programme_with(app, organisation_id: int, people=(), forms=None) -> int:
    """A programme of the organisation with ``people`` (code, role, form, birth year) enrolled in it;
    ``forms`` replaces the seeded forms of mentoring. Returns its id."""
    with app.app_context():
        organisation = db.session.get(Organisation, organisation_id)
        programme = create_programme(organisation, "Наставничество", seed=forms is None)
        for position, name in enumerate(forms or []):
            programme.forms.append(MentoringForm(name=name, variants=[], position=position))
        for code, role, form, birth_year in people:
            person = Participant(organisation_id=organisation_id, code=code, role="other", tags=[])
            db.session.add(person)
            db.session.flush()
            enrol(person, programme.id, role, form)
            if birth_year:
                db.session.add(PersonalData(participant_id=person.id, birth_year=birth_year))
        db.session.commit()
        return programme.id


def new_campaign(app, client, programme_id: int) -> tuple[str, int, str]:
    """Create a campaign of the programme through the staff form; returns (the page it leads to, the
    campaign's id, its consent mode)."""
    form = {"name": "Мониторинг", "instruments": ["wellbeing_check"], "wave_name": "Вход", "programme": programme_id}
    created = post_form(client, "/staff/campaigns/new", form)
    assert created.status_code == 302, created.get_data(as_text=True)
    campaign_id = int(created.headers["Location"].rsplit("/", 1)[1])
    page = client.get(created.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        return page, campaign_id, db.session.get(Campaign, campaign_id).consent_mode


def this_year() -> int:
    return utcnow().year


# ---- the default consent mode ----------------------------------------------------------------


def test_a_programme_with_pupils_by_form_gets_guardians_consent_by_default(app, logged_in, staff):
    programme_id = programme_with(
        app, staff[2], [("T1", "mentor", "учитель–учитель", None), ("S1", "mentee", "учитель–ученик", None)]
    )
    page, campaign_id, mode = new_campaign(app, logged_in, programme_id)
    assert mode == "guardian" and "В программе есть учащиеся: по умолчанию согласие родителей" in page
    settings = logged_in.get(f"/staff/campaigns/{campaign_id}/consent").get_data(as_text=True)
    assert PUPILS_NOTE in settings


def test_a_birth_year_under_18_makes_a_pupil_whatever_the_form_says(app, logged_in, staff):
    # Mentors of a form whose name says nothing: only the birth year tells that one is 15.
    people = [("A1", "mentor", "клуб", this_year() - 40), ("A2", "mentee", "клуб", this_year() - 15)]
    programme_id = programme_with(app, staff[2], people, forms=["клуб"])
    assert new_campaign(app, logged_in, programme_id)[2] == "guardian"
    with app.app_context():
        db.session.execute(db.update(PersonalData).values(birth_year=this_year() - 30))
        db.session.commit()
    assert new_campaign(app, logged_in, programme_id)[2] == "self"


def test_an_adults_only_programme_keeps_the_participants_own_consent(app, logged_in, staff):
    teachers = [("T1", "mentor", "учитель–учитель", 1975), ("T2", "mentee", "учитель–учитель", 1999)]
    programme_id = programme_with(app, staff[2], teachers, forms=["учитель–учитель"])
    empty_adults = programme_with(app, staff[2], forms=["учитель–учитель"])
    empty_seeded = programme_with(app, staff[2])  # nobody yet: the seeded forms have pupil sides
    page, campaign_id, mode = new_campaign(app, logged_in, programme_id)
    assert mode == "self" and "по умолчанию согласие родителей" not in page
    assert new_campaign(app, logged_in, empty_adults)[2] == "self"
    assert new_campaign(app, logged_in, empty_seeded)[2] == "guardian"
    settings = logged_in.get(f"/staff/campaigns/{campaign_id}/consent").get_data(as_text=True)
    assert PUPILS_NOTE not in settings and 'name="confirm_self"' not in settings


# ---- choosing "self" where there are pupils ---------------------------------------------------


def pupil_campaign(app, logged_in, staff) -> int:
    programme_id = programme_with(app, staff[2], [("S1", "mentee", "ученик–ученик", None)])
    return new_campaign(app, logged_in, programme_id)[1]


def consent_events(app) -> list[dict]:
    with app.app_context():
        events = db.session.execute(
            db.select(AuditEvent).filter_by(action="campaign.consent_settings").order_by(AuditEvent.id)
        )
        return [e.details for e in events.scalars()]


def test_self_for_a_campaign_with_pupils_is_saved_only_when_confirmed(app, logged_in, staff):
    campaign_id = pupil_campaign(app, logged_in, staff)
    url = f"/staff/campaigns/{campaign_id}/consent"
    refused = post_form(logged_in, url, {"mode": "self"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 200
    assert 'id="confirm_self-error"' in page and "Отметьте, чтобы подтвердить" in page
    assert 'aria-invalid="true"' in page and 'href="#confirm_self"' in page  # in the summary, tied to the box
    with app.app_context():
        assert db.session.get(Campaign, campaign_id).consent_mode == "guardian"
    assert consent_events(app) == []

    assert post_form(logged_in, url, {"mode": "assent"}).status_code == 302  # a minor's assent needs no confirmation
    assert post_form(logged_in, url, {"mode": "self", "confirm_self": "y"}).status_code == 302
    with app.app_context():
        assert db.session.get(Campaign, campaign_id).consent_mode == "self"
    first, second = consent_events(app)
    assert first["mode"] == "assent" and "confirmed_self_with_pupils" not in first
    assert second["mode"] == "self" and second["confirmed_self_with_pupils"] is True
    # Saved as "self", the page and the campaign page keep warning, and the box is there to tick.
    settings = logged_in.get(url).get_data(as_text=True)
    assert "Сейчас участники дают согласие сами" in settings and 'name="confirm_self"' in settings
    campaign_page = logged_in.get(f"/staff/campaigns/{campaign_id}").get_data(as_text=True)
    assert "В программе есть учащиеся, а в этой кампании участники дают согласие сами" in campaign_page


def test_pupils_added_later_to_a_self_campaign_bring_the_warning(app, logged_in, staff):
    programme_id = programme_with(app, staff[2], [("T1", "mentor", "учитель–учитель", 1980)])
    _page, campaign_id, mode = new_campaign(app, logged_in, programme_id)
    assert mode == "self"
    url = f"/staff/campaigns/{campaign_id}/consent"
    assert "Сейчас участники дают согласие сами" not in logged_in.get(url).get_data(as_text=True)
    assert "дают согласие сами" not in logged_in.get(f"/staff/campaigns/{campaign_id}").get_data(as_text=True)
    with app.app_context():
        pupil = Participant(organisation_id=staff[2], code="S9", role="mentee", form="ученик–ученик", tags=[])
        pupil.programme_id = programme_id  # in the programme by their own record, not an enrolment
        db.session.add(pupil)
        db.session.commit()
    assert "Сейчас участники дают согласие сами" in logged_in.get(url).get_data(as_text=True)
    assert "дают согласие сами" in logged_in.get(f"/staff/campaigns/{campaign_id}").get_data(as_text=True)
    assert post_form(logged_in, url, {"mode": "self"}).status_code == 200  # now it needs confirming


def test_the_support_contact_is_saved_escaped_audited_and_limited(app, logged_in, staff):
    campaign_id = pupil_campaign(app, logged_in, staff)
    url = f"/staff/campaigns/{campaign_id}/consent"
    typed = "  Психолог: каб. 12, пн–пт 9–16 <script>alert(1)</script>  "
    assert "Куда обратиться за поддержкой" in logged_in.get(url).get_data(as_text=True)
    assert post_form(logged_in, url, {"mode": "guardian", "support_contact": typed}).status_code == 302
    with app.app_context():
        assert db.session.get(Campaign, campaign_id).support_contact == typed.strip()
    page = logged_in.get(url).get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
    assert consent_events(app)[-1]["support_contact"] == typed.strip()
    too_long = post_form(logged_in, url, {"mode": "guardian", "support_contact": "я" * 1001})
    assert too_long.status_code == 200 and 'id="support_contact-error"' in too_long.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Campaign, campaign_id).support_contact == typed.strip()


def test_the_support_contact_travels_in_bundles_and_the_api(app):
    with app.test_request_context():
        organisation = Organisation(name="Школа № 3")
        db.session.add(organisation)
        db.session.commit()
        campaign = create_campaign(organisation, "Опрос", ["wellbeing_check"], "Вход")
        campaign.support_contact = "Психолог: каб. 12"
        db.session.commit()
        bundle = json.loads(dumps(export_bundle(campaign)))
        assert bundle["campaign"]["support_contact"] == "Психолог: каб. 12"
        older = json.loads(dumps(bundle))
        del older["campaign"]["support_contact"]  # made before the field existed
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        db.session.commit()
        imported = import_bundle(older, None)
        assert db.session.get(Campaign, imported.campaign_id).support_contact == ""
        imported = import_bundle(bundle, db.session.get(Organisation, imported.organisation_id))
        assert db.session.get(Campaign, imported.campaign_id).support_contact == "Психолог: каб. 12"

    school = api_school(app, "Школа A")
    with app.app_context():
        db.session.get(Campaign, school["campaign_id"]).support_contact = "Каб. 5"
        db.session.commit()
    secret = token_for(app, school["organisation"])
    found = app.test_client().get(f"/api/v1/campaigns/{school['campaign_id']}", headers=auth(secret)).get_json()
    assert found["support_contact"] == "Каб. 5"


# ---- declines that can be undone --------------------------------------------------------------


def wave_of_links(app, organisation_id: int, codes=("P1",), mode="assent") -> tuple[dict[str, str], int]:
    """A campaign of the organisation with personal links; returns ({code: /s/ link}, wave id)."""
    with app.test_request_context():
        organisation = db.session.get(Organisation, organisation_id)
        for code in codes:
            db.session.add(Participant(organisation_id=organisation.id, code=code, role="mentee", tags=[]))
        db.session.commit()
        campaign = create_campaign(organisation, "Мониторинг", ["wellbeing_check"], "Вход")
        campaign.consent_mode = mode
        db.session.commit()
        links = {p.code: f"/s/{token}" for p, token in generate_links(campaign.waves[0])}
        return links, campaign.waves[0].id


def decide(client, link, decision):
    assert client.post(f"{link}/consent", data={"decision": decision}).status_code == 302


def invitation_of(code: str) -> Invitation:
    return db.session.execute(db.select(Invitation).join(Participant).filter(Participant.code == code)).scalar_one()


def test_a_participant_who_declined_can_change_their_mind_on_the_same_link(app, staff):
    links, _ = wave_of_links(app, staff[2])
    link, client = links["P1"], app.test_client()
    decide(client, link, "decline")
    declined = client.get(link).get_data(as_text=True)
    assert "Вы решили не участвовать" in declined and "Я передумал(а) — хочу участвовать" in declined
    assert f'action="{link}/again"' in declined
    again = client.get(f"{link}/again")
    assert again.status_code == 200 and "152-ФЗ" in again.get_data(as_text=True)
    assert "Вы решили не участвовать" in client.get(link).get_data(as_text=True)  # looking is not agreeing
    decide(client, link, "agree")
    with app.app_context():
        invitation = invitation_of("P1")
        assert invitation.declined_at is None and invitation.consented_at is not None
    assert "Страница 1 из" in client.get(link).get_data(as_text=True)
    assert client.post(link, data={**PAGE_ONE, "action": "next"}).status_code == 302
    assert client.post(link, data=LAST_PAGE).status_code == 302
    with app.app_context():
        [response] = db.session.execute(db.select(Response)).scalars().all()
        assert response.status == "submitted"
    assert client.get(f"{link}/again").status_code == 302  # nothing to reconsider any more


def test_a_decline_cannot_be_undone_once_the_wave_is_closed(app, staff):
    links, wave_id = wave_of_links(app, staff[2])
    link, client = links["P1"], app.test_client()
    decide(client, link, "decline")
    with app.app_context():
        db.session.get(Wave, wave_id).closed = True
        db.session.commit()
    for url in (link, f"{link}/again"):
        closed = client.get(url)
        assert closed.status_code == 410 and "Этот опрос закрыт" in closed.get_data(as_text=True)
    decide(client, link, "agree")
    with app.app_context():
        assert invitation_of("P1").declined_at is not None and invitation_of("P1").consented_at is None


def test_in_guardian_mode_changing_ones_mind_still_needs_the_guardians_consent(app, staff):
    links, wave_id = wave_of_links(app, staff[2], mode="guardian")
    link, client = links["P1"], app.test_client()
    with app.app_context():
        campaign_id = db.session.get(Wave, wave_id).campaign_id
        consent = GuardianConsent(campaign_id=campaign_id, participant_id=invitation_of("P1").participant_id)
        db.session.add(consent)
        db.session.commit()
    decide(client, link, "decline")
    with app.app_context():
        db.session.execute(db.delete(GuardianConsent))  # the parent withdrew it meanwhile
        db.session.commit()
    assert client.get(f"{link}/again").status_code == 403
    decide(client, link, "agree")
    with app.app_context():
        assert invitation_of("P1").declined_at is not None


def test_in_guardian_mode_only_who_may_be_a_minor_waits_and_adults_consent_for_themselves(app, staff):
    with app.test_request_context():
        organisation = db.session.get(Organisation, staff[2])
        people = {
            "PUPIL": ("mentee", "учитель–ученик", None),  # the pupil side of the form
            "TEACH": ("mentor", "учитель–ученик", None),  # the adult side
            "BOSS": ("employer", "", None),  # a role no pupil holds
            "OTHER": ("other", "", None),  # nothing says: may be a minor
            "YOUNG": ("mentor", "учитель–учитель", this_year() - 16),  # the birth year wins over the form
        }
        for code, (role, form, year) in people.items():
            person = Participant(organisation_id=organisation.id, code=code, role=role, form=form, tags=[])
            db.session.add(person)
            db.session.flush()
            if year:
                db.session.add(PersonalData(participant_id=person.id, birth_year=year))
        db.session.commit()
        campaign = create_campaign(organisation, "Мониторинг", ["wellbeing_check"], "Вход")
        for assignment in campaign.assignments:
            assignment.audience = []
        campaign.consent_mode = "guardian"
        db.session.commit()
        links = {p.code: f"/s/{token}" for p, token in generate_links(campaign.waves[0])}
    client = app.test_client()
    for code in ("PUPIL", "OTHER", "YOUNG"):
        assert client.get(links[code]).status_code == 403, code  # waiting for the parents' consent
    for code in ("TEACH", "BOSS"):
        page = client.get(links[code])
        text = page.get_data(as_text=True)
        assert page.status_code == 200 and "Я согласен(на), начать" in text, code  # their own consent
        assert "Ваш родитель или законный представитель согласился" not in text
        decide(client, links[code], "agree")
        assert "Страница 1 из" in client.get(links[code]).get_data(as_text=True)


def test_the_curator_resets_a_decline_and_it_is_audited(app, logged_in, staff):
    links, wave_id = wave_of_links(app, staff[2], codes=("P1", "P2"))
    decide(app.test_client(), links["P1"], "decline")
    page = logged_in.get(f"/staff/waves/{wave_id}").get_data(as_text=True)
    assert "отказался(ась)" in page and page.count("Сбросить отказ") == 1
    with app.app_context():
        invitation_id = invitation_of("P1").id
    url = f"/staff/invitations/{invitation_id}/reset-decline"
    assert logged_in.post(url).status_code == 400  # no CSRF token
    reset = post_form(logged_in, url, {}, page_url=f"/staff/waves/{wave_id}")
    assert reset.status_code == 302
    assert "Отказ P1 сброшен" in logged_in.get(reset.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        assert invitation_of("P1").declined_at is None
        [event] = db.session.execute(db.select(AuditEvent).filter_by(action="invitation.reset_decline")).scalars()
        assert event.details == {"participant": "P1", "wave": wave_id}
        assert event.user_id is not None and event.organisation_id == staff[2]
    assert "152-ФЗ" in app.test_client().get(links["P1"]).get_data(as_text=True)


def test_a_decline_of_another_organisation_cannot_be_reset_nor_by_a_viewer(app, logged_in, staff):
    with app.app_context():
        other = Organisation(name="Чужая школа")
        db.session.add(other)
        db.session.commit()
        other_id = other.id
    links, _ = wave_of_links(app, other_id, codes=("F1",))
    own_links, own_wave = wave_of_links(app, staff[2], codes=("P1",))
    decide(app.test_client(), links["F1"], "decline")
    decide(app.test_client(), own_links["P1"], "decline")
    with app.app_context():
        foreign, own = invitation_of("F1").id, invitation_of("P1").id
    token = csrf_token(logged_in.get(f"/staff/waves/{own_wave}").get_data(as_text=True))
    assert logged_in.post(f"/staff/invitations/{foreign}/reset-decline", data={"csrf_token": token}).status_code == 404
    set_role(app, staff[0], "viewer")
    assert logged_in.post(f"/staff/invitations/{own}/reset-decline", data={"csrf_token": token}).status_code == 403
    with app.app_context():
        assert invitation_of("F1").declined_at is not None and invitation_of("P1").declined_at is not None
        assert db.session.execute(db.select(AuditEvent).filter_by(action="invitation.reset_decline")).first() is None


def test_a_reissued_link_keeps_the_decline_and_says_so(app, logged_in, staff):
    links, wave_id = wave_of_links(app, staff[2])
    decide(app.test_client(), links["P1"], "decline")
    with app.app_context():
        invitation_id = invitation_of("P1").id
    reissued = post_form(
        logged_in, f"/staff/invitations/{invitation_id}/reissue", {}, page_url=f"/staff/waves/{wave_id}"
    )
    page = reissued.get_data(as_text=True)
    assert "P1 отказался(ась) от участия: новая ссылка сохраняет отказ" in page
    new_link = page.split('class="link-url" href="http://localhost', 1)[1].split('"', 1)[0]
    assert "Вы решили не участвовать" in app.test_client().get(new_link).get_data(as_text=True)
    with app.app_context():
        assert invitation_of("P1").declined_at is not None


# ---- the demo -----------------------------------------------------------------------------------


def test_the_demo_asks_parents_consent_records_it_and_its_link_opens_for_the_pupils_assent(make_app):
    app = make_app()
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    link = demo_login(result.output)[2].removeprefix("http://localhost")
    with app.app_context():
        campaign = db.session.execute(db.select(Campaign)).scalar_one()
        assert campaign.consent_mode == "guardian"
        people = db.session.execute(db.select(Participant)).scalars().all()
        minors = [p for p in people if not known_adult(campaign, p)]
        assert 0 < len(minors) < len(people)  # teachers consent for themselves
        recorded = db.session.execute(db.select(db.func.count(GuardianConsent.id))).scalar_one()
        assert recorded == len(minors) - 2  # two pupils' parents have not given it: their links wait
    client = app.test_client()
    page = client.get(link).get_data(as_text=True)
    assert "Ваш родитель или законный представитель согласился" in page and "Я согласен(на) участвовать" in page
    decide(client, link, "agree")
    assert "Страница 1 из" in client.get(link).get_data(as_text=True)
