"""``surveys serve`` runs under waitress; ``flask --app surveys`` reaches the same commands."""

from __future__ import annotations

import os
import subprocess
import time
import urllib.request
from pathlib import Path

from tests.installed import command, free_port


def test_serve_runs_under_waitress_and_answers_healthz(tmp_path):
    env = {**os.environ, "SURVEYS_INSTANCE_PATH": str(tmp_path), "SURVEYS_SECRET_KEY": "x"}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent)  # this checkout's surveys, as installed
    env.pop("SURVEYS_DATABASE_URL", None)
    env.pop("SURVEYS_DEFAULT_LOCALE", None)
    subprocess.run([command("surveys"), "db", "upgrade"], env=env, check=True, capture_output=True)
    port = free_port()
    server = subprocess.Popen(
        [command("surveys"), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline, body, headers = time.monotonic() + 30, None, {}
        while time.monotonic() < deadline and body is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    body, headers = response.read(), dict(response.headers)
            except OSError:
                time.sleep(0.2)
        assert body is not None, "the server did not answer"
        assert b'"status":"ok"' in body.replace(b" ", b"")
        assert headers.get("Server") == "waitress"
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=10)
    assert f"Сервер работает по адресу http://127.0.0.1:{port}/" in output  # the interface language, Russian by default
    # SURVEYS_BASE_URL is left at its default, port 8000: the links would miss this server, and it says so
    warning = f"будут вести на http://127.0.0.1:8000, а этот сервер работает по адресу http://127.0.0.1:{port}"
    assert warning in output
    assert f"SURVEYS_BASE_URL=http://127.0.0.1:{port} surveys serve" in output


def test_flask_cli_reaches_the_same_commands(tmp_path):
    env = {**os.environ, "SURVEYS_INSTANCE_PATH": str(tmp_path), "SURVEYS_SECRET_KEY": "x"}
    result = subprocess.run(
        [command("flask"), "--app", "surveys", "instrument", "list"], env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "gad7\tv" in result.stdout and "anxiety_scale" in result.stdout


def _answers(port: int, path: str = "/healthz", seconds: float = 30) -> bytes | None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as response:
                return response.read()
        except OSError:
            time.sleep(0.2)
    return None


def test_post_fork_gives_the_worker_a_new_pool_without_closing_the_masters_connections(tmp_path):
    from surveys import create_app
    from surveys.extensions import db
    from surveys.serving import post_fork, preload_app

    app = create_app({"SURVEYS_SECRET_KEY": "x"}, instance_path=str(tmp_path))

    class Server:  # what gunicorn hands the hook: the arbiter, whose app builds the WSGI callable
        class app:  # noqa: N801
            @staticmethod
            def wsgi():
                return app

    with app.app_context():
        engine = db.engine
        masters = engine.pool
        connection = engine.connect()  # as if the master had read the database while building the app
        post_fork(Server, worker=None)
        assert engine.pool is not masters  # the worker's connections will be its own
        assert not connection.closed and connection.exec_driver_sql("SELECT 1").scalar() == 1
        connection.close()
    assert preload_app is True
