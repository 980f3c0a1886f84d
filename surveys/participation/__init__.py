"""Participation: how a participant reaches and answers a questionnaire.

Owns personal and open links, codes, consent (the participant's and a guardian's), the throttle on
guessed links, responses (autosave, pages, the final submit and its scores), the answering forms and
the printed slips, and the staff's preview of a questionnaire. Uses the core, the workspace (people) and
the instruments (scorer, texts).
"""

from .links import generate_links
from .responses import notify_submitted, store_scores, visible_answers

__all__ = [
    "generate_links",
    "notify_submitted",
    "store_scores",
    "visible_answers",
]
