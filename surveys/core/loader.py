"""The one way in for questionnaire files: parse, validate, build an :class:`Instrument`.

Instruments from plugins, folders and uploads all pass through :func:`load_instrument`
and get the same messages, each as ``file:line: message``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml
from flask_babel import gettext as _
from marshmallow import Schema, ValidationError

from . import conditions
from .definitions import Instrument, Licence, Page, Question
from .errors import DefinitionError, Problem
from .question_types import QuestionType
from .scale_checks import build_scales
from .schema import (
    ChoiceList,
    InstrumentSchema,
    PageSchema,
    QuestionBaseSchema,
)
from .validation_text import translate_default
from .yaml_lines import LineDict, line_of, parse
from .yaml_problems import yaml_problem

SUFFIXES = (".yaml", ".yml", ".json")
COMMON_QUESTION_KEYS = set(QuestionBaseSchema().fields)


def _path_text(path: Iterable[Any]) -> str:
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else str(step))
    return text


class _Collector:
    """Gathers problems for one file, turning data paths into lines."""

    def __init__(self, source: str, tree: Any):
        self.source, self.tree, self.problems = source, tree, []

    def add(self, path: list[Any], message: str) -> None:
        where = _path_text(path)
        message = translate_default(message)
        text = f"{where}: {message}" if where else message
        self.problems.append(Problem(self.source, line_of(self.tree, path), text))

    def add_errors(self, path: list[Any], errors: Any) -> None:
        if isinstance(errors, Mapping):
            for key, value in errors.items():
                self.add_errors(path if key == "_schema" else [*path, key], value)
        elif isinstance(errors, list) and all(isinstance(e, str) for e in errors):
            for message in errors:
                self.add(path, message)
        else:
            self.add(path, str(errors))

    def load(self, schema: Schema, data: Any, path: list[Any], keep_valid: bool = False) -> dict | None:
        """Load with ``schema``; on errors record them and return None (or the valid part)."""
        if not isinstance(data, Mapping):
            self.add(path, _("expected a mapping of keys to values"))
            return None
        try:
            return schema.load(data)
        except ValidationError as err:
            self.add_errors(path, err.messages)
            return err.valid_data if keep_valid and isinstance(err.valid_data, dict) else None


def read_tree(path: Path | str, text: str | None = None) -> Any:
    """Parse one file into a line-annotated tree, or raise DefinitionError with its line."""
    source = str(path)
    if text is None:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            raise DefinitionError([Problem(source, 1, _("cannot read the file: %(error)s", error=err))]) from None
    try:
        return parse(text)
    except yaml.MarkedYAMLError as err:
        raise DefinitionError([Problem(source, *yaml_problem(err))]) from None
    except yaml.YAMLError as err:
        raise DefinitionError([Problem(source, 1, _("the YAML cannot be read: %(detail)s", detail=err))]) from None


def load_instrument(
    path: Path | str,
    question_types: Mapping[str, QuestionType],
    text: str | None = None,
) -> Instrument:
    """Load and validate one questionnaire file. Raises DefinitionError listing every problem."""
    source = str(path)
    tree = read_tree(path, text)
    problems = _Collector(source, tree)
    if not isinstance(tree, LineDict):
        problems.add([], _("the file must hold a mapping with id, version, title, audience and pages"))
        raise DefinitionError(problems.problems)
    head = problems.load(InstrumentSchema(), tree, [], keep_valid=True) or {}
    head.setdefault("choices", {})
    head.setdefault("scales", [])
    head.setdefault("pages", [])

    named = _named_choices(head["choices"], problems)
    pages, questions = _pages(tree, head, named, question_types, problems)
    item_ranges: dict[str, tuple[float, float]] = {}
    answer_keys: list[str] = []
    for q, qtype, _page in questions:
        answer_keys.extend(qtype.answer_keys(q))
        item_ranges.update(qtype.item_ranges(q))
    _check_unique_keys(questions, problems)
    _check_conditions(questions, problems)
    scales = build_scales(head["scales"], item_ranges, set(answer_keys), problems)
    if problems.problems:
        raise DefinitionError(problems.problems)
    licence = Licence(**head["licence"]) if "licence" in head else None
    return Instrument(
        id=head["id"],
        version=str(head["version"]),
        title=head["title"],
        description=head.get("description"),
        audience=tuple(head["audience"]),
        pages=tuple(pages),
        scales=tuple(scales),
        licence=licence,
        item_ranges=item_ranges,
        answer_keys=tuple(answer_keys),
        source=source,
        scoring_version=str(head.get("scoring_version", head["version"])),
        waves=tuple(head.get("waves") or ()),
        extensions=_plain(head.get("extensions") or {}),
        participant_title=head.get("participant_title"),
        participant_intro=head.get("participant_intro"),
        ages=head.get("ages", "all"),
    )


def _named_choices(raw: dict, problems: _Collector) -> dict[str, list]:
    named = {}
    for name, value in raw.items():
        if not isinstance(value, list):
            problems.add(["choices", name], _("a choice list must be a list of {value, label}"))
            continue
        try:
            named[name] = ChoiceList().deserialize(value)
        except ValidationError as err:
            problems.add_errors(["choices", name], err.messages)
    return named


def _key_only(head: dict) -> bool:
    licence = head.get("licence")
    return isinstance(licence, Mapping) and licence.get("bundle_texts") is False


def placeholder(item_id: str) -> str:
    """The text shown for an item of a key-only instrument until its text pack is added."""
    return f"[{item_id}]"


def _fill_placeholders(raw: Any) -> None:
    """Key-only instruments omit item texts: give each question and matrix row a placeholder."""
    if not isinstance(raw, Mapping):
        return
    if "text" not in raw and isinstance(raw.get("id"), str):
        raw["text"] = placeholder(raw["id"])
    for item in raw.get("items") or []:
        if isinstance(item, Mapping) and "text" not in item and isinstance(item.get("id"), str):
            item["text"] = placeholder(item["id"])


def _pages(tree, head, named, question_types, problems):
    pages, questions = [], []
    key_only = _key_only(head)
    page_ids: set[str] = set()
    for p_index, raw_page in enumerate(head["pages"]):
        p_path = ["pages", p_index]
        page = problems.load(PageSchema(), raw_page, p_path)
        if page is None:
            continue
        if page["id"] in page_ids:
            problems.add([*p_path, "id"], _("page id '%(id)s' is used twice", id=page["id"]))
        page_ids.add(page["id"])
        built = []
        for q_index, raw_q in enumerate(page["questions"]):
            q_path = [*p_path, "questions", q_index]
            if key_only:
                _fill_placeholders(raw_q)
            result = _question(raw_q, q_path, named, question_types, problems)
            if result:
                built.append(result[0])
                questions.append((*result, p_index))
        pages.append(Page(id=page["id"], title=page.get("title"), questions=tuple(built)))
    return pages, questions


def _question(raw, path, named, question_types, problems):
    if not isinstance(raw, Mapping):
        problems.add(path, _("expected a question: a mapping with id, type and text"))
        return None
    common = {k: v for k, v in raw.items() if k in COMMON_QUESTION_KEYS}
    rest = {k: v for k, v in raw.items() if k not in COMMON_QUESTION_KEYS}
    base = problems.load(QuestionBaseSchema(), common, path)
    qtype = question_types.get(raw.get("type")) if isinstance(raw.get("type"), str) else None
    if qtype is None and "type" in raw:
        known = ", ".join(sorted(question_types))
        problems.add(
            [*path, "type"],
            _("unknown question type '%(type)s'; known types: %(known)s", type=raw["type"], known=known),
        )
    if base is None or qtype is None:
        return None
    options = _type_options(qtype, rest, path, problems)
    if options is None:
        return None
    if isinstance(options.get("choices"), str):
        name = options["choices"]
        if name not in named:
            problems.add([*path, "choices"], _("no choice list named '%(name)s' under 'choices'", name=name))
            return None
        options["choices"] = named[name]
    for key, message in qtype.check_options(options):
        problems.add([*path, key], message)
    question = Question(
        id=base["id"],
        type=base["type"],
        text=base["text"],
        required=base["required"],
        help=base.get("help"),
        show_if=conditions.build(base["show_if"]) if "show_if" in base else None,
        options=options,
        line=line_of(problems.tree, path),
    )
    return question, qtype


def _type_options(qtype, rest, path, problems):
    if qtype.options_schema is None:
        for key in rest:
            problems.add([*path, key], _("unknown field for a '%(type)s' question", type=qtype.name))
        return None if rest else {}
    try:
        return qtype.options_schema().load(rest)
    except ValidationError as err:
        problems.add_errors(path, err.messages)
        return None


def _check_unique_keys(questions, problems):
    seen: dict[str, int] = {}
    for q, qtype, _page in questions:
        for key in dict.fromkeys([q.id, *qtype.answer_keys(q)]):
            if key in seen:
                message = _("id '%(id)s' is used twice (first at line %(line)s)", id=key, line=seen[key])
                problems.problems.append(Problem(problems.source, q.line, message))
            seen.setdefault(key, q.line)


def _check_conditions(questions, problems):
    page_of = {}
    for q, qtype, p in questions:
        for key in [q.id, *qtype.answer_keys(q)]:
            page_of.setdefault(key, p)
    for q, _qtype, page in questions:
        if q.show_if is None:
            continue
        for ref in sorted(q.show_if.questions()):
            if ref not in page_of:
                message = _(
                    "show_if refers to '%(ref)s', which is not a question or answer of this instrument", ref=ref
                )
            elif page_of[ref] >= page:
                message = _(
                    "show_if refers to '%(ref)s', which is not on an earlier page; conditions use answers from "
                    "earlier pages, because participant pages work without JavaScript",
                    ref=ref,
                )
            else:
                continue
            problems.problems.append(Problem(problems.source, q.line, message))


def _plain(value: Any) -> Any:
    """Line-tracking YAML containers as plain dicts and lists (for data handed to plugins)."""
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def find_instrument_files(folder: Path) -> list[Path]:
    """Questionnaire files directly inside ``folder`` and its ``instruments/`` subfolder."""
    found: list[Path] = []
    for where in (folder, folder / "instruments"):
        if where.is_dir():
            found.extend(sorted(p for p in where.iterdir() if p.suffix in SUFFIXES and p.is_file()))
    return found


def dumps_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=str)
