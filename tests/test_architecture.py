"""The import contracts of pyproject.toml ([tool.importlinter]) hold, and they bite.

import-linter reads the contracts from pyproject.toml: the core imports nothing of the project but
the unbound extensions, and no package's modules import each other in a circle.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    command = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))
    return subprocess.run(
        [command, "--no-cache"], cwd=cwd, capture_output=True, text=True, env={"PYTHONPATH": str(cwd)}
    )


def test_the_project_keeps_its_import_contracts():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 2 kept, 0 broken." in result.stdout


def test_a_forbidden_import_and_a_circle_break_the_contracts(tmp_path):
    """A copy of the project's layout where the core imports a view and two modules import each other."""
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    files = {
        "surveys/__init__.py": "",
        "surveys/extensions.py": "",
        "surveys/audit.py": "from surveys.views import access\n",
        "surveys/core/__init__.py": "",
        "surveys/core/models.py": "from surveys.extensions import db\nfrom surveys.views.access import allowed\n",
        "surveys/api/__init__.py": "",
        "surveys/views/__init__.py": "",
        "surveys/views/access.py": "from surveys import audit\n",
        "plugins/__init__.py": "",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    result = lint_imports(tmp_path)
    assert result.returncode == 1
    assert "surveys.core.models -> surveys.views.access" in result.stdout
    assert ".audit -> .views" in result.stdout or ".views -> .audit" in result.stdout
    assert "Contracts: 0 kept, 2 broken." in result.stdout
