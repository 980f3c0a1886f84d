"""Instruments: what can be asked and how it is scored, beyond the core's format.

Owns the catalogue of questionnaires an organisation may use (plugins' and its own uploads, in
versions), uploads, text packs for key-only instruments, the XLSForm import, the scorer that hands a
response to the plugins' scorers, and the kit that starts a new method plugin.
Uses the core, the plugin registry (``surveys.state``) and the audit log; no other feature.
"""

from .catalogues import catalogue, versions
from .listing import PREVIEW, Listing, campaign_choices, instruments_of
from .scorer import score_answers
from .text_packs import instrument_for, needs_texts, read_pack, text_ids, with_texts
from .titles import instrument_title

__all__ = [
    "PREVIEW",
    "Listing",
    "campaign_choices",
    "instruments_of",
    "instrument_title",
    "catalogue",
    "instrument_for",
    "needs_texts",
    "read_pack",
    "score_answers",
    "text_ids",
    "versions",
    "with_texts",
]
