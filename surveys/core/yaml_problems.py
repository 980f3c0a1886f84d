"""YAML syntax errors as messages for a person: in the interface language, at their line, saying what to do.

PyYAML's own texts are English and name tokens; the common ones are said again in plain words. A text
inside ``{…}`` or ``[…]`` ends at a comma, a colon with a space or ``#``: the usual cause of these
errors in a questionnaire is Russian punctuation in such a text, so the message says how to write it.
"""

from __future__ import annotations

import re

import yaml
from flask_babel import gettext as _

from .yaml_lines import CommaInText, DuplicateKey, TooDeep, TooLarge

_EXPECTED = re.compile(r"expected (?P<wanted>.+?), but (?:got|found) (?P<found>.+)$")
_CHARACTER = re.compile(r"found character (?P<char>.+) that cannot start any token$")


def _detail(problem: str) -> str:
    """PyYAML's ``problem`` said in the current language where it is a common one."""
    found = _EXPECTED.match(problem)
    if found:
        wanted = found["wanted"].replace("' or '", "' " + _("or") + " '")
        return _("expected %(wanted)s, found %(found)s", wanted=wanted, found=found["found"])
    found = _CHARACTER.match(problem)
    if found:
        return _("the character %(char)s cannot start a value", char=found["char"])
    known = {
        "mapping values are not allowed here": _("a colon with a space where no key can start"),
        "could not find expected ':'": _("a line without the expected ':'"),
        "found unexpected end of stream": _("the file ends inside a quoted text"),
        "found unexpected ':'": _("an unexpected ':'"),
    }
    if problem in known:
        return known[problem]
    if problem.startswith("found undefined alias"):
        return _("an alias (*name) without an anchor (&name) before it")
    return problem


def yaml_problem(err: yaml.MarkedYAMLError) -> tuple[int, str]:
    """The line of a YAML error and what to tell the person who wrote the file."""
    mark = err.problem_mark or err.context_mark
    line = mark.line + 1 if mark else 1
    problem = err.problem or str(err)
    if isinstance(err, CommaInText | DuplicateKey | TooDeep | TooLarge):
        return line, problem
    detail = _detail(problem)
    context = err.context or ""
    if "'\\t'" in problem:
        return line, _("a tab character (%(detail)s): indent with spaces", detail=detail)
    if "flow" in context or problem.startswith(("expected ','", "found unexpected ':'")):
        return line, _(
            "a text inside {…} or […] cannot be read (%(detail)s): a comma, a colon or # ends such a text; "
            "put the text in quotes or write it on a new line after `|`",
            detail=detail,
        )
    if problem == "mapping values are not allowed here":
        return line, _(
            "%(detail)s: if a text holds «: », put it in quotes or write it on a new line after `|`",
            detail=detail,
        )
    return line, _("the YAML cannot be read: %(detail)s", detail=detail)
