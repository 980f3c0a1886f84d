"""The wheel is the product: ``pip install .`` once left surveys/static/autosave.js out, and the test suite,
which installs with ``-e``, could not see it (issue 22).

Here the wheel is built from a copy of this checkout, installed (not editable, offline) into a throwaway
virtual environment, and that environment's ``surveys`` migrates a new SQLite database, fills the demo and
serves it. A participant follows the printed link to the first questionnaire page; the printed staff
login signs in and follows every kind of page from the start page, and prints link slips. Every static
file those pages use must answer 200 with a body, and every static file in the wheel must be used by one
of them. The machine also has the checkout installed editable: the venv's own site-packages comes first,
and the test checks that the code answering is the venv's.

SQLite only: what is checked is the package (the migrations are the same files for PostgreSQL).
"""

from __future__ import annotations

import html
import http.cookiejar
import re
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode, urljoin, urlsplit

import pytest
import yaml

from tests.conftest import demo_login
from tests.crawl import crawl
from tests.installed import clean_env, free_port, make_venv, served
from tests.test_project import NOT_PACKAGE_DATA

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("surveys", "plugins", "instruments")
STATIC = re.compile(r"""(?:src|href)=["']([^"']*/static/[^"']+)""")
CSS_URL = re.compile(r"""url\(\s*["']?([^"')]+)""")


def checkout_files() -> list[str]:
    """The files of this checkout as they are now: tracked, and new ones git does not ignore."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    )
    return [name for name in listed.stdout.decode().split("\0") if name and (ROOT / name).is_file()]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """Built from a copy: a build/ or *.egg-info left in the checkout by an earlier build can carry files
    into the wheel that a fresh clone does not have."""
    root = tmp_path_factory.mktemp("wheel")
    for name in checkout_files():
        (root / "source" / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, root / "source" / name)
    build = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index"]
    built = subprocess.run(
        [*build, "-w", root / "dist", root / "source"], env=clean_env(), capture_output=True, text=True, timeout=300
    )
    assert built.returncode == 0, built.stdout + built.stderr
    return next((root / "dist").glob("surveys-*.whl"))


@pytest.fixture(scope="module")
def venv(wheel) -> Path:
    """A new virtual environment with the wheel installed; the dependencies are the machine's."""
    folder = wheel.parents[1] / "venv"
    python = make_venv(folder)
    # --ignore-installed: the editable install outside the venv has the same version; pip must not skip the wheel
    install = [python, "-m", "pip", "install", "--no-deps", "--no-index", "--ignore-installed", wheel]
    installed = subprocess.run(install, env=clean_env(), capture_output=True, text=True, timeout=300)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    return folder


def test_the_wheel_holds_every_file_of_the_packages(wheel):
    shipped = set(zipfile.ZipFile(wheel).namelist())
    wanted = [
        name for name in checkout_files() if name.split("/")[0] in PACKAGES and Path(name).name not in NOT_PACKAGE_DATA
    ]
    missing = [name for name in wanted if name not in shipped]
    assert wanted and not missing, f"the wheel lacks {missing}: add a pattern to [tool.setuptools.package-data]"


def test_the_installed_command_runs_the_wheel_not_the_checkout(venv, tmp_path):
    where = subprocess.run(
        [
            venv / "bin" / "python",
            "-c",
            "import surveys, plugins, instruments\nfor m in (surveys, plugins, instruments): print(m.__file__)",
        ],
        cwd=tmp_path,
        env=clean_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    files = [Path(line) for line in where.stdout.splitlines()]
    assert len(files) == 3 and all(file.is_relative_to(venv) for file in files), files
    assert (venv / "bin" / "surveys").read_text().splitlines()[0] == f"#!{venv}/bin/python"


class Forms(HTMLParser):
    """Each form's action and what a browser sends when it is submitted unchanged."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[tuple[str | None, dict[str, list[str]]]] = []
        self.select: str | None = None
        self.options: list[tuple[str, bool]] = []
        self.textarea: str | None = None
        self.feed(page)

    def add(self, name: str | None, value: str) -> None:
        if name and self.forms:
            self.forms[-1][1].setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        found = {key: value or "" for key, value in attrs}
        if tag == "form":
            self.forms.append((found.get("action"), {}))
        elif tag == "input" and found.get("type") not in ("submit", "button", "reset", "file"):
            if found.get("type") not in ("checkbox", "radio") or "checked" in found:
                self.add(found.get("name"), found.get("value", ""))
        elif tag == "select":
            self.select, self.options = found.get("name"), []
        elif tag == "option" and self.select:
            self.options.append((found.get("value", ""), "selected" in found))
        elif tag == "textarea":
            self.textarea = found.get("name")
            self.add(self.textarea, "")

    def handle_endtag(self, tag):
        if tag == "select" and self.select and self.options:
            chosen = [value for value, selected in self.options if selected] or [self.options[0][0]]
            self.add(self.select, chosen[0])
            self.select = None
        elif tag == "textarea":
            self.textarea = None

    def handle_data(self, data):
        if self.textarea and self.forms:
            self.forms[-1][1][self.textarea][-1] += data


class Visitor:
    """A browser without JavaScript: keeps its cookies, follows redirects, and notes the static files
    the pages it reads use (URL → the first page that used it)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.url = ""
        self.assets: dict[str, str] = {}

    def fetch(self, path: str, data: dict | None = None) -> tuple[int, str, bytes]:
        body = urlencode(data, doseq=True).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, body, timeout=120) as response:
                self.url = response.geturl()
                return response.status, response.headers.get("Content-Type", ""), response.read()
        except urllib.error.HTTPError as err:
            return err.code, "", b""

    def get(self, path: str, data: dict | None = None) -> tuple[int, str, str]:
        status, kind, body = self.fetch(path, data)
        page = body.decode("utf-8", "replace")
        if kind.startswith("text/html"):
            for found in STATIC.findall(page):
                self.note(html.unescape(found), urlsplit(self.url).path)  # the page shown, after redirects
        return status, kind, page

    def note(self, url: str, used_by: str) -> str:
        """Note a static file ``used_by`` uses; returns its path."""
        parts = urlsplit(urljoin(self.base + used_by, url))
        assert f"{parts.scheme}://{parts.netloc}" == self.base, f"{used_by} uses {url}, outside the app"
        self.assets.setdefault(parts.path, used_by)
        return parts.path

    def submit(self, page: str, path: str, to: str | None = None, **fields: str) -> tuple[int, str, str]:
        """Submit the form of the page at ``path`` that posts ``to`` (default: to the page itself) as it is,
        but for ``fields``."""
        to = to or urlsplit(path).path
        found = {urljoin(path, action or path): data for action, data in Forms(page).forms}
        assert to in found, f"{path} has no form posting to {to}: {list(found)}"
        return self.get(to, found[to] | {k: [v] for k, v in fields.items()})


def test_the_installed_app_serves_its_pages_and_every_static_file(venv, wheel, tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = clean_env(SURVEYS_INSTANCE_PATH=str(tmp_path / "instance"), SURVEYS_BASE_URL=base)
    surveys = str(venv / "bin" / "surveys")
    for step in (["db", "upgrade"], ["demo"]):
        done = subprocess.run([surveys, *step], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
    email, password, link = demo_login(done.stdout)
    assert link.startswith(f"{base}/s/"), link
    archive = zipfile.ZipFile(wheel)
    shipped = archive.namelist()

    with served(env, program=surveys, port=port):
        participant = Visitor(base)
        token = urlsplit(link).path
        status, _, consent = participant.get(token)
        assert status == 200, consent
        status, _, questions = participant.submit(consent, token, f"{token}/consent", decision="agree")
        answering = {urljoin(token, action or token) for action, _ in Forms(questions).forms}
        assert status == 200 and token in answering, questions  # the first questionnaire page posts to the link
        assert participant.get("/privacy")[0] == 200

        staff = Visitor(base)
        status, _, login = staff.get("/login")
        assert status == 200 and "Войти" in login  # in Russian: the compiled catalogue was shipped
        status, _, _ = staff.submit(login, "/login", email=email, password=password)
        assert status == 200 and staff.url == f"{base}/staff/", staff.url
        pages = crawl(staff.get, ["/staff/"], per_pattern=1)
        assert not pages.refused and len(pages.pages) >= 15, (pages.refused, list(pages.pages))
        # every questionnaire file in the wheel was loaded: its plugin's entry point and its file are there
        ids = {yaml.safe_load(archive.read(name))["id"] for name in shipped if name.endswith(".yaml")}
        assert ids and ids <= set(pages.pages["/staff/instruments"]), ids - set(pages.pages["/staff/instruments"])
        slips = next(url for url in pages.pages if re.fullmatch(r"/staff/waves/\d+/slips", url))
        status, _, printed = staff.submit(staff.get(slips)[2], slips)
        assert status == 200 and "/static/slips.css" in printed

        assets = {**participant.assets, **staff.assets}
        refused = {}
        queue = list(assets)
        while queue:
            url = queue.pop()
            status, kind, body = staff.fetch(url)
            if status != 200 or not body:
                refused[url] = f"{status} ({len(body)} bytes), used by {assets[url]}"
            elif url.endswith(".css"):
                for found in CSS_URL.findall(body.decode()):  # fonts and images a stylesheet uses
                    if found.startswith("data:"):
                        continue
                    target = staff.note(found, url)
                    if target not in assets:
                        assets[target] = url
                        queue.append(target)
    assert not refused, refused
    used = {url.rsplit("/", 1)[-1] for url in assets}
    unused = [name for name in shipped if "/static/" in name and name.rsplit("/", 1)[-1] not in used]
    assert not unused, f"no page visited here uses {unused}: visit one that does"
