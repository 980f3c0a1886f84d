"""The project keeps its promises: two set-up commands, CI runs the second, ruff is clean,
every user-visible string has a Russian translation."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
CATALOG = ROOT / "surveys" / "translations" / "ru" / "LC_MESSAGES"


def readme_commands() -> list[str]:
    setup = ROOT.joinpath("README.md").read_text(encoding="utf-8").split("## Set-up", 1)[1].split("\n## ", 1)[0]
    return [block.strip() for block in re.findall(r"```sh\n(.*?)```", setup, re.S)]


def test_readme_gives_exactly_two_setup_commands_and_ci_runs_the_second():
    commands = readme_commands()
    assert len(commands) == 2 and all("\n" not in c for c in commands)
    assert "surveys demo" in commands[0] and "surveys serve" in commands[0]
    assert "pytest" in commands[1] and "SURVEYS_TEST_DATABASE_URL" in commands[1]
    ci = ROOT.joinpath(".ci", "run").read_text(encoding="utf-8")
    assert commands[1] in ci.splitlines()


def test_ruff_is_clean():
    ruff = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    result = subprocess.run([ruff, "check", str(ROOT)], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_user_visible_string_has_a_russian_translation(tmp_path):
    pybabel = shutil.which("pybabel") or str(Path(sys.executable).with_name("pybabel"))
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [pybabel, "-q", "extract", "-F", "babel.cfg", "-k", "_l", "-o", str(pot), "."],
        check=True,
        cwd=ROOT,
    )
    with pot.open("rb") as f:
        wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}
    with (CATALOG / "messages.po").open("rb") as f:
        catalog = read_po(f)
    translated = {
        (m.id if isinstance(m.id, str) else m.id[0])
        for m in catalog
        if m.id and (all(m.string) if isinstance(m.string, tuple | list) else m.string) and not m.fuzzy
    }
    missing = sorted(wanted - translated)
    assert not missing, f"untranslated: {missing}; run pybabel update and translate"


def test_compiled_catalog_matches_the_po_file():
    def entries(catalog):
        return {
            tuple(m.id) if not isinstance(m.id, str) else m.id: tuple(m.string)
            if not isinstance(m.string, str)
            else m.string
            for m in catalog
            if m.id
        }

    with (CATALOG / "messages.po").open("rb") as f:
        po = entries(read_po(f))
    with (CATALOG / "messages.mo").open("rb") as f:
        mo = entries(read_mo(f))
    assert po == mo, "run: pybabel compile -d surveys/translations"


@pytest.mark.parametrize(
    "module",
    sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "surveys").rglob("*.py") if "migrations" not in p.parts),
)
def test_modules_stay_small(module):
    assert len(ROOT.joinpath(module).read_text(encoding="utf-8").splitlines()) <= 400


# Tracked files in the packages that are documentation for people, not read by the app.
NOT_PACKAGE_DATA = {"README.md", "README"}


def test_every_tracked_file_in_the_packages_is_package_data():
    """A plain `pip install .` ships every file the app serves or reads (autosave.js once was left out)."""
    import fnmatch
    import tomllib

    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"][
        "package-data"
    ]
    wanted = patterns["*"]
    tracked = subprocess.run(
        ["git", "ls-files", "surveys", "plugins", "instruments"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    left_out = [
        name
        for name in tracked
        if not name.endswith(".py")
        and Path(name).name not in NOT_PACKAGE_DATA
        and not any(fnmatch.fnmatch(Path(name).name, pattern) for pattern in wanted)
    ]
    assert tracked and not left_out, f"add a package-data pattern for: {left_out}"
