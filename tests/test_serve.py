"""``surveys serve`` runs under waitress; ``flask --app surveys`` reaches the same commands."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def command(name: str) -> str:
    return shutil.which(name) or str(Path(sys.executable).with_name(name))


def test_serve_runs_under_waitress_and_answers_healthz(tmp_path):
    env = {**os.environ, "SURVEYS_INSTANCE_PATH": str(tmp_path), "SURVEYS_SECRET_KEY": "x"}
    env.pop("SURVEYS_DATABASE_URL", None)
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
        server.wait(timeout=10)


def test_flask_cli_reaches_the_same_commands(tmp_path):
    env = {**os.environ, "SURVEYS_INSTANCE_PATH": str(tmp_path), "SURVEYS_SECRET_KEY": "x"}
    result = subprocess.run(
        [command("flask"), "--app", "surveys", "instrument", "list"], env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "gad7\tv" in result.stdout and "anxiety_scale" in result.stdout
