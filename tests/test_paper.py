"""Paper answers: the XLSX entry template, reading a filled one, importing it (functions, web, CLI)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io

import openpyxl
import pytest
from flask_babel import force_locale

from surveys.core.log_models import AuditEvent
from surveys.core.models import Invitation, Membership, Organisation, Participant, Response, User, Wave
from surveys.core.text import Text
from surveys.extensions import db
from surveys.participation.responses import save_answers, start_response, submit
from surveys.state import get_state
from surveys.transfer.paper import import_paper
from surveys.transfer.paper_reading import PaperError, read_filled
from surveys.transfer.paper_template import entry_template
from surveys.workspace.campaigns import create_campaign
from tests.conftest import FIXTURES, csrf_token, post_form

PLUGINS = str(FIXTURES / "plugins")
KEYS = ["participant", "wb_calm", "wb_tense", "wb_happy", "school_rating", "worries", "club", "club__other"]
# P1's answers; worries is hidden (wb_tense < 3), so its cell is dropped as online.
P1 = {"wb_calm": 3, "wb_tense": 2, "wb_happy": 4, "school_rating": 7, "club": "other", "club__other": "шахматы"}
P2 = {"wb_calm": 1, "wb_tense": 4, "wb_happy": 1, "worries": "=cmd|' /C calc'!A0", "club": "none"}


@pytest.fixture
def app(make_app):
    return make_app(SURVEYS_PLUGINS_PATH=PLUGINS)


@pytest.fixture
def school(app, staff):
    """The curator's school: mentees P1–P4, mentor M1, teacher T1 (not in the audience), a campaign of
    wellbeing_check; another school with participant X1. Returns ids."""
    with app.app_context():
        organisation = db.session.get(Organisation, staff[2])
        other = Organisation(name="Другая школа")
        db.session.add(other)
        db.session.flush()
        people = [("P1", "mentee"), ("P2", "mentee"), ("P3", "mentee"), ("P4", "mentee")]
        people += [("M1", "mentor"), ("T1", "teacher")]
        for code, role in people:
            db.session.add(Participant(organisation_id=organisation.id, code=code, role=role, tags=[]))
        db.session.add(Participant(organisation_id=other.id, code="X1", role="mentee", tags=[]))
        db.session.commit()
        campaign = create_campaign(organisation, "Мониторинг", ["wellbeing_check"], "Вход")
        theirs = create_campaign(other, "Чужая", ["wellbeing_check"], "Вход")
        return {"campaign": campaign.id, "wave": campaign.waves[0].id, "other_wave": theirs.waves[0].id}


def instrument():
    return get_state().registry.instruments["wellbeing_check"]


def template(app, codes=("P1", "P2", "P3")) -> bytes:
    with app.test_request_context():
        return entry_template(instrument(), get_state().registry, "ru", codes)


def fill(data: bytes, rows: dict[int, dict]) -> bytes:
    """Type values into a template: {sheet row: {answer key: value}}."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book["answers"]
    columns = {cell.value: cell.column for cell in sheet[1]}
    for row, values in rows.items():
        for key, value in values.items():
            cell = sheet.cell(row=row, column=columns[key], value=value)
            if isinstance(value, str) and value.startswith("="):
                cell.data_type = "s"  # typed text, not a formula
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def run_import(app, wave_id: int, data: bytes, mode: str = "all_or_nothing"):
    with app.test_request_context(), force_locale("en"):
        wave = db.session.get(Wave, wave_id)
        rows, problems = read_filled(instrument(), get_state().registry, data)
        return import_paper(wave, instrument(), rows, mode, problems)


def responses(app) -> dict[str, Response]:
    with app.app_context():
        query = db.select(Participant.code, Response).join(Participant, Participant.id == Response.participant_id)
        found = {code: r for code, r in db.session.execute(query)}
        for response in found.values():
            _ = response.scores  # load before the session closes
        return found


def test_template_has_headers_codes_validations_and_metadata(app, school):
    book = openpyxl.load_workbook(io.BytesIO(template(app)))
    assert book.sheetnames == ["answers", "values", "meta"]
    sheet = book["answers"]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == KEYS
    assert rows[1][1] == "Насколько вы согласны? — Я спокоен" and rows[1][4] == "Оцените атмосферу в школе"
    assert [r[0] for r in rows[2:]] == ["P1", "P2", "P3"]
    assert sheet.freeze_panes == "B3"
    rules = {str(dv.sqref).split(":")[0][0]: dv for dv in sheet.data_validations.dataValidation}
    assert rules["B"].type == "list" and rules["B"].formula1.startswith("values!")
    assert rules["E"].type == "list" and rules["G"].type == "list"
    assert rules["F"].type == "textLength" and rules["F"].formula2 == "5000"
    values = list(book["values"].iter_rows(values_only=True))
    calm = next(i for i, r in enumerate(values) if r[0] == "wb_calm")
    assert [r[3] for r in values[calm : calm + 4]] == [1, 2, 3, 4]
    assert values[calm][4] == "Совсем не согласен"
    assert rules["B"].formula1 == f"values!$D${calm + 1}:$D${calm + 4}"
    meta = book["meta"]
    assert meta.sheet_state == "hidden"
    assert {r[0]: r[1] for r in meta.iter_rows(values_only=True)} == {
        "format": "surveys-paper/1",
        "instrument": "wellbeing_check",
        "version": "2",
    }


def test_template_never_writes_formulas(app, school):
    with app.test_request_context():
        original = instrument()
        page = original.pages[0]
        risky = dataclasses.replace(page.questions[1], text=Text('=HYPERLINK("http://evil.example","x")'))
        changed = dataclasses.replace(
            original, pages=(dataclasses.replace(page, questions=(page.questions[0], risky)),)
        )
        data = entry_template(changed, get_state().registry, "ru", ["=1+1", "P1"])
    book = openpyxl.load_workbook(io.BytesIO(data))
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            assert all(cell.data_type != "f" for cell in row), sheet.title
    heading, code = book["answers"]["E2"], book["answers"]["A3"]
    assert heading.value.startswith("=HYPERLINK") and heading.data_type == "s" and heading.quotePrefix
    assert code.value == "=1+1" and code.data_type == "s" and code.quotePrefix


def test_a_good_file_makes_submitted_paper_responses_scored_as_online(app, school):
    data = fill(
        template(app, ["P1", "P2", "P3", "M1"]),
        {3: P1 | {"worries": "dropped: not asked"}, 4: P2, 6: {**P1, "wb_calm": 4, "wb_tense": 3}},
    )
    result = run_import(app, school["wave"], data)
    assert result.problems == []
    assert (result.rows, result.created, result.updated, result.rejected) == (3, 3, 0, 0)
    found = responses(app)
    assert sorted(found) == ["M1", "P1", "P2"]  # P3's row has no answers: skipped
    assert all(r.source == "paper" and r.status == "submitted" and r.submitted_at for r in found.values())
    assert found["P1"].answers == P1
    assert found["P2"].answers["worries"] == P2["worries"] and found["P2"].answers["club__other"] is None
    assert found["P1"].instrument_version == "2"

    with app.test_request_context():  # the same answers as P1's, given online by P4
        p4 = db.session.execute(db.select(Participant).filter_by(code="P4")).scalar_one()
        invitation = Invitation(wave_id=school["wave"], participant_id=p4.id)
        invitation.issue_token()
        db.session.add(invitation)
        db.session.commit()
        online = start_response(invitation, instrument())
        save_answers(online, P1, 1)
        assert submit(online, instrument())
    found = responses(app)
    paper, online = found["P1"].scores[0], found["P4"].scores[0]
    assert (paper.scale, paper.value, paper.raw, paper.band) == (online.scale, online.value, online.raw, online.band)
    assert paper.value == 3 + (5 - 2) + 4 and paper.band == "high"
    assert found["P4"].answers == found["P1"].answers


def bad_file(app) -> bytes:
    return fill(
        template(app, ["P1", "P2", "P3"]),
        {
            3: P1,
            4: {**P2, "wb_calm": 5, "school_rating": "x"},  # B4 and E4: not among the options
            5: {"wb_calm": 2, "wb_tense": 2, "club": "sport"},  # D5: the matrix is required
        },
    )


def test_bad_cells_are_named_and_nothing_is_written_in_all_or_nothing_mode(app, school):
    result = run_import(app, school["wave"], bad_file(app))
    assert [str(p) for p in result.problems] == [
        "answers!B4: Choose one of the options offered. Allowed values: 1, 2, 3, 4.",
        "answers!E4: Choose one of the options offered. Allowed values: 1, 2, 3, 4, 5, 6, 7, 8, 9, 10.",
        "answers!D5: Please answer this question.",
    ]
    assert (result.written, result.rejected) == (0, 2)
    assert responses(app) == {}


def test_valid_rows_mode_writes_the_good_rows(app, school):
    result = run_import(app, school["wave"], bad_file(app), mode="valid_rows")
    assert (result.created, result.rejected, len(result.problems)) == (1, 2, 3)
    assert sorted(responses(app)) == ["P1"]


def test_unknown_ineligible_empty_and_doubled_codes(app, school):
    data = fill(
        template(app, ["NOPE", "T1", "X1", "P1", "P1", "P2"]),
        {row: P1 for row in range(3, 9)} | {9: P1 | {"participant": None}},
    )
    result = run_import(app, school["wave"], data, mode="valid_rows")
    cells = {p.cell: p.message for p in result.problems}
    assert cells["answers!A3"] == "There is no participant with the code NOPE."
    assert cells["answers!A4"] == "The participant T1 does not take this questionnaire in this campaign."
    assert cells["answers!A5"] == "There is no participant with the code X1."  # another school's code
    assert cells["answers!A6"] == cells["answers!A7"] == "The code P1 is in more than one row (rows 6, 7)."
    assert cells["answers!A9"] == "Enter the participant's code."
    assert (result.created, result.rejected) == (1, 6)
    assert sorted(responses(app)) == ["P2"]


def test_reimport_duplicates_nothing_and_updates_changed_rows(app, school):
    data = fill(template(app), {3: P1, 4: P2})
    first = run_import(app, school["wave"], data)
    again = run_import(app, school["wave"], data)
    assert (first.created, again.created, again.updated, again.unchanged) == (2, 0, 0, 2)
    changed = run_import(app, school["wave"], fill(data, {3: {"wb_calm": 1}}))
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 1)
    found = responses(app)
    assert len(found) == 2 and found["P1"].answers["wb_calm"] == 1
    assert found["P1"].scores[0].value == 1 + 3 + 4
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(Response.id))).scalar() == 2


def test_a_response_submitted_online_is_not_overwritten(app, school):
    with app.test_request_context():
        p1 = db.session.execute(db.select(Participant).filter_by(code="P1")).scalar_one()
        invitation = Invitation(wave_id=school["wave"], participant_id=p1.id)
        invitation.issue_token()
        db.session.add(invitation)
        db.session.commit()
        online = start_response(invitation, instrument())
        save_answers(online, P2, 1)
        submit(online, instrument())
    result = run_import(app, school["wave"], fill(template(app), {3: P1, 4: P2}), mode="valid_rows")
    assert [p.cell for p in result.problems] == ["answers!A3"]
    assert "online" in result.problems[0].message
    found = responses(app)
    assert found["P1"].source == "link" and found["P1"].answers["wb_calm"] == P2["wb_calm"]
    assert found["P2"].source == "paper"


def test_columns_and_metadata_are_checked(app, school):
    data = fill(template(app), {3: P1})
    book = openpyxl.load_workbook(io.BytesIO(data))
    book["answers"]["I1"] = "extra"
    out = io.BytesIO()
    book.save(out)
    result = run_import(app, school["wave"], out.getvalue(), mode="valid_rows")
    assert [str(p) for p in result.problems] == ["answers!I1: Unknown column extra."]
    assert result.written == 0 and responses(app) == {}
    book["meta"]["B3"] = "1"
    book.save(out := io.BytesIO())
    with pytest.raises(PaperError):
        run_import(app, school["wave"], out.getvalue())
    with pytest.raises(PaperError):
        run_import(app, school["wave"], b"PK\x03\x04 not really a workbook")


def test_every_question_type_is_read_as_online(make_app):
    app = make_app(SURVEYS_PLUGINS_PATH=str(FIXTURES / "browser_plugins"))
    with app.test_request_context(), force_locale("en"):
        registry = get_state().registry
        every = registry.instruments["every_type"]
        book = openpyxl.load_workbook(io.BytesIO(entry_template(every, registry, "en", ["A", "B"])))
        rules = {str(dv.sqref).split(":")[0][0]: dv for dv in book["answers"].data_validations.dataValidation}
        assert (rules["J"].type, rules["J"].formula1, rules["J"].formula2) == ("whole", "0", "40")
        assert rules["K"].type == "date" and rules["E"].type == "list"
        out = io.BytesIO()
        book.save(out)
        good = {"nickname": "Ваня", "grade": 5, "first_time": 1, "mood_calm": 2, "mood_friends": 4, "lesson_rating": 5}
        good |= {"interests": "sport; music", "hours": 3, "meeting_date": dt.datetime(2025, 10, 3), "wishes": 12}
        bad = {"nickname": "Петя", "grade": 6, "first_time": "да", "mood_calm": 1, "mood_friends": 1}
        bad |= {"lesson_rating": 1, "interests": "sport;chess", "hours": 2.5, "meeting_date": "03.10.2025"}
        rows, problems = read_filled(every, registry, fill(out.getvalue(), {3: good, 4: bad}))
    assert rows[0].answers == {
        "nickname": "Ваня",
        "grade": 5,
        "grade__other": None,
        "first_time": True,
        "mood_calm": 2,
        "mood_friends": 4,
        "lesson_rating": 5,
        "interests": ["sport", "music"],
        "hours": 3,
        "meeting_date": "2025-10-03",
        "wishes": "12",
    }
    assert [(p.cell, p.message) for p in problems] == [
        ("answers!E4", "Choose one of the options offered."),
        ("answers!I4", "Choose one of the options offered. Allowed values: sport, music, code."),
        ("answers!J4", "Not a valid integer value. Enter a number from 0 to 40."),
        ("answers!K4", "Not a valid date value."),
    ]


def upload(client, wave_id: int, data: bytes, filename: str = "filled.xlsx", mode: str = "all_or_nothing"):
    url = f"/staff/waves/{wave_id}/paper"
    fields = {"instrument": "wellbeing_check", "mode": mode, "file": (io.BytesIO(data), filename)}
    return post_form(client, url, fields, content_type="multipart/form-data")


def test_web_template_and_upload(app, logged_in, school):
    client, wave = logged_in, school["wave"]
    page = client.get(f"/staff/waves/{wave}/paper")
    assert page.status_code == 200
    assert f"/staff/waves/{wave}/paper/wellbeing_check.xlsx" in page.get_data(as_text=True)
    assert f"/staff/waves/{wave}/paper" in client.get(f"/staff/waves/{wave}").get_data(as_text=True)
    download = client.get(f"/staff/waves/{wave}/paper/wellbeing_check.xlsx")
    assert download.status_code == 200 and download.mimetype.endswith("spreadsheetml.sheet")
    book = openpyxl.load_workbook(io.BytesIO(download.data))
    assert [r[0] for r in book["answers"].iter_rows(min_row=3, values_only=True)] == ["M1", "P1", "P2", "P3", "P4"]
    assert client.get(f"/staff/waves/{wave}/paper/anxiety.xlsx").status_code == 404

    filled = fill(download.data, {3: P1 | {"wb_calm": 4}, 4: P1})
    done = upload(client, wave, filled)
    assert done.status_code == 200
    assert sorted(responses(app)) == ["M1", "P1"]
    failed = upload(client, wave, fill(download.data, {5: {**P2, "wb_calm": 9}}))
    assert failed.status_code == 200 and "answers!B5" in failed.get_data(as_text=True)
    assert "P2" not in responses(app)
    with app.app_context():
        actions = [e.action for e in db.session.execute(db.select(AuditEvent)).scalars()]
    assert actions.count("paper.template") == 1 and actions.count("paper.import") == 2

    no_token = client.post(f"/staff/waves/{wave}/paper", data={"instrument": "wellbeing_check", "mode": "valid_rows"})
    assert no_token.status_code == 400


def test_web_garbage_uploads_are_form_errors(app, logged_in, school):
    client = logged_in
    client.get("/lang/en")
    broken = upload(client, school["wave"], b"this is not a workbook")
    assert broken.status_code == 200
    assert "could not be read as an XLSX workbook" in broken.get_data(as_text=True)
    wrong_type = upload(client, school["wave"], b"a,b\n1,2\n", filename="filled.csv")
    assert wrong_type.status_code == 200
    assert "Upload an XLSX file" in wrong_type.get_data(as_text=True)
    assert responses(app) == {}


def test_web_other_organisations_and_viewers_are_refused(app, logged_in, staff, school):
    theirs = school["other_wave"]
    assert logged_in.get(f"/staff/waves/{theirs}/paper").status_code == 404
    assert logged_in.get(f"/staff/waves/{theirs}/paper/wellbeing_check.xlsx").status_code == 404
    token = csrf_token(logged_in.get(f"/staff/waves/{school['wave']}/paper").get_data(as_text=True))
    posted = logged_in.post(f"/staff/waves/{theirs}/paper", data={"csrf_token": token, "instrument": "wellbeing_check"})
    assert posted.status_code == 404

    with app.app_context():
        organisation_id = staff[2]
        viewer = User(email="viewer@example.org", name="Завуч")
        viewer.set_password("viewer password")
        db.session.add(viewer)
        db.session.flush()
        db.session.add(Membership(user_id=viewer.id, organisation_id=organisation_id, role="viewer"))
        db.session.commit()
    other_client = app.test_client()
    post_form(other_client, "/login", {"email": "viewer@example.org", "password": "viewer password"})
    assert other_client.get(f"/staff/waves/{school['wave']}/paper").status_code == 403
    assert other_client.get(f"/staff/waves/{school['wave']}/paper/wellbeing_check.xlsx").status_code == 403


def test_cli_import(app, runner, school, tmp_path):
    good, bad = tmp_path / "good.xlsx", tmp_path / "bad.xlsx"
    good.write_bytes(fill(template(app), {3: P1}))
    bad.write_bytes(bad_file(app))
    campaign = str(school["campaign"])
    failed = runner.invoke(args=["responses", "import", campaign, "Вход", str(bad)])
    assert failed.exit_code == 1
    assert "answers!B4: " in failed.output and "answers!D5: Пожалуйста, ответьте на этот вопрос." in failed.output
    assert responses(app) == {}
    partly = runner.invoke(args=["responses", "import", campaign, str(school["wave"]), str(bad), "--valid-rows"])
    assert partly.exit_code == 0 and "answers!E4: " in partly.output
    assert sorted(responses(app)) == ["P1"]
    again = runner.invoke(args=["responses", "import", campaign, "Вход", str(good)])
    assert again.exit_code == 0 and len(responses(app)) == 1
    unknown = runner.invoke(args=["responses", "import", campaign, "Нет такой", str(good)])
    assert unknown.exit_code == 1
    assert unknown.output == f"кампания {campaign}: нет волны с номером или названием «Нет такой»\n"
    with app.app_context():
        events = db.session.execute(db.select(AuditEvent).filter_by(action="paper.import")).scalars().all()
        assert len(events) == 3 and all(e.details["via"] == "cli" for e in events)
