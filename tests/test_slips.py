"""Printable link slips: one slip per chosen participant, a QR code of the printed link, names only on request."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from surveys.core.log_models import AuditEvent
from surveys.core.models import (
    Assignment,
    Campaign,
    Invitation,
    Organisation,
    Participant,
    PersonalData,
    Wave,
    hash_token,
    new_token,
    normalise_token,
)
from surveys.extensions import db
from surveys.participation.slips import display_url, group_token, qr_svg
from tests.conftest import csrf_token

SLIP = re.compile(r'<article class="slip">(.*?)</article>', re.S)
SVG = re.compile(r"<svg .*?</svg>", re.S)
URL = re.compile(r'<p class="slip-url"><a href="([^"]+)">([^<]+)</a></p>')
NAMES = {"A1": "Иванова Анна", "B1": "Петров Пётр"}


@pytest.fixture
def school(app, staff):
    """Mentees in 8Б and 10А (two with names on file), a mentor in 11В, one open-link joiner,
    and a campaign for mentees with one wave. Returns the wave id."""
    organisation_id = staff[2]
    with app.app_context():
        people = [
            Participant(organisation_id=organisation_id, code="A1", role="mentee", group_name="8Б", tags=[]),
            Participant(organisation_id=organisation_id, code="A2", role="mentee", group_name="8Б", tags=[]),
            Participant(organisation_id=organisation_id, code="B1", role="mentee", group_name="10А", tags=[]),
            Participant(organisation_id=organisation_id, code="M1", role="mentor", group_name="11В", tags=[]),
            Participant(
                organisation_id=organisation_id,
                code="A-OPEN",
                role="mentee",
                group_name="8Б",
                pseudonym_hash="0" * 64,
                tags=["open-link"],
            ),
        ]
        db.session.add_all(people)
        db.session.flush()
        by_code = {p.code: p for p in people}
        db.session.add_all(PersonalData(participant_id=by_code[c].id, full_name=n) for c, n in NAMES.items())
        campaign = Campaign(organisation_id=organisation_id, name="Мониторинг")
        campaign.assignments.append(Assignment(instrument_id="wellbeing_check", audience=["mentee"], position=0))
        campaign.waves.append(Wave(kind="input", name="Вход", position=0))
        db.session.add(campaign)
        db.session.commit()
        return campaign.waves[0].id


def printable_codes(app, group: str | None = None) -> set[str]:
    """Codes of the mentees (the campaign's audience) who did not join by an open link, read from the database."""
    with app.app_context():
        query = db.select(Participant).filter_by(role="mentee", pseudonym_hash=None)
        if group is not None:
            query = query.filter_by(group_name=group)
        return {p.code for p in db.session.execute(query).scalars()}


def post_slips(client, wave_id: int, **data):
    form = {"group": "all", "participants": "new", "show": ["code", "group"], "heading": ""}
    form.update(data)
    if form["participants"] == "all":  # reissuing is confirmed by a tick
        form.setdefault("confirm_reissue", "y")
    page = client.get(f"/staff/waves/{wave_id}/slips").get_data(as_text=True)
    return client.post(f"/staff/waves/{wave_id}/slips", data={"csrf_token": csrf_token(page), **form})


def read_slips(html: str) -> list[dict]:
    """Each slip on the page: its inline SVG, link, printed address and printed fields."""
    slips = []
    for body in SLIP.findall(html):
        url, shown = URL.search(body).groups()
        fields = dict(re.findall(r'<dd class="slip-(\w+)">([^<]*)</dd>', body))
        slips.append({"svg": SVG.search(body).group(0), "url": url, "shown": shown, **fields})
    return slips


def token_of(url: str) -> str:
    return url.rsplit("/", 1)[1]


def test_hyphens_in_the_printed_token_are_ignored_when_the_link_is_opened():
    token = new_token()
    grouped = group_token(token)
    assert grouped.replace("-", "") == token
    assert all(len(part) == 5 for part in grouped.split("-")[:-1]) and 1 <= len(grouped.split("-")[-1]) <= 5
    assert normalise_token(grouped) == token and hash_token(grouped) == hash_token(token)
    assert display_url("https://example.org/s/", token) == "example.org/s/" + grouped


def test_qr_svg_is_inline_accessible_and_about_three_centimetres():
    url = "https://example.org/s/" + new_token()
    svg = qr_svg(url)
    assert svg.startswith("<svg ") and "<?xml" not in svg and 'role="img"' in svg
    assert f"<title>{url}</title>" in svg
    width = float(re.search(r'width="([\d.]+)mm"', svg).group(1))
    assert 25 <= width <= 35
    assert "style=" not in svg  # the Content-Security-Policy forbids inline styles


def test_slips_issue_one_link_per_participant_and_the_qr_encodes_the_printed_link(app, logged_in, school):
    form = logged_in.get(f"/staff/waves/{school}/slips")
    assert form.status_code == 200
    response = post_slips(logged_in, school)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    assert "slips.css" in html and "Мониторинг — Вход" in html
    slips = read_slips(html)
    assert sorted(s["code"] for s in slips) == sorted(printable_codes(app))
    for slip in slips:
        assert slip["svg"] == qr_svg(slip["url"])
        scheme, rest = slip["url"].split("://", 1)
        assert scheme == "http" and slip["shown"].replace("-", "") == rest
        assert slip["shown"].split("/s/", 1)[1] == group_token(token_of(slip["url"]))
        typed = app.test_client().get("/" + slip["shown"].split("/", 1)[1])  # as typed from the paper
        assert typed.status_code == 200 and "152-ФЗ" in typed.get_data(as_text=True)
    with app.app_context():
        for slip in slips:
            invitation = db.session.execute(
                db.select(Invitation).filter_by(token_hash=hash_token(token_of(slip["url"])))
            ).scalar_one()
            assert invitation.wave_id == school and invitation.participant.code == slip["code"]
            assert invitation.participant.group_name == slip["group"]
        assert db.session.execute(db.select(db.func.count(Invitation.id))).scalar_one() == len(slips)


def test_names_are_printed_only_when_chosen_and_the_audit_says_so(app, logged_in, school):
    plain = post_slips(logged_in, school).get_data(as_text=True)
    assert read_slips(plain) and not any(name in plain for name in NAMES.values())
    named = read_slips(post_slips(logged_in, school, participants="all", show=["code", "name"]).get_data(as_text=True))
    assert {s["code"]: s.get("name") for s in named} == {c: NAMES.get(c) for c in printable_codes(app)}
    assert all("group" not in s for s in named)
    with app.app_context():
        events = db.session.execute(db.select(AuditEvent).filter_by(action="slips.print").order_by(AuditEvent.id))
        first, second = events.scalars().all()
        assert first.target == second.target == f"wave:{school}"
        assert first.details["fields"] == ["code", "group"] and first.details["count"] == len(read_slips(plain))
        assert second.details["fields"] == ["code", "name"] and second.details["count"] == len(named)
        assert second.details["reissue"] is True and first.details["reissue"] is False


def test_only_new_skips_participants_with_a_link_and_all_reissues(app, logged_in, school):
    first = read_slips(post_slips(logged_in, school, group="group:8Б").get_data(as_text=True))
    assert {s["code"] for s in first} == printable_codes(app, "8Б")
    rest = read_slips(post_slips(logged_in, school).get_data(as_text=True))
    assert {s["code"] for s in rest} == printable_codes(app) - printable_codes(app, "8Б")
    none_left = post_slips(logged_in, school).get_data(as_text=True)
    assert read_slips(none_left) == []
    again = read_slips(post_slips(logged_in, school, participants="all").get_data(as_text=True))
    assert {s["code"] for s in again} == printable_codes(app)
    participant = app.test_client()
    for old in first + rest:
        assert participant.get(old["url"].removeprefix("http://localhost")).status_code == 404
    for new in again:
        assert participant.get(new["url"].removeprefix("http://localhost")).status_code == 200
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(Invitation.id))).scalar_one() == len(printable_codes(app))


def test_the_group_filter_offers_the_eligible_groups_and_prints_one_group(app, logged_in, school):
    page = logged_in.get(f"/staff/waves/{school}/slips").get_data(as_text=True)
    offered = set(re.findall(r'<option[^>]*value="group:([^"]*)"', page))
    with app.app_context():
        mentees = db.session.execute(db.select(Participant).filter_by(role="mentee", pseudonym_hash=None)).scalars()
        assert offered == {p.group_name for p in mentees}
    assert "11В" not in offered  # the mentor's group: no questionnaire of this campaign is for mentors
    slips = read_slips(post_slips(logged_in, school, group="group:10А").get_data(as_text=True))
    assert {s["code"] for s in slips} == printable_codes(app, "10А")
    assert {s["group"] for s in slips} == {"10А"}


def test_another_organisations_wave_is_not_found(app, logged_in, school):
    with app.app_context():
        other = Organisation(name="Лицей № 2")
        db.session.add(other)
        db.session.flush()
        db.session.add(Participant(organisation_id=other.id, code="X1", role="mentee", tags=[]))
        campaign = Campaign(organisation_id=other.id, name="Чужая")
        campaign.waves.append(Wave(kind="input", name="Вход", position=0))
        db.session.add(campaign)
        db.session.commit()
        foreign = campaign.waves[0].id
    assert logged_in.get(f"/staff/waves/{foreign}/slips").status_code == 404
    token = csrf_token(logged_in.get(f"/staff/waves/{school}/slips").get_data(as_text=True))
    posted = logged_in.post(f"/staff/waves/{foreign}/slips", data={"csrf_token": token, "group": "all"})
    assert posted.status_code == 404
    with app.app_context():
        assert db.session.execute(db.select(Invitation)).first() is None


def test_post_without_csrf_token_is_refused_and_issues_nothing(app, logged_in, school):
    response = logged_in.post(f"/staff/waves/{school}/slips", data={"group": "all", "participants": "new"})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.execute(db.select(Invitation)).first() is None


def test_slips_need_a_signed_in_user(client, school):
    response = client.get(f"/staff/waves/{school}/slips")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_wave_page_links_to_the_slips(logged_in, school):
    page = logged_in.get(f"/staff/waves/{school}").get_data(as_text=True)
    assert f'href="/staff/waves/{school}/slips"' in page


def test_print_css_is_a4_with_cut_lines_and_hides_the_screen_parts(client):
    css = client.get("/static/slips.css").get_data(as_text=True)
    static = Path(__file__).resolve().parents[1] / "surveys" / "web" / "static"
    assert css == (static / "slips.css").read_text(encoding="utf-8")
    assert "size: A4" in css and "dashed" in css and "break-inside: avoid" in css and "@media print" in css
