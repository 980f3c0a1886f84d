"""The core's own defaults, registered as a plugin like any other (entry point ``core``).

It provides the built-in question types, the questionnaires in ``instruments/`` and
the declarative scorer, which runs last so that any plugin can score first.
"""

from __future__ import annotations

from pathlib import Path

import instruments

from .core.loader import find_instrument_files
from .core.question_types import BUILT_IN_TYPES
from .core.scoring import score_instrument
from .plugins import hookimpl


@hookimpl
def surveys_register_question_types():
    return list(BUILT_IN_TYPES)


@hookimpl
def surveys_register_instruments():
    return find_instrument_files(Path(instruments.__file__).parent)


@hookimpl(trylast=True)
def surveys_score_response(instrument, answers, profile):
    if not instrument.scales:
        return None
    return score_instrument(instrument, answers, profile)
