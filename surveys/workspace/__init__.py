"""The workspace: organisations, their staff, programmes, people, pairs and campaigns.

Owns who works where (members and invitations), mentoring programmes and their forms, participants
and their import, pairs, campaigns with their waves and assignments, wave linking and the tracking of
who has answered. Uses the core, the instruments (the catalogue) and the audit log.
"""

from .archiving import ArchivedError, check_editable, is_archived
from .asking import asked, offered
from .campaign_questionnaires import assignment_of
from .campaigns import add_wave, campaign_tables, create_campaign, eligible_participants, wave_status
from .minors import default_consent_mode, has_pupils, known_adult
from .pair_history import PastPair, earlier_pairings, participant_pairs
from .people import Standing, eligible, enrol, standing_by_id, standing_of, standings
from .programmes import create_programme, variants_of
from .tracking import Tally, progress

__all__ = [
    "read_columns",
    "ArchivedError",
    "check_editable",
    "is_archived",
    "PastPair",
    "earlier_pairings",
    "participant_pairs",
    "Standing",
    "Tally",
    "add_wave",
    "asked",
    "assignment_of",
    "campaign_tables",
    "create_campaign",
    "create_programme",
    "default_consent_mode",
    "known_adult",
    "offered",
    "eligible",
    "eligible_participants",
    "enrol",
    "has_pupils",
    "progress",
    "standing_by_id",
    "standing_of",
    "standings",
    "variants_of",
    "wave_status",
]


def __getattr__(name: str):
    """``read_columns`` (analysis_reader.py) is loaded when asked for: it brings pyarrow and the ADBC
    drivers (about 37 MB), which an app process serving participants never needs."""
    if name == "read_columns":
        from .analysis_reader import read_columns

        return read_columns
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
