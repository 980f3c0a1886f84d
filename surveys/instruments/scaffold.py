"""``surveys plugin new NAME``: a working plugin package to start a new method from.

The package holds a ``pyproject.toml`` with the ``surveys`` entry point, a sample questionnaire,
a scorer for its custom scale and known-answer tests; the templates are in ``plugin_template/``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from string import Template

TEMPLATES = Path(__file__).parent / "plugin_template"
NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def N_(message: str) -> str:
    """Marks a message for the catalogue; the command translates it when it prints it."""
    return message


class ScaffoldError(ValueError):
    """The plugin cannot be made: a bad name or a folder that is already there.

    ``message`` is the English msgid and ``params`` its values, so the command can print it translated."""

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message % params)
        self.message, self.params = message, params


@dataclass(frozen=True)
class Scaffold:
    name: str
    folder: Path
    files: tuple[Path, ...]


def layout(name: str) -> dict[str, str]:
    """Template file → path in the new package."""
    package = f"surveys_{name}"
    return {
        "pyproject.toml.txt": "pyproject.toml",
        "README.md.txt": "README.md",
        "__init__.py.txt": f"{package}/__init__.py",
        "scoring.py.txt": f"{package}/scoring.py",
        "instrument.yaml.txt": f"{package}/{name}.yaml",
        "test_scoring.py.txt": "tests/test_scoring.py",
        "test_plugin.py.txt": "tests/test_plugin.py",
    }


def check_name(name: str, taken: set[str] = frozenset()) -> None:
    if not NAME.match(name) or "__" in name or len(name) > 60:
        raise ScaffoldError(
            N_(
                "plugin name '%(name)s': use lower-case Latin letters, digits and single underscores, "
                "starting with a letter (for example club_mood)"
            ),
            name=name,
        )
    if name in taken:
        raise ScaffoldError(N_("plugin name '%(name)s' is already used by an installed plugin"), name=name)


def create_plugin(name: str, parent: Path, title: str | None = None, taken: set[str] = frozenset()) -> Scaffold:
    """Write the package for plugin ``name`` into ``parent/name``; returns what was written."""
    check_name(name, taken)
    folder = parent / name
    if folder.exists():
        raise ScaffoldError(N_("%(folder)s already exists: choose another name or folder"), folder=folder)
    title = (title or name.replace("_", " ").capitalize()).strip()
    values = {
        "name": name,
        "package": f"surveys_{name}",
        "distribution": f"surveys-{name.replace('_', '-')}",
        "title": title,
        "title_yaml": json.dumps(title, ensure_ascii=False),
        "description_toml": json.dumps(f"{title}: a method for the surveys platform", ensure_ascii=False),
    }
    written = []
    for template, target in layout(name).items():
        path = folder / target
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(Template((TEMPLATES / template).read_text(encoding="utf-8")).substitute(values), "utf-8")
        written.append(path)
    return Scaffold(name, folder, tuple(written))
