"""The plugin kit: ``surveys plugin new`` end to end, and the guide in docs/plugins.md run verbatim.

Everything is installed into a throwaway virtual environment that sees this one's packages
(``--system-site-packages``), so the environment running the suite never gains a plugin. In it,
``pip install`` runs offline (``--no-index --no-build-isolation``): the dependencies, surveys and the
``test`` extra's pytest, must be found already installed, so an extra the guide asks for is resolved
and ``surveys`` is ``python -m surveys``; the commands are otherwise run as the guide prints them.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from surveys.instruments.commands.plugin import plugin
from surveys.instruments.scaffold import ScaffoldError, create_plugin
from tests.installed import clean_env, make_venv

GUIDE = Path(__file__).parents[1] / "docs" / "plugins.md"
BLOCK = re.compile(r"^<!-- (?:file: (?P<path>\S+)|run) -->\n```\w*\n(?P<body>.*?)\n```$", re.M | re.S)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    """A folder with a virtual environment and the commands the guide uses, first on PATH."""
    root = tmp_path_factory.mktemp("plugin-kit")
    python = make_venv(root / "venv")
    bin_ = root / "bin"
    bin_.mkdir()
    (bin_ / "surveys").write_text(f'#!/bin/sh\nexec "{python}" -m surveys "$@"\n')
    (bin_ / "pip").write_text(
        f'#!/bin/sh\nif [ "$1" = install ]; then exec "{python}" -m pip "$@" --no-index --no-build-isolation; fi\n'
        f'exec "{python}" -m pip "$@"\n'
    )
    for script in bin_.iterdir():
        script.chmod(0o755)
    env = clean_env(SURVEYS_INSTANCE_PATH=str(root / "instance"))
    env["PATH"] = f"{bin_}:{python.parent}:{env['PATH']}"
    env["PYTHONPATH"] = str(Path(__file__).parents[1])  # this checkout's surveys, not whichever is installed
    return root, env


def run(command: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(command, shell=True, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def matches(expected: list[str], actual: list[str]) -> bool:
    """Line by line; a line that is only ``…`` stands for any lines, ``…`` inside a line for any text."""
    if not expected:
        return not actual
    if expected[0] == "…":
        return any(matches(expected[1:], actual[i:]) for i in range(len(actual) + 1))
    pattern = ".*".join(re.escape(part) for part in expected[0].split("…"))
    return bool(actual) and re.fullmatch(pattern, actual[0]) is not None and matches(expected[1:], actual[1:])


def console(body: str) -> list[tuple[str, list[str]]]:
    """``$ command`` lines and the output shown under each."""
    steps: list[tuple[str, list[str]]] = []
    for line in body.splitlines():
        if line.startswith("$ "):
            steps.append((line[2:], []))
        else:
            steps[-1][1].append(line)
    return steps


def test_the_guides_worked_example_runs_as_printed(workdir):
    root, env = workdir
    here = root / "guide"
    here.mkdir()
    env = dict(env)
    blocks = list(BLOCK.finditer(GUIDE.read_text(encoding="utf-8")))
    assert len(blocks) >= 6, "the guide's example blocks are marked <!-- file: … --> or <!-- run -->"
    commands = 0
    for block in blocks:
        if block["path"]:
            target = here / block["path"]
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(block["body"] + "\n", encoding="utf-8")
            continue
        for command, expected in console(block["body"]):
            if command.startswith("export "):
                name, _, value = command.removeprefix("export ").partition("=")
                env[name] = value
                continue
            done = run(command, here, env)
            commands += 1
            assert done.returncode == 0, f"$ {command}\n{done.stdout}\n{done.stderr}"
            actual = done.stdout.rstrip("\n").splitlines()
            shown = "\n".join(expected)
            assert matches(expected, actual), f"$ {command}\nexpected:\n{shown}\ngot:\n{done.stdout}"
    assert commands >= 7
    # What the guide shows of the scorer is the scorer the kit writes.
    guide = GUIDE.read_text(encoding="utf-8")
    shown = re.search(r"   ```python\n(.*?)\n   ```", guide, re.S)[1]
    written = (here / "club_mood" / "surveys_club_mood" / "scoring.py").read_text(encoding="utf-8")
    assert "\n".join(line.removeprefix("   ") for line in shown.splitlines()) in written


def test_a_new_plugin_installs_lists_passes_and_its_tests_catch_a_broken_key(workdir):
    root, env = workdir
    here = root / "kit"
    here.mkdir()
    made = run("surveys plugin new hall_mood", here, env)
    assert made.returncode == 0, made.stderr
    package = here / "hall_mood"
    assert (package / "pyproject.toml").read_text().count('hall_mood = "surveys_hall_mood"') == 1
    ruff = shutil.which("ruff") or "ruff"
    lint = subprocess.run([ruff, "check", "--no-cache", "."], cwd=package, capture_output=True)
    assert lint.returncode == 0, lint.stdout
    # Installed as the kit says, with the test extra that brings pytest (resolved offline, see above).
    install = next(line.strip() for line in made.stdout.splitlines() if line.strip().startswith("pip install"))
    assert install == "pip install -e 'hall_mood[test]'"
    assert run(install, here, env).returncode == 0
    extra = run("python -c \"import importlib.metadata as m; print(m.requires('surveys-hall-mood'))\"", here, env)
    assert 'pytest>=8; extra == "test"' in extra.stdout, extra.stdout + extra.stderr
    listed = run("surveys plugins --json", here, env)
    plugin = {row["name"]: row for row in json.loads(listed.stdout)}["hall_mood"]
    assert plugin["version"] == "0.1.0" and "instrument hall_mood" in plugin["registers"]
    assert plugin["hooks"] == ["surveys_register_instruments", "surveys_score_response"]
    checked = run("surveys instrument check hall_mood/surveys_hall_mood/hall_mood.yaml", here, env)
    assert checked.returncode == 0 and "в порядке (hall_mood, версия 1, 1 вопрос)" in checked.stdout
    passed = run("python -m pytest -q -p no:cacheprovider hall_mood", here, env)
    assert passed.returncode == 0 and "5 passed" in passed.stdout, passed.stdout
    inside = run("python -m pytest -q -p no:cacheprovider", package, env)  # the package README's command
    assert inside.returncode == 0 and "5 passed" in inside.stdout, inside.stdout
    # Break the key: the package's own tests must notice.
    scoring = package / "surveys_hall_mood" / "scoring.py"
    scoring.write_text(scoring.read_text().replace("max(values) - min(values)", "max(values) - min(values) + 1"))
    broken = run("python -m pytest -q -p no:cacheprovider hall_mood", here, env)
    assert broken.returncode == 1 and "failed" in broken.stdout and "test_every_answer_given" in broken.stdout


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("Club", "используйте строчные латинские буквы"),
        ("клуб", "используйте строчные латинские буквы"),
        ("club__mood", "используйте строчные латинские буквы"),
        ("9club", "используйте строчные латинские буквы"),
        ("burnout", "уже занято установленным плагином"),
    ],
)
def test_a_bad_name_is_refused_with_a_reason(tmp_path, name, message):
    result = CliRunner(env={"SURVEYS_DEFAULT_LOCALE": "ru"}).invoke(plugin, ["new", name, "--path", str(tmp_path)])
    assert result.exit_code == 2 and message in result.output
    assert not any(tmp_path.iterdir())


def test_an_existing_folder_is_never_overwritten(tmp_path):
    (tmp_path / "club_mood").mkdir()
    (tmp_path / "club_mood" / "notes.txt").write_text("mine")
    with pytest.raises(ScaffoldError, match="already exists"):
        create_plugin("club_mood", tmp_path)
    assert [p.name for p in (tmp_path / "club_mood").iterdir()] == ["notes.txt"]
