"""The application factory: configuration, instance folder, secret key, database, health."""

from __future__ import annotations

from pathlib import Path

from surveys import create_app
from surveys.config import normalise_database_url


def test_defaults_to_sqlite_in_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("SURVEYS_DATABASE_URL", raising=False)
    app = create_app(instance_path=str(tmp_path))
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'surveys.sqlite3'}"


def test_settings_come_from_surveys_environment_variables(tmp_path, monkeypatch):
    monkeypatch.setenv("SURVEYS_DATABASE_URL", "postgresql://u@db.example/s")
    monkeypatch.setenv("SURVEYS_SECRET_KEY", "from-env")
    monkeypatch.setenv("SURVEYS_BASE_URL", "https://surveys.school.example")
    app = create_app(instance_path=str(tmp_path))
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.example/s"
    assert app.config["SECRET_KEY"] == "from-env"
    assert app.config["SURVEYS_BASE_URL"] == "https://surveys.school.example"
    assert not (tmp_path / "secret_key").exists()


def test_explicit_config_overrides_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("SURVEYS_SECRET_KEY", "from-env")
    app = create_app({"SURVEYS_SECRET_KEY": "given"}, instance_path=str(tmp_path))
    assert app.config["SECRET_KEY"] == "given"


def test_secret_key_is_generated_once_and_kept(tmp_path, monkeypatch):
    monkeypatch.delenv("SURVEYS_SECRET_KEY", raising=False)
    first = create_app(instance_path=str(tmp_path)).config["SECRET_KEY"]
    second = create_app(instance_path=str(tmp_path)).config["SECRET_KEY"]
    assert first == second and len(first) == 64
    key_file = Path(tmp_path / "secret_key")
    assert key_file.read_text() == first and oct(key_file.stat().st_mode)[-3:] == "600"


def test_postgresql_urls_use_psycopg3():
    assert normalise_database_url("postgres://a/b") == "postgresql+psycopg://a/b"
    assert normalise_database_url("postgresql://a/b") == "postgresql+psycopg://a/b"
    assert normalise_database_url("sqlite:///x.db") == "sqlite:///x.db"


def test_healthz_answers_200_when_the_database_is_reachable(client, backend):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok", "database": "ok"}


def test_healthz_answers_503_when_the_database_is_not(tmp_path):
    app = create_app(
        {"SURVEYS_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none", "SURVEYS_SECRET_KEY": "x"},
        instance_path=str(tmp_path),
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 503 and response.json["database"] == "unreachable"


def test_staff_pages_need_a_login(client):
    response = client.get("/staff/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_wrong_password_is_refused_with_a_message_on_the_field(client, staff):
    from tests.conftest import post_form

    email, _, _ = staff
    page = post_form(client, "/login", {"email": email, "password": "wrong"})
    assert page.status_code == 200
    assert 'id="password-error"' in page.get_data(as_text=True)


def test_unknown_pages_get_a_friendly_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404 and "<h1>" in response.get_data(as_text=True)


def test_english_is_available(client):
    client.get("/lang/en")
    assert 'lang="en"' in client.get("/login").get_data(as_text=True)
    client.get("/lang/ru")
    assert 'lang="ru"' in client.get("/login").get_data(as_text=True)
