"""``show_if`` conditions: decide from earlier answers whether a question is shown.

A condition is a small tree, validated by the loader:
``{question: q1, equals: 2}``, ``not_equals``, ``in: [..]``, ``min``, ``max``,
``answered: true|false``, or ``all: [..]`` / ``any: [..]`` of conditions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

OPERATORS = ("equals", "not_equals", "in", "min", "max", "answered")


@dataclass(frozen=True)
class Condition:
    question: str | None = None
    op: str | None = None
    value: Any = None
    all: tuple[Condition, ...] = field(default_factory=tuple)
    any: tuple[Condition, ...] = field(default_factory=tuple)

    def questions(self) -> set[str]:
        """Every question id this condition reads."""
        found = {self.question} if self.question else set()
        for child in (*self.all, *self.any):
            found |= child.questions()
        return found

    def holds(self, answers: Mapping[str, Any]) -> bool:
        if self.all:
            return all(c.holds(answers) for c in self.all)
        if self.any:
            return any(c.holds(answers) for c in self.any)
        answer = _plain(answers.get(self.question))
        answered = answer not in (None, "", [])
        if self.op == "answered":
            return answered == bool(self.value)
        if not answered:
            return False
        values = answer if isinstance(answer, list) else [answer]
        expected = [_plain(v) for v in self.value] if self.op == "in" else _plain(self.value)
        if self.op == "equals":
            return expected in values
        if self.op == "not_equals":
            return expected not in values
        if self.op == "in":
            return any(v in expected for v in values)
        try:
            number = float(answer)
        except (TypeError, ValueError):
            return False
        if self.op == "min":
            return number >= self.value
        return number <= self.value


def _plain(value: Any) -> Any:
    """yes/no answers are stored as booleans; conditions may name them yes/no or true/false."""
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return value


def build(raw: Mapping[str, Any]) -> Condition:
    """Build a Condition from an already validated mapping."""
    if "all" in raw:
        return Condition(all=tuple(build(c) for c in raw["all"]))
    if "any" in raw:
        return Condition(any=tuple(build(c) for c in raw["any"]))
    for op in OPERATORS:
        key = "in_" if op == "in" and "in_" in raw else op
        if key in raw:
            value = tuple(raw[key]) if op == "in" else raw[key]
            return Condition(question=raw["question"], op=op, value=value)
    raise ValueError(f"not a condition: {raw!r}")
