"""Warnings about what participants would see, for ``surveys instrument check`` and the upload page
(docs/format.md, "What participants see").

A questionnaire that may go to pupils (``ages`` is ``all`` or ``pupils``) should give them a neutral
``participant_title``: without one a 7th-grader sees the clinical title («Шкала … (ГТР-7)»). This is a
warning, not a problem: the file still loads and can be used.
"""

from __future__ import annotations

from flask_babel import get_locale
from flask_babel import gettext as _

from surveys.core.definitions import Instrument
from surveys.core.errors import DefinitionError, Problem
from surveys.core.loader import read_tree
from surveys.core.yaml_lines import line_of


def _title_line(source: str, text: str | None) -> int:
    """The line of the file's ``title:`` key (the file has loaded, so it parses again)."""
    try:
        return line_of(read_tree(source, text), ["title"])
    except DefinitionError:  # changed on disk since it was loaded
        return 1


def title_warnings(source: str, instrument: Instrument, text: str | None = None) -> list[Problem]:
    """``file:line: warning: …`` at the ``title:`` line when pupils may see the clinical title."""
    if instrument.ages == "adults" or instrument.participant_title is not None:
        return []
    message = _(
        "warning: pupils may get this questionnaire (ages: %(ages)s) and it has no participant_title, so they "
        "will see the title «%(title)s»; add a participant_title with a neutral name (docs/format.md)",
        ages=instrument.ages,
        title=instrument.title.get(str(get_locale())),
    )
    return [Problem(source, _title_line(source, text), message)]
