"""The project keeps its promises: two set-up commands, CI runs the second, ruff is clean,
every user-visible string has a Russian translation."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from jinja2 import TemplateSyntaxError

from tests.catalogue import (
    BABEL_CFG,
    compile_catalogue,
    compiled_is_current,
    duplicate_definitions,
    extract,
    extract_template,
    gaps,
    read_catalogue,
)
from tests.conftest import COMPILED_CATALOGUE_WAS_CURRENT

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


def test_every_msgid_in_use_has_a_current_russian_translation():
    """The catalogue gate: missing, obsolete, empty, fuzzy or wrongly-placeholdered translations are named."""
    found = gaps(extract(), read_catalogue())
    assert not found, "lacking a Russian translation (edit messages.po, then pybabel compile):\n" + "\n".join(
        map(str, found)
    )


def test_no_message_is_defined_twice_in_the_catalogue(tmp_path):
    assert duplicate_definitions() == []
    po = tmp_path / "messages.po"
    po.write_text(
        'msgid "Saved"\nmsgstr "Сохранено"\n\n#~ msgid ""\n#~ "Sav"\n#~ "ed"\n#~ msgstr "x"\n', encoding="utf-8"
    )
    assert duplicate_definitions(po) == ["Saved"]


def test_the_committed_compiled_catalogue_was_current():
    """The run rebuilds messages.mo (tests/conftest.py), but the wheel ships the committed one."""
    current = COMPILED_CATALOGUE_WAS_CURRENT[0] if COMPILED_CATALOGUE_WAS_CURRENT else compiled_is_current()
    assert current, "messages.mo was stale: run pybabel compile -d surveys/translations and commit it"


TEMPLATES = sorted(
    p.relative_to(ROOT).as_posix() for base in ("surveys", "plugins") for p in (ROOT / base).rglob("*.html")
)
LITERAL_CALL = re.compile(r"""\b(?:_|gettext|ngettext)\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')""")
TRANS_BLOCK = re.compile(r"{%-?\s*trans\b.*?%}(.*?){%-?\s*(?:pluralize|endtrans)", re.S)


@pytest.mark.parametrize("template", TEMPLATES)
def test_each_template_yields_its_messages(template):
    """Every literal _("...") of a template, and one message per {% trans %} block, reach the catalogue."""
    source = ROOT.joinpath(template).read_text(encoding="utf-8")
    literals = {(a or b).replace('\\"', '"').replace("\\'", "'") for a, b in LITERAL_CALL.findall(source)}
    blocks = {" ".join(block.split()) for block in TRANS_BLOCK.findall(source)}
    extracted = extract_template(ROOT / template)
    assert literals <= extracted, f"not extracted: {sorted(literals - extracted)}"
    assert len(extracted - literals) >= len(blocks - literals), "a {% trans %} block was not extracted"
    assert extracted or not (literals or blocks)


def test_the_gate_names_a_new_untranslated_string_and_fails_on_a_template_it_cannot_read(tmp_path):
    known = "Please check the answers marked below."
    assert known in {m.id for m in read_catalogue() if m.id}
    page = tmp_path / "surveys" / "feature" / "templates" / "new.html"
    page.parent.mkdir(parents=True)
    page.write_text(
        "{% do items.append(1) %}"
        + f'<p>{{{{ _("{known}") }}}}</p><p>{{{{ _("A sentence nobody has translated") }}}}</p>',
        encoding="utf-8",
    )
    (tmp_path / "plugins" / "extra").mkdir(parents=True)
    (tmp_path / "plugins" / "extra" / "labels.py").write_text('TITLE = _l("A new plugin title")\n', encoding="utf-8")

    found = {gap.msgid: gap for gap in gaps(extract(tmp_path), read_catalogue())}
    assert set(found) == {"A sentence nobody has translated", "A new plugin title"}
    assert found["A new plugin title"].kind == "missing"
    assert found["A new plugin title"].where == ("plugins/extra/labels.py:1",)
    assert "new.html:1" in str(found["A sentence nobody has translated"])

    # Without jinja2.ext.do the template cannot be parsed: the extractor must fail, not skip it.
    loose = tmp_path / "loose.cfg"
    loose.write_text(
        BABEL_CFG.read_text(encoding="utf-8").replace("extensions = jinja2.ext.do\n", ""), encoding="utf-8"
    )
    with pytest.raises(TemplateSyntaxError):
        extract(tmp_path, loose)


def test_the_gate_names_obsolete_empty_fuzzy_and_broken_translations(tmp_path):
    po = tmp_path / "messages.po"
    po.write_text(
        """msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"
"Plural-Forms: nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : "
"n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);\\n"

msgid "Saved"
msgstr "Сохранено"

#, fuzzy
msgid "Draft"
msgstr "Черновик"

msgid "Empty"
msgstr ""

#, python-format
msgid "%(n)s answers"
msgstr "%(count)s ответов"

msgid "%(num)d file"
msgid_plural "%(num)d files"
msgstr[0] "%(num)d файл"
msgstr[1] ""
msgstr[2] "%(num)d файлов"

#~ msgid "Gone"
#~ msgstr "Удалено"
""",
        encoding="utf-8",
    )
    used = {
        m: [f"x.py:{i}"]
        for i, m in enumerate(["Saved", "Draft", "Empty", "%(n)s answers", "%(num)d file", "Gone", "New"])
    }
    kinds = {gap.msgid: gap.kind for gap in gaps(used, read_catalogue(po))}
    assert kinds == {
        "Draft": "fuzzy",
        "Empty": "empty",
        "%(n)s answers": "placeholders",
        "%(num)d file": "empty",
        "Gone": "obsolete",
        "New": "missing",
    }


def test_a_stale_compiled_catalogue_is_seen_and_rebuilt(tmp_path):
    for name in ("messages.po", "messages.mo"):
        shutil.copy(CATALOG / name, tmp_path / name)
    assert compiled_is_current(tmp_path)
    with (tmp_path / "messages.po").open("a", encoding="utf-8") as po:
        po.write('\nmsgid "A message added after compiling"\nmsgstr "Сообщение, добавленное после компиляции"\n')
    assert not compiled_is_current(tmp_path)
    compile_catalogue(tmp_path)
    assert compiled_is_current(tmp_path)


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
