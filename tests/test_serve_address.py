"""``surveys serve`` warns when the links it would hand out (``SURVEYS_BASE_URL``) do not reach it, and
``surveys demo`` prints the command that serves its links."""

from __future__ import annotations

import re

import pytest
import waitress

from surveys.web.serve_address import base_url_mismatch, serve_command, served_url
from tests.conftest import demo_login


@pytest.mark.parametrize(
    ("base", "host", "port"),
    [
        ("http://127.0.0.1:8000", "127.0.0.1", 8125),  # the case: another port of this computer
        ("http://localhost:8000", "0.0.0.0", 8125),  # every address, but not that port
        ("http://127.0.0.1", "127.0.0.1", 8000),  # no port in the address means 80
        ("http://192.168.1.5:8000", "192.168.1.5", 8001),
        ("http://127.0.0.1:8000", "192.168.1.5", 8000),  # links to this computer, server on another address
        ("http://127.0.0.1:80x", "127.0.0.1", 8000),  # not a port at all
    ],
)
def test_local_addresses_that_miss_the_server_are_a_mismatch(base, host, port):
    assert base_url_mismatch(base, host, port)


@pytest.mark.parametrize(
    ("base", "host", "port", "proxied"),
    [
        ("http://127.0.0.1:8000", "127.0.0.1", 8000, False),
        ("http://localhost:8000/", "127.0.0.1", 8000, False),
        ("http://127.0.0.1:8000", "0.0.0.0", 8000, False),  # 0.0.0.0 listens on every address
        ("http://[::1]:8000", "::1", 8000, False),
        ("https://school.example", "127.0.0.1", 8000, False),  # https: a proxy in front
        ("http://school.example/surveys", "127.0.0.1", 8125, False),  # a path: a proxy in front
        ("http://school.example", "0.0.0.0", 8125, False),  # another host name: a proxy or DNS, not ours to judge
        ("http://127.0.0.1:8000", "127.0.0.1", 8125, True),  # SURVEYS_PROXY_HOPS: proxies stand in front
    ],
)
def test_matching_and_proxied_addresses_are_not_questioned(base, host, port, proxied):
    assert not base_url_mismatch(base, host, port, proxied)


def test_the_served_address_and_the_command_that_serves_a_base_url():
    assert served_url("0.0.0.0", 8125) == "http://127.0.0.1:8125"
    assert served_url("::1", 8125) == "http://[::1]:8125"
    assert serve_command("http://127.0.0.1:8000") == "surveys serve"
    assert serve_command("http://localhost:8125/") == "surveys serve --port 8125"
    assert serve_command("http://[::1]:8000") == "surveys serve --host ::1"
    assert serve_command("https://school.example") is None and serve_command("http://school.example:8000") is None
    for base in ("http://127.0.0.1:8000", "http://localhost:8125", "http://[::1]:9000"):
        words = serve_command(base).split()
        host = words[words.index("--host") + 1] if "--host" in words else "127.0.0.1"
        port = int(words[words.index("--port") + 1]) if "--port" in words else 8000
        assert not base_url_mismatch(base, host, port)


@pytest.fixture
def serving(monkeypatch):
    """``surveys serve`` without a server: the addresses waitress would have been asked to serve."""
    asked = []
    monkeypatch.setattr(waitress, "serve", lambda app, host, port, **options: asked.append((host, port)))
    return asked


def test_serve_warns_on_another_port_and_names_the_setting(make_app, serving):
    app = make_app(SURVEYS_BASE_URL="http://127.0.0.1:8000")
    result = app.test_cli_runner().invoke(args=["serve", "--port", "8125"])
    assert result.exit_code == 0, result.output
    assert serving == [("127.0.0.1", 8125)]
    assert "http://127.0.0.1:8000" in result.stderr and "SURVEYS_BASE_URL=http://127.0.0.1:8125" in result.stderr
    assert "--port 8125" in result.stderr


def test_serve_says_nothing_when_the_links_reach_it(make_app, serving):
    for base, args in (
        ("http://127.0.0.1:8000", []),
        ("http://127.0.0.1:8125", ["--port", "8125", "--host", "0.0.0.0"]),
        ("https://school.example", ["--port", "8125"]),
    ):
        result = make_app(SURVEYS_BASE_URL=base).test_cli_runner().invoke(args=["serve", *args])
        assert result.exit_code == 0 and result.stderr == "", (base, result.stderr)
    assert len(serving) == 3


def test_demo_prints_the_command_that_serves_its_links(make_app, serving):
    app = make_app(SURVEYS_BASE_URL="http://127.0.0.1:8125")
    demo = app.test_cli_runner().invoke(args=["demo"])
    assert demo.exit_code == 0, demo.output
    _email, _password, link = demo_login(demo.output)
    command = re.search(r"^\S.*?:\s+(surveys serve.*)$", demo.output, re.M).group(1)
    assert link.startswith("http://127.0.0.1:8125/s/") and command == "surveys serve --port 8125"
    served = app.test_cli_runner().invoke(args=command.split()[1:])
    assert served.exit_code == 0 and served.stderr == ""
    assert serving == [("127.0.0.1", 8125)]
