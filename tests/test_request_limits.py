"""Limits on every request: the size of a body (refused before it is read) and the rows of every import
(stopped at the limit, with one message naming it; the problems shown on a page are capped)."""

from __future__ import annotations

import io
import socket
import time
import zipfile

import openpyxl
import pytest

from surveys.config import DEFAULTS
from surveys.core.models import Organisation, Participant
from surveys.core.report_models import Indicator
from surveys.extensions import db
from surveys.factory import PROBLEMS_SHOWN
from surveys.instruments.xlsform_reader import MAX_ROWS as XLSFORM_ROWS
from surveys.instruments.xlsform_reader import read_workbook
from surveys.instruments.xlsform_results import Refused
from surveys.reporting.indicators import MAX_ROWS as INDICATOR_ROWS
from surveys.workspace.programmes import create_programme
from tests.api_support import PLUGINS
from tests.conftest import csrf_token, post_form

HUGE_BODY = 200 * 1024 * 1024


class CountingBody:
    """A request body of ``size`` bytes made on demand, counting how much of it the server read."""

    def __init__(self, size: int):
        self.size, self.read_bytes = size, 0

    def read(self, n: int = -1) -> bytes:
        left = self.size - self.read_bytes
        n = left if n is None or n < 0 else min(n, left)
        n = min(n, 1 << 20)
        self.read_bytes += n
        return b"x" * n

    def readline(self, n: int = -1) -> bytes:
        return self.read(n if n and n > 0 else 65536)


def _post_huge(client, url: str, content_type: str, **headers):
    body = CountingBody(HUGE_BODY)
    environ = {"wsgi.input": body, "CONTENT_LENGTH": str(HUGE_BODY), "CONTENT_TYPE": content_type}
    response = client.post(url, environ_overrides=environ, headers=headers)
    return response, body.read_bytes


def test_the_default_request_limit_holds_the_largest_legitimate_request(app):
    assert DEFAULTS["SURVEYS_MAX_REQUEST_BYTES"] == app.config["MAX_CONTENT_LENGTH"] == 16 * 1024 * 1024
    assert app.config["MAX_CONTENT_LENGTH"] > app.config["SURVEYS_API_MAX_BODY"]  # an API batch still fits


@pytest.mark.parametrize(
    "url, content_type",
    [
        ("/login", "application/x-www-form-urlencoded"),
        ("/login", "multipart/form-data; boundary=xyz"),
        ("/s/some-link-token", "application/x-www-form-urlencoded"),
        ("/staff/programmes/1/import", "multipart/form-data; boundary=xyz"),
    ],
)
def test_an_anonymous_200_mb_post_gets_the_russian_413_page_without_being_read(client, url, content_type):
    response, read = _post_huge(client, url, content_type)
    assert response.status_code == 413
    assert read == 0, f"{read} bytes of the body were read"
    page = response.get_data(as_text=True)
    assert response.mimetype == "text/html" and '<html lang="ru"' in page
    assert "больше 16 МБ" in page


def test_a_200_mb_post_to_the_api_gets_a_json_413_without_being_read(client):
    response, read = _post_huge(client, "/api/v1/campaigns/1/waves/1/responses", "application/json")
    assert response.status_code == 413 and read == 0
    assert response.get_json()["error"]["code"] == "payload_too_large"


def test_a_smaller_limit_can_be_set(make_app):
    app = make_app(SURVEYS_MAX_REQUEST_BYTES="1000")
    response = app.test_client().post("/login", data={"email": "x" * 2000})
    assert response.status_code == 413


def test_a_live_server_answers_413_before_the_body_is_sent(live_server):
    """Through a real socket: 64 KB of a declared 200 MB upload are sent, and the answer comes at once."""
    _app, base = live_server()
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        head = (
            f"POST /login HTTP/1.1\r\nHost: {host}\r\nContent-Type: multipart/form-data; boundary=xyz\r\n"
            f"Content-Length: {HUGE_BODY}\r\n\r\n"
            '--xyz\r\nContent-Disposition: form-data; name="file"; filename="big.xlsx"\r\n\r\n'
        )
        sock.sendall(head.encode() + b"x" * 65536)
        started = time.monotonic()
        try:
            answer = sock.recv(65536).decode("utf-8", "replace")
        except TimeoutError:  # the server is still waiting for the body
            answer = ""
        waited = time.monotonic() - started
    assert answer.startswith("HTTP/1.1 413"), answer[:200]
    assert waited < 5  # the server did not wait for the other 199.9 MB


def test_surveys_serve_tells_waitress_the_limit_so_it_refuses_large_bodies_unread(app, monkeypatch):
    import waitress

    seen = {}
    monkeypatch.setattr(waitress, "serve", lambda wsgi_app, **options: seen.update(options))
    result = app.test_cli_runner().invoke(args=["serve", "--port", "8123"])
    assert result.exit_code == 0, result.output
    assert seen["max_request_body_size"] == app.config["MAX_CONTENT_LENGTH"] == 16 * 1024 * 1024


# Imports: rows are limited, problems listed on a page are capped ----------------------------------------


@pytest.fixture
def programme(app, logged_in, staff):
    with app.app_context():
        organisation = db.session.get(Organisation, staff[2])
        return create_programme(organisation, "2025/26").id


CONTENT_TYPES = (
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELS = (
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    f'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="{RELATIONSHIPS}">'
    '<sheets><sheet name="Лист1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{RELATIONSHIPS}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)


def indicator_file(rows: int) -> io.BytesIO:
    """An XLSX of ``rows`` indicator rows, every one with five problems, written as streaming writers
    (openpyxl's write-only mode among them) write it: without a ``<dimension>``."""

    def row(number: int, values: list[str]) -> str:
        cells = "".join(f'<c t="inlineStr"><is><t>{value}</t></is></c>' for value in values)
        return f'<row r="{number}">{cells}</row>'

    header = row(1, ["Показатель", "Единица", "Цель", "Больше — лучше", "Период", "Значение", "Комментарий"])
    bad = ["", "шт.", "цель", "может быть", "сентябрь", "много"]
    sheet = (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        + header
        + "".join(row(number, bad) for number in range(2, rows + 2))
        + "</sheetData></worksheet>"
    )
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", PACKAGE_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
    data.seek(0)
    return data


def _import_indicators(client, programme_id: int, data: io.BytesIO):
    url = f"/staff/programmes/{programme_id}/indicators"
    token = csrf_token(client.get(url).get_data(as_text=True))
    started = time.monotonic()
    response = client.post(
        f"{url}/import",
        data={"csrf_token": token, "upload-file": (data, "i.xlsx")},
        content_type="multipart/form-data",
    )
    return response, time.monotonic() - started


def test_100000_bad_indicator_rows_stop_at_the_limit_fast_with_one_small_message(app, logged_in, programme):
    response, seconds = _import_indicators(logged_in, programme, indicator_file(100_000))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f"В файле больше {INDICATOR_ROWS} строк. Разделите его на несколько файлов." in page
    problems = page[page.index('id="import-problems"') :].split("</div>")[0]
    assert problems.count("<li>") == 1 and "Строка" not in problems  # the one message, no row problems
    assert len(response.data) < 50_000, len(response.data)
    assert seconds < 8, seconds  # 16 s before the limit, on the same machine
    with app.app_context():
        assert db.session.execute(db.select(Indicator)).first() is None


def test_indicator_problems_past_the_first_200_are_counted_not_listed(app, logged_in, programme):
    response, _seconds = _import_indicators(logged_in, programme, indicator_file(100))  # 5 problems a row
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert page.count("<li>Строка ") == PROBLEMS_SHOWN
    assert f"… и ещё {500 - PROBLEMS_SHOWN}." in page


def test_paper_problems_past_the_first_200_are_counted_not_listed(make_app, staff):
    from surveys.state import get_state
    from surveys.transfer.paper_template import entry_template
    from surveys.workspace.campaigns import create_campaign

    app = make_app(SURVEYS_PLUGINS_PATH=PLUGINS)
    with app.test_request_context():
        organisation = db.session.get(Organisation, staff[2])
        db.session.add(Participant(organisation_id=organisation.id, code="P1", role="mentee", tags=[]))
        db.session.commit()
        wave_id = create_campaign(organisation, "Мониторинг", ["wellbeing_check"], "Вход").waves[0].id
        blank = entry_template(get_state().registry.instruments["wellbeing_check"], get_state().registry, "ru", ())
    book = openpyxl.load_workbook(io.BytesIO(blank))
    sheet = book["answers"]
    columns = {cell.value: cell.column for cell in sheet[1]}
    for number in range(300):  # 300 rows with a code nobody has and a required answer left out: 600 problems
        sheet.cell(row=3 + number, column=1, value=f"Z{number}")
        sheet.cell(row=3 + number, column=columns["wb_calm"], value=3)
    data = io.BytesIO()
    book.save(data)
    client = app.test_client()
    assert post_form(client, "/login", {"email": staff[0], "password": staff[1]}).status_code == 302
    fields = {
        "instrument": "wellbeing_check",
        "mode": "all_or_nothing",
        "file": (io.BytesIO(data.getvalue()), "f.xlsx"),
    }
    response = post_form(client, f"/staff/waves/{wave_id}/paper", fields, content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert page.count("<tr><td>answers!") == PROBLEMS_SHOWN
    assert f"… и ещё {600 - PROBLEMS_SHOWN}." in page


def test_people_import_problems_past_the_first_200_are_counted_not_listed(app, logged_in, programme):
    rows = "".join(f"B-{n};космонавт;;7Б;\n" for n in range(250))  # an unknown role on every row
    data = ("code;role;form;group;birth_year\n" + rows).encode()
    url = f"/staff/programmes/{programme}/import"
    fields = {"mode": "all_or_nothing", "file": (io.BytesIO(data), "people.csv")}
    response = post_form(logged_in, url, fields, content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    table = page[page.index('<table id="problems">') :]
    assert table.count("<tr><td>") == PROBLEMS_SHOWN and "… и ещё 50." in table


def test_an_xlsform_sheet_past_its_row_limit_is_refused_naming_the_limit(tmp_path):
    book = openpyxl.Workbook(write_only=True)
    survey = book.create_sheet("survey")
    survey.append(["type", "name", "label"])
    for number in range(XLSFORM_ROWS + 1):
        survey.append(["text", f"q{number}", "Вопрос"])
    path = tmp_path / "form.xlsx"
    book.save(path)
    with pytest.raises(Refused, match=f"the survey sheet has more than {XLSFORM_ROWS} rows") as refused:
        read_workbook(path)
    assert (refused.value.sheet, refused.value.row) == ("survey", XLSFORM_ROWS + 2)  # the header is row 1
