"""The one rule for what a participant is asked in a wave, and so whether they are done.

Every page that decides it (the questionnaire and its done page, the tracker and response rates, the
campaign page, paper templates and imports, the demo) calls these functions, so that a questionnaire
added to a running campaign or retired from it is treated alike everywhere.

- A questionnaire goes to a role, a kind of wave and (for mentors and mentees) forms of mentoring:
  :meth:`Assignment.applies`.
- A *retired* one (removed although it had answers) is asked only of those who already submitted
  it: their answers stay, nobody else is asked any more.
- One *added* while the campaign was running (``added_at``) is not asked, in a wave that opened
  before it was added, of a participant who had finished that wave (submitted everything asked of
  them) before it was added: they stay done. Those who had not finished get it too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from surveys.core.models import Assignment, Campaign, Response, Wave

NEVER = dt.datetime.max


def offered(assignment: Assignment, role: str, wave_kind: str, form: str | None = None) -> bool:
    """Whether someone in ``role`` and ``form`` joining now would get the questionnaire in a wave of
    ``wave_kind`` (it applies to them and is not retired)."""
    return assignment.retired_at is None and assignment.applies(role, wave_kind, form)


def opened_at(wave: Wave) -> dt.datetime:
    """When the wave opened, or would open (a wave with no opening date is open from its creation)."""
    return wave.opens_at or wave.created_at or NEVER


def _submitted(response: Response | None) -> bool:
    return response is not None and response.status == "submitted"


def _finished_before(moment: dt.datetime, before: list[Assignment], responses: Mapping[str, Response]) -> bool:
    """Whether everything in ``before`` was submitted (and there was something) before ``moment``."""
    found = [responses.get(a.instrument_id) for a in before]
    return bool(found) and all(_submitted(r) and r.submitted_at is not None and r.submitted_at <= moment for r in found)


def asked(
    campaign: Campaign, role: str, form: str | None, wave: Wave, responses: Mapping[str, Response]
) -> list[Assignment]:
    """The campaign's questionnaires asked of a participant (in ``role`` and ``form``) in ``wave``, in
    the campaign's order. ``responses``: the participant's responses in the wave, by instrument id."""
    meant = [a for a in campaign.assignments if a.applies(role, wave.kind, form)]
    found: list[Assignment] = []
    for assignment in sorted(meant, key=lambda a: a.added_at or dt.datetime.min):
        if assignment.retired_at is not None and not _submitted(responses.get(assignment.instrument_id)):
            continue
        added = assignment.added_at
        late = added is not None and opened_at(wave) < added and assignment.instrument_id not in responses
        if late and _finished_before(added, found, responses):
            continue
        found.append(assignment)
    return sorted(found, key=lambda a: (a.position, a.id or 0))
