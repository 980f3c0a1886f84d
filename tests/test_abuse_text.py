"""Hostile text, end to end through the test client: script, markup, ``javascript:``, template and
formula payloads typed into every free-text field staff and participants can fill, then every staff
page of the organisation, the participants' pages and the exports. Nothing may run: pages escape
the text, templates never evaluate it, spreadsheets never take it for a formula."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import zipfile
from html.parser import HTMLParser
from urllib.parse import urlencode

import openpyxl
import pytest
from flask import url_for
from markupsafe import escape

from plugins.swot.models import SwotDocument
from surveys.core.export_models import ExportJob
from surveys.core.models import Campaign, Organisation, Pair, Participant, Programme, Response, User
from surveys.core.report_models import Indicator, IndicatorValue
from surveys.exports.files import write_export
from surveys.exports.plan import ExportRequest
from surveys.extensions import db
from tests.conftest import FIXTURES, post_form

PLUGINS = os.pathsep.join(str(FIXTURES / name) for name in ("plugins", "swot"))
ATTACK = '<script>alert(1)</script>"><img src=x onerror=alert(1)>javascript:alert(1)xss{{7*7}}xss'
SHORT = "=<img src=x onerror=alert(1)>"  # for fields of at most 40 characters
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
LINKS = re.compile(r"/s/([0-9a-z]{26})")
NOT_PAGES = {"dashboard.report_pdf", "swot.stylesheet"}  # the PDF is the report page, printed by WeasyPrint


def hostile(label: str) -> str:
    """A value for one field: a formula, then every payload; the label tells where it was typed."""
    return f"={label}{ATTACK}"


class Elements(HTMLParser):
    """What a browser would run: event-handler attributes, ``javascript:`` addresses, scripts' text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.script = False

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…>")
            if name in ("href", "src", "action", "formaction") and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.problems.append(f"<{tag} {name}={value}>")
        self.script = tag == "script"

    def handle_endtag(self, tag):
        self.script = False

    def handle_data(self, data):
        if self.script and "alert" in data:
            self.problems.append("<script> with the payload")


def assert_inert(html: str, where: str) -> None:
    assert "<script>alert(1)" not in html and "<img src=x" not in html, where
    assert "xss49xss" not in html, f"{where}: a template evaluated typed text"
    parser = Elements()
    parser.feed(html)
    assert parser.problems == [], where


@pytest.fixture
def app(make_app):
    return make_app(SURVEYS_PLUGINS_PATH=PLUGINS, SURVEYS_EXPORT_QUEUE="inline")


def one(app, model, **where):
    with app.app_context():
        return db.session.execute(db.select(model).filter_by(**where).order_by(model.id.desc())).scalars().first()


def fill_everything(app, client) -> dict[str, object]:
    """Type the payloads into every free-text field, as a deployment admin and as participants."""
    ok = (200, 302)
    assert post_form(client, "/staff/organisations", {"name": hostile("organisation")}).status_code == 302
    organisation = one(app, Organisation, name=hostile("organisation")).id
    assert post_form(client, "/staff/organisation", {"organisation": organisation}, "/staff/").status_code == 302
    assert post_form(client, "/staff/programmes", {"name": hostile("programme"), "seed": ""}).status_code == 302
    programme = one(app, Programme, organisation_id=organisation).id
    page = f"/staff/programmes/{programme}"
    forms = f"{hostile('form')}\n  {hostile('variant')}\n-1+2\n  @SUM(A1)"
    assert post_form(client, f"{page}/forms", {"forms": forms}, page).status_code == 302
    people = {}
    for code, role in (("-1", "mentee"), ("E2", "mentee"), ("E3", "mentee"), ("E4", "mentee"), ("M1", "mentor")):
        data = {"code": code, "role": role, "form": hostile("form"), "group": hostile("group"), "programme": programme}
        data |= {"tags": f"{hostile('tag')}, javascript:alert(1)", "full_name": hostile("name")}
        assert post_form(client, "/staff/participants", data).status_code == 302
        people[code] = one(app, Participant, organisation_id=organisation, code=code).id
    pair = {"mentor": people["M1"], "mentees": [people["E2"]], "form": hostile("form"), "variant": hostile("variant")}
    assert post_form(client, f"{page}/pairs", pair, page).status_code == 302
    campaign_form = {"name": hostile("campaign"), "instruments": "swot_quality", "wave_name": hostile("wave")}
    assert post_form(client, "/staff/campaigns/new", campaign_form | {"programme": programme}).status_code == 302
    campaign = one(app, Campaign, organisation_id=organisation).id
    home = f"/staff/campaigns/{campaign}"
    second = {"kind": "output", "name": hostile("second wave")}
    assert post_form(client, f"{home}/waves", second, home).status_code == 302
    texts = {key: hostile(f"consent {key}") for key in ("purpose", "access", "rights", "data")}
    assert post_form(client, f"{home}/consent", {"mode": "self", **texts}).status_code == 302
    with app.app_context():
        first, output = (w.id for w in sorted(db.session.get(Campaign, campaign).waves, key=lambda w: w.position))
    indicators = f"{page}/indicators"
    indicator = {"add-name": hostile("indicator"), "add-unit": SHORT, "add-target": "5", "add-higher_is_better": "yes"}
    assert post_form(client, indicators, indicator).status_code == 302
    indicator_id = one(app, Indicator, programme_id=programme).id
    value = {
        f"v{indicator_id}-{key}": text
        for key, text in (("period", "2025-09"), ("value", "3"), ("note", hostile("note")))
    }
    assert post_form(client, f"/staff/indicators/{indicator_id}/values", value, indicators).status_code == 302
    with app.app_context():
        assert db.session.execute(db.select(IndicatorValue.note)).scalar_one() == hostile("note")
    conclusions = {"text": f"{hostile('conclusion')}\n- {hostile('conclusion item')}"}
    assert post_form(client, f"{page}/report/conclusions", conclusions, f"{page}/report").status_code == 302
    invited = post_form(client, "/staff/members", {"email": "xss@example.org", "role": "viewer"})
    join = re.search(r"/join/[0-9a-z]{26}", invited.get_data(as_text=True)).group(0)
    member = {"name": hostile("member"), "password": "p" * 12, "confirm": "p" * 12}
    assert post_form(app.test_client(), join, member).status_code == 302  # the person names themselves
    wave_page = f"/staff/waves/{first}"
    issued = post_form(client, f"{wave_page}/links", {"scope": "all"}, wave_page).get_data(as_text=True)
    tokens = sorted(set(LINKS.findall(issued)))
    assert len(tokens) == len(people)
    open_page = post_form(client, f"{wave_page}/open-links", {"role": "mentee"}, wave_page).get_data(as_text=True)
    for token in tokens:  # every participant writes the payloads into the open questions
        pupil, link = app.test_client(), f"/s/{token}"
        assert pupil.post(f"{link}/consent", data={"decision": "agree"}).status_code == 302
        ratings = {"page": "ratings", "q_time": 8, "q_place": 8, "q_support": 3, "q_goals": 6}
        closed = {"page": "closed", "q_frequency": "weekly", "q_helped": "meetings"}
        open_ = {"page": "open", "action": "submit"} | {q: hostile(q) for q in ("q_valuable", "q_missing", "q_develop")}
        for data in (
            ratings | {"action": "next"},
            closed | {"action": "next"},
            open_ | {"q_risks": hostile("q_risks")},
        ):
            assert pupil.post(link, data={"instrument": "swot_quality", **data}).status_code in ok
        assert_inert(pupil.get(link).get_data(as_text=True), link)
    with app.app_context():
        submitted = db.session.execute(db.select(Response).filter_by(status="submitted")).scalars().all()
        assert len(submitted) == len(people) and submitted[0].answers["q_valuable"] == hostile("q_valuable")
    workspace = f"/plugins/swot/campaigns/{campaign}?wave={first}"
    made = post_form(client, f"/plugins/swot/campaigns/{campaign}/draft", {"wave": first, "form": ""}, workspace)
    assert made.status_code == 302
    draft = one(app, SwotDocument, campaign_id=campaign, status="draft").id
    swot = {q: f"{hostile('swot ' + q)}\n{hostile('second ' + q)}" for q in "SWOT"} | {
        "conclusion": hostile("swot conclusion")
    }
    assert post_form(client, f"/plugins/swot/documents/{draft}/approve", swot, workspace).status_code == 302
    export = {"fmt": "xlsx", "individual": "y", "delimiter": ";"}
    assert post_form(client, f"{home}/export", export).status_code == 302
    return {
        "organisation": organisation,
        "programme_id": programme,
        "pair_id": one(app, Pair, programme_id=programme).id,
        "participant_id": one(app, Pair, programme_id=programme).mentor_id,  # whose code is hostile text
        "campaign_id": campaign,
        "wave_id": output,
        "first_wave": first,
        "document_id": one(app, SwotDocument, campaign_id=campaign, status="approved").id,
        "draft": draft,
        "indicator_id": indicator_id,
        "job_id": one(app, ExportJob, campaign_id=campaign).id,
        "instrument_id": "swot_quality",
        "pages": {"links": issued, "open link": open_page},
    }


def test_typed_payloads_never_run_on_any_page(app, client, staff):
    email, password, _organisation = staff
    with app.app_context():
        db.session.execute(db.update(User).filter_by(email=email).values(is_admin=True))
        db.session.commit()
    assert post_form(client, "/login", {"email": email, "password": password}).status_code == 302
    ids = fill_everything(app, client)
    pages = dict(ids.pop("pages"))
    wave, first = ids["wave_id"], ids.pop("first_wave")
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if (
                rule.rule.startswith(("/staff/", "/plugins/"))
                and "GET" in rule.methods
                and rule.endpoint not in NOT_PAGES
            ):
                pages[rule.rule] = url_for(rule.endpoint, **{name: ids[name] for name in rule.arguments})
        pages["first wave"] = url_for("participation.wave", wave_id=first)
        pages["draft"] = url_for("swot.campaign", campaign_id=ids["campaign_id"], wave=first, form="")
    pages["swot of a form"] = f"/plugins/swot/campaigns/{ids['campaign_id']}?{urlencode({'form': hostile('form')})}"
    pages["dashboard"] = f"/staff/dashboard?programme={ids['programme_id']}"
    pages["audit filter"] = f"/staff/audit?{urlencode({'action': hostile('action')})}"
    pages["municipal"] = f"/staff/municipal?{urlencode({'cycle': hostile('programme')})}"
    pages["sign-in"] = f"/login?{urlencode({'next': hostile('next')})}"
    seen = []
    for name, url in pages.items():
        if not url.startswith("/"):
            seen.append(url)
            continue
        response = client.get(url)
        expected = 404 if name == "/staff/instruments/<instrument_id>/texts" else 200  # it ships its texts
        assert response.status_code == expected, (name, url, response.status_code)
        if response.mimetype == "text/html":
            seen.append(response.get_data(as_text=True))
        response.close()  # a streamed download keeps its app context until it is closed
    slips = {"group": "all", "participants": "new", "show": ["code", "group", "name"], "heading": hostile("heading")}
    seen.append(post_form(client, f"/staff/waves/{wave}/slips", slips).get_data(as_text=True))
    open_link = re.search(r"/o/([0-9a-z]{26})", pages["open link"]).group(0)
    seen.append(app.test_client().get(open_link).get_data(as_text=True))  # the consent page's texts
    for number, html in enumerate(seen):
        assert_inert(html, f"page {number}")
    everything = "\n".join(seen)
    labels = ["organisation", "programme", "form", "variant", "group", "tag", "name", "campaign", "wave"]
    labels += ["second wave", "consent purpose", "indicator", "conclusion", "conclusion item", "member"]
    labels += ["q_valuable", "q_risks", "swot S", "second T", "swot conclusion", "heading"]  # notes are not shown
    missing = [label for label in labels if str(escape(hostile(label))) not in everything]
    assert missing == [], "these fields never reached a page, so the test proves nothing for them"
    assert escape(SHORT) in everything and "javascript:alert(1)" in everything
    language = client.get(f"/lang/en?{urlencode({'next': hostile('next')})}")  # no way out of the site either
    assert language.status_code == 302 and language.headers["Location"] == "/staff/"
    check_exports(app, client, ids)


def formula_like(text) -> bool:
    return isinstance(text, str) and text.startswith(FORMULA_START)


def check_exports(app, client, ids) -> None:
    campaign = ids["campaign_id"]
    response = client.get(f"/staff/campaigns/{campaign}/export.xlsx?individual=1")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    risky = [cell for sheet in book for row in sheet.iter_rows() for cell in row if formula_like(cell.value)]
    assert not [cell.coordinate for sheet in book for row in sheet.iter_rows() for cell in row if cell.data_type == "f"]
    assert risky and all(cell.data_type == "s" and cell.quotePrefix for cell in risky)
    texts = {cell.value for cell in risky}
    for expected in ("campaign", "q_valuable", "q_risks", "swot S", "swot conclusion", "form", "group"):
        assert hostile(expected) in texts, f"{expected} is not in the workbook"
    assert "-1" in texts  # a participant code
    with app.test_request_context():
        found = db.session.get(Campaign, campaign)
        folder = app.instance_path
        write_export(found, ExportRequest(individual=True), "csv", f"{folder}/hostile.zip", delimiter=";")
        write_export(found, ExportRequest(individual=True), "json", f"{folder}/hostile.json")
    cells = []
    with zipfile.ZipFile(f"{folder}/hostile.zip") as archive:
        for member in archive.namelist():
            text = archive.read(member).decode("utf-8-sig")
            cells += [cell for row in csv.reader(io.StringIO(text, newline=""), delimiter=";") for cell in row]
    unsafe = [cell for cell in cells if formula_like(cell) and not re.fullmatch(r"-\d+(,\d+)?", cell)]
    assert unsafe == [], "CSV text that a spreadsheet would run (negative numbers aside)"
    assert "'" + hostile("q_valuable") in cells and "'" + hostile("swot W") in cells and "'-1" in cells
    with open(f"{folder}/hostile.json", encoding="utf-8") as handle:
        dumped = json.dumps(json.load(handle), ensure_ascii=False)
    assert json.dumps(hostile("q_valuable"), ensure_ascii=False) in dumped  # JSON keeps text as it was
    assert json.dumps("'" + hostile("q_valuable"), ensure_ascii=False) not in dumped
