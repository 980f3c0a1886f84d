# ruff: noqa: F811 (the tests' argument "school" is the slips tests' fixture imported below, not a redefinition)
"""Links just made, kept without reissuing: downloaded once as XLSX or CSV, or printed as slips of those links.

The links page posts the fresh tokens back; only live invitations of that wave are kept, anything else is
ignored and counted. Printing new slips from the wave page stays an explicit, confirmed reissue.
"""

from __future__ import annotations

import csv
import io
import re

import openpyxl
import pytest

from surveys.core.log_models import AuditEvent
from surveys.core.models import Campaign, Invitation, Organisation, Participant, Wave, hash_token, new_token, utcnow
from surveys.extensions import db
from surveys.web import ROLE_LABELS
from tests.conftest import csrf_token, post_form
from tests.test_slips import post_slips, printable_codes, read_slips, school, token_of  # noqa: F401

TOKEN = re.compile(r'<input type="hidden" name="token" value="([^"]+)">')
LINK = re.compile(r'<a class="link-url" href="([^"]+)">')


def make_links(client, wave_id: int) -> tuple[str, list[str], list[str]]:
    """Create links for everyone without one; the links page, its hidden tokens and its shown links."""
    page = post_form(client, f"/staff/waves/{wave_id}/links", {"scope": "missing"}, page_url=f"/staff/waves/{wave_id}")
    html = page.get_data(as_text=True)
    return html, TOKEN.findall(html), LINK.findall(html)


def post_made(client, wave_id: int, what: str, tokens: list[str], html: str):
    """Press one of the links page's buttons: ``xlsx``, ``csv`` or ``slips``."""
    url = f"/staff/waves/{wave_id}/made-links" + ("/slips" if what == "slips" else f".{what}")
    return client.post(url, data={"csrf_token": csrf_token(html), "token": tokens})


def xlsx_rows(body: bytes) -> list[list]:
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def csv_rows(body: bytes) -> list[list[str]]:
    assert body.startswith(b"\xef\xbb\xbf")  # a byte order mark: Excel reads Cyrillic right
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline=""), delimiter=";"))


def role_label(app, role: str) -> str:
    with app.test_request_context():
        return str(ROLE_LABELS[role])


def live_count(app) -> int:
    with app.app_context():
        query = db.select(db.func.count(Invitation.id)).where(Invitation.revoked_at.is_(None))
        return db.session.execute(query).scalar_one()


def invited_codes(app, wave_id: int) -> list[str]:
    """The codes of the people with a live link in the wave, read from the database."""
    with app.app_context():
        query = db.select(Participant.code).join(Invitation).filter_by(wave_id=wave_id, revoked_at=None)
        return sorted(db.session.execute(query).scalars())


def path_of(url: str) -> str:
    return url.removeprefix("http://localhost")


def test_links_page_offers_downloads_and_slips_of_the_links_it_shows(logged_in, school):
    html, tokens, links = make_links(logged_in, school)
    assert [token_of(link) for link in links] == tokens and tokens
    for action in ("made-links.xlsx", "made-links.csv", "made-links/slips"):
        assert f'formaction="/staff/waves/{school}/{action}"' in html


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_download_holds_those_people_and_their_links_open(app, logged_in, school, fmt):
    html, tokens, links = make_links(logged_in, school)
    response = post_made(logged_in, school, fmt, tokens, html)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Disposition"].endswith(f'.{fmt}"')
    rows = xlsx_rows(response.data) if fmt == "xlsx" else csv_rows(response.data)
    header, body = rows[0], rows[1:]
    assert len(header) == 4 and "Код" in header  # Russian by default
    with app.app_context():
        people = {p.code: p for p in db.session.execute(db.select(Participant)).scalars()}
    assert sorted(row[0] for row in body) == invited_codes(app, school)
    assert sorted(row[3] for row in body) == sorted(links)
    participant = app.test_client()
    for code, group, role, link in body:
        assert group == people[code].group_name and role == role_label(app, people[code].role)
        assert participant.get(path_of(link)).status_code == 200
    assert live_count(app) == len(tokens)  # nothing was reissued
    with app.app_context():
        event = db.session.execute(db.select(AuditEvent).filter_by(action=f"export.links_{fmt}")).scalar_one()
        assert event.target == f"wave:{school}" and event.details == {"count": len(body), "ignored": 0}
        assert not any(token in str(event.details) for token in tokens)


def test_forged_revoked_and_other_waves_tokens_are_ignored_and_counted(app, logged_in, school):
    with app.app_context():
        wave = db.session.get(Wave, school)
        other = Wave(kind="output", name="Выход", position=1, campaign_id=wave.campaign_id)
        db.session.add(other)
        db.session.commit()
        other_id = other.id
    html, tokens, links = make_links(logged_in, school)
    _other_html, other_tokens, _ = make_links(logged_in, other_id)
    revoked = tokens[0]
    with app.app_context():
        invitation = db.session.execute(db.select(Invitation).filter_by(token_hash=hash_token(revoked))).scalar_one()
        invitation.revoked_at = utcnow()
        db.session.commit()
    sent = [*tokens, new_token(), other_tokens[0], "x" * 500]
    response = post_made(logged_in, school, "xlsx", sent, html)
    kept = [row[3] for row in xlsx_rows(response.data)[1:]]
    assert sorted(kept) == sorted(link for link in links if token_of(link) != revoked)
    with logged_in.session_transaction() as session:
        [(category, message)] = session["_flashes"]
    assert category == "error" and re.search(r"\b4\b", message)  # the revoked, forged, other wave's, too long
    with app.app_context():
        event = db.session.execute(db.select(AuditEvent).filter_by(action="export.links_xlsx")).scalar_one()
        assert event.details == {"count": len(kept), "ignored": 4}
    other_only = post_made(logged_in, school, "csv", other_tokens, html)
    assert other_only.status_code == 302  # none is a link of this wave: no file at all
    with app.app_context():
        assert db.session.execute(db.select(AuditEvent).filter_by(action="export.links_csv")).first() is None


def test_slips_of_the_made_links_print_those_links_and_issue_nothing(app, logged_in, school):
    html, tokens, links = make_links(logged_in, school)
    assert post_made(logged_in, school, "xlsx", tokens, html).status_code == 200
    response = post_made(logged_in, school, "slips", tokens, html)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    slips = read_slips(response.get_data(as_text=True))
    assert sorted(s["url"] for s in slips) == sorted(links)
    assert sorted(s["code"] for s in slips) == invited_codes(app, school)
    assert live_count(app) == len(tokens)
    participant = app.test_client()
    for link in links:  # still the working links after downloading and printing
        assert participant.get(path_of(link)).status_code == 200
    with app.app_context():
        event = db.session.execute(db.select(AuditEvent).filter_by(action="slips.print")).scalar_one()
        assert event.details["reissue"] is False and event.details["count"] == len(slips)


def test_printing_new_slips_for_all_needs_a_tick_and_only_then_stops_the_made_links(app, logged_in, school):
    html, _tokens, links = make_links(logged_in, school)
    link_of = dict(re.findall(r'<tr><td>([^<]+)</td><td><a class="link-url" href="([^"]+)">', html))
    unticked = post_slips(logged_in, school, participants="all", confirm_reissue="")
    page = unticked.get_data(as_text=True)
    assert unticked.status_code == 200 and read_slips(page) == [] and 'aria-invalid="true"' in page
    participant = app.test_client()
    assert all(participant.get(path_of(link)).status_code == 200 for link in links)
    ticked = read_slips(post_slips(logged_in, school, participants="all").get_data(as_text=True))
    assert {s["code"] for s in ticked} == printable_codes(app)
    assert all(participant.get(path_of(link_of[s["code"]])).status_code == 404 for s in ticked)


def test_formula_like_groups_stay_text_in_both_files(app, logged_in, school):
    risky = '=HYPERLINK("http://evil.example","click")'
    with app.app_context():
        db.session.execute(db.update(Participant).filter_by(group_name="8Б").values(group_name=risky))
        db.session.commit()
    html, tokens, _links = make_links(logged_in, school)
    workbook = openpyxl.load_workbook(io.BytesIO(post_made(logged_in, school, "xlsx", tokens, html).data))
    cells = [row[1] for row in workbook.active.iter_rows(min_row=2)]
    risky_cells = [cell for cell in cells if cell.value == risky]
    assert risky_cells and all(cell.data_type == "s" and cell.quotePrefix for cell in risky_cells)
    groups = [row[1] for row in csv_rows(post_made(logged_in, school, "csv", tokens, html).data)[1:]]
    assert "'" + risky in groups and risky not in groups


def test_another_organisations_wave_and_a_post_without_csrf_are_refused(app, logged_in, school):
    html, tokens, _links = make_links(logged_in, school)
    with app.app_context():
        other = Organisation(name="Лицей № 2")
        db.session.add(other)
        db.session.flush()
        campaign = Campaign(organisation_id=other.id, name="Чужая")
        campaign.waves.append(Wave(kind="input", name="Вход", position=0))
        db.session.add(campaign)
        db.session.commit()
        foreign = campaign.waves[0].id
    assert post_made(logged_in, foreign, "xlsx", tokens, html).status_code == 404
    assert logged_in.post(f"/staff/waves/{school}/made-links.xlsx", data={"token": tokens}).status_code == 400
    assert post_made(logged_in, school, "pdf", tokens, html).status_code == 404
