"""The campaign export: the same tables in XLSX, CSV and JSON, checked against the database.

Files are reopened with openpyxl, zipfile + csv and json. Individual data only for the
psychologist; small groups hidden; hostile text neutralised; large exports in the background.
"""

from __future__ import annotations

import csv
import io
import json
import re
import time
import zipfile
from collections import Counter

import numpy as np
import openpyxl
import pytest

from surveys.core.contracts import MIN_GROUP
from surveys.core.disclosure import PROTECTING, SMALL, hidden_label
from surveys.core.export_models import ExportChunk, ExportJob
from surveys.core.log_models import AuditEvent
from surveys.core.models import Campaign, Participant, Response, Score, Wave
from surveys.extensions import db
from tests.conftest import csrf_token, demo_login, post_form, set_role
from tests.export_support import keyed_rows, sheet_keys

HOSTILE = {
    "pf_strengths": "=cmd|' /C calc'!A0",
    "pf_improve": "<script>alert(1)</script>\x00\x07 и ещё " + "я" * 40_000,
}


def demo(app, runner) -> tuple[int, str, str]:
    out = runner.invoke(args=["demo"]).output
    email, password, _link = demo_login(out, app.config["SURVEYS_DEFAULT_LOCALE"])
    with app.app_context():
        campaign = db.session.execute(db.select(Campaign)).scalar_one()
        return campaign.id, email, password


def plant_hostile_answers(app, campaign_id: int) -> str:
    """Put hostile text in one submitted programme_feedback response; returns that participant's code."""
    with app.app_context():
        waves = [w.id for w in db.session.get(Campaign, campaign_id).waves]
        response = (
            db.session.execute(
                db.select(Response)
                .where(Response.wave_id.in_(waves), Response.instrument_id == "programme_feedback")
                .where(Response.status == "submitted")
                .order_by(Response.id)
            )
            .scalars()
            .first()
        )
        response.answers = {**response.answers, **HOSTILE}
        db.session.commit()
        return db.session.get(Participant, response.participant_id).code


def sign_in(app, email, password, role):
    set_role(app, email, role)
    client = app.test_client()
    assert post_form(client, "/login", {"email": email, "password": password}).status_code == 302
    return client


def rows_of(sheet) -> list[tuple]:
    return list(sheet.iter_rows(values_only=True))


def test_the_workbook_holds_the_database_with_small_groups_hidden(app, runner):
    campaign_id, email, password = demo(app, runner)
    code = plant_hostile_answers(app, campaign_id)
    psychologist = sign_in(app, email, password, "psychologist")
    response = psychologist.get(f"/staff/campaigns/{campaign_id}/export.xlsx?individual=1")
    assert response.status_code == 200
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "/" not in disposition.split("filename", 1)[1]
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    names = book.sheetnames
    keys = sheet_keys(book)
    assert names[:2] == ["О файле", "Кодовая книга"] and "Баллы" in names and "Сводка" in names
    assert [keys[k] for k in ("readme", "codebook", "scores", "aggregates")] == [
        "О файле",
        "Кодовая книга",
        "Баллы",
        "Сводка",
    ]
    assert all(len(n) <= 31 for n in names) and len({n.lower() for n in names}) == len(names)

    readme = dict((r[0], r[1]) for r in rows_of(book[keys["readme"]]) if r[0])
    assert readme["Кампания"].startswith("Мониторинг") and "да" in readme["Индивидуальные данные"]
    assert all(name in readme for name in names[1:])  # every sheet is described

    with app.app_context():
        campaign = db.session.get(Campaign, campaign_id)
        waves = {w.id: w.name for w in campaign.waves}
        submitted = (
            db.session.execute(db.select(Response).where(Response.wave_id.in_(waves), Response.status == "submitted"))
            .scalars()
            .all()
        )
        by_instrument = Counter(r.instrument_id for r in submitted)
        codes = {p.id: p.code for p in db.session.execute(db.select(Participant)).scalars()}
        gad7 = {(codes[r.participant_id], waves[r.wave_id]): r.answers for r in submitted if r.instrument_id == "gad7"}
        scores = db.session.execute(
            db.select(Score, Response).join(Response).where(Response.wave_id.in_(waves), Response.status == "submitted")
        ).all()

    # Raw answers: one row per submitted response, the stored values under the participant's code.
    for instrument_id, count in by_instrument.items():
        assert len(rows_of(book[keys[f"answers {instrument_id}"]])) == 1 + count
    assert keys["answers gad7"] == "Ответы — Шкала генерализованно…"  # by title, cut to Excel's 31 characters
    answers = rows_of(book[keys["answers gad7"]])
    header = answers[0]
    assert header[:7] == (
        "Код участника",
        "Роль",
        "Форма наставничества",
        "Класс",
        "Волна",
        "Версия анкеты",
        "Когда отправлена",
    )
    assert {row[1] for row in answers[1:]} == {"Наставляемый"}  # GAD-7 is for mentees: the role in words
    for row in answers[1:]:
        stored = gad7[(row[0], row[4])]
        assert all(row[header.index(k)] == stored.get(k) for k in ("gad7_1", "gad7_7"))
    assert not any("Иван" in str(cell) for row in answers for cell in row)  # codes only, never names

    # Hostile text: never a formula, control characters replaced, the long text cut with a mark.
    feedback = book[keys["answers programme_feedback"]]
    head = rows_of(feedback)[0]
    line = next(i for i, r in enumerate(rows_of(feedback), start=1) if r[0] == code)
    strengths = feedback.cell(row=line, column=head.index("pf_strengths") + 1)
    assert strengths.value == HOSTILE["pf_strengths"] and strengths.data_type == "s" and strengths.quotePrefix
    improve = feedback.cell(row=line, column=head.index("pf_improve") + 1).value
    assert improve.startswith("<script>alert(1)</script>\ufffd\ufffd и ещё") and improve.endswith(" […]")
    assert len(improve) == 32767

    # Scores: one row per stored score.
    assert len(rows_of(book[keys["scores"]])) == 1 + len(scores)
    scored = keyed_rows(app, book, "scores")
    gad7_score = next(r for r in scored if r["instrument_id"] == "gad7" and r["band_id"])
    with app.app_context():
        from surveys.state import get_state

        assert gad7_score["instrument"] == get_state().registry.instruments["gad7"].title.get("ru")
    assert (gad7_score["scale"], gad7_score["scale_id"]) == ("ГТР-7, общий балл", "total")
    assert gad7_score["band"] == _labelled(app, Counter({gad7_score["band_id"]: 1})).popitem()[0]
    assert {r["wave_kind"] for r in scored} == {"Входная волна", "Выходная волна"}
    assert "нет ответов ни на один пункт" in {r["missing_reason"] for r in scored}

    # Aggregates: the everyone row of each scale and wave matches numpy on the stored scores.
    aggregates = rows_of(book[keys["aggregates"]])
    columns = aggregates[0]
    assert columns == (
        "Волна",
        "Роль",
        "Форма наставничества",
        "Класс",
        "Анкета",
        "id анкеты",
        "Шкала",
        "id шкалы",
        "n",
        "Среднее",
        "SD",
        "Медиана",
        "Минимум",
        "Максимум",
        "Уровни",
    )
    # The positions below: wave, role, form, class, then the instrument's and the scale's ids, n, mean...
    aggregates = [(*r[:4], r[5], r[7], *r[8:]) for r in aggregates]
    checked = 0
    for wave_id, wave_name in waves.items():
        values = [
            s.value
            for s, r in scores
            if r.wave_id == wave_id and r.instrument_id == "gad7" and s.scale == "total" and s.value is not None
        ]
        row = next(r for r in aggregates if r[:6] == (wave_name, "все", "все", "все", "gad7", "total"))
        assert row[6] == len(values) and row[7] == pytest.approx(np.mean(values))
        assert row[8] == pytest.approx(np.std(values, ddof=1)) and row[9] == pytest.approx(np.median(values))
        bands = Counter(
            s.band
            for s, r in scores
            if r.wave_id == wave_id and r.instrument_id == "gad7" and s.scale == "total" and s.band
        )
        shown = dict(part.split(": ") for part in row[12].split("; "))
        assert all(shown[label] in (str(n), *HIDDEN) for label, n in _labelled(app, bands).items())
        checked += 1
    assert checked == 2
    # Small groups: n «<5» and nothing else; no hidden group can be recovered from its parent.
    hidden = [r for r in aggregates[1:] if r[6] in HIDDEN]
    assert hidden and all(all(c is None for c in r[7:]) for r in hidden)
    shown_n = [r[6] for r in aggregates[1:] if r[6] not in HIDDEN]
    assert all(isinstance(n, int) and n >= 5 for n in shown_n)
    for parent in aggregates[1:]:
        children = _children(aggregates[1:], parent)
        if children and parent[6] not in HIDDEN:
            hidden_total = parent[6] - sum(c[6] for c in children if c[6] not in HIDDEN)
            assert hidden_total == 0 or hidden_total >= 5, (parent, children)

    # Spreadsheet manners: frozen header, autofilter, number formats.
    sheet = book[keys["aggregates"]]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref.startswith("A1:O")
    mean = sheet.cell(row=2, column=10)
    assert mean.number_format == "0.00" and mean.value == aggregates[1][7]  # shown with 2 decimals, kept whole


def _labelled(app, bands: Counter) -> dict[str, int]:
    from surveys.state import get_state

    with app.app_context():
        scale = get_state().registry.instruments["gad7"].scale("total")
        labels = {b.id: b.label.get("ru") for b in scale.bands}
    return {labels[b]: n for b, n in bands.items()}


HIDDEN = ("<5", "скрыто для защиты малой группы")


def test_a_hidden_groups_mean_cannot_be_worked_out_from_everyone_and_the_others():
    """Issue 20's reproduction: GAD-7 for everyone (n 9) and the mentees (n 5) gave away the 4 mentors'
    mean by subtraction. Now the mentees' row is hidden too, and marked as hidden to protect them."""
    from array import array

    from surveys.core.disclosure import PROTECTING, SMALL
    from surveys.exports.aggregates import scale_rows

    values = {
        ("mentee", "ученик–ученик", "9А"): array("d", [14, 12, 13, 11, 13]),
        ("mentor", "ученик–ученик", "9А"): array("d", [10, 11, 9, 11]),
    }
    rows = {(level, key): (stats, mark) for level, key, stats, _bands, mark in scale_rows(values, {}, [])}
    everyone = rows[(0, ("все", "все", "все"))]
    all_values = [x for xs in values.values() for x in xs]
    assert everyone[0]["n"] == 9 and everyone[0]["mean"] == pytest.approx(np.mean(all_values))
    assert rows[(1, ("mentor", "все", "все"))] == (None, SMALL)
    assert rows[(1, ("mentee", "все", "все"))] == (None, PROTECTING)
    shown = [stats for stats, _mark in rows.values() if stats is not None]
    assert all(stats["n"] >= 5 for stats in shown) and all(s["n"] == 9 for s in shown)


def _children(rows, parent):
    """The rows one level below ``parent`` (same wave and scale)."""
    level = sum(1 for part in parent[1:4] if part != "все")
    if level == 3:
        return []
    fixed = parent[1 : 1 + level]
    out = []
    for row in rows:
        if row[0] != parent[0] or row[4:6] != parent[4:6]:
            continue
        named = sum(1 for part in row[1:4] if part != "все")
        if row[1 : 1 + level] == fixed and named == level + 1 and all(p == "все" for p in row[2 + level : 4]):
            out.append(row)
    return out


def test_the_curator_and_the_viewer_get_only_aggregates(app, runner):
    campaign_id, email, password = demo(app, runner)
    for role in ("curator", "viewer"):
        client = sign_in(app, email, password, role)
        book = openpyxl.load_workbook(io.BytesIO(client.get(f"/staff/campaigns/{campaign_id}/export.xlsx").data))
        keys = sheet_keys(book)
        assert not [k for k in keys if k.startswith("answers") or k == "scores"], role
        assert not [n for n in book.sheetnames if n.startswith("Ответы") or n == "Баллы"], role
        assert "aggregates" in keys and keys["aggregates"] in book.sheetnames
        assert client.get(f"/staff/campaigns/{campaign_id}/export.xlsx?individual=1").status_code == 403
        page = client.get(f"/staff/campaigns/{campaign_id}/export").get_data(as_text=True)
        assert 'name="individual"' not in page  # the choice is not even offered
        token = csrf_token(page)
        forced = client.post(
            f"/staff/campaigns/{campaign_id}/export",
            data={"csrf_token": token, "fmt": "xlsx", "delimiter": ";", "individual": "y"},
        )
        assert forced.status_code == 403


def test_csv_and_json_hold_the_same_tables_as_the_workbook(app, runner, tmp_path):
    campaign_id, _email, _password = demo(app, runner)
    plant_hostile_answers(app, campaign_id)
    paths = {fmt: tmp_path / f"export.{fmt}" for fmt in ("xlsx", "csv", "json")}
    for fmt, path in paths.items():
        extra = ["--delimiter", ";"] if fmt == "csv" else []
        result = runner.invoke(
            args=["export", str(campaign_id), "--format", fmt, "-o", str(path), "--individual", *extra]
        )
        assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(paths["xlsx"])
    archive = zipfile.ZipFile(paths["csv"])
    members = archive.namelist()
    document = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert [t["name"] for t in document["tables"]] == book.sheetnames
    assert len(members) == len(book.sheetnames) and members[0] == "01-О_файле.csv"
    assert [t["key"] for t in document["tables"]][:2] == ["readme", "codebook"]
    assert document["meta"]["individual"] is True and document["meta"]["suppression_threshold"] == 5

    def csv_rows(index: int) -> list[list[str]]:
        raw = archive.read(members[index])
        assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM for Excel
        return list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))

    for index, name in enumerate(book.sheetnames):
        from_xlsx = rows_of(book[name])
        from_csv = csv_rows(index)
        from_json = document["tables"][index]
        assert len(from_csv) == len(from_xlsx) == 1 + len(from_json["rows"]), name
        assert tuple(from_json["columns"]) == from_xlsx[0]
    # The same numbers: aggregates compared cell by cell (decimal comma with the ; delimiter).
    keys = sheet_keys(book)
    position = book.sheetnames.index(keys["aggregates"])
    assert document["tables"][position]["column_keys"][8:10] == ["n", "mean"]
    for x_row, c_row, j_row in zip(
        rows_of(book[keys["aggregates"]])[1:], csv_rows(position)[1:], document["tables"][position]["rows"], strict=True
    ):
        for x, c, j in zip(x_row, c_row, j_row, strict=True):
            if isinstance(x, int | float) and not isinstance(x, bool):
                # CSV and JSON hold the numbers unrounded, as the workbook's cells do (docs/exports.md; XLSX
                # keeps 15 significant digits)
                assert float(c.replace(",", ".")) == j and j == pytest.approx(x, rel=1e-14, abs=1e-12)
            else:
                assert (c or None) == (None if x is None else str(x)) and j == x
    # Hostile text: CSV neutralises formulas and keeps the long text whole; JSON keeps it as it was.
    position = book.sheetnames.index(keys["answers programme_feedback"])
    table = document["tables"][position]
    row = next(r for r in table["rows"] if r[table["columns"].index("pf_strengths")] == HOSTILE["pf_strengths"])
    assert row[table["columns"].index("pf_improve")] == HOSTILE["pf_improve"]
    text = "\n".join(";".join(r) for r in csv_rows(position))
    assert "'" + HOSTILE["pf_strengths"] in text and "я" * 40_000 in text and "\x00" not in text
    with app.app_context():
        audited = db.session.execute(db.select(AuditEvent).filter(AuditEvent.action.like("export.%"))).scalars().all()
        assert sorted(e.action for e in audited) == ["export.csv", "export.json", "export.xlsx"]
        assert all(e.details["command_line"] and e.details["individual"] for e in audited)


def test_filters_keep_only_the_chosen_waves_questionnaires_and_forms(app, runner, tmp_path):
    campaign_id, _email, _password = demo(app, runner)
    with app.app_context():
        first = db.session.execute(db.select(Wave).filter_by(campaign_id=campaign_id, position=0)).scalar_one()
        first_name = first.name
    path = tmp_path / "filtered.json"
    args = ["export", str(campaign_id), "--format", "json", "-o", str(path), "--individual"]
    args += ["--wave", first_name, "--instrument", "gad7", "--form", "ученик–ученик"]
    assert runner.invoke(args=args).exit_code == 0
    document = json.loads(path.read_text(encoding="utf-8"))
    tables = {t["key"]: t for t in document["tables"]}
    assert document["meta"]["waves"] == [first_name] and document["meta"]["instruments"] == ["gad7"]
    assert [n for n in tables if n.startswith("answers")] == ["answers gad7"]
    answers = tables["answers gad7"]
    assert answers["rows"] and {r[4] for r in answers["rows"]} == {first_name}
    assert {r[2] for r in answers["rows"]} == {"ученик–ученик"}
    with app.app_context():
        kept = {
            code
            for code, form in db.session.execute(
                db.select(Participant.code, Participant.form)
                .join(Response, Response.participant_id == Participant.id)
                .where(Response.wave_id == first.id, Response.instrument_id == "gad7", Response.status == "submitted")
            )
        }
    assert {r[0] for r in answers["rows"]} <= kept
    assert {r[0] for r in tables["aggregates"]["rows"]} == {first_name}
    aggregates = tables["aggregates"]
    assert {r[aggregates["column_keys"].index("instrument_id")] for r in aggregates["rows"]} == {"gad7"}
    assert "comparison" not in tables  # the plugins' whole-campaign analyses are left out of a form filter
    bad = runner.invoke(args=["export", str(campaign_id), "-o", str(path), "--wave", "нет такой"])
    assert bad.exit_code == 2 and "нет волны «нет такой»" in bad.output
    assert runner.invoke(args=["export", "999", "-o", str(path)]).exit_code == 2


def wait_for(app, job_id: int, seconds: float = 60) -> ExportJob:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with app.app_context():
            job = db.session.get(ExportJob, job_id)
            if job.status in ("done", "failed"):
                db.session.expunge(job)
                return job
        time.sleep(0.1)
    raise AssertionError(f"export job {job_id} did not finish")


def test_a_background_export_shows_progress_and_gives_a_link(app, runner):
    campaign_id, email, password = demo(app, runner)
    client = sign_in(app, email, password, "psychologist")
    page = client.get(f"/staff/campaigns/{campaign_id}/export").get_data(as_text=True)
    assert 'name="individual"' in page and "<script" not in page
    with app.app_context():
        from surveys.state import get_state

        gad7_title = get_state().registry.instruments["gad7"].title.get("ru")
    # The questionnaires to keep are offered by title; the id is the value sent.
    assert re.search(r'value="gad7"> <span>' + re.escape(gad7_title) + "</span>", page)
    data = {"csrf_token": csrf_token(page), "fmt": "csv", "delimiter": ";", "individual": "y", "instruments": "gad7"}
    started = client.post(f"/staff/campaigns/{campaign_id}/export", data=data)
    assert started.status_code == 302
    job_url = started.headers["Location"]
    job_id = int(job_url.rstrip("/").split("/")[-1])
    finished = wait_for(app, job_id)  # the thread queue: the request returned before the file was made
    assert finished.status == "done" and finished.progress == 100 and finished.filename.endswith(".zip")
    page = client.get(job_url).get_data(as_text=True)
    assert 'http-equiv="refresh"' not in page and "готово" in page.lower()
    download = client.get(f"/staff/exports/{job_id}/download")
    assert download.status_code == 200 and download.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(download.data))
    assert any(n.startswith(("02-", "03-")) and "Шкала_генерализованно" in n for n in archive.namelist())
    # A curator can see neither the psychologist's export nor its file.
    curator = sign_in(app, email, password, "curator")
    assert curator.get(job_url).status_code == 404
    assert curator.get(f"/staff/exports/{job_id}/download").status_code == 404
    with app.app_context():
        actions = [e.action for e in db.session.execute(db.select(AuditEvent)).scalars()]
        assert actions.count("export.csv") == 1 and actions.count("export.download") == 1
    # Deleting removes the stored file.
    client = sign_in(app, email, password, "psychologist")
    token = csrf_token(client.get(job_url).get_data(as_text=True))
    assert client.post(f"/staff/exports/{job_id}/delete", data={"csrf_token": token}).status_code == 302
    with app.app_context():
        assert db.session.get(ExportJob, job_id) is None
        assert db.session.execute(db.select(ExportChunk).filter_by(job_id=job_id)).first() is None


def test_a_failed_or_interrupted_export_leaves_no_file(app, runner, monkeypatch):
    from surveys.core import export as writer
    from surveys.exports import jobs as export_jobs
    from surveys.exports.plan import ExportRequest

    campaign_id, email, password = demo(app, runner)
    calls = {"n": 0}
    real = writer._write_row

    def breaks_midway(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 200:
            raise OSError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(writer, "_write_row", breaks_midway)
    app.config["SURVEYS_EXPORT_QUEUE"] = "inline"
    with app.test_request_context():
        campaign = db.session.get(Campaign, campaign_id)
        job = export_jobs.create_job(campaign, None, "xlsx", ExportRequest())
        export_jobs.start(job.id)
        db.session.refresh(job)
        assert job.status == "failed" and "disk full" in job.message
        assert db.session.execute(db.select(ExportChunk).filter_by(job_id=job.id)).first() is None
        folder = app.instance_path + "/exports"
        import os

        assert os.listdir(folder) == []  # neither the file nor its .part is left behind
        # A job whose worker died: running, with an old heartbeat.
        stuck = export_jobs.create_job(campaign, None, "json", ExportRequest())
        stuck.status, stuck.heartbeat = "running", stuck.created_at - export_jobs.STALE * 2
        db.session.commit()
        assert export_jobs.state(stuck) == "interrupted"
    monkeypatch.setattr(writer, "_write_row", real)
    client = sign_in(app, email, password, "curator")
    page = client.get(f"/staff/exports/{stuck.id}").get_data(as_text=True)
    assert "остановилась, не завершившись" in page and "Попробовать снова" in page
    again = client.post(f"/staff/exports/{stuck.id}/again", data={"csrf_token": csrf_token(page)})
    new_id = int(again.headers["Location"].rstrip("/").split("/")[-1])
    with app.app_context():
        assert db.session.get(ExportJob, new_id).status == "done"


def test_exports_run_on_an_rq_worker(app, runner, monkeypatch):
    """Several app servers: the job goes to Redis and a worker process makes the file."""
    from redis import Redis
    from rq import Queue, SimpleWorker

    from surveys.exports.jobs import QUEUE_NAME

    url = "redis://127.0.0.1:6379/15"
    redis = Redis.from_url(url)
    try:
        redis.ping()
    except Exception:  # pragma: no cover - the machines run Redis; say so loudly if not
        pytest.fail("Redis is not running at 127.0.0.1:6379")
    redis.flushdb()
    campaign_id, email, password = demo(app, runner)
    app.config.update(SURVEYS_EXPORT_QUEUE="rq", SURVEYS_REDIS_URL=url)
    client = sign_in(app, email, password, "curator")
    page = client.get(f"/staff/campaigns/{campaign_id}/export").get_data(as_text=True)
    started = client.post(
        f"/staff/campaigns/{campaign_id}/export", data={"csrf_token": csrf_token(page), "fmt": "json", "delimiter": ","}
    )
    job_id = int(started.headers["Location"].rstrip("/").split("/")[-1])
    queue = Queue(QUEUE_NAME, connection=redis)
    assert queue.count == 1
    with app.app_context():
        assert db.session.get(ExportJob, job_id).status == "queued"
    # The worker builds its own app from the environment, as a separate server would.
    monkeypatch.setenv("SURVEYS_DATABASE_URL", app.config["SURVEYS_DATABASE_URL"])
    monkeypatch.setenv("SURVEYS_SECRET_KEY", "test-secret")
    monkeypatch.setenv("SURVEYS_INSTANCE_PATH", app.instance_path)
    SimpleWorker([queue], connection=redis).work(burst=True)
    job = wait_for(app, job_id, 5)
    assert job.status == "done"
    document = json.loads(client.get(f"/staff/exports/{job_id}/download").data)
    assert "aggregates" in [t["key"] for t in document["tables"]]
    redis.flushdb()


def test_a_large_campaign_goes_to_the_background(app, runner):
    campaign_id, email, password = demo(app, runner)
    app.config["SURVEYS_QUICK_EXPORT_LIMIT"] = 10
    client = sign_in(app, email, password, "curator")
    response = client.get(f"/staff/campaigns/{campaign_id}/export.xlsx")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/campaigns/{campaign_id}/export")


def test_progress_is_reported_while_writing(app, runner, tmp_path, monkeypatch):
    from surveys.core import export as writer
    from surveys.exports.files import write_export
    from surveys.exports.plan import ExportRequest

    campaign_id, _email, _password = demo(app, runner)
    monkeypatch.setattr(writer, "PROGRESS_EVERY", 50)
    seen: list[int] = []
    with app.test_request_context():
        write_export(
            db.session.get(Campaign, campaign_id),
            ExportRequest(individual=True),
            "xlsx",
            tmp_path / "p.xlsx",
            progress=seen.append,
        )
    assert len(seen) > 5 and seen == sorted(seen) and seen[-1] == 100 and max(seen[:-1]) <= 99


def test_aggregates_and_reliability_are_the_same_read_once_or_twice(app, runner):
    """With individual data the raw answers and scores sheets feed the aggregates and reliability as
    they stream; without, those sheets read the database themselves. Both ways give the same cells."""
    from surveys.exports.files import campaign_workbook
    from surveys.exports.plan import ExportRequest

    campaign_id, _email, _password = demo(app, runner)
    with app.test_request_context():
        campaign = db.session.get(Campaign, campaign_id)
        fed = openpyxl.load_workbook(io.BytesIO(campaign_workbook(campaign, ExportRequest(individual=True))))
        own = openpyxl.load_workbook(io.BytesIO(campaign_workbook(campaign, ExportRequest(individual=False))))
        hidden = {hidden_label(SMALL, MIN_GROUP), hidden_label(PROTECTING, MIN_GROUP)}
    # The aggregated export decides its cells with the other wave and the plugins' sheets (joint.py), so it may
    # hide other cells; every cell both show is the same.
    for key in ("aggregates", "reliability"):
        name = sheet_keys(fed)[key]
        assert sheet_keys(own)[key] == name
        fed_rows, own_rows = rows_of(fed[name]), rows_of(own[name])
        assert len(own_rows) == len(fed_rows) > 20, name
        shown = 0
        for fed_row, own_row in zip(fed_rows, own_rows, strict=True):
            for a, b in zip(fed_row, own_row, strict=True):
                bands = isinstance(a, str) and isinstance(b, str) and "; " in a
                parts = zip(a.split("; "), b.split("; "), strict=True) if bands else [(a, b)]
                for x, y in parts:
                    assert x == y or {str(x).split(": ")[-1], str(y).split(": ")[-1]} & hidden or None in (x, y)
                    shown += x == y
        assert shown > 0.8 * sum(len(row) for row in fed_rows), name


def test_download_names_are_plain_ascii_and_never_a_path():
    import datetime as dt

    from surveys.exports.files import download_name

    class Named:
        def __init__(self, name):
            self.id, self.name = 7, name

    when = dt.datetime(2026, 11, 24, 9, 15)
    assert download_name(Named("Мониторинг 2025/26: вход"), "xlsx", when) == (
        "campaign-7-Monitoring-2025-26-vkhod-20261124-0915.xlsx"
    )
    for hostile in ("../../etc/passwd", "a\\b\r\nContent-Type: x", '"; filename=evil.exe', "\x00", "", "ёЁ…" * 50):
        name = download_name(Named(hostile), "csv", when)
        assert re.fullmatch(r"campaign-7-[A-Za-z0-9_.-]+-20261124-0915\.zip", name), name
        assert ".." not in name and len(name) <= 100


def test_the_codebook_lists_items_codes_scales_and_bands(app, runner, tmp_path):
    campaign_id, _email, _password = demo(app, runner)
    path = tmp_path / "codebook.json"
    assert runner.invoke(args=["export", str(campaign_id), "--format", "json", "-o", str(path)]).exit_code == 0
    table = next(t for t in json.loads(path.read_text(encoding="utf-8"))["tables"] if t["key"] == "codebook")
    assert table["name"] == "Кодовая книга" and table["columns"][:3] == ["id анкеты", "Вид записи", "id"]
    rows = [dict(zip(table["column_keys"], r, strict=True)) for r in table["rows"]]
    gad7 = [r for r in rows if r["instrument_id"] == "gad7"]
    from surveys.state import get_state

    with app.app_context():
        instrument = get_state().registry.instruments["gad7"]
    assert {r["id"] for r in gad7 if r["kind"] == "вопрос"} == set(instrument.answer_keys)
    codes = [(r["code"], r["label"]) for r in gad7 if r["kind"] == "код ответа" and r["id"] == "gad7_1"]
    assert [c for c, _ in codes] == [0, 1, 2, 3] and all(label for _, label in codes)
    scale = next(r for r in gad7 if r["kind"] == "шкала")
    assert scale["id"] == "total" and "gad7_1" in scale["details"] and "больше — хуже" in scale["details"]
    assert scale["type"] == "сумма"
    bands = [(r["id"], r["question_id"], r["details"]) for r in gad7 if r["kind"] == "уровень"]
    assert bands == [(b.id, "total", f"{b.min}–{b.max}") for b in instrument.scale("total").bands]
    assert all(len(r) == len(table["columns"]) for r in table["rows"])


def test_sheet_names_that_collide_stay_distinct_and_short():
    from surveys.core.contracts import Sheet
    from surveys.core.export import write_workbook

    names = ["answers instrument_with_a_very_long_name_1", "answers instrument_with_a_very_long_name_2"]
    names += ["a/b:c*?", "A_B_C__", "README", "readme"]
    data = write_workbook([Sheet(n, ["x"], [[i]]) for i, n in enumerate(names)])
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert len(book.sheetnames) == len(names) and len({n.lower() for n in book.sheetnames}) == len(names)
    assert all(len(n) <= 31 and not set(n) & set("[]:*?/\\") for n in book.sheetnames)
    assert [book[n]["A2"].value for n in book.sheetnames] == list(range(len(names)))  # each sheet kept its rows


def test_export_pages_escape_what_staff_typed(app, runner):
    campaign_id, email, password = demo(app, runner)
    with app.app_context():
        db.session.get(Campaign, campaign_id).name = "<script>alert(1)</script>"
        db.session.commit()
    client = sign_in(app, email, password, "curator")
    page = client.get(f"/staff/campaigns/{campaign_id}/export").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
