"""Uploading a questionnaire on the web page: checked like the command line, stored per
organisation and version, usable in campaigns, and a new version never touches collected answers."""

from __future__ import annotations

import io
import re

import openpyxl

from surveys.core.instrument_models import UploadedInstrument
from surveys.core.log_models import AuditEvent
from surveys.core.models import Membership, Organisation, Participant, Response, Score
from surveys.extensions import db
from surveys.instruments.catalogues import catalogue
from surveys.participation.links import generate_links
from surveys.workspace.campaigns import create_campaign
from tests.conftest import csrf_token, post_form, set_role
from tests.export_support import keyed_rows

PAGE = "/staff/instruments/upload"


def climate(version: str = "1", bands: str = "4-8,8-12,12-16", reverse: str = "[cc_mock]") -> str:
    """A small uploaded questionnaire: four 1–4 items, one reverse-keyed, summed, with bands."""
    low, middle, high = (b.split("-") for b in bands.split(","))
    return f"""id: class_climate
version: "{version}"
title: {{ru: Климат в классе, en: Class climate}}
audience: [mentee]
choices:
  agree4:
    - {{value: 1, label: Нет}}
    - {{value: 2, label: Скорее нет}}
    - {{value: 3, label: Скорее да}}
    - {{value: 4, label: Да}}
pages:
  - id: climate
    questions:
      - id: climate_items
        type: matrix
        text: Согласны ли вы?
        choices: agree4
        required: true
        items:
          - {{id: cc_safe, text: В классе спокойно}}
          - {{id: cc_help, text: Помогают друг другу}}
          - {{id: cc_mock, text: Над ошибками смеются}}
          - {{id: cc_voice, text: Моё мнение слушают}}
scales:
  - id: climate
    title: Климат
    items: [cc_safe, cc_help, cc_mock, cc_voice]
    reverse: {reverse}
    bands:
      - {{id: low, min: {low[0]}, max: {low[1]}, label: Неблагоприятный}}
      - {{id: middle, min: {middle[0]}, max: {middle[1]}, label: Смешанный}}
      - {{id: high, min: {high[0]}, max: {high[1]}, label: Благоприятный}}
"""


def upload(client, text: str | bytes, name: str = "class_climate.yaml"):
    data = text.encode() if isinstance(text, str) else text
    return post_form(client, PAGE, {"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def psychologist(app, client, staff):
    email, password, _organisation = staff
    set_role(app, email, "psychologist")
    assert post_form(client, "/login", {"email": email, "password": password}).status_code == 302
    return client


def test_an_upload_is_stored_listed_audited_and_offered_to_campaigns(app, client, staff):
    psychologist(app, client, staff)
    assert client.get("/staff/instruments").get_data(as_text=True).count(PAGE) == 1
    done = upload(client, climate())
    assert done.status_code == 302 and done.headers["Location"].endswith("/staff/instruments")
    page = client.get("/staff/instruments").get_data(as_text=True)
    assert "Климат в классе" in page and "class_climate.yaml" in page
    set_role(app, staff[0], "curator")  # curators make campaigns
    choices = client.get("/staff/campaigns/new").get_data(as_text=True)
    assert 'value="class_climate"' in choices
    with app.app_context():
        row = db.session.execute(db.select(UploadedInstrument)).scalar_one()
        assert (row.instrument_id, row.version, row.organisation_id) == ("class_climate", "1", staff[2])
        event = db.session.execute(db.select(AuditEvent).filter_by(action="instrument.upload")).scalar_one()
        assert event.target == "instrument:class_climate" and event.details == {"version": "1"}


def test_a_bad_file_gets_the_command_lines_messages_and_nothing_is_stored(app, client, staff, tmp_path):
    psychologist(app, client, staff)
    broken = climate().replace("reverse: [cc_mock]", "reverse: [cc_nothing]").replace("type: matrix", "type: matrx")
    refused = upload(client, broken)
    assert refused.status_code == 422
    shown = re.findall(r"<li><code>(.*?)</code></li>", refused.get_data(as_text=True))
    (tmp_path / "class_climate.yaml").write_text(broken, encoding="utf-8")
    cli = app.test_cli_runner().invoke(args=["instrument", "check", str(tmp_path / "class_climate.yaml")])
    expected = [line.replace(str(tmp_path) + "/", "") for line in cli.output.splitlines() if line]
    assert cli.exit_code == 1 and len(expected) >= 1
    assert [s.replace("&#39;", "'").replace("&#34;", '"') for s in shown] == expected
    with app.app_context():
        assert db.session.execute(db.select(UploadedInstrument)).first() is None


def test_other_refusals_name_the_file_and_the_reason(app, client, staff):
    psychologist(app, client, staff)
    cases = [
        (climate().replace("class_climate", "gad7"), "class_climate.yaml", "принадлежит плагину «anxiety_scale»"),
        (
            "id: x\n".encode("cp1251") + "title: Тест\n".encode("cp1251"),
            "x.yaml",
            "x.yaml:2: файл не является текстом в кодировке UTF-8",
        ),
        (climate(), "climate.txt", "должно оканчиваться на .yaml, .yml или .json"),
        (b"PK\x03\x04", "start.xlsx", "start.xlsx:1: похоже, это XLSForm (ODK, KoboToolbox): сначала преобразуйте"),
        ("", "empty.yaml", "empty.yaml:1:"),
    ]
    for text, name, message in cases:
        refused = upload(client, text, name)
        assert refused.status_code == 422 and message in refused.get_data(as_text=True).replace("&#39;", "'"), name
    assert upload(client, climate()).status_code == 302
    again = upload(client, climate())
    assert again.status_code == 422
    assert "версия 1 анкеты «class_climate» уже загружена" in again.get_data(as_text=True)
    missing = post_form(client, PAGE, {}, content_type="multipart/form-data")
    assert missing.status_code == 200 and "Выберите файл" in missing.get_data(as_text=True)


def test_only_psychologists_and_admins_upload_and_forms_need_csrf(app, client, staff):
    email, password, _ = staff
    assert post_form(client, "/login", {"email": email, "password": password}).status_code == 302
    for role in ("curator", "viewer"):
        set_role(app, email, role)
        assert client.get(PAGE).status_code == 403
        assert PAGE not in client.get("/staff/instruments").get_data(as_text=True)
    set_role(app, email, "admin")
    no_token = client.post(PAGE, data={"file": (io.BytesIO(climate().encode()), "c.yaml")})
    assert no_token.status_code == 400
    with app.app_context():
        assert db.session.execute(db.select(UploadedInstrument)).first() is None


def another_organisation(app) -> int:
    """A second organisation, where the (only) staff member is a psychologist too; returns its id."""
    with app.app_context():
        other = Organisation(name="Школа № 8")
        db.session.add(other)
        db.session.commit()
        user = db.session.execute(db.select(Membership)).scalar_one()
        db.session.add(Membership(user_id=user.user_id, organisation_id=other.id, role="psychologist"))
        db.session.commit()
        return other.id


def test_another_organisation_never_sees_the_upload(app, client, staff):
    psychologist(app, client, staff)
    assert upload(client, climate()).status_code == 302
    other_id = another_organisation(app)
    with app.test_request_context():
        assert "class_climate" in catalogue(staff[2]) and "class_climate" not in catalogue(other_id)
    # The same person, working in the other organisation, does not get it offered either.
    switched = post_form(client, "/staff/organisation", {"organisation": other_id}, page_url="/staff/instruments")
    assert switched.status_code in (302, 303)
    set_role(app, staff[0], "curator")
    assert 'value="class_climate"' not in client.get("/staff/campaigns/new").get_data(as_text=True)
    assert "Климат в классе" not in client.get("/staff/instruments").get_data(as_text=True)


def answer(client, link: str, values: dict[str, int]):
    assert client.post(f"{link}/consent", data={"decision": "agree"}).status_code == 302
    page = client.get(link).get_data(as_text=True)
    form = {"instrument": "class_climate", "page": "climate", "action": "submit", **values}
    if 'name="csrf_token"' in page:
        form["csrf_token"] = csrf_token(page)
    return client.post(link, data=form)


def test_a_new_version_never_changes_what_was_collected(app, client, staff):
    psychologist(app, client, staff)
    assert upload(client, climate("1")).status_code == 302
    with app.app_context():
        organisation = db.session.get(Organisation, staff[2])
        people = [Participant(organisation_id=organisation.id, code=f"P{n}", role="mentee") for n in range(3)]
        db.session.add_all(people)
        db.session.commit()
        campaign = create_campaign(organisation, "Климат", ["class_climate"], "Вход")
        links = {p.code: f"/s/{token}" for p, token in generate_links(campaign.waves[0])}
        campaign_id = campaign.id
    answers = {"cc_safe": 4, "cc_help": 3, "cc_mock": 2, "cc_voice": 3}
    # P0 submits under version 1: 4 + 3 + (1 + 4 − 2) + 3 = 13, band «high» (12–16).
    assert answer(app.test_client(), links["P0"], answers).status_code == 302
    # P1 starts under version 1 and has not submitted when version 2 arrives.
    started = app.test_client()
    assert started.post(f"{links['P1']}/consent", data={"decision": "agree"}).status_code == 302
    assert started.get(links["P1"]).status_code == 200
    # Version 2: cc_mock is no longer reverse-keyed, and the bands move.
    assert upload(client, climate("2", bands="4-10,10-13,13-16", reverse="[]")).status_code == 302
    assert answer(started, links["P1"], answers).status_code == 302
    assert answer(app.test_client(), links["P2"], answers).status_code == 302
    with app.app_context():
        rows = {
            db.session.get(Participant, r.participant_id).code: (r.instrument_version, r.status, r.answers)
            for r in db.session.scalars(db.select(Response))
        }
        scores = {
            db.session.get(Participant, db.session.get(Response, s.response_id).participant_id).code: (s.value, s.band)
            for s in db.session.scalars(db.select(Score))
        }
    assert rows["P0"] == ("1", "submitted", answers) and scores["P0"] == (13.0, "high")  # untouched
    assert rows["P1"][0] == "1" and scores["P1"] == (13.0, "high")  # finished on the version it started with
    # P2 started under version 2: 4 + 3 + 2 + 3 = 12, band «middle» (10–13).
    assert rows["P2"][0] == "2" and scores["P2"] == (12.0, "middle")
    # The curator's workbook has the uploaded questionnaire's scores and codebook.
    set_role(app, staff[0], "psychologist")
    workbook = client.get(f"/staff/campaigns/{campaign_id}/export.xlsx?individual=1")
    assert workbook.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(workbook.data))
    codebook = [r for r in keyed_rows(app, book, "codebook") if r["instrument_id"] == "class_climate"]
    assert any(r["id"] == "cc_mock" for r in codebook)
    exported = {
        row["participant"]: (row["value"], row["band_id"], row["scoring_version"])
        for row in keyed_rows(app, book, "scores")
        if row["instrument_id"] == "class_climate"
    }
    assert {code: (value, band) for code, (value, band, _v) in exported.items()} == scores
    assert exported["P0"][2].startswith("1") and exported["P2"][2].startswith("2")
