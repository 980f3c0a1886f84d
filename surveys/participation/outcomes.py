"""What the participant's path answers to one request: a page to show, where to go next, or whether
an autosave was kept. The pages turn these into HTML, redirects and JSON; nothing here renders."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Show:
    """Show the participant page ``page`` (``participant/<page>.html``) with ``values``."""

    page: str
    values: dict[str, Any] = field(default_factory=dict)
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class GoTo:
    """Send the browser on (post/redirect/get): to the ``questionnaire``, the open link's ``start``
    or its ``code`` page."""

    where: str


@dataclass(frozen=True)
class Saved:
    """The answer to an autosave: kept, or refused with a reason (409)."""

    saved: bool
    reason: str | None = None
    status: int = 200


Outcome = Show | GoTo | Saved
