"""Building the plugin manager and the registries it fills.

Every plugin, built-in or third-party, arrives the same way: through the ``surveys``
entry-point group, or as a folder named in ``SURVEYS_PLUGINS_PATH``. The manager is
created per application and kept in ``app.extensions["surveys"]``.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import logging
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pluggy

from . import hookspecs
from .core.contracts import Analysis
from .core.definitions import Instrument
from .core.errors import ConflictError, DefinitionError, PluginError
from .core.loader import find_instrument_files, load_instrument
from .core.question_types import QuestionType

log = logging.getLogger(__name__)
hookimpl = pluggy.HookimplMarker("surveys")
ENTRY_POINT_GROUP = "surveys"


class FolderPlugin:
    """The plugin object of a folder: its questionnaire files plus the hooks in its ``plugin.py``."""

    def __init__(self, folder: Path, module: object | None = None):
        self.folder, self.module = folder, module
        for name in dir(module) if module else []:
            if name.startswith("surveys_") and name != "surveys_register_instruments":
                setattr(self, name, getattr(module, name))

    @hookimpl
    def surveys_register_instruments(self):
        files = find_instrument_files(self.folder)
        own = getattr(self.module, "surveys_register_instruments", None)
        return files + list(own() or []) if own else files


def _is_plugin_folder(folder: Path) -> bool:
    return (folder / "plugin.py").is_file() or bool(find_instrument_files(folder))


def plugin_folders(entries: list[str]) -> list[Path]:
    """Each entry is a plugin folder, or a folder whose subfolders are plugin folders."""
    found = []
    for entry in entries:
        folder = Path(entry).expanduser()
        if not folder.is_dir():
            raise PluginError(f"{folder}: SURVEYS_PLUGINS_PATH names a folder that does not exist")
        if _is_plugin_folder(folder):
            found.append(folder)
        else:
            found.extend(sorted(p for p in folder.iterdir() if p.is_dir() and _is_plugin_folder(p)))
    return found


def _register_folder(pm: pluggy.PluginManager, folder: Path) -> None:
    name = folder.name
    if pm.get_plugin(name) is not None:
        raise ConflictError(f"{folder}: a plugin named '{name}' is already loaded")
    module = None
    code = folder / "plugin.py"
    if code.is_file():
        module_name = f"surveys_folder_plugins.{name}"
        spec = importlib.util.spec_from_file_location(module_name, code)
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        try:
            spec.loader.exec_module(module)
        except Exception as err:  # a broken plugin file must name itself
            raise PluginError(f"{code}: cannot load the plugin: {err}") from err
    pm.register(FolderPlugin(folder, module), name=name)


def make_plugin_manager(plugins_path: list[str] | None = None) -> pluggy.PluginManager:
    """A new manager with the entry-point plugins and the folder plugins loaded."""
    pm = pluggy.PluginManager(ENTRY_POINT_GROUP)
    pm.add_hookspecs(hookspecs)
    pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
    for folder in plugin_folders(plugins_path or []):
        _register_folder(pm, folder)
    pm.check_pending()
    return pm


def implementations(hook: pluggy.HookCaller, **kwargs: Any) -> Iterator[tuple[str, Any]]:
    """Yield (plugin name, call) for each implementation of ``hook``, in pluggy's order.

    ``call()`` runs that one implementation with the keyword arguments it accepts. Used
    where the caller needs to know who answered (conflicts, mount points) or must
    survive one implementation failing (scoring).
    """
    for impl in reversed(hook.get_hookimpls()):
        if impl.hookwrapper or impl.wrapper:
            continue
        args = [kwargs[name] for name in impl.argnames]
        yield impl.plugin_name, lambda impl=impl, args=args: impl.function(*args)


def call_each(hook: pluggy.HookCaller, **kwargs: Any) -> Iterator[tuple[str, Any]]:
    """Call every implementation of ``hook``, yielding (plugin name, result)."""
    for plugin, call in implementations(hook, **kwargs):
        yield plugin, call()


def plugin_version(pm: pluggy.PluginManager, plugin: object) -> str:
    for module, dist in pm.list_plugin_distinfo():
        if module is plugin:
            return dist.version
    return "folder"


@dataclass
class Registry:
    """Everything the plugins registered, checked for conflicts."""

    question_types: dict[str, QuestionType] = field(default_factory=dict)
    instruments: dict[str, Instrument] = field(default_factory=dict)
    instrument_owner: dict[str, str] = field(default_factory=dict)
    analyses: dict[str, Analysis] = field(default_factory=dict)
    owners: dict[tuple[str, str], str] = field(default_factory=dict)

    def _claim(self, kind: str, name: str, plugin: str, where: str = "") -> None:
        key = (kind, name)
        if key in self.owners:
            raise ConflictError(
                f"{kind} '{name}' is registered twice: by plugin '{self.owners[key]}' and by plugin '{plugin}'{where}"
            )
        self.owners[key] = plugin

    def by_plugin(self) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for (kind, name), plugin in sorted(self.owners.items()):
            found.setdefault(plugin, []).append(f"{kind} {name}")
        return found


def build_registry(pm: pluggy.PluginManager) -> Registry:
    """Collect question types, instruments and analyses; stop on any conflict or bad file."""
    registry = Registry()
    for plugin, types in call_each(pm.hook.surveys_register_question_types):
        for qtype in types or []:
            registry._claim("question type", qtype.name, plugin)
            registry.question_types[qtype.name] = qtype
    problems = []
    sources: dict[str, str] = {}
    for plugin, paths in call_each(pm.hook.surveys_register_instruments):
        for path in paths or []:
            try:
                instrument = load_instrument(path, registry.question_types)
            except DefinitionError as err:
                problems.extend(err.problems)
                continue
            where = f" ({sources.get(instrument.id)} and {path})"
            registry._claim("instrument", instrument.id, plugin, where)
            sources[instrument.id] = str(path)
            registry.instruments[instrument.id] = instrument
            registry.instrument_owner[instrument.id] = plugin
    if problems:
        raise DefinitionError(problems)
    for plugin, analyses in call_each(pm.hook.surveys_register_analyses):
        for analysis in analyses or []:
            registry._claim("analysis", analysis.name, plugin)
            registry.analyses[analysis.name] = analysis
    return registry


def describe_plugins(pm: pluggy.PluginManager, registry: Registry) -> list[dict[str, Any]]:
    """What ``surveys plugins`` prints: name, version, hooks and what each registers."""
    registered = registry.by_plugin()
    rows = []
    for name, plugin in sorted(pm.list_name_plugin(), key=lambda item: item[0]):
        hooks = sorted(h.name for h in pm.get_hookcallers(plugin) or [])
        rows.append(
            {
                "name": name,
                "version": plugin_version(pm, plugin),
                "hooks": hooks,
                "registers": registered.get(name, []),
            }
        )
    return rows


def entry_point_names() -> Mapping[str, str]:
    return {ep.name: ep.value for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)}


def files_beside(module_file: str) -> list[Path]:
    """The questionnaire files in a plugin package's folder (for ``surveys_register_instruments``)."""
    return find_instrument_files(Path(module_file).parent)
