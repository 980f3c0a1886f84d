"""XLSForm expressions that have an equivalent in our format, and nothing else.

Two uses, both pure: a ``relevant`` column becomes a ``show_if`` condition (:func:`relevant_condition`,
here), and a ``constraint`` column becomes the limits of a question's type (in
:mod:`surveys.instruments.xlsform_constraints`, which reads with :func:`parse`). An expression is read
into a small tree by a recursive-descent parser that knows only the pieces we can translate:
``${name}`` references, quoted strings, numbers, ``.``, the comparison operators, ``and``, ``or``,
parentheses and a few functions. Anything else raises :class:`Unsupported` with a reason, which the
importer reports on the expression's row.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext

_TOKEN = re.compile(
    r"""(?:
    (?P<ref>\$\{\s*[^}\s]+\s*\})
  | (?P<str>'[^']*'|"[^"]*")
  | (?P<num>-?\d+(?:\.\d+)?)
  | (?P<op>!=|>=|<=|=|>|<)
  | (?P<name>[A-Za-z_][A-Za-z0-9_-]*)
  | (?P<punct>[(),.])
    )""",
    re.VERBOSE,
)
MIRRORED = {"=": "=", "!=": "!=", ">": "<", ">=": "<=", "<": ">", "<=": ">="}
NEGATED = {"=": "!=", "!=": "=", ">": "<=", ">=": "<", "<": ">=", "<=": ">"}
# Curly quotes typed by spreadsheet autocorrect, straightened as pyxform does (its xls2json smart quotes)
STRAIGHT = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})
MAX_DIGITS = 30  # far beyond any real limit, and well inside a float, which is what a number question holds
MAX_DEPTH = 50


class Unsupported(ValueError):
    """An expression, or a part of it, that has no equivalent in our format; the message says why."""


class Hostile(Exception):
    """A number in an expression with more than MAX_DIGITS digits, written out or as an exponent
    (``'1e400'`` is beyond any number question). Not an Unsupported: the importer refuses the whole
    file on the expression's row."""


@dataclass(frozen=True)
class Target:
    """What a ``${name}`` reference points at: our question id, its XLSForm kind and its choices.

    ``kind`` is the XLSForm type word (``integer``, ``decimal``, ``text``, ``date``, ``note``,
    ``select_one``, ``select_multiple``); ``values`` maps each choice name to our stored value.
    """

    id: str
    kind: str
    values: dict[str, Any] = field(default_factory=dict)

    def numeric(self) -> bool:
        """True when answers are stored as numbers, so that min/max tests work on them."""
        if self.kind == "select_one":  # an or_other "other" answer fails min/max tests, as in XLSForm
            return bool(self.values) and all(isinstance(v, int) or k == "other" for k, v in self.values.items())
        return self.kind in ("integer", "decimal")

    def whole(self) -> bool:
        """True when answers are whole numbers, so that ``> 3`` can be written as ``min: 4``."""
        return self.kind in ("integer", "select_one")


Lookup = Callable[[str], "Target | None"]


# ---- reading ------------------------------------------------------------------------------
def tokens(text: str) -> list[tuple[str, str]]:
    """Split an expression into (kind, text) tokens, or raise Unsupported at the first unknown character.

    Curly quotes (‘ ’ “ ”) count as straight ones."""
    text = text.translate(STRAIGHT)
    found, position = [], 0
    while True:
        while position < len(text) and text[position].isspace():
            position += 1
        if position == len(text):
            return found
        match = _TOKEN.match(text, position)
        if not match:
            raise Unsupported(gettext("cannot read '%(text)s'", text=text[position : position + 12]))
        kind = match.lastgroup
        found.append((kind, match.group(kind)))
        position = match.end()


class _Parser:
    """or := and ('or' and)* ; and := unary ('and' unary)* ; unary := '(' or ')' | operand [op operand]."""

    def __init__(self, text: str):
        self.items = tokens(text)
        self.at = self.depth = 0

    def peek(self) -> tuple[str, str] | None:
        return self.items[self.at] if self.at < len(self.items) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise Unsupported(gettext("the expression ends too early"))
        self.at += 1
        return token

    def expect(self, value: str) -> None:
        kind, text = self.take()
        if text != value:
            raise Unsupported(gettext("expected '%(wanted)s' but found '%(found)s'", wanted=value, found=text))

    def is_word(self, word: str) -> bool:
        token = self.peek()
        return token is not None and token[0] == "name" and token[1] == word

    def parse(self) -> tuple:
        if not self.items:
            raise Unsupported(gettext("the expression is empty"))
        node = self.either()
        if self.peek() is not None:
            raise Unsupported(gettext("unexpected '%(text)s'", text=self.peek()[1]))
        return node

    def either(self) -> tuple:
        parts = [self.both()]
        while self.is_word("or"):
            self.take()
            parts.append(self.both())
        return ("or", parts) if len(parts) > 1 else parts[0]

    def both(self) -> tuple:
        parts = [self.unary()]
        while self.is_word("and"):
            self.take()
            parts.append(self.unary())
        return ("and", parts) if len(parts) > 1 else parts[0]

    def unary(self) -> tuple:
        if self.peek() == ("punct", "("):
            self.take()
            node = self.nested(self.either)
            self.expect(")")
            return node
        left = self.operand()
        if self.peek() is not None and self.peek()[0] == "op":
            operator = self.take()[1]
            return ("cmp", left, operator, self.operand())
        return left

    def operand(self) -> tuple:
        kind, text = self.take()
        if kind == "ref":
            return ("ref", text[2:-1].strip())
        if kind == "str":
            return ("str", text[1:-1])
        if kind == "num":
            return ("num", as_number(text))
        if (kind, text) == ("punct", "."):
            return ("dot",)
        if kind == "name" and text not in ("and", "or") and self.peek() == ("punct", "("):
            return ("call", text, self.nested(self.arguments))
        raise Unsupported(gettext("'%(text)s' is not supported here", text=text))

    def nested(self, step: Callable[[], Any]) -> Any:
        """Parentheses and calls one inside the other, up to MAX_DEPTH (far from Python's recursion limit)."""
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise Unsupported(gettext("nested more than %(n)s levels deep", n=MAX_DEPTH))
        try:
            return step()
        finally:
            self.depth -= 1

    def arguments(self) -> list[tuple]:
        self.expect("(")
        found = []
        if self.peek() == ("punct", ")"):
            self.take()
            return found
        while True:
            found.append(self.either())
            separator = self.take()[1]
            if separator == ")":
                return found
            if separator != ",":
                raise Unsupported(gettext("expected ',' or ')' but found '%(found)s'", found=separator))


def parse(text: str) -> tuple:
    """The expression as a tree of tuples, or Unsupported."""
    return _Parser(text).parse()


def shortened(text: str, limit: int = 60) -> str:
    """An expression as quoted in a message: at most ``limit`` characters, an ellipsis marking the cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ---- relevant -> show_if ------------------------------------------------------------------
def relevant_condition(text: str, lookup: Lookup) -> dict:
    """Translate a ``relevant`` expression into a ``show_if`` condition, or raise Unsupported."""
    return _condition(parse(text), lookup)


def condition_ids(condition: dict) -> set[str]:
    """Every question id a show_if condition reads."""
    found = {condition["question"]} if "question" in condition else set()
    for child in condition.get("all", []) + condition.get("any", []):
        found |= condition_ids(child)
    return found


def _condition(node: tuple, lookup: Lookup, negated: bool = False) -> dict:
    """The condition for ``node`` (for ``not(node)`` when ``negated``: not() is pushed down to the tests)."""
    if node[0] in ("and", "or"):
        group = "all" if (node[0] == "and") != negated else "any"
        parts = []
        for child in node[1]:
            converted = _condition(child, lookup, negated)
            parts.extend(converted[group] if set(converted) == {group} else [converted])
        return {group: parts}
    if node[0] == "call" and node[1] == "not" and len(node[2]) == 1:
        return _condition(node[2][0], lookup, not negated)
    if node[0] == "cmp":
        return _comparison(node, lookup, negated)
    if node[0] == "call" and node[1] == "selected":
        return _selected(node[2], lookup, negated)
    raise Unsupported(_describe(node))


def _or_blank(question: str, condition: dict) -> dict:
    """A test that ODK finds true on a blank answer, where ours is false: true on blank as well."""
    return {"any": [{"question": question, "answered": False}, condition]}


def _describe(node: tuple) -> str:
    if node[0] == "call":
        return gettext("the function %(name)s() is not a test we can translate", name=node[1])
    if node[0] == "ref":
        return gettext("${%(name)s} on its own is not a test we can translate", name=node[1])
    return gettext("this expression is not a test we can translate")


def _target(node: tuple, lookup: Lookup) -> Target:
    if node[0] != "ref":
        raise Unsupported(gettext("a test must compare a ${question} with a value"))
    target = lookup(node[1])
    if target is None:
        raise Unsupported(gettext("'%(name)s' is not a question imported from this form", name=node[1]))
    if target.kind == "note":
        raise Unsupported(gettext("'%(name)s' is a note and has no answer", name=node[1]))
    return target


def literal(node: tuple) -> Any:
    """The value of a quoted string or number node, or Unsupported for anything else."""
    if node[0] not in ("str", "num"):
        raise Unsupported(gettext("a test must compare a ${question} with a quoted value or a number"))
    return node[1]


def as_number(value: Any) -> float | int:
    """A literal as a finite number (a whole float as an int); Unsupported when it is not a number,
    Hostile when it has more than MAX_DIGITS digits, or as many before the point (``'1e300'``, ``'1e400'``)."""
    text = str(value)
    digits = sum(character.isdigit() for character in text)
    if digits > MAX_DIGITS:
        message = gettext("the number '%(start)s…' has %(n)s digits; at most %(max)s are accepted")
        raise Hostile(message % {"start": text[:12], "n": digits, "max": MAX_DIGITS})
    try:
        number = Decimal(text.strip())  # exact, where a float makes 1e29 into 99999999999999991433150857216
    except InvalidOperation:
        raise Unsupported(gettext("'%(value)s' is not a number", value=value)) from None
    if not number.is_finite():
        raise Unsupported(gettext("'%(value)s' is not a number", value=value))
    if number.copy_abs() >= 10**MAX_DIGITS:  # copy_abs: abs() would round to 28 digits
        message = gettext("the number '%(value)s' is too large; at most %(max)s digits are accepted")
        raise Hostile(message % {"value": text, "max": MAX_DIGITS})
    return int(number) if number == number.to_integral_value() else float(number)


def _comparison(node: tuple, lookup: Lookup, negated: bool) -> dict:
    """One comparison with ODK's meaning on a blank answer (XPath 1.0: blank is '' as a string and NaN as
    a number): ``=`` and ``<``, ``<=``, ``>``, ``>=`` are false, ``!=`` is true, so are their negations."""
    _, left, operator, right = node
    if left[0] != "ref" and right[0] == "ref":
        left, operator, right = right, MIRRORED[operator], left
    target, value = _target(left, lookup), literal(right)
    if negated:
        operator = NEGATED[operator]
    if operator in ("=", "!=") and value == "":
        return {"question": target.id, "answered": operator == "!="}
    if operator == "=":
        return {"question": target.id, "equals": _stored_value(target, value)}
    if operator == "!=":
        return _or_blank(target.id, {"question": target.id, "not_equals": _stored_value(target, value)})
    bound = {"question": target.id, **_bound(target, operator, as_number(value))}
    return _or_blank(target.id, bound) if negated else bound


def _stored_value(target: Target, value: Any) -> Any:
    if target.kind == "select_multiple":
        message = gettext("'=' on a select_multiple compares the whole selection; write selected(${%(id)s}, …)")
        raise Unsupported(message % {"id": target.id})
    if target.kind == "select_one":
        return _choice(target, value)
    if target.kind in ("integer", "decimal"):
        number = as_number(value)
        if isinstance(number, float):
            raise Unsupported(gettext("equality with a fractional number cannot be expressed"))
        return number
    if target.kind == "text" and str(value).strip():
        return str(value)
    raise Unsupported(gettext("equality tests on a %(kind)s question are not supported", kind=target.kind))


def _choice(target: Target, value: Any) -> Any:
    key = str(as_number(value)) if isinstance(value, int | float) else str(value)
    if key not in target.values:
        raise Unsupported(gettext("'%(key)s' is not a choice of '%(id)s'", key=key, id=target.id))
    return target.values[key]


def _bound(target: Target, operator: str, number: float | int) -> dict:
    """``> 3`` and friends as a min or max test (strict ones only on whole numbers)."""
    if not target.numeric():
        raise Unsupported(gettext("'%(op)s' needs a number question or a choice list of whole numbers", op=operator))
    if operator in (">=", "<="):
        if target.whole():
            number = math.ceil(number) if operator == ">=" else math.floor(number)
        return {"min" if operator == ">=" else "max": number}
    if not target.whole():
        raise Unsupported(gettext("'%(op)s' on a decimal number cannot be expressed; use '>=' or '<='", op=operator))
    if operator == ">":
        return {"min": math.floor(number) + 1}
    return {"max": math.ceil(number) - 1}


def _selected(arguments: list[tuple], lookup: Lookup, negated: bool) -> dict:
    """``selected()`` is false on a blank answer, so ``not(selected())`` is true on it."""
    if len(arguments) != 2:
        raise Unsupported(gettext("selected() takes a ${question} and a choice"))
    target = _target(arguments[0], lookup)
    if target.kind not in ("select_one", "select_multiple"):
        raise Unsupported(gettext("selected() needs a select question, and '%(id)s' is not one", id=target.id))
    value = _choice(target, literal(arguments[1]))
    if negated:
        return _or_blank(target.id, {"question": target.id, "not_equals": value})
    return {"question": target.id, "equals": value}
