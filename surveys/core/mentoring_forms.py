"""Who is a pupil in a form of mentoring, read from the form's name.

A form is named «наставник–наставляемый» (``ученик–ученик``, ``учитель–ученик``, …; see
../shared/DOMAIN.md). The side for the participant's role says whether they are a pupil: the
defaults for minors (guardian consent, questionnaires for pupils only) follow from it. Names the
curator made up that say neither are "unknown" (None), and callers treat them as they see fit.
"""

from __future__ import annotations

import re

PUPIL_WORDS = ("ученик", "ученица", "школьник", "обучающийся", "pupil")
ADULT_WORDS = ("учитель", "педагог", "работодатель", "студент", "родитель", "teacher", "employer", "parent")
_DASHES = re.compile(r"\s*[–—-]\s*")


def _kind(word: str) -> bool | None:
    word = word.strip().lower()
    if any(word.startswith(w) for w in PUPIL_WORDS):
        return True
    if any(word.startswith(w) for w in ADULT_WORDS):
        return False
    return None


def sides(form: str) -> tuple[bool | None, bool | None]:
    """(mentor is a pupil, mentee is a pupil) for a form's name; None where the name does not say."""
    parts = _DASHES.split(form.strip(), maxsplit=1) if form else []
    if len(parts) != 2:
        return None, None
    return _kind(parts[0]), _kind(parts[1])


def is_pupil(form: str, role: str) -> bool | None:
    """Whether a participant in ``role`` of ``form`` is a pupil: True, False, or None (unknown)."""
    mentor, mentee = sides(form)
    if role == "mentor":
        return mentor
    if role == "mentee":
        return mentee
    return None
