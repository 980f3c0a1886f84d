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
from marshmallow import Schema, ValidationError

from . import conditions
from .definitions import Band, Instrument, Licence, Norm, NormRow, Page, Question, Scale
from .errors import DefinitionError, Problem
from .question_types import QuestionType
from .schema import (
    ChoiceList,
    InstrumentSchema,
    PageSchema,
    QuestionBaseSchema,
    ScaleSchema,
)
from .yaml_lines import LineDict, line_of, parse

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
            self.add(path, "expected a mapping of keys to values")
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
            raise DefinitionError([Problem(source, 1, f"cannot read the file: {err}")]) from None
    try:
        return parse(text)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark else 1
        raise DefinitionError([Problem(source, line, err.problem or str(err))]) from None
    except yaml.YAMLError as err:
        raise DefinitionError([Problem(source, 1, str(err))]) from None


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
        problems.add([], "the file must hold a mapping with id, version, title, audience and pages")
        raise DefinitionError(problems.problems)
    head = problems.load(InstrumentSchema(), tree, [], keep_valid=True) or {}
    head.setdefault("choices", {})
    head.setdefault("scales", [])
    head.setdefault("pages", [])

    named = _named_choices(head["choices"], problems)
    pages, questions = _pages(tree, head, named, question_types, problems)
    item_ranges: dict[str, tuple[float, float]] = {}
    answer_keys: list[str] = []
    for q, qtype, _ in questions:
        answer_keys.extend(qtype.answer_keys(q))
        item_ranges.update(qtype.item_ranges(q))
    _check_unique_keys(questions, problems)
    _check_conditions(questions, problems)
    scales = _scales(tree, head["scales"], item_ranges, set(answer_keys), problems)
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
    )


def _named_choices(raw: dict, problems: _Collector) -> dict[str, list]:
    named = {}
    for name, value in raw.items():
        if not isinstance(value, list):
            problems.add(["choices", name], "a choice list must be a list of {value, label}")
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
            problems.add([*p_path, "id"], f"page id '{page['id']}' is used twice")
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
        problems.add(path, "expected a question: a mapping with id, type and text")
        return None
    common = {k: v for k, v in raw.items() if k in COMMON_QUESTION_KEYS}
    rest = {k: v for k, v in raw.items() if k not in COMMON_QUESTION_KEYS}
    base = problems.load(QuestionBaseSchema(), common, path)
    qtype = question_types.get(raw.get("type")) if isinstance(raw.get("type"), str) else None
    if qtype is None and "type" in raw:
        known = ", ".join(sorted(question_types))
        problems.add([*path, "type"], f"unknown question type '{raw['type']}'; known types: {known}")
    if base is None or qtype is None:
        return None
    options = _type_options(qtype, rest, path, problems)
    if options is None:
        return None
    if isinstance(options.get("choices"), str):
        name = options["choices"]
        if name not in named:
            problems.add([*path, "choices"], f"no choice list named '{name}' under 'choices'")
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
            problems.add([*path, key], f"unknown field for a '{qtype.name}' question")
        return None if rest else {}
    try:
        return qtype.options_schema().load(rest)
    except ValidationError as err:
        problems.add_errors(path, err.messages)
        return None


def _check_unique_keys(questions, problems):
    seen: dict[str, int] = {}
    for q, qtype, _ in questions:
        for key in dict.fromkeys([q.id, *qtype.answer_keys(q)]):
            if key in seen:
                problems.problems.append(
                    Problem(problems.source, q.line, f"id '{key}' is used twice (first at line {seen[key]})")
                )
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
            where = f"show_if refers to '{ref}'"
            if ref not in page_of:
                message = f"{where}, which is not a question or answer of this instrument"
            elif page_of[ref] >= page:
                message = (
                    f"{where}, which is not on an earlier page; conditions use answers from "
                    "earlier pages, because participant pages work without JavaScript"
                )
            else:
                continue
            problems.problems.append(Problem(problems.source, q.line, message))


RANGED = ("sum", "mean", "linear")  # methods whose items must be numeric (rating questions, matrix rows)


def _scale_items(data: dict, path: list, item_ranges, answer_keys, problems) -> None:
    """Check that a scale's items exist, and carry what its method needs."""
    method = data["method"]
    for key in ("items", "reverse"):
        for i, item in enumerate(data[key]):
            if method in RANGED and item not in item_ranges:
                problems.add([*path, key, i], f"'{item}' is not a scoreable item (a rating question or a matrix row)")
            elif method in ("key_match", "weighted") and item not in answer_keys:
                problems.add([*path, key, i], f"'{item}' is not an answer key of this instrument")
    stray = set(data["reverse"]) - set(data["items"])
    if stray:
        problems.add([*path, "reverse"], f"reverse-keyed items not in 'items': {', '.join(sorted(stray))}")
    if data["reverse"] and method in ("key_match", "weighted"):
        problems.add([*path, "reverse"], f"'{method}' scales have no reverse keys: put the keyed answers in the key")
    for option, needed_by in (("key", "key_match"), ("weights", "weighted")):
        given = data.get(option)
        if method == needed_by:
            missing_items = [item for item in data["items"] if item not in (given or {})]
            if missing_items:
                problems.add([*path, option], f"no {option} for: {', '.join(missing_items)}")
            extra = sorted(set(given or {}) - set(data["items"]))
            if extra:
                problems.add([*path, option], f"{option} for items not in 'items': {', '.join(extra)}")
        elif given is not None:
            problems.add([*path, option], f"only '{needed_by}' scales have {option}")
    if "constant" in data and data["constant"] and method != "linear":
        problems.add([*path, "constant"], "only 'linear' scales have a constant")


def _norms(data: dict, path: list, problems) -> tuple[Norm, ...]:
    norms = []
    for index, raw in enumerate(data["norms"]):
        rows = sorted(raw["table"], key=lambda row: row["min"])
        for before, after in zip(rows, rows[1:], strict=False):
            if after["min"] <= before["max"]:
                problems.add(
                    [*path, "norms", index, "table"],
                    f"rows {before['min']}–{before['max']} and {after['min']}–{after['max']} overlap",
                )
        norms.append(
            Norm(
                kind=raw["kind"],
                table=tuple(NormRow(r["min"], r["max"], r["value"]) for r in raw["table"]),
                sex=raw["sex"],
                age=tuple(raw["age"]) if raw.get("age") else None,
                source=raw.get("source", ""),
            )
        )
    return tuple(norms)


def _plain(value: Any) -> Any:
    """Line-tracking YAML containers as plain dicts and lists (for data handed to plugins)."""
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _as_tuple(value: Any) -> tuple:
    return tuple(value) if isinstance(value, list) else (value,)


def _scales(tree, raw_scales, item_ranges, answer_keys, problems):
    scales, ids = [], set()
    for index, raw in enumerate(raw_scales):
        path = ["scales", index]
        data = problems.load(ScaleSchema(), raw, path)
        if data is None:
            continue
        if data["id"] in ids:
            problems.add([*path, "id"], f"scale id '{data['id']}' is used twice")
        ids.add(data["id"])
        if data["method"] != "custom":
            _scale_items(data, path, item_ranges, answer_keys, problems)
        if data.get("min_answered", 0) > len(data["items"]):
            problems.add([*path, "min_answered"], "is larger than the number of items")
        scales.append(
            Scale(
                id=data["id"],
                title=data["title"],
                items=tuple(data["items"]),
                method=data["method"],
                reverse=tuple(data["reverse"]),
                min_answered=data.get("min_answered"),
                bands=tuple(Band(**b) for b in data["bands"]),
                higher_is=data.get("higher_is"),
                prorate=data["prorate"],
                constant=data["constant"],
                key={item: _as_tuple(value) for item, value in (data.get("key") or {}).items()},
                weights={item: dict(points) for item, points in (data.get("weights") or {}).items()},
                norms=_norms(data, path, problems),
                reliability=(data.get("reliability") or {}).get("value"),
                reliability_source=(data.get("reliability") or {}).get("source"),
            )
        )
    return scales


def find_instrument_files(folder: Path) -> list[Path]:
    """Questionnaire files directly inside ``folder`` and its ``instruments/`` subfolder."""
    found: list[Path] = []
    for where in (folder, folder / "instruments"):
        if where.is_dir():
            found.extend(sorted(p for p in where.iterdir() if p.suffix in SUFFIXES and p.is_file()))
    return found


def dumps_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=str)
