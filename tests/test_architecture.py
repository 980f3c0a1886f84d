"""The import contracts of pyproject.toml ([tool.importlinter]) hold, they bite, and the map in
docs/architecture.md and the plugin surface in docs/plugins.md name every package and module.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FEATURES = ("instruments", "workspace", "participation", "transfer", "exports", "reporting")


def lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    command = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))
    return subprocess.run(
        [command, "--no-cache"], cwd=cwd, capture_output=True, text=True, env={"PYTHONPATH": str(cwd)}
    )


def contracts() -> dict[str, dict]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    return {contract["id"]: contract for contract in config["contracts"]}


def packages() -> list[str]:
    """Every package directly under surveys/ (a folder with an __init__.py)."""
    return sorted(p.parent.name for p in (ROOT / "surveys").glob("*/__init__.py"))


def top_level_modules() -> set[str]:
    names = {p.stem for p in (ROOT / "surveys").glob("*.py") if p.stem != "__init__"}
    return {f"surveys.{name}" for name in names | set(packages())}


def test_the_project_keeps_its_import_contracts():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Contracts: {len(contracts())} kept, 0 broken." in result.stdout


def test_every_feature_has_a_contract_for_its_public_module():
    ids = set(contracts())
    assert {f"public-{feature}" for feature in (*FEATURES, "web")} <= ids
    assert set(contracts()["edge"]["source_modules"]) == {f"surveys.{feature}.*" for feature in FEATURES}
    layered = " ".join(contracts()["features"]["layers"])
    assert all(f"surveys.{feature}" in layered for feature in FEATURES)


# One file per contract that it must break: (path, text, what lint-imports prints for it).
BREAKS = {
    "core": ("surveys/core/models.py", "from surveys.web import access\n", "surveys.core.models -> surveys.web"),
    "edge": (
        "surveys/workspace/campaigns.py",
        "from surveys.workspace.pages import campaigns\n",
        "surveys.workspace.campaigns -> surveys.workspace.pages",
    ),
    "features": (
        "surveys/instruments/catalogues.py",
        "from surveys.workspace import people\n",
        "surveys.instruments.catalogues -> surveys.workspace",
    ),
    "public-exports": (
        "surveys/reporting/dashboard.py",
        "from surveys.exports.aggregates import describe_scores\n",
        "surveys.reporting.dashboard -> surveys.exports.aggregates",
    ),
    "plugins": (
        "plugins/swot/__init__.py",
        "from surveys.transfer import bundle\n",
        "plugins.swot -> surveys.transfer",
    ),
    "acyclic": ("surveys/audit.py", "from surveys import staff_context\n", ".audit"),
}


def test_each_contract_breaks_on_a_forbidden_import(tmp_path):
    """A copy of the project's layout with one forbidden import per contract: each contract breaks."""
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    files = {"surveys/__init__.py": "", "surveys/extensions.py": "", "plugins/__init__.py": ""}
    for package in (*FEATURES, "core", "api", "web"):
        files[f"surveys/{package}/__init__.py"] = ""
    for feature in FEATURES:
        files[f"surveys/{feature}/pages/__init__.py"] = ""
        files[f"surveys/{feature}/commands.py"] = ""
    for name in (
        "cli",
        "cli_language",
        "factory",
        "demo",
        "staff_context",
        "throttle",
        "worker",
        "builtin",
        "config",
        "serving",
    ):
        files[f"surveys/{name}.py"] = ""
    files |= {
        "surveys/__main__.py": "",
        "surveys/core/models.py": "from surveys.extensions import db\n",
        "surveys/workspace/pages/campaigns.py": "from surveys.web import access\n",
        "surveys/workspace/commands.py": "from surveys.workspace import people\n",
        "surveys/workspace/people.py": "",
        "surveys/exports/aggregates.py": "",
        "surveys/transfer/bundle.py": "",
        "surveys/web/access.py": "",
        "surveys/staff_context.py": "from surveys import audit\n",
        "plugins/swot/__init__.py": "",
    }
    for path, text, _printed in BREAKS.values():
        files[path] = files.get(path, "") + text
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    result = lint_imports(tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    for contract_id, (_path, _text, printed) in BREAKS.items():
        name = contracts()[contract_id]["name"]
        assert f"{name} BROKEN" in result.stdout, contract_id
        assert printed in result.stdout, contract_id


def test_the_architecture_map_names_every_package():
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    table = set(re.findall(r"^\| `surveys\.([a-z_]+)` \|", text, flags=re.M))
    missing = set(packages()) - table
    assert not missing, f"docs/architecture.md has no row for: {sorted(missing)}"
    unknown = table - set(packages())
    assert not unknown, f"docs/architecture.md names packages that do not exist: {sorted(unknown)}"


def test_the_architecture_map_names_every_top_level_module():
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `([a-z_`, ]+)` \|", text, flags=re.M)
    named = {name.strip(" `") for row in rows for name in row.split(",")}
    modules = {m.removeprefix("surveys.") for m in top_level_modules()} - set(packages()) - {"__main__"}
    assert modules - named == set(), f"docs/architecture.md does not describe: {sorted(modules - named)}"


def test_every_module_the_documentation_names_exists():
    """Paths (``surveys/…/x.py``) and dotted names (``surveys.x.y``) in README.md and docs/ resolve."""
    import importlib

    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = page.read_text(encoding="utf-8")
        for path in re.findall(r"(?<![\w/.])((?:surveys|plugins)/[\w/]+\.py)", text):
            assert (ROOT / path).is_file(), (page.name, path)
        for dotted in re.findall(r"(?<![\w/.])(surveys(?:\.\w+)+)", text):
            if dotted.endswith(".sqlite3"):  # the SQLite file's name
                continue
            parts, found = dotted.split("."), None
            for cut in range(len(parts), 0, -1):
                try:
                    found = importlib.import_module(".".join(parts[:cut]))
                except ImportError:
                    continue
                for name in parts[cut:]:
                    found = getattr(found, name, None)
                break
            assert found is not None, (page.name, dotted)


def test_every_package_says_what_it_owns_and_may_use():
    for package in (*FEATURES, "web", "core", "api"):
        doc = ast.get_docstring(ast.parse((ROOT / "surveys" / package / "__init__.py").read_text(encoding="utf-8")))
        assert doc and "Owns" in doc and ("Uses" in doc or "never import" in doc), package


@pytest.mark.parametrize("feature", FEATURES)
def test_a_feature_exports_only_what_it_defines(feature):
    """``__all__`` lists what other packages may import, and every name in it is there."""
    module = __import__(f"surveys.{feature}", fromlist=["__all__"])
    assert module.__all__, feature
    for name in module.__all__:
        assert hasattr(module, name), (feature, name)


def test_the_plugin_surface_and_the_plugins_contract_cover_every_top_level_module():
    """A new module of surveys is either named in docs/plugins.md or forbidden to plugins."""
    text = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
    section = text[text.index("## What a plugin may import") : text.index("## Reference")]
    surface = set(re.findall(r"^\| `(surveys(?:\.\w+)?)` \|", section, flags=re.M))
    forbidden = set(contracts()["plugins"]["forbidden_modules"])
    assert not surface & forbidden
    everything = top_level_modules() | {"surveys"}
    assert surface | forbidden == everything, sorted(everything ^ (surface | forbidden))
