"""Parse YAML (and JSON, which YAML reads too) keeping the line of every key and item.

The loader needs lines to report ``file:line: message`` for every problem it finds.
"""

from __future__ import annotations

from typing import Any

import yaml
from flask_babel import gettext as _

# Mappings and lists nested deeper than this are refused. Questionnaires need about ten levels; the
# limit keeps the YAML composer and every recursive walk of the tree far from Python's recursion limit.
MAX_DEPTH = 50
# Values one file may hold once its aliases (``*name``) are written out in full: every key, scalar,
# list and mapping counts. An alias costs nothing to write but repeats what its anchor holds, so a
# few hundred bytes of aliases of aliases can stand for millions of conditions; the schemas and the
# loader walk the expanded tree. The largest bundled questionnaire (instruments/quality_mentor.yaml)
# holds 2,190 values, so the limit leaves a margin of 45 times (docs/format.md, "How large a file may be").
MAX_NODES = 100_000


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


class CommaInText(yaml.MarkedYAMLError):
    """Inside ``{…}`` a comma ended a text, and the words after it became a key without a value."""


class TooDeep(yaml.MarkedYAMLError):
    """Mappings and lists are nested deeper than :data:`MAX_DEPTH`."""


class TooLarge(yaml.MarkedYAMLError):
    """The file, with its aliases written out, holds more than :data:`MAX_NODES` values."""


def _too_deep(mark: yaml.Mark | None) -> TooDeep:
    return TooDeep(problem=_("nested more than %(n)s levels deep", n=MAX_DEPTH), problem_mark=mark)


# id(node) -> the aliases among its children: the alias event and the anchored node it repeats
_Aliases = dict[int, list[tuple[yaml.AliasEvent, yaml.Node]]]


class _Loader(yaml.SafeLoader):
    depth = 0  # nodes being composed or constructed, one inside the other

    def __init__(self, stream):
        super().__init__(stream)
        self.aliases: _Aliases = {}
        self.composed = 0  # nodes composed so far; aliases add none (they share their anchor's node)

    def _nested(self, mark: yaml.Mark, step, *args, **kwargs):
        if self.depth > MAX_DEPTH:  # a scalar inside MAX_DEPTH containers is fine
            raise _too_deep(mark)
        self.depth += 1
        try:
            return step(*args, **kwargs)
        finally:
            self.depth -= 1

    def compose_node(self, parent, index):
        event = self.peek_event()
        if not isinstance(event, yaml.AliasEvent):
            self.composed += 1
            if self.composed > MAX_NODES:  # a long file: stop reading it here, whatever its length
                raise _too_large(event.start_mark)
        node = self._nested(event.start_mark, super().compose_node, parent, index)
        if isinstance(event, yaml.AliasEvent) and parent is not None:
            self.aliases.setdefault(id(parent), []).append((event, node))
        return node

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
                problem=_("a key must be a plain value"), problem_mark=key_node.start_mark
            ) from None
        if key in result:
            raise DuplicateKey(problem=_("duplicate key '%(key)s'", key=key), problem_mark=key_node.start_mark)
        if node.flow_style and _no_value_given(key_node, value_node):
            raise _comma_in_text(result, key, key_node)
        result[key] = loader.construct_object(value_node, deep=True)
        result.lines[key] = key_node.start_mark.line + 1
    return result


def _no_value_given(key_node: yaml.Node, value_node: yaml.Node) -> bool:
    """A key written without ``:`` in a flow mapping (``{ru: Как вы, друзья}``: ``друзья``)."""
    if not isinstance(value_node, yaml.ScalarNode) or value_node.value != "" or value_node.style is not None:
        return False
    mark = key_node.end_mark
    rest = (mark.buffer or "")[mark.pointer :].lstrip(" \t")
    return not rest.startswith(":")


def _comma_in_text(done: LineDict, key: Any, key_node: yaml.Node) -> CommaInText:
    before = next((value for value in reversed(done.values()) if isinstance(value, str)), None)
    start = f"{before}, {key}" if before else str(key)
    problem = _(
        "inside {…} a comma ends a text, so «%(words)s» was read as a key of its own; put the whole text in "
        'quotes ("%(start)s…") or write it on a new line after `|`',
        words=key,
        start=start,
    )
    return CommaInText(problem=problem, problem_mark=key_node.start_mark)


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
    """Parse YAML or JSON text into LineDict/LineList trees; raises ``yaml.YAMLError``.

    The document is composed into nodes first (aliases are shared nodes there, so this is as cheap
    as the text is short) and measured: too deep, looping or too large once the aliases are written
    out, it is refused before anything walks the expanded tree.
    """
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _measure(node, loader.aliases)
        return loader.construct_document(node)
    finally:
        loader.dispose()


def _node_children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [child for pair in node.value for child in pair]
    return list(node.value) if isinstance(node, yaml.SequenceNode) else []


def _too_large(mark: yaml.Mark) -> TooLarge:
    problem = _(
        "the file holds more than %(limit)s values (keys, texts, numbers, lists and mappings, with YAML "
        "aliases written out); a questionnaire may hold at most %(limit)s",
        limit=MAX_NODES,
    )
    return TooLarge(problem=problem, problem_mark=mark)


def _too_large_node(node: yaml.Node, aliases: _Aliases, size: dict[int, int]) -> TooLarge:
    if id(node) not in aliases:
        return _too_large(node.start_mark)
    alias, anchored = max(aliases[id(node)], key=lambda found: size[id(found[1])])  # the one repeating most
    problem = _(
        "more than %(limit)s values once the YAML aliases are written out: here *%(anchor)s repeats "
        "everything under &%(anchor)s (line %(line)s); a questionnaire may hold at most %(limit)s values, "
        "so repeat less or write the conditions out",
        limit=MAX_NODES,
        anchor=alias.anchor,
        line=anchored.start_mark.line + 1,
    )
    return TooLarge(problem=problem, problem_mark=alias.start_mark)


def _measure(root: yaml.Node, aliases: _Aliases) -> None:
    """Raise TooDeep if the node graph nests deeper than MAX_DEPTH or loops, TooLarge if it holds more
    than MAX_NODES values with every alias written out.

    Each node is measured once (by identity, without recursion), so an alias of an alias of … costs
    one addition, however large its expansion: the work is linear in the text.
    """
    size: dict[int, int] = {}
    height: dict[int, int] = {}
    open_ids: set[int] = set()
    stack = [(root, False)]
    while stack:
        node, leaving = stack.pop()
        key = id(node)
        if leaving:
            open_ids.discard(key)
            children = _node_children(node)
            height[key] = 1 + max(height[id(child)] for child in children)
            if height[key] > MAX_DEPTH:
                raise _too_deep(node.start_mark)
            size[key] = 1 + sum(size[id(child)] for child in children)
            if size[key] > MAX_NODES:
                raise _too_large_node(node, aliases, size)
        elif key in open_ids:  # an alias inside its own anchor
            raise _too_deep(node.start_mark)
        elif key not in size:
            children = _node_children(node)
            if not children:
                size[key], height[key] = 1, 0
                continue
            open_ids.add(key)
            stack.append((node, True))
            stack.extend((child, False) for child in reversed(children))


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


def expanded_size(value: Any, limit: int | None = None) -> int:
    """How many values plain data holds (dicts, lists, scalars; keys count), a part shared by several
    places counted at each. Past ``limit`` it stops early and returns ``limit + 1``."""
    limit = MAX_NODES if limit is None else limit
    size: dict[int, int] = {}
    stack: list[tuple[Any, bool]] = [(value, False)]
    while stack:
        item, leaving = stack.pop()
        children = [*item, *item.values()] if isinstance(item, dict) else item if isinstance(item, list) else ()
        if leaving:
            size[id(item)] = 1 + sum(size[id(child)] for child in children)
            if size[id(item)] > limit:
                return limit + 1
        elif id(item) not in size:
            if not children:
                size[id(item)] = 1
                continue
            if len(size) > limit:  # more distinct values than the limit: no need to add them up
                return limit + 1
            size[id(item)] = 0  # on the stack: a loop counts as nothing more
            stack.append((item, True))
            stack.extend((child, False) for child in children)
    return size[id(value)]
