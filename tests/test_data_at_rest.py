"""Data at rest and in transit: the SQLite files and the key are the server account's alone; individual
data and API answers are never cached; an export past its retention is gone at once and purged by a command."""

from __future__ import annotations

import datetime as dt
import os
import re
import stat

import pytest
from flask_migrate import upgrade

from surveys import create_app
from surveys.core.export_models import ExportChunk, ExportJob
from surveys.core.models import Organisation
from surveys.exports.jobs import KEEP
from surveys.extensions import db
from tests.api_support import PLUGINS, auth, build_school, token_for
from tests.conftest import csrf_token, post_form
from tests.test_exports import demo, sign_in


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def usual_umask():
    """The umask most servers run with (0022: new files readable by everyone), whatever the test run has."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_the_sqlite_database_its_wal_and_the_key_are_readable_by_the_server_account_only(tmp_path, usual_umask):
    instance = tmp_path / "fresh" / "instance"
    app = create_app({"SURVEYS_DATABASE_URL": None, "SURVEYS_SECRET_KEY": None}, instance_path=str(instance))
    with app.app_context():
        upgrade()
        db.session.add(Organisation(name="Школа № 1"))
        db.session.commit()
        database = instance / "surveys.sqlite3"
        assert app.config["SQLALCHEMY_DATABASE_URI"].endswith(str(database))
        with db.engine.connect() as connection:  # an open connection keeps the WAL and its index
            connection.exec_driver_sql("SELECT count(*) FROM organisation").scalar()
            files = {name: instance / name for name in ("surveys.sqlite3-wal", "surveys.sqlite3-shm")}
            assert all(path.exists() for path in files.values()), sorted(os.listdir(instance))
            modes = {name: mode(path) for name, path in files.items()}
        db.engine.dispose()
    modes |= {"folder": mode(instance), "database": mode(database), "secret_key": mode(instance / "secret_key")}
    assert modes == {
        "folder": 0o700,
        "database": 0o600,
        "surveys.sqlite3-wal": 0o600,
        "surveys.sqlite3-shm": 0o600,
        "secret_key": 0o600,
    }


def test_an_instance_folder_open_to_others_is_closed_when_the_app_starts(tmp_path, usual_umask):
    instance = tmp_path / "instance"
    instance.mkdir(mode=0o755)
    instance.chmod(0o755)
    create_app({"SURVEYS_DATABASE_URL": "sqlite://", "SURVEYS_SECRET_KEY": "x"}, instance_path=str(instance))
    assert mode(instance) == 0o700


# Never cached: individual data, personal links, every API answer ------------------------------------------


@pytest.fixture
def exports_app(make_app):
    return make_app(SURVEYS_EXPORT_QUEUE="inline")


def _individual_export(app, runner) -> tuple[object, int, int]:
    """A psychologist's finished export with individual data; returns (client, campaign id, job id)."""
    campaign_id, email, password = demo(app, runner)
    client = sign_in(app, email, password, "psychologist")
    page = client.get(f"/staff/campaigns/{campaign_id}/export").get_data(as_text=True)
    data = {"csrf_token": csrf_token(page), "fmt": "xlsx", "individual": "y"}
    started = client.post(f"/staff/campaigns/{campaign_id}/export", data=data)
    assert started.status_code == 302
    job_id = int(started.headers["Location"].rstrip("/").split("/")[-1])
    return client, campaign_id, job_id


def test_individual_exports_are_downloaded_with_no_store(exports_app):
    client, campaign_id, job_id = _individual_export(exports_app, exports_app.test_cli_runner())
    download = client.get(f"/staff/exports/{job_id}/download")
    assert download.status_code == 200 and download.data.startswith(b"PK")
    assert download.headers["Cache-Control"] == "no-store"
    quick = client.get(f"/staff/campaigns/{campaign_id}/export.xlsx?individual=1")
    assert quick.status_code == 200 and quick.headers["Cache-Control"] == "no-store"


def test_new_personal_links_and_the_paper_template_with_codes_are_sent_with_no_store(app, runner):
    campaign_id, email, password = demo(app, runner)
    client = sign_in(app, email, password, "curator")
    campaign_page = client.get(f"/staff/campaigns/{campaign_id}").get_data(as_text=True)
    wave_id = int(re.search(r"/staff/waves/(\d+)", campaign_page).group(1))
    links = post_form(client, f"/staff/waves/{wave_id}/links", {"scope": "all"}, page_url=f"/staff/waves/{wave_id}")
    assert links.status_code == 200
    assert links.headers["Cache-Control"] == "no-store"
    paper_page = client.get(f"/staff/waves/{wave_id}/paper").get_data(as_text=True)
    template_url = re.search(r"/staff/waves/\d+/paper/[a-z0-9_]+\.xlsx", paper_page).group(0)
    template = client.get(template_url)
    assert template.status_code == 200 and template.headers["Cache-Control"] == "no-store"


def test_every_api_answer_is_sent_with_no_store(make_app):
    app = make_app(SURVEYS_PLUGINS_PATH=PLUGINS)
    school = build_school(app, "Школа № 5")
    headers = auth(token_for(app, school["organisation"]))
    client = app.test_client()
    answers = {
        "list": client.get("/api/v1/campaigns", headers=headers),
        "one": client.get(f"/api/v1/campaigns/{school['campaign_id']}", headers=headers),
        "responses": client.get(f"/api/v1/campaigns/{school['campaign_id']}/responses", headers=headers),
        "document": client.get("/api/v1/openapi.json"),
        "no token": client.get("/api/v1/campaigns"),
        "not found": client.get("/api/v1/campaigns/999999", headers=headers),
        "no such path": client.get("/api/v1/nothing-here", headers=headers),
    }
    assert {name: (r.status_code, r.headers.get("Cache-Control")) for name, r in answers.items()} == {
        "list": (200, "no-store"),
        "one": (200, "no-store"),
        "responses": (200, "no-store"),
        "document": (200, "no-store"),
        "no token": (401, "no-store"),
        "not found": (404, "no-store"),
        "no such path": (404, "no-store"),
    }


# Retention ---------------------------------------------------------------------------------------------------


def _age(app, job_id: int, by: dt.timedelta) -> None:
    with app.app_context():
        job = db.session.get(ExportJob, job_id)
        job.created_at -= by
        job.finished_at = job.heartbeat = job.created_at
        db.session.commit()


def test_an_export_past_its_retention_answers_404_at_once(exports_app):
    client, campaign_id, job_id = _individual_export(exports_app, exports_app.test_cli_runner())
    fresh = client.get(f"/staff/exports/{job_id}/download")
    assert fresh.status_code == 200 and fresh.data.startswith(b"PK")
    _age(exports_app, job_id, KEEP + dt.timedelta(minutes=1))
    assert client.get(f"/staff/exports/{job_id}/download").status_code == 404
    assert client.get(f"/staff/exports/{job_id}").status_code == 404
    listing = client.get(f"/staff/campaigns/{campaign_id}/export").get_data(as_text=True)
    assert f"/staff/exports/{job_id}" not in listing


def test_exports_purge_deletes_expired_exports_with_their_files_and_says_how_many(exports_app):
    runner = exports_app.test_cli_runner()
    client, campaign_id, old_id = _individual_export(exports_app, runner)
    page = client.get(f"/staff/campaigns/{campaign_id}/export").get_data(as_text=True)
    started = client.post(f"/staff/campaigns/{campaign_id}/export", data={"csrf_token": csrf_token(page), "fmt": "csv"})
    new_id = int(started.headers["Location"].rstrip("/").split("/")[-1])
    _age(exports_app, old_id, KEEP + dt.timedelta(minutes=1))
    result = runner.invoke(args=["exports", "purge"])
    assert result.exit_code == 0 and "удалена 1 выгрузка старше 24 часов" in result.output
    with exports_app.app_context():
        assert db.session.get(ExportJob, old_id) is None
        assert db.session.execute(db.select(ExportChunk).filter_by(job_id=old_id)).first() is None
        assert db.session.get(ExportJob, new_id) is not None  # a fresh export is kept
        assert db.session.execute(db.select(ExportChunk).filter_by(job_id=new_id)).first() is not None
    again = runner.invoke(args=["exports", "purge"])
    assert again.exit_code == 0 and "удалено 0 выгрузок" in again.output
