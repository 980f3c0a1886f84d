"""Running ``surveys`` as it is installed: a throwaway virtual environment, an environment without the
suite's settings, and ``surveys serve`` as a real process on a free port.

Used by tests/test_serve.py, tests/test_login_throttle.py, tests/test_plugin_kit.py and tests/test_wheel.py.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def command(name: str) -> str:
    return shutil.which(name) or str(Path(sys.executable).with_name(name))


def make_venv(folder: Path) -> Path:
    """A virtual environment that sees this one's packages (``--system-site-packages``), so pip can install
    into it offline with ``--no-deps``; the environment running the suite never changes. Returns its python."""
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", folder], check=True)
    return folder / "bin" / "python"


def clean_env(**settings: str) -> dict[str, str]:
    """This process's environment without the suite's settings (``SURVEYS_*``, ``PYTEST_*``, ``FLASK_*``) and
    without ``PYTHONPATH``, so a command runs what is installed, plus ``settings``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SURVEYS_", "PYTEST_", "FLASK_"))}
    env.pop("PYTHONPATH", None)
    env |= {"PIP_DISABLE_PIP_VERSION_CHECK": "1", "PYTHONDONTWRITEBYTECODE": "1"}
    return env | settings


def status(port: int, path: str, **headers) -> int:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as err:
        return err.code


@contextmanager
def served(env: dict[str, str], program: str | None = None, port: int | None = None):
    """``surveys serve`` (``program``, else the one on PATH) on ``port`` or a free one, as a real process;
    yields the port once it answers."""
    port = port or free_port()
    log = open(os.path.join(env["SURVEYS_INSTANCE_PATH"], f"serve-{port}.log"), "w+")  # noqa: SIM115
    program = program or command("surveys")
    server = subprocess.Popen([program, "serve", "--port", str(port)], env=env, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 120  # a loaded machine may take a while to import and build the app
        while True:
            try:
                if status(port, "/healthz") == 200:
                    break
            except OSError:
                pass
            if server.poll() is not None:
                log.seek(0)
                pytest.fail(f"surveys serve stopped:\n{log.read()}")
            assert time.monotonic() < deadline, "surveys serve did not answer within 120 s"
            time.sleep(0.3)
        yield port
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=30)
        log.close()
