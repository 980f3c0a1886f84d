"""The catalogue gate: what the code and templates ask to translate, and what the Russian catalogue lacks.

Extraction uses the project's ``babel.cfg`` (the same mapping ``pybabel extract -F babel.cfg -k _l`` reads),
so a template the extractor cannot parse fails loudly instead of being skipped. A message *lacks* a
translation when its msgid is missing from ``messages.po``, only in the obsolete (``#~``) block, has an
empty (or partly empty plural) translation, or is marked fuzzy. Babel's own checks add the translations
whose ``%(name)s`` placeholders differ from the msgid's (they would fail at run time).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir, extract_from_file
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
BABEL_CFG = ROOT / "babel.cfg"
CATALOGUE_DIR = ROOT / "surveys" / "translations" / "ru" / "LC_MESSAGES"
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None}  # pybabel extract -k _l


@dataclass(frozen=True)
class Gap:
    """One msgid in use without a current Russian translation."""

    msgid: str
    kind: str  # missing, obsolete, empty, fuzzy, placeholders
    where: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.kind}: {self.msgid!r} (used at {', '.join(self.where[:3])})"


def mapping(cfg: Path = BABEL_CFG):
    with cfg.open(encoding="utf-8") as f:
        return parse_mapping_cfg(f)


def _msgid(message) -> str:
    return message if isinstance(message, str) else message[0]


def extract(root: Path = ROOT, cfg: Path = BABEL_CFG) -> dict[str, list[str]]:
    """Every msgid the code and templates under ``root`` use, with the ``file:line`` places using it."""
    method_map, options_map = mapping(cfg)
    used: dict[str, list[str]] = defaultdict(list)
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(root), method_map, options_map, keywords=KEYWORDS
    ):
        used[_msgid(message)].append(f"{filename}:{lineno}")
    return dict(used)


def extract_template(path: Path, cfg: Path = BABEL_CFG) -> set[str]:
    """The msgids one template yields, read with the options babel.cfg gives its pattern."""
    method_map, options_map = mapping(cfg)
    relative = path.relative_to(ROOT).as_posix()
    from babel.util import pathmatch

    for pattern, method in method_map:
        if pathmatch(pattern, relative):
            found = extract_from_file(method, str(path), keywords=KEYWORDS, options=options_map.get(pattern, {}))
            return {_msgid(message) for _line, message, _comments, _context in found}
    raise AssertionError(f"{relative}: no babel.cfg pattern extracts this template")


def read_catalogue(po: Path = CATALOGUE_DIR / "messages.po") -> Catalog:
    with po.open("rb") as f:
        return read_po(f, locale="ru")


def gaps(used: dict[str, list[str]], catalogue: Catalog) -> list[Gap]:
    """What ``used`` lacks in ``catalogue``, one :class:`Gap` per msgid, sorted."""
    found: list[Gap] = []
    bad_placeholders = {_msgid(message.id) for message, errors in catalogue.check() if errors}
    for msgid, where in sorted(used.items()):
        message = catalogue.get(msgid)
        strings = (
            ()
            if message is None
            else (message.string if isinstance(message.string, tuple | list) else (message.string,))
        )
        if message is None:
            kind = "obsolete" if msgid in catalogue.obsolete else "missing"
        elif not strings or not all(strings):
            kind = "empty"
        elif message.fuzzy:
            kind = "fuzzy"
        elif msgid in bad_placeholders:
            kind = "placeholders"
        else:
            continue
        found.append(Gap(msgid, kind, tuple(where)))
    return found


def entries(catalogue) -> dict:
    """msgid → translation, comparable between a .po and a .mo."""
    return {
        (tuple(m.id) if not isinstance(m.id, str) else m.id): (
            tuple(m.string) if not isinstance(m.string, str) else m.string
        )
        for m in catalogue
        if m.id
    }


def compiled_is_current(directory: Path = CATALOGUE_DIR) -> bool:
    with (directory / "messages.mo").open("rb") as f:
        mo = read_mo(f)
    return entries(read_catalogue(directory / "messages.po")) == entries(mo)


def compile_catalogue(directory: Path = CATALOGUE_DIR) -> None:
    """Rebuild messages.mo from messages.po (what ``pybabel compile`` does), skipping fuzzy entries like it."""
    catalogue = read_catalogue(directory / "messages.po")
    with (directory / "messages.mo").open("wb") as f:
        write_mo(f, catalogue, use_fuzzy=False)


def duplicate_definitions(po: Path = CATALOGUE_DIR / "messages.po") -> list[str]:
    """msgids defined twice in the file, obsolete (``#~``) entries included: Babel keeps one silently,
    GNU msgfmt refuses the file (a merge of two branches that both add a string can leave this)."""
    seen: dict[str, int] = {}
    current: list[str] | None = None

    def close() -> None:
        if current is not None:
            msgid = "".join(current)
            seen[msgid] = seen.get(msgid, 0) + 1

    for raw in po.read_text(encoding="utf-8").splitlines():
        line = raw[3:] if raw.startswith("#~ ") else raw
        if line.startswith("msgid "):
            close()
            current = [line[6:].strip().strip('"')]
        elif line.startswith('"') and current is not None:
            current.append(line.strip().strip('"'))
        elif current is not None:
            close()
            current = None
    close()
    return sorted(msgid for msgid, count in seen.items() if count > 1 and msgid)
