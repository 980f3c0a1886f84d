"""Scoring a response through the plugins, safely.

The first plugin that answers wins; a plugin that raises is logged and its
instrument's scales are returned as missing, so the response itself is never lost.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import pluggy

from surveys.core.definitions import Instrument, Profile
from surveys.core.scoring import ScoreResult, missing
from surveys.plugins import implementations

log = logging.getLogger(__name__)
SCORER_FAILED = "scorer failed"


def score_answers(
    pm: pluggy.PluginManager,
    instrument: Instrument,
    answers: Mapping[str, Any],
    owner: str = "",
    profile: Profile | None = None,
) -> tuple[str, list[ScoreResult]]:
    """Return (who scored, scores). Never raises because of a plugin.

    A scorer that raises is logged. If it belongs to the plugin that registered the
    instrument (``owner``), the scales are marked missing; otherwise it is skipped and
    the next scorer gets its turn.
    """
    hook = pm.hook.surveys_score_response
    for plugin, call in implementations(hook, instrument=instrument, answers=answers, profile=profile or Profile()):
        try:
            result = call()
        except Exception:
            log.exception("scorer of plugin %r failed on instrument %r", plugin, instrument.id)
            if plugin == owner or not owner:
                return plugin, [missing(scale.id, SCORER_FAILED) for scale in instrument.scales]
            continue
        if result is not None:
            return plugin, list(result)
    return "", []
