"""Permission boundaries: every staff route, tried on another organisation's objects, is a 404;
roles inside an organisation decide the rest."""

from __future__ import annotations

import pytest

from surveys.core.models import Membership, Organisation, Pair, PairMentee, Participant, User
from surveys.extensions import db
from surveys.instruments.uploads import store_upload
from surveys.participation.links import create_open_link, generate_links
from surveys.workspace.campaigns import create_campaign
from surveys.workspace.people import enrol
from surveys.workspace.programmes import create_programme
from tests.conftest import FIXTURES, csrf_token, post_form
from tests.test_instrument_upload import climate

PLUGINS = str(FIXTURES / "plugins")


@pytest.fixture
def app(make_app):
    return make_app(SURVEYS_PLUGINS_PATH=PLUGINS)


def build_school(name: str) -> dict[str, object]:
    """An organisation with one of every kind of object a staff URL can name; returns their ids."""
    organisation = Organisation(name=name)
    db.session.add(organisation)
    db.session.commit()
    programme = create_programme(organisation, "2025/26")
    mentor = Participant(organisation_id=organisation.id, code=f"{name}-M", role="mentor", tags=[])
    mentee = Participant(organisation_id=organisation.id, code=f"{name}-E", role="mentee", tags=[])
    db.session.add_all([mentor, mentee])
    db.session.flush()
    enrol(mentor, programme.id, "mentor")
    enrol(mentee, programme.id, "mentee")
    pair = Pair(programme_id=programme.id, mentor_id=mentor.id, mentees=[PairMentee(participant_id=mentee.id)])
    db.session.add(pair)
    db.session.commit()
    campaign = create_campaign(organisation, "Кампания", ["wellbeing_check"], "Вход")
    campaign.programme_id = programme.id
    db.session.commit()
    wave = campaign.waves[0]
    generate_links(wave)
    link, _ = create_open_link(wave, "mentee")
    invitation = wave_invitation(wave.id)
    from plugins.swot.models import SwotDocument

    document = SwotDocument(organisation_id=organisation.id, campaign_id=campaign.id, wave_id=wave.id, form="")
    db.session.add(document)
    db.session.commit()
    from surveys.exports.jobs import create_job
    from surveys.exports.plan import ExportRequest

    job = create_job(campaign, None, "xlsx", ExportRequest())
    from surveys.core.report_models import Indicator

    indicator = Indicator(organisation_id=organisation.id, programme_id=programme.id, name="Посещаемость")
    db.session.add(indicator)
    admin = User(email=f"admin-{organisation.id}@example.org", name="Админ")
    admin.set_password("admin password")
    db.session.add(admin)
    db.session.flush()
    membership = Membership(user_id=admin.id, organisation_id=organisation.id, role="viewer")
    db.session.add(membership)
    db.session.commit()
    from surveys.workspace.members import invite

    staff_invitation, _secret = invite(organisation.id, f"new-{organisation.id}@example.org", "viewer", None)
    return {
        "membership_id": membership.id,
        "staff_invitation_id": staff_invitation.id,
        "indicator_id": indicator.id,
        "job_id": job.id,
        "document_id": document.id,
        "organisation": organisation.id,
        "programme_id": programme.id,
        "pair_id": pair.id,
        "participant_id": mentee.id,
        "campaign_id": campaign.id,
        "wave_id": wave.id,
        "invitation_id": invitation,
        "link_id": link.id,
        "instrument_id": "wellbeing_check",
    }


def wave_invitation(wave_id: int) -> int:
    from surveys.core.models import Invitation

    return db.session.execute(db.select(Invitation.id).filter_by(wave_id=wave_id)).scalars().first()


def set_role(app, email: str, role: str) -> None:
    with app.app_context():
        user = db.session.execute(db.select(User).filter_by(email=email)).scalar_one()
        for membership in user.memberships:
            membership.role = role
        db.session.commit()


def staff_rules(app):
    """Every staff or plugin rule that names an object, with the methods it answers."""
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(("/staff/", "/plugins/")) and rule.arguments:
            yield rule, sorted(rule.methods & {"GET", "POST"})


def test_every_staff_route_hides_another_organisations_objects(app, logged_in, staff):
    email, _password, _organisation = staff
    set_role(app, email, "admin")  # the strongest role inside an organisation: only the boundary can refuse
    with app.test_request_context():
        build_school("Своя")
        theirs = build_school("Чужая")
        # A plugin's questionnaire is everyone's to preview; the other organisation's upload is not.
        their_upload = climate().replace("id: class_climate", "id: their_climate").encode()
        their_organisation = db.session.get(Organisation, theirs["organisation"])
        assert store_upload(their_organisation, "c.yaml", their_upload, None).instrument
    token = csrf_token(logged_in.get("/staff/").get_data(as_text=True))
    checked = []
    for rule, methods in staff_rules(app):
        unknown = set(rule.arguments) - set(theirs)
        assert not unknown, f"{rule.rule}: add {unknown} to build_school() so the boundary is tested"
        arguments = {name: theirs[name] for name in rule.arguments}
        if rule.endpoint.startswith("preview."):
            arguments["instrument_id"] = "their_climate"
        with app.test_request_context():
            from flask import url_for

            url = url_for(rule.endpoint, **arguments)
        for method in methods:
            response = logged_in.open(url, method=method, data={"csrf_token": token})
            assert response.status_code == 404, f"{method} {url} gave {response.status_code}"
            checked.append((method, rule.rule))
    assert len(checked) >= 20  # the boundary test must cover the real routes, not an empty list


def test_roles_inside_an_organisation(app, client, staff):
    email, password, organisation_id = staff
    with app.test_request_context():
        ids = build_school("Рядом")
    with app.app_context():
        # Move the test school's objects into the staff member's organisation.
        other = db.session.get(Organisation, ids["organisation"])
        db.session.execute(db.update(Membership).values(organisation_id=other.id))
        db.session.commit()
    post_form(client, "/login", {"email": email, "password": password})
    campaign, wave, programme = ids["campaign_id"], ids["wave_id"], ids["programme_id"]
    person = ids["participant_id"]
    expectations = {
        # url: {role: status}
        "/staff/": {"viewer": 302, "psychologist": 200, "curator": 200, "admin": 200},  # viewers start at the dashboard
        "/staff/dashboard": {"viewer": 200, "psychologist": 200, "curator": 200, "admin": 200},
        f"/staff/programmes/{programme}/report": {"viewer": 200, "psychologist": 200, "curator": 200},
        f"/staff/programmes/{programme}/report.pdf": {"viewer": 200},
        f"/staff/campaigns/{campaign}": {"viewer": 200, "psychologist": 200, "curator": 200, "admin": 200},
        f"/staff/programmes/{programme}": {"viewer": 200, "curator": 200},
        f"/staff/waves/{wave}": {"viewer": 403, "psychologist": 403, "curator": 200, "admin": 200},
        f"/staff/campaigns/{campaign}/tracker": {"viewer": 403, "curator": 200},
        # Aggregated exports are for everyone; individual data only for the psychologist.
        f"/staff/campaigns/{campaign}/export.xlsx": {"viewer": 200, "psychologist": 200, "curator": 200},
        f"/staff/campaigns/{campaign}/export.xlsx?individual=1": {"viewer": 403, "curator": 403, "psychologist": 200},
        f"/staff/campaigns/{campaign}/export": {"viewer": 200, "curator": 200},
        f"/staff/programmes/{programme}/indicators": {"viewer": 200, "psychologist": 200, "curator": 200},
        "/staff/participants": {"viewer": 403, "psychologist": 403, "curator": 200},
        # Erasing a person: admins and the psychologist only (docs/privacy.md).
        f"/staff/participants/{ids['participant_id']}/erase": {
            "viewer": 403,
            "curator": 403,
            "psychologist": 200,
            "admin": 200,
        },
        "/staff/participants/erase": {"viewer": 403, "curator": 403, "psychologist": 200},
        f"/staff/participants/{person}": {"viewer": 403, "psychologist": 200, "curator": 200},
        f"/staff/campaigns/{campaign}/questionnaires/wellbeing_check/remove": {"psychologist": 403, "curator": 200},
        "/staff/audit": {"viewer": 403, "curator": 403, "psychologist": 403, "admin": 200},
        "/staff/members": {"curator": 403, "admin": 200},
        "/staff/organisations": {"admin": 403},  # only the deployment admin
    }
    seen = []
    for url, by_role in expectations.items():
        for role, status in by_role.items():
            set_role(app, email, role)
            assert client.get(url).status_code == status, (url, role)
            seen.append((url, role))
    set_role(app, email, "viewer")
    token = csrf_token(client.get("/staff/dashboard").get_data(as_text=True))
    conclusions = f"/staff/programmes/{programme}/report/conclusions"
    changes = (f"/staff/campaigns/{campaign}/questionnaires", f"/staff/participants/{person}")
    for url in (
        f"/staff/campaigns/{campaign}/waves",
        f"/staff/waves/{wave}/links",
        "/staff/programmes",
        conclusions,
        *changes,
    ):
        assert client.post(url, data={"csrf_token": token, "name": "x", "kind": "output"}).status_code == 403
    assert len(seen) == sum(len(by_role) for by_role in expectations.values())
