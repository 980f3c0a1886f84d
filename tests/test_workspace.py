"""The curator's workspace: accounts, organisations, programmes, pairs, campaigns by role,
links for chosen people and the response tracker."""

from __future__ import annotations

import re

import pytest

from surveys.core.log_models import AuditEvent
from surveys.core.models import (
    Campaign,
    Enrolment,
    Invitation,
    Membership,
    Organisation,
    Pair,
    Participant,
    PersonalData,
    Programme,
    User,
    Wave,
)
from surveys.extensions import db
from surveys.participation.links import generate_links
from surveys.workspace.campaigns import create_campaign, eligible_participants, wave_status
from surveys.workspace.people import enrol
from surveys.workspace.programme_editing import parse_forms
from surveys.workspace.programmes import SEED_FORMS, create_programme
from surveys.workspace.tracking import progress
from tests.conftest import FIXTURES, enrol_people, post_form

PLUGINS = str(FIXTURES / "plugins")


@pytest.fixture
def app(make_app):
    return make_app(SURVEYS_PLUGINS_PATH=PLUGINS)


def test_user_create_on_the_command_line(app, runner):
    made = runner.invoke(
        args=[
            "user",
            "create",
            "Head@School.RU",
            "--organisation",
            "Школа № 1",
            "--role",
            "admin",
            "--password",
            "x" * 12,
        ]
    )
    assert made.exit_code == 0, made.output
    assert "Организация создана: Школа № 1" in made.output
    short = runner.invoke(args=["user", "create", "b@school.ru", "--organisation", "Школа № 1", "--password", "short"])
    assert short.exit_code == 2 and "не короче 10 символов" in short.output
    again = runner.invoke(
        args=[
            "user",
            "create",
            "head@school.ru",
            "--organisation",
            "Школа № 2",
            "--role",
            "viewer",
            "--password",
            "y" * 12,
        ]
    )
    assert again.exit_code == 0, again.output
    with app.app_context():
        user = db.session.execute(db.select(User).filter_by(email="head@school.ru")).scalar_one()
        roles = sorted((m.organisation.name, m.role) for m in user.memberships)
        assert roles == [("Школа № 1", "admin"), ("Школа № 2", "viewer")]
        # The account keeps its owner's password unless the operator asks to reset it.
        assert user.check_password("x" * 12) and user.password_hash.startswith("scrypt:")
    reset = runner.invoke(
        args=["user", "create", "head@school.ru", "--admin", "--reset-password", "--password", "y" * 12]
    )
    assert reset.exit_code == 0, reset.output
    with app.app_context():
        assert (
            db.session.execute(db.select(User).filter_by(email="head@school.ru")).scalar_one().check_password("y" * 12)
        )
    listed = runner.invoke(args=["user", "list"])
    assert "head@school.ru" in listed.output and "Школа № 2: viewer" in listed.output


def test_sign_in_is_throttled_per_email_and_address_and_cookies_are_secure(make_app, staff):
    app = make_app(
        SURVEYS_PLUGINS_PATH=PLUGINS,
        SURVEYS_BASE_URL="https://school.example",
        SURVEYS_LOGIN_LIMIT=3,
        SURVEYS_LOGIN_MAX_DELAY=0,  # the limit alone; the delays: tests/test_login_throttle.py
    )
    email, password, _ = staff
    client = app.test_client()
    statuses = [post_form(client, "/login", {"email": email, "password": "wrong"}).status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    blocked = post_form(client, "/login", {"email": email, "password": password})
    assert blocked.status_code == 429  # even the right password waits, from the address that failed
    client.get("/lang/en")
    assert "Too many failed sign-ins" in post_form(client, "/login", {"email": email, "password": password}).get_data(
        as_text=True
    )
    # Another account from the same address is not locked out.
    with app.app_context():
        other = User(email="second@example.org")
        other.set_password("another password")
        db.session.add(other)
        db.session.commit()
    fresh = app.test_client()
    signed_in = post_form(fresh, "/login", {"email": "second@example.org", "password": "another password"})
    assert signed_in.status_code == 302
    cookie = signed_in.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_staff_of_several_organisations_switch_and_the_deployment_admin_sees_all(app, client, staff):
    email, password, first_id = staff
    with app.app_context():
        second = Organisation(name="Колледж")
        db.session.add(second)
        db.session.commit()
        user = db.session.execute(db.select(User).filter_by(email=email)).scalar_one()
        db.session.add(Membership(user_id=user.id, organisation_id=second.id, role="curator"))
        second_id = second.id
        campaign = create_campaign(second, "Кампания колледжа", ["wellbeing_check"], "Вход")
        campaign_id = campaign.id
    post_form(client, "/login", {"email": email, "password": password})
    page = client.get("/staff/").get_data(as_text=True)
    assert "Школа № 7" in page and 'name="organisation"' in page
    assert client.get(f"/staff/campaigns/{campaign_id}").status_code == 404  # not the current organisation
    assert post_form(client, "/staff/organisation", {"organisation": second_id}, page_url="/staff/").status_code == 302
    assert "Колледж" in client.get("/staff/").get_data(as_text=True)
    assert client.get(f"/staff/campaigns/{campaign_id}").status_code == 200
    # An organisation the user does not belong to cannot be chosen.
    assert post_form(client, "/staff/organisation", {"organisation": 9999}, page_url="/staff/").status_code == 400
    assert client.get("/staff/organisations").status_code == 403
    with app.app_context():
        db.session.execute(db.update(User).values(is_admin=True))
        db.session.commit()
    assert post_form(client, "/staff/organisations", {"name": "Школа № 9"}).status_code == 302
    with app.app_context():
        names = set(db.session.execute(db.select(Organisation.name)).scalars())
        assert names == {"Школа № 7", "Колледж", "Школа № 9"} and first_id


def test_programmes_are_seeded_and_their_forms_edited(app, logged_in, staff):
    created = post_form(logged_in, "/staff/programmes", {"name": "2025/26", "seed": "y"})
    assert created.status_code == 302
    with app.app_context():
        programme = db.session.execute(db.select(Programme)).scalar_one()
        assert [f.name for f in programme.forms] == list(SEED_FORMS)
        assert programme.forms[1].variants == SEED_FORMS["учитель–учитель"]
        programme_id = programme.id
    url = f"/staff/programmes/{programme_id}"
    text = "ученик–ученик\n  равный – равному\n  лидер – пассивный\nсемья–ученик\n"
    assert post_form(logged_in, f"{url}/forms", {"forms": text}, page_url=url).status_code == 302
    with app.app_context():
        forms = db.session.get(Programme, programme_id).forms
        assert [(f.name, f.variants) for f in forms] == [
            ("ученик–ученик", ["равный – равному", "лидер – пассивный"]),
            ("семья–ученик", []),
        ]
    assert parse_forms("  orphan variant\nA\nA")[1] != [] and len(parse_forms("  orphan variant\nA\nA")[1]) == 2


def test_pairs_of_one_mentor_and_many_mentees(app, logged_in, staff):
    with app.test_request_context():
        organisation = db.session.get(Organisation, staff[2])
        programme = create_programme(organisation, "2025/26")
        roles = {"M1": "mentor", "E1": "mentee", "E2": "mentee", "E3": "mentee"}
        ids = enrol_people(organisation.id, programme.id, roles, "ученик–ученик")
        stranger = Participant(organisation_id=organisation.id, code="X9", role="mentee", tags=[])
        db.session.add(stranger)
        db.session.commit()
        programme_id, stranger_id = programme.id, stranger.id
    url = f"/staff/programmes/{programme_id}"
    form = {
        "mentor": ids["M1"],
        "mentees": [ids["E1"], ids["E2"]],
        "form": "ученик–ученик",
        "variant": "равный – равному",
    }
    assert post_form(logged_in, f"{url}/pairs", form, page_url=url).status_code == 302
    # A mentee who is not enrolled in the programme cannot be paired.
    post_form(logged_in, f"{url}/pairs", {**form, "mentees": [stranger_id]}, page_url=url)
    with app.app_context():
        [pair] = db.session.execute(db.select(Pair)).scalars().all()
        assert sorted(m.participant_id for m in pair.mentees) == sorted([ids["E1"], ids["E2"]])
        assert (pair.form, pair.variant) == ("ученик–ученик", "равный – равному")
        pair_id = pair.id
    page = logged_in.get(url).get_data(as_text=True)
    assert re.search(r">E3</a></td>.*?<td>[^<]*</td>\s*</tr>", page, re.S)
    confirm = f"/staff/pairs/{pair_id}/delete"
    assert post_form(logged_in, confirm, {}).status_code == 302  # the token of the confirmation page
    with app.app_context():
        assert db.session.execute(db.select(Pair)).first() is None


def test_one_person_two_roles_in_two_cycles(app, logged_in, staff):
    with app.test_request_context():
        organisation = db.session.get(Organisation, staff[2])
        first, second = create_programme(organisation, "2024/25"), create_programme(organisation, "2025/26")
        first_id, second_id = first.id, second.id
    form = {"code": "P-17", "role": "mentee", "group": "7А", "tags": "ОВЗ; одарённый", "programme": first_id}
    personal = {"full_name": "Иванова Мария", "birth_year": "2012", "sex": "f"}
    assert post_form(logged_in, "/staff/participants", {**form, **personal}).status_code == 302
    with app.test_request_context():
        person = db.session.execute(db.select(Participant).filter_by(code="P-17")).scalar_one()
        assert person.tags == ["ОВЗ", "одарённый"]
        assert db.session.get(PersonalData, person.id).full_name == "Иванова Мария"
        enrol(person, second_id, "mentor", "ученик–ученик", "10А")
        db.session.commit()
        campaigns = {}
        for programme_id in (first_id, second_id):
            campaign = create_campaign(organisation_for(person), f"К{programme_id}", ["wellbeing_check"], "Вход")
            campaign.programme_id = programme_id
            db.session.commit()
            campaigns[programme_id] = campaign
        statuses = {pid: wave_status(c.waves[0]) for pid, c in campaigns.items()}
        assert [(r.participant.code, r.standing.role, r.standing.group) for r in statuses[first_id]] == [
            ("P-17", "mentee", "7А")
        ]
        assert [(r.standing.role, r.standing.group) for r in statuses[second_id]] == [("mentor", "10А")]
        assert db.session.execute(db.select(db.func.count(Enrolment.id))).scalar_one() == 2
    assert "Иванова" not in logged_in.get("/staff/participants").get_data(as_text=True)


def organisation_for(participant: Participant) -> Organisation:
    return db.session.get(Organisation, participant.organisation_id)


def test_instruments_per_role_and_links_for_chosen_people(app, logged_in, staff):
    with app.test_request_context():
        organisation = db.session.get(Organisation, staff[2])
        for code, role in (("A1", "mentee"), ("A2", "mentee"), ("T1", "teacher")):
            db.session.add(Participant(organisation_id=organisation.id, code=code, role=role, tags=[]))
        db.session.commit()
        campaign = create_campaign(organisation, "По ролям", ["wellbeing_check"], "Вход")
        campaign_id, wave_id, assignment_id = campaign.id, campaign.waves[0].id, campaign.assignments[0].id
    url = f"/staff/campaigns/{campaign_id}"
    every_wave = {f"waves-{assignment_id}": ["input", "intermediate", "output"]}
    post_form(logged_in, f"{url}/assignments", {f"audience-{assignment_id}": ["teacher"], **every_wave}, page_url=url)
    with app.app_context():
        campaign = db.session.get(Campaign, campaign_id)
        assert campaign.assignments[0].audience == ["teacher"]
        assert [p.code for p in eligible_participants(campaign)] == ["T1"]
    refused = post_form(logged_in, f"{url}/assignments", {}, page_url=url)
    assert refused.status_code == 302
    both = {f"audience-{assignment_id}": ["mentee", "teacher"], **every_wave}
    post_form(logged_in, f"{url}/assignments", both, page_url=url)
    with app.app_context():
        ids = {p.code: p.id for p in db.session.execute(db.select(Participant)).scalars()}
    wave_url = f"/staff/waves/{wave_id}"
    chosen = post_form(
        logged_in, f"{wave_url}/links", {"scope": "selected", "selected": [ids["A2"], ids["T1"]]}, page_url=wave_url
    )
    assert chosen.status_code == 200 and chosen.get_data(as_text=True).count('class="link-url"') == 2
    with app.app_context():
        invited = set(db.session.execute(db.select(Invitation.participant_id)).scalars())
        assert invited == {ids["A2"], ids["T1"]}
    rest = post_form(logged_in, f"{wave_url}/links", {"scope": "missing"}, page_url=wave_url)
    assert rest.get_data(as_text=True).count('class="link-url"') == 1


def test_the_tracker_counts_by_role_group_and_form(app, logged_in, staff):
    from surveys.core.models import Response, utcnow

    with app.test_request_context():
        organisation = db.session.get(Organisation, staff[2])
        people = [
            ("S1", "mentee", "7А", "ученик–ученик", "done"),
            ("S2", "mentee", "7А", "ученик–ученик", "in_progress"),
            ("S3", "mentee", "7Б", "учитель–ученик", "declined"),
            ("S4", "mentee", "7Б", "учитель–ученик", "invited"),
            ("S5", "mentor", "10А", "ученик–ученик", "done"),
            ("S6", "mentor", "10А", "ученик–ученик", "none"),
        ]
        for code, role, group, form, _state in people:
            db.session.add(
                Participant(organisation_id=organisation.id, code=code, role=role, group_name=group, form=form, tags=[])
            )
        db.session.commit()
        campaign = create_campaign(organisation, "Трекер", ["wellbeing_check"], "Вход")
        wave = campaign.waves[0]
        invited = {p.code: p for p, _t in generate_links(wave)}
        for code, _role, _group, _form, state in people:
            invitation = db.session.execute(
                db.select(Invitation).filter_by(wave_id=wave.id, participant_id=invited[code].id)
            ).scalar_one()
            if state == "none":
                db.session.delete(invitation)
            elif state == "declined":
                invitation.declined_at = utcnow()
            elif state in ("done", "in_progress"):
                db.session.add(
                    Response(
                        wave_id=wave.id,
                        participant_id=invited[code].id,
                        instrument_id="wellbeing_check",
                        instrument_version="2",
                        answers={},
                        status="submitted" if state == "done" else "in_progress",
                    )
                )
        db.session.commit()
        result = progress(wave_status(db.session.get(Wave, wave.id)))
        campaign_id, wave_id = campaign.id, wave.id
        ids = {p.code: p.id for p in db.session.execute(db.select(Participant)).scalars()}
    expected_states = {code: state for code, *_rest, state in people}
    assert (result.overall.total, result.overall.invited, result.overall.completed) == (6, 5, 2)
    assert (result.overall.started, result.overall.declined) == (1, 1)
    by_role = {t.label: (t.total, t.completed) for t in result.by_role}
    assert by_role == {"mentee": (4, 1), "mentor": (2, 1)}
    by_group = {t.label: (t.total, t.completed, t.rate) for t in result.by_group}
    assert by_group == {"10А": (2, 1, 0.5), "7А": (2, 1, 0.5), "7Б": (2, 0, 0.0)}
    assert {t.label: t.total for t in result.by_form} == {"ученик–ученик": 4, "учитель–ученик": 2}
    waiting = [r.participant.code for r in result.waiting]
    assert sorted(waiting) == sorted(c for c, s in expected_states.items() if s in ("in_progress", "invited", "none"))
    logged_in.get("/lang/en")
    page = logged_in.get(f"/staff/campaigns/{campaign_id}/tracker").get_data(as_text=True)
    assert "Completed 2 of 6 (33%); in progress 1; declined 1." in page
    reprint = re.search(r'href="(/staff/waves/\d+/slips\?only=[^"]+)"', page).group(1)
    assert sorted(int(i) for i in reprint.split("only=")[1].replace("%2C", ",").split(",")) == sorted(
        ids[c] for c in waiting
    )
    form = logged_in.get(reprint.replace("&amp;", "&")).get_data(as_text=True)
    printed = post_form(
        logged_in,
        f"/staff/waves/{wave_id}/slips",
        {
            "group": "all",
            "participants": "all",
            "confirm_reissue": "y",
            "show": ["code"],
            "only": ",".join(str(ids[c]) for c in waiting),
        },
        page_url=reprint,
    )
    assert "Slips for 3 chosen participants." in form
    assert printed.get_data(as_text=True).count('class="slip"') == 3


def test_the_audit_log_shows_who_did_what(app, logged_in, staff):
    email, _password, organisation_id = staff
    with app.app_context():
        db.session.execute(db.update(Membership).values(role="admin"))
        db.session.add(
            AuditEvent(organisation_id=organisation_id, user_id=None, action="export.xlsx", target="campaign:1")
        )
        db.session.commit()
    logged_in.get("/lang/en")
    page = logged_in.get("/staff/audit?action=export.xlsx").get_data(as_text=True)
    assert "export.xlsx" in page and "campaign:1" in page and "system" in page
    post_form(logged_in, "/staff/members", {"email": "viewer@example.org", "role": "viewer"})
    page = logged_in.get("/staff/audit").get_data(as_text=True)
    assert "staff.invite" in page and email in page and "viewer@example.org" in page


def test_instruments_meant_for_one_kind_of_wave(app, logged_in, staff):
    """Expectations are asked in the input wave, satisfaction in the output wave."""
    from surveys.participation.responses import assignments_for
    from surveys.workspace.campaigns import add_wave

    with app.test_request_context():
        organisation = db.session.get(Organisation, staff[2])
        db.session.add(Participant(organisation_id=organisation.id, code="W1", role="mentee", tags=[]))
        db.session.commit()
        ids = ["satisfaction_exp_mentee", "satisfaction_mentee", "wellbeing_check"]
        campaign = create_campaign(organisation, "Волны", ids, "Вход")
        output = add_wave(campaign, "output", "Выход")
        kinds = {a.instrument_id: a.wave_kinds for a in campaign.assignments}
        assert kinds == {"satisfaction_exp_mentee": ["input"], "satisfaction_mentee": ["output"], "wellbeing_check": []}
        invited = {}
        for wave in campaign.waves:
            generate_links(wave)
            invited[wave.kind] = db.session.execute(db.select(Invitation).filter_by(wave_id=wave.id)).scalar_one()
        given = {kind: [a.instrument_id for a in assignments_for(i)] for kind, i in invited.items()}
        assert given == {
            "input": ["satisfaction_exp_mentee", "wellbeing_check"],
            "output": ["satisfaction_mentee", "wellbeing_check"],
        }
        assert [row.expected for row in wave_status(output)] == [2]
        campaign_id, assignment = campaign.id, campaign.assignments[2]
        assignment_id = assignment.id
    url = f"/staff/campaigns/{campaign_id}"
    form = {f"audience-{a}": ["mentee"] for a in (assignment_id - 2, assignment_id - 1, assignment_id)}
    form.update({f"waves-{assignment_id - 2}": ["input"], f"waves-{assignment_id - 1}": ["output"]})
    form[f"waves-{assignment_id}"] = ["output"]
    assert post_form(logged_in, f"{url}/assignments", form, page_url=url).status_code == 302
    with app.app_context():
        assert db.session.get(Campaign, campaign_id).assignments[2].wave_kinds == ["output"]
