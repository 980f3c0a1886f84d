"""Parse YAML (and JSON, which YAML reads too) keeping the line of every key and item.

The loader needs lines to report ``file:line: message`` for every problem it finds.
"""

from __future__ import annotations

from typing import Any

import yaml

# Mappings and lists nested deeper than this are refused. Questionnaires need about ten levels; the
# limit keeps the YAML composer and every recursive walk of the tree far from Python's recursion limit.
MAX_DEPTH = 50


class LineDict(dict):
    """A mapping that remembers its own line and the line of each key."""

    line: int = 0

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines: dict[Any, int] = {}


class LineList(list):
    """A sequence that remembers its own line and the line of each item."""

    line: int = 0

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines: list[int] = []


class DuplicateKey(yaml.MarkedYAMLError):
    """The same key appears twice in one mapping."""


class TooDeep(yaml.MarkedYAMLError):
    """Mappings and lists are nested deeper than :data:`MAX_DEPTH`."""


def _too_deep(mark: yaml.Mark | None) -> TooDeep:
    return TooDeep(problem=f"nested more than {MAX_DEPTH} levels deep", problem_mark=mark)


class _Loader(yaml.SafeLoader):
    depth = 0  # nodes being composed or constructed, one inside the other

    def _nested(self, mark: yaml.Mark, step, *args, **kwargs):
        if self.depth > MAX_DEPTH:  # a scalar inside MAX_DEPTH containers is fine
            raise _too_deep(mark)
        self.depth += 1
        try:
            return step(*args, **kwargs)
        finally:
            self.depth -= 1

    def compose_node(self, parent, index):
        return self._nested(self.peek_event().start_mark, super().compose_node, parent, index)

    def construct_object(self, node, deep=False):
        return self._nested(node.start_mark, super().construct_object, node, deep=deep)


def _mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    result = LineDict()
    result.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                problem="a key must be a plain value", problem_mark=key_node.start_mark
            ) from None
        if key in result:
            raise DuplicateKey(problem=f"duplicate key '{key}'", problem_mark=key_node.start_mark)
        result[key] = loader.construct_object(value_node, deep=True)
        result.lines[key] = key_node.start_mark.line + 1
    return result


def _sequence(loader: _Loader, node: yaml.SequenceNode) -> LineList:
    result = LineList()
    result.line = node.start_mark.line + 1
    for child in node.value:
        result.append(loader.construct_object(child, deep=True))
        result.lines.append(child.start_mark.line + 1)
    return result


# Dates stay strings: the schema parses them and reports a bad one with its line.
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _sequence)


def parse(text: str) -> Any:
    """Parse YAML or JSON text into LineDict/LineList trees; raises ``yaml.YAMLError``."""
    tree = yaml.load(text, Loader=_Loader)  # noqa: S506 - SafeLoader subclass
    _check_depth(tree)
    return tree


def _children(value: Any) -> list:
    if isinstance(value, dict):
        return [*value, *value.values()]
    return list(value) if isinstance(value, list | tuple | set | frozenset) else []


def _mark(value: Any) -> yaml.Mark:
    return yaml.Mark("", 0, max(getattr(value, "line", 1) - 1, 0), 0, None, None)


def _check_depth(tree: Any) -> None:
    """Raise TooDeep if the tree, with what aliases share, nests deeper than MAX_DEPTH or loops.

    Aliases let a short file build deep (``a1: &a1 [*a0]``, …) or looping trees; this walks each
    container once, without recursion.
    """
    height: dict[int, int] = {}
    open_ids: set[int] = set()
    stack = [(tree, False)]
    while stack:
        value, leaving = stack.pop()
        key = id(value)
        if leaving:
            open_ids.discard(key)
            height[key] = 1 + max((height.get(id(child), 0) for child in _children(value)), default=0)
            if height[key] > MAX_DEPTH:
                raise _too_deep(_mark(value))
        elif key in open_ids:
            raise _too_deep(_mark(value))
        elif key not in height and _children(value):
            open_ids.add(key)
            stack.append((value, True))
            stack.extend((child, False) for child in _children(value))


def line_of(tree: Any, path: list[Any]) -> int:
    """Return the line of the deepest element of ``path`` that exists in ``tree``."""
    line = getattr(tree, "line", 1) or 1
    node = tree
    for step in path:
        if isinstance(node, LineDict) and step in node:
            line = node.lines.get(step, line)
            node = node[step]
        elif isinstance(node, LineList) and isinstance(step, int) and 0 <= step < len(node):
            line = node.lines[step]
            node = node[step]
        else:
            break
    return line
