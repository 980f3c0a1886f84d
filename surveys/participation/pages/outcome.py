"""Turning what the participant's path answered (``surveys.participation.outcomes``) into a response:
a participant page, a redirect (post/redirect/get), or the JSON of an autosave."""

from __future__ import annotations

from dataclasses import dataclass

from flask import jsonify, redirect, render_template, request

from surveys.participation.outcomes import GoTo, Outcome, Saved


@dataclass(frozen=True)
class Urls:
    """Where the participant's forms post to, and where ``GoTo`` sends the browser, for one kind of link."""

    questionnaire: str
    consent: str
    autosave: str
    edit: str
    start: str | None = None  # open links: the consent page
    code: str | None = None  # open links: the code page
    forget: str | None = None  # open links: "not me", so the next person on this device starts afresh
    reconsider: str | None = None  # personal links: the information page again after a decline

    @property
    def here(self) -> str:
        return self.questionnaire


def client_address() -> str:
    return request.remote_addr or "unknown"


def answer(outcome: Outcome, urls: Urls | None = None, **values):
    """The response for ``outcome``; ``values`` are added to a page's own (an open link's code form)."""
    if isinstance(outcome, GoTo):
        return redirect(getattr(urls, outcome.where))
    if isinstance(outcome, Saved):
        body = {"saved": outcome.saved} | ({"reason": outcome.reason} if outcome.reason else {})
        return jsonify(body), outcome.status
    context = {"urls": urls, **values, **outcome.values}
    page = render_template(f"participant/{outcome.page}.html", **context)
    return page, outcome.status, outcome.headers
