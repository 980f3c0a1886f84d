"""Questionnaire files cannot stall the server: a file is measured with its YAML aliases written out
before anything walks it, and refused past MAX_NODES values with ``file:line`` (docs/format.md).

The hostile file is an alias bomb: a ``show_if`` whose ``any``/``all`` lists hold the level below
once and then FAN - 1 aliases of it, so each level of a few bytes multiplies the conditions by FAN.
Level 5 (about 850,000 values) took seconds and hundreds of MB per copy before; it must be refused by
every way a questionnaire file comes in: the upload page, a plugin folder at start-up,
``surveys instrument check``, and the XLSForm import's result (which has no aliases, but repeats
each group's conditions in every question of the group). Campaign bundles name questionnaires by id
and version only: they carry no definitions, so there is nothing of this kind to measure there.

The tests count work instead of timing it (timings belong in ``bench/``): a refused file is parsed
into its short node graph and not one of its values is built; a refused XLSForm is never written.
"""

from __future__ import annotations

import io
import json
import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from surveys.core import yaml_lines
from surveys.core.conditions import Condition
from surveys.core.errors import DefinitionError
from surveys.core.loader import find_instrument_files, load_instrument
from surveys.core.question_types import built_in_types
from surveys.core.yaml_lines import MAX_NODES, expanded_size
from surveys.instruments.commands import xlsform as xlsform_command
from tests.conftest import post_form, set_role
from tests.test_xlsform import run_import, workbook

ROOT = Path(__file__).resolve().parents[1]
TYPES = built_in_types()
FAN = 11
COPIES = 3  # questions whose show_if is the whole bomb (the first writes it out, the others alias it)
BUNDLED = sorted(
    path
    for folder in [ROOT / "instruments", *sorted((ROOT / "plugins").iterdir())]
    if folder.is_dir()
    for path in find_instrument_files(folder)
)


def alias_bomb(levels: int, fan: int = FAN, copies: int = COPIES) -> str:
    """A valid questionnaire whose conditions fan out through aliases, one line per level."""
    pad = " " * 10
    lines = [
        "id: bomb",
        "version: 1",
        "title: Бомба",
        "audience: [mentee]",
        "pages:",
        "  - id: first",
        "    questions:",
        "      - {id: q0, type: yes_no, text: Первый вопрос}",
        "  - id: second",
        "    questions:",
        "      - id: q1",
        "        type: yes_no",
        "        text: Второй вопрос",
        "        show_if:",
    ]
    lines += [f"{pad}&l{k} {{{'any' if k % 2 else 'all'}: [" for k in range(levels, 0, -1)]
    lines.append(f"{pad}&l0 {{question: q0, equals: yes}},")
    for k in range(1, levels + 1):
        lines.append(pad + ", ".join([f"*l{k - 1}"] * (fan - 1)) + "]}" + ("," if k < levels else ""))
    for n in range(2, copies + 1):
        lines.append(f"      - {{id: q{n}, type: yes_no, text: Вопрос {n}, show_if: *l{levels}}}")
    return "\n".join(lines) + "\n"


def where_refused(text: str, levels: int = 5) -> tuple[int, int]:
    """The line the refusal must name (the aliases of the level below the top) and that level's anchor's line."""
    lines = text.splitlines()
    alias = next(n for n, line in enumerate(lines, 1) if line.strip().startswith(f"*l{levels - 1},"))
    anchor = next(n for n, line in enumerate(lines, 1) if f"&l{levels - 1} " in line)
    return alias, anchor


def assert_names_the_alias(message: str, source: str, text: str) -> None:
    """One line ``source:line:`` at the aliases of level 4, naming the anchor's line and the limit."""
    alias, anchor = where_refused(text)
    (line,) = [line for line in message.splitlines() if line.startswith(f"{source}:")]
    assert line.startswith(f"{source}:{alias}: "), line
    assert all(word in line for word in ("*l4", "&l4", f" {anchor})", str(MAX_NODES))), line


class Work:
    """What the YAML loader did to each text it was given: how often it parsed it, how many values it built."""

    def __init__(self) -> None:
        self.parsed: Counter[str] = Counter()
        self.built: Counter[str] = Counter()

    def watch(self, monkeypatch: pytest.MonkeyPatch) -> Work:
        loader, work = yaml_lines._Loader, self
        original_init, original_construct = loader.__init__, loader.construct_object

        def init(self, stream):
            original_init(self, stream)
            self.watched_text = stream if isinstance(stream, str) else None
            work.parsed[self.watched_text] += 1

        def construct_object(self, node, deep=False):
            work.built[self.watched_text] += 1
            return original_construct(self, node, deep=deep)

        monkeypatch.setattr(loader, "__init__", init)
        monkeypatch.setattr(loader, "construct_object", construct_object)
        return self

    def refused_unbuilt(self, text: str) -> bool:
        """The text was parsed (at least once) and not one value of it was built."""
        return self.parsed[text] >= 1 and self.built[text] == 0


@pytest.fixture()
def work(monkeypatch) -> Work:
    return Work().watch(monkeypatch)


class CountingAnswers(dict):
    """Answers that count how often a condition looks one up."""

    looked_up = 0

    def get(self, key, default=None):
        self.looked_up += 1
        return super().get(key, default)


def load_refused(text: str, source: str = "bomb.yaml") -> DefinitionError:
    with pytest.raises(DefinitionError) as caught:
        load_instrument(source, TYPES, text=text)
    return caught.value


# ---- the measure ---------------------------------------------------------------------------------
def test_the_bomb_grows_about_fan_times_per_level_while_its_text_grows_by_a_line():
    sizes = [expanded_size(yaml.safe_load(alias_bomb(levels, copies=1)), 10**9) for levels in range(1, 6)]
    assert all(FAN - 1 < after / before < FAN + 1 for before, after in zip(sizes[1:], sizes[2:], strict=False))
    assert sizes[3] < MAX_NODES < sizes[4] and len(alias_bomb(5).encode()) < 1024


def test_the_level_5_bomb_is_refused_before_any_value_is_built_naming_the_alias_and_its_anchor(work):
    text = alias_bomb(5)
    error = load_refused(text)
    assert work.refused_unbuilt(text), (work.parsed[text], work.built[text])
    assert len(error.problems) == 1
    assert_names_the_alias(str(error), "bomb.yaml", text)


def test_aliases_are_counted_not_refused_a_bomb_under_the_limit_loads_and_its_condition_is_cheap(work):
    text = alias_bomb(4, copies=1)
    instrument = load_instrument("bomb4.yaml", TYPES, text=text)
    condition = instrument.question("q1").show_if
    assert isinstance(condition, Condition) and condition.questions() == {"q0"}
    assert 0 < work.built[text] < MAX_NODES  # under the limit: built, and no bigger than allowed
    answers = CountingAnswers(q0=True)
    assert condition.holds(answers)
    # `all` levels read every branch, `any` levels stop at the first that holds: FAN ** 2 of 10,000 leaves
    assert answers.looked_up == FAN**2


def test_a_long_file_is_refused_where_it_passes_the_limit_without_reading_the_rest(monkeypatch):
    monkeypatch.setattr(yaml_lines, "MAX_NODES", 1000)  # the rule, not the number: a long file is quicker made
    head = "id: long\nversion: 1\ntitle: Long\naudience: [mentee]\npages:\n  - id: p\n    questions:\n"
    question = "      - {{id: q{0}, type: yes_no, text: Вопрос {0}}}\n"
    # the broken end would be a syntax error, were the file read that far
    text = head + "".join(question.format(n) for n in range(200)) + "      - [broken\n"
    error = load_refused(text, "long.yaml")
    (problem,) = error.problems
    # 17 values before the first question, then 7 a question: value 1001 is in question 140, line 8 + 140
    assert problem.line == 8 + (1000 + 1 - 17 - 1) // 7 and "1000" in problem.message


def test_json_files_are_measured_by_the_same_rule(monkeypatch):
    largest = max(BUNDLED, key=lambda path: expanded_size(yaml.safe_load(path.read_text(encoding="utf-8"))))
    text = json.dumps(yaml.safe_load(largest.read_text(encoding="utf-8")), ensure_ascii=False, indent=1)
    assert load_instrument("largest.json", TYPES, text=text).id
    monkeypatch.setattr(yaml_lines, "MAX_NODES", expanded_size(json.loads(text)) - 1)
    error = load_refused(text, "largest.json")
    assert re.fullmatch(r"largest\.json:\d+: .+", str(error))
    assert error.problems[0].line > 1


@pytest.mark.parametrize("loop", ["&a [1, *a]", "&a {b: *a}"])
def test_an_alias_inside_its_own_anchor_is_refused_with_its_line(loop, work):
    text = f"id: x\nloop: {loop}\n"
    error = load_refused(text, "loop.yaml")
    assert str(error).startswith("loop.yaml:2: ") and work.refused_unbuilt(text)


def test_expanded_size_counts_shared_parts_each_time_and_stops_early():
    leaf = {"question": "q", "equals": 1}
    shared = {"any": [leaf] * 10}
    assert expanded_size(leaf) == 5 and expanded_size(shared) == 1 + 1 + 1 + 10 * 5
    assert expanded_size([shared] * 1000) == 1 + 1000 * 53
    assert expanded_size([shared] * 1000, limit=100) == 101
    assert expanded_size(list(range(10**6)), limit=100) == 101


def test_every_bundled_questionnaire_loads_and_holds_a_tenth_of_the_limit_at_most():
    assert len(BUNDLED) >= 15
    sizes = {}
    for path in BUNDLED:
        sizes[path.name] = expanded_size(yaml.safe_load(path.read_text(encoding="utf-8")))
        assert load_instrument(path, TYPES).id
    assert max(sizes.values()) * 10 <= MAX_NODES, sizes


# ---- every way in ---------------------------------------------------------------------------------
def test_the_upload_page_refuses_the_bomb_unbuilt_with_its_line(app, client, staff, work):
    email, password, _organisation = staff
    set_role(app, email, "psychologist")
    assert post_form(client, "/login", {"email": email, "password": password}).status_code == 302
    text = alias_bomb(5)
    form = {"file": (io.BytesIO(text.encode()), "bomb.yaml")}
    page = post_form(client, "/staff/instruments/upload", form, content_type="multipart/form-data")
    assert page.status_code == 422 and work.refused_unbuilt(text), page.status_code
    body = page.get_data(as_text=True)
    alias, anchor = where_refused(text)
    assert f"bomb.yaml:{alias}:" in body and f"{anchor}" in body and "&amp;l4" in body
    assert "псевдоним" in body  # Russian by default


def test_a_plugin_folder_with_the_bomb_stops_start_up_unbuilt_with_its_line(make_app, tmp_path, work):
    def start(folder: Path):
        return make_app(SURVEYS_PLUGINS_PATH=str(folder))

    plain, bomb = tmp_path / "plain", tmp_path / "bombed"
    plain.mkdir()
    bomb.mkdir()
    small = alias_bomb(1)
    (plain / "small.yaml").write_text(small, encoding="utf-8")
    text = alias_bomb(5)
    (bomb / "bomb.yaml").write_text(text, encoding="utf-8")
    assert start(plain) and work.built[small] > 0  # the watch sees a plugin folder's files being built
    with pytest.raises(DefinitionError) as caught:
        start(bomb)
    assert work.refused_unbuilt(text), (work.parsed[text], work.built[text])
    assert_names_the_alias(str(caught.value), str(bomb / "bomb.yaml"), text)


def test_instrument_check_refuses_the_bomb_unbuilt_with_its_line(runner, tmp_path, work):
    text = alias_bomb(5)
    path = tmp_path / "bomb.yaml"
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(args=["instrument", "check", str(path)])
    assert result.exit_code == 1 and work.refused_unbuilt(text), (result.exit_code, work.parsed[text])
    assert_names_the_alias(result.stderr, str(path), text)


def test_an_xlsform_whose_group_conditions_would_blow_up_is_refused_unwritten_naming_its_row(
    runner, tmp_path, monkeypatch
):
    # a 12 KB workbook: ten nested groups, each relevant 40 terms long, repeated in each of 300 questions,
    # made a 10 MB YAML file that took minutes to write and load
    relevant = " or ".join(f"${{q0}} = {n}" for n in range(40))
    rows = [["type", "name", "label", "relevant"], ["integer", "q0", "Q0"]]
    rows += [["begin group", f"g{n}", None, relevant] for n in range(10)]
    rows += [["integer", f"q{n}", f"Q{n}"] for n in range(1, 301)]
    rows += [["end group"]] * 10
    path = workbook(tmp_path / "groups.xlsx", rows)
    written: list[str] = []
    real_to_yaml = xlsform_command.to_yaml
    monkeypatch.setattr(xlsform_command, "to_yaml", lambda *args: written.append(real_to_yaml(*args)) or written[-1])
    result = run_import(runner, path)
    assert result.exit_code == 2 and written == [], result.exit_code  # refused before any YAML is written
    found = re.search(rf"^{re.escape(str(path))}:survey:(\d+): .*{MAX_NODES}", result.stderr, re.M)
    assert found, result.stderr
    assert 13 <= int(found.group(1)) <= 312  # a question's row (the first question is on row 13)
    assert not (tmp_path / "groups.yaml").exists()
