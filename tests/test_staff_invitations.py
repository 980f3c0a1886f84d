"""Staff accounts belong to their owner (issue 18, item 1).

An admin adds a person by invitation: the person opens the link, signs in with their own password
(or creates an account with a password only they know) and accepts. Adding an e-mail never changes
that account's password, never makes a membership the person did not accept, and tells the admin
the same thing whether or not the e-mail has an account.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from surveys.core.log_models import AuditEvent
from surveys.core.models import Membership, Organisation, User
from surveys.core.staff_models import StaffInvitation
from surveys.extensions import db
from tests.conftest import csrf_token, post_form
from tests.test_permissions import PLUGINS, build_school

JOIN = re.compile(r"http://localhost(/join/[0-9a-z]{26})")


@pytest.fixture
def app(make_app):
    return make_app(SURVEYS_PLUGINS_PATH=PLUGINS)


def add_admin(email: str, password: str, organisation_id: int) -> None:
    user = User(email=email, name=email.split("@")[0])
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    db.session.add(Membership(user_id=user.id, organisation_id=organisation_id, role="admin"))
    db.session.commit()


@pytest.fixture
def schools(app):
    """Two schools with one admin each and every kind of object; returns their ids."""
    with app.test_request_context():
        a, b = build_school("Школа А"), build_school("Школа Б")
        add_admin("admin-a@example.org", "password of a", a["organisation"])
        add_admin("admin-b@example.org", "password of b", b["organisation"])
    return a, b


def membership_of(app, email: str) -> int:
    """The id of the one membership of the account with this e-mail."""
    with app.app_context():
        query = db.select(Membership.id).join(User).filter(User.email == email)
        return db.session.execute(query).scalar_one()


def signed_in(app, email: str, password: str):
    client = app.test_client()
    response = post_form(client, "/login", {"email": email, "password": password})
    assert response.status_code == 302, f"{email} could not sign in"
    return client


def invite(client, email: str, role: str = "psychologist") -> tuple[str, str]:
    """Invite through the staff page; returns the page's text and the link's path."""
    response = post_form(client, "/staff/members", {"email": email, "role": role})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    return page, JOIN.search(page).group(1)


def create_account(path: str, name: str, password: str, app):
    return post_form(app.test_client(), path, {"name": name, "password": password, "confirm": password})


def test_the_cross_organisation_takeover_is_replayed_and_fails(app, schools):
    a, b = schools
    # Org B's admin pre-registers the e-mail with a password B knows.
    admin_b = signed_in(app, "admin-b@example.org", "password of b")
    _page, b_link = invite(admin_b, "victim@example.org")
    assert create_account(b_link, "Подставной", "password chosen by b", app).status_code == 302
    with app.app_context():
        victim_hash = db.session.execute(db.select(User.password_hash).filter_by(email="victim@example.org")).scalar()
    # Org A's admin adds the same e-mail: told exactly what a fresh e-mail gets.
    admin_a = signed_in(app, "admin-a@example.org", "password of a")
    victim_page, a_link = invite(admin_a, "victim@example.org")
    fresh_page, _fresh = invite(admin_a, "fresh@example.org")

    def masked(page: str, email: str) -> str:
        page = JOIN.sub("LINK", page).replace(email, "EMAIL")
        return re.sub(r'name="csrf_token" type="hidden" value="[^"]+"', "", page)

    assert masked(victim_page, "victim@example.org") == masked(fresh_page, "fresh@example.org")
    with app.app_context():
        account = db.session.execute(db.select(User).filter_by(email="victim@example.org")).scalar_one()
        assert account.password_hash == victim_hash  # the account's password did not change
        assert {m.organisation_id for m in account.memberships} == {b["organisation"]}  # nothing unaccepted
    # B's password opens none of A's pages, exports or API.
    attacker = signed_in(app, "victim@example.org", "password chosen by b")
    token = csrf_token(attacker.get("/staff/").get_data(as_text=True))
    switched = attacker.post("/staff/organisation", data={"csrf_token": token, "organisation": a["organisation"]})
    assert switched.status_code == 400
    for url in (
        f"/staff/campaigns/{a['campaign_id']}",
        f"/staff/campaigns/{a['campaign_id']}/export.xlsx",
        f"/staff/campaigns/{a['campaign_id']}/export.xlsx?individual=1",
        f"/staff/programmes/{a['programme_id']}",
        f"/staff/exports/{a['job_id']}/download",
        f"/plugins/comparison/campaigns/{a['campaign_id']}/report.json",
    ):
        status = attacker.get(url).status_code
        assert status in (403, 404), f"{url} answered {status} to B's password"
    # The attacker's account cannot reach A through the API either: its tokens are B's.
    made = attacker.post("/staff/api-tokens", data={"csrf_token": token, "name": "x", "scopes": ["campaigns:read"]})
    assert made.status_code == 403  # a psychologist of B makes no tokens at all
    with app.app_context():
        assert (
            db.session.execute(
                db.select(db.func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.organisation_id == a["organisation"], AuditEvent.action.like("export%"))
            ).scalar()
            == 0
        )
    # Whoever holds A's link cannot take the account over by "creating" it again, nor join A without
    # signing in as its owner.
    assert create_account(a_link, "Настоящий", "a password of mine", app).status_code == 409
    with app.app_context():
        account = db.session.execute(db.select(User).filter_by(email="victim@example.org")).scalar_one()
        assert account.password_hash == victim_hash
        assert {m.organisation_id for m in account.memberships} == {b["organisation"]}


def test_an_existing_account_joins_only_by_accepting_with_its_own_password(app, schools):
    a, b = schools
    admin_a = signed_in(app, "admin-a@example.org", "password of a")
    _page, link = invite(admin_a, "admin-b@example.org", "viewer")
    # Creating an account for an e-mail that has one is refused and changes nothing.
    refused = create_account(link, "Кто-то", "a password of mine", app)
    assert refused.status_code == 409
    assert "войдите" in refused.get_data(as_text=True)
    with app.app_context():
        user = db.session.execute(db.select(User).filter_by(email="admin-b@example.org")).scalar_one()
        assert user.check_password("password of b")
        assert {m.organisation_id for m in user.memberships} == {b["organisation"]}
    # Signed in as another account, the link is refused.
    other = signed_in(app, "admin-a@example.org", "password of a")
    assert other.get(link).status_code == 403
    assert post_form(other, link, {"action": "accept"}).status_code == 403
    # The owner signs in with their own password and accepts: now a viewer of A, still admin of B.
    owner = signed_in(app, "admin-b@example.org", "password of b")
    page = owner.get(link).get_data(as_text=True)
    assert "Школа А" in page
    assert post_form(owner, link, {"action": "accept"}).status_code == 302
    with app.app_context():
        roles = {
            m.organisation_id: m.role
            for m in db.session.execute(
                db.select(Membership).join(User).filter(User.email == "admin-b@example.org")
            ).scalars()
        }
        assert roles == {a["organisation"]: "viewer", b["organisation"]: "admin"}
        joined = db.session.execute(db.select(AuditEvent).filter_by(action="staff.join")).scalar_one()
        assert joined.organisation_id == a["organisation"] and joined.user_id == user.id
    # The link works once.
    assert owner.get(link).status_code == 404


def test_a_new_person_chooses_their_own_password(app, schools):
    a, _b = schools
    admin_a = signed_in(app, "admin-a@example.org", "password of a")
    _page, link = invite(admin_a, "New.Person@Example.org", "curator")
    short = create_account(link, "Новая", "short", app)
    assert short.status_code == 400 and "10" in short.get_data(as_text=True)
    newcomer = app.test_client()
    made = post_form(newcomer, link, {"name": "Новая", "password": "my own password", "confirm": "my own password"})
    assert made.status_code == 302
    assert newcomer.get(f"/staff/campaigns/{a['campaign_id']}").status_code == 200
    with app.app_context():
        user = db.session.execute(db.select(User).filter_by(email="new.person@example.org")).scalar_one()
        assert [(m.organisation_id, m.role) for m in user.memberships] == [(a["organisation"], "curator")]
    assert signed_in(app, "new.person@example.org", "my own password")


def test_expired_withdrawn_and_replaced_links_do_not_work(app, schools):
    a, _b = schools
    admin_a = signed_in(app, "admin-a@example.org", "password of a")
    _page, first = invite(admin_a, "late@example.org")
    _page, second = invite(admin_a, "late@example.org")  # a new link replaces the old one
    assert app.test_client().get(first).status_code == 404
    assert app.test_client().get(second).status_code == 200
    with app.app_context():
        invitation = db.session.execute(
            db.select(StaffInvitation).filter_by(email="late@example.org", revoked_at=None)
        ).scalar_one()
        invitation.expires_at = dt.datetime(2000, 1, 1)
        db.session.commit()
        invitation_id = invitation.id
    late = app.test_client()
    assert late.get(second).status_code == 404
    form = {"name": "Поздно", "password": "a long password", "confirm": "a long password"}
    assert post_form(late, second, form, "/login").status_code == 404
    _page, third = invite(admin_a, "late@example.org")
    with app.app_context():
        open_id = db.session.execute(
            db.select(StaffInvitation.id)
            .filter_by(email="late@example.org", revoked_at=None, accepted_at=None)
            .where(StaffInvitation.id != invitation_id)
        ).scalar_one()
    assert post_form(admin_a, f"/staff/members/invitations/{open_id}/revoke", {}, "/staff/members").status_code == 302
    assert app.test_client().get(third).status_code == 404
    with app.app_context():
        assert db.session.execute(db.select(User).filter_by(email="late@example.org")).first() is None


def test_roles_change_and_members_leave_only_in_the_admins_own_organisation(app, schools):
    a, b = schools
    admin_a = signed_in(app, "admin-a@example.org", "password of a")
    theirs = membership_of(app, "admin-b@example.org")
    mine = membership_of(app, f"admin-{a['organisation']}@example.org")
    page = "/staff/members"
    assert post_form(admin_a, f"/staff/members/{theirs}/role", {f"m{theirs}-role": "viewer"}, page).status_code == 404
    assert post_form(admin_a, f"/staff/members/{theirs}/remove", {}, page).status_code == 404
    assert post_form(admin_a, f"/staff/members/{mine}/role", {f"m{mine}-role": "curator"}, page).status_code == 302
    with app.app_context():
        assert db.session.get(Membership, theirs).role == "admin"
        assert db.session.get(Membership, mine).role == "curator"
        change = db.session.execute(db.select(AuditEvent).filter_by(action="staff.role")).scalar_one()
        assert change.details["before"] == "viewer" and change.details["after"] == "curator"
    assert post_form(admin_a, f"/staff/members/{mine}/remove", {}, page).status_code == 302
    with app.app_context():
        assert db.session.get(Membership, mine) is None
        assert db.session.execute(db.select(User).filter_by(email=f"admin-{a['organisation']}@example.org")).first()


def test_the_last_admin_cannot_remove_or_demote_themselves(app, schools):
    a, _b = schools
    admin_a = signed_in(app, "admin-a@example.org", "password of a")
    own = membership_of(app, "admin-a@example.org")
    page = "/staff/members"
    demoted = post_form(admin_a, f"/staff/members/{own}/role", {f"m{own}-role": "viewer"}, page, follow_redirects=True)
    assert "хотя бы один администратор" in demoted.get_data(as_text=True)
    assert post_form(admin_a, f"/staff/members/{own}/remove", {}, page).status_code == 302
    with app.app_context():
        assert db.session.get(Membership, own).role == "admin"


def test_the_members_page_lists_pending_invitations_in_russian(app, schools):
    admin_a = signed_in(app, "admin-a@example.org", "password of a")
    invite(admin_a, "pending@example.org", "viewer")
    page = admin_a.get("/staff/members").get_data(as_text=True)
    assert "pending@example.org" in page and "Пригласить" in page and "password" not in page.lower()
    with app.app_context():
        assert db.session.execute(db.select(Organisation).filter_by(name="Школа А")).scalar_one()
