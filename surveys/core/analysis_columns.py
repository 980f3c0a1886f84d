"""A campaign's data for analyses, as columns: no Python object per score row (issue 25).

The comparison of 100,000 participants reads 2 million score rows; as named tuples that read alone
costs several times the statistics. :class:`AnalysisColumns` holds the same data as numpy arrays:

- **people**: one entry per participant with a submitted response in the chosen waves, sorted by
  code; a participant is their position here (``codes[i]``). Their subgroup keys (``role``, ``form``,
  ``group``, ``variant``, ``mentor``: the same values ``CampaignTables.answers`` rows carry, ``""`` for
  none) are read once, one entry per participant, and joined to the scores by that index.
- **responses**: one entry per submitted response in the chosen waves (``response_person``,
  ``response_wave``, ``response_instrument``): who took part in which wave, without their answers.
- **scores**: one entry per stored score of those responses, in stored order (``Score.id``; a later
  score of the same participant, wave, instrument and scale wins, as in ``CampaignTables``):
  ``score_person``, ``score_wave``, ``score_instrument`` and ``score_scale`` (indexes into
  ``instruments`` and ``scales``), ``score_value`` (NaN where there is none) and ``score_band``
  (an index into ``bands``, -1 where there is none).
- **answers**: ``answers_of(instrument_ids, wave_ids=None)`` gives the answers rows (dicts shaped as
  ``CampaignTables.answers``) of those instruments only (and of those waves only, when given), so that
  the JSON is parsed just for the analyses that need item data (an input alpha, expected vs real,
  meeting records).

The readers live outside the core: ``surveys.workspace.analysis_reader`` reads a stored campaign
(ADBC, straight into Arrow), and :func:`from_tables` builds the same columns from plain tables
(tests, hand-built tables).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .contracts import WaveInfo

KEYS = ("role", "form", "group", "variant", "mentor")


@dataclass(frozen=True)
class AnalysisColumns:
    """See the module docstring."""

    campaign: str
    waves: list[WaveInfo]
    codes: np.ndarray  # object array of str, sorted; a participant is an index into it
    keys: dict[str, np.ndarray]  # KEYS → object array of str aligned with ``codes`` ("" for none)
    response_person: np.ndarray  # int64
    response_wave: np.ndarray  # int64
    response_instrument: np.ndarray  # int64, index into ``instruments``
    score_person: np.ndarray  # int64
    score_wave: np.ndarray  # int64
    score_instrument: np.ndarray  # int64, index into ``instruments``
    score_scale: np.ndarray  # int64, index into ``scales``
    score_value: np.ndarray  # float64, NaN for none
    score_band: np.ndarray  # int64, index into ``bands``, -1 for none
    instruments: tuple[str, ...]
    scales: tuple[str, ...]
    bands: tuple[str, ...]
    answers_of: Callable[..., list[dict[str, Any]]] = field(repr=False, compare=False)
    organisation_id: int | None = None
