"""Trying a questionnaire as a participant would, without a campaign: the staff preview.

The pages are the participant's own (the same page form and question markup), one at a time, moved
through with form posts. The answers tried are kept in the signed session cookie, never in the
database, and at the end are scored exactly as a submitted response would be (``scores_of``, after
dropping the answers that conditions hide, as ``submit`` does).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import session
from flask_babel import get_locale
from werkzeug.datastructures import MultiDict

from surveys.core.answers import read_answers
from surveys.core.definitions import Instrument, Profile
from surveys.core.scoring import ScoreResult
from surveys.participation.forms import page_form
from surveys.participation.questionnaire import visible_pages
from surveys.participation.responses import final_check, scores_of, visible_answers
from surveys.state import get_state

KEY = "surveys_preview"  # session: {"instrument": id, "answers": {...}}; one questionnaire at a time
SCORES = "scores"  # the page after the last one


def tried(instrument: Instrument) -> dict[str, Any]:
    """The answers tried so far in this browser for this questionnaire."""
    kept = session.get(KEY) or {}
    return dict(kept.get("answers") or {}) if kept.get("instrument") == instrument.id else {}


def keep(instrument: Instrument, answers: dict[str, Any]) -> None:
    session[KEY] = {"instrument": instrument.id, "answers": {**tried(instrument), **answers}}


def forget() -> None:
    session.pop(KEY, None)


@dataclass(frozen=True)
class PreviewPage:
    """A page of the questionnaire as the participant page template shows it (``values``), or, when
    ``values`` is None, where to go instead: a page id or ``SCORES``."""

    values: dict[str, Any] | None = None
    go: str | None = None


def _index(instrument: Instrument, page_id: str | None, visible: list[int]) -> int:
    found = next((i for i, p in enumerate(instrument.pages) if p.id == page_id), None)
    if found in visible:
        return found
    return visible[0] if visible else 0


def last_page(instrument: Instrument) -> str:
    """The id of the last page the tried answers leave shown (where «Back to the questions» goes)."""
    visible = visible_pages(instrument, tried(instrument))
    return instrument.pages[visible[-1] if visible else 0].id


def show(instrument: Instrument, page_id: str | None, form=None, blocks=None) -> PreviewPage:
    """The page ``page_id`` (the first shown page by default), prefilled with the tried answers."""
    answers = tried(instrument)
    visible = visible_pages(instrument, answers)
    index = _index(instrument, page_id, visible)
    page = instrument.pages[index]
    locale = str(get_locale())
    if form is None:
        form, blocks = page_form(get_state().registry, instrument.id, page, answers, locale)
    position = visible.index(index) + 1 if index in visible else 1
    values = {
        "page": page,
        "form": form,
        "blocks": blocks,
        "position": position,
        "pages": max(len(visible), 1),
        "first": position == 1,
        "last": position == len(visible),
        "locale": locale,
        "editing": False,
        "from_review": False,
        "support": False,
    }
    return PreviewPage(values)


def post(instrument: Instrument, posted: MultiDict) -> PreviewPage:
    """Keep the page's answers that pass their checks and move on (or back); a page with problems
    is shown again with its messages, as a participant sees it."""
    answers = tried(instrument)
    visible = visible_pages(instrument, answers)
    index = _index(instrument, posted.get("page"), visible)
    page = instrument.pages[index]
    form, blocks = page_form(get_state().registry, instrument.id, page, answers, str(get_locale()), posted)
    valid = form.validate()
    page_answers = read_answers(form, blocks, only_valid=not valid)
    keep(instrument, page_answers)
    visible = visible_pages(instrument, {**answers, **page_answers})
    if posted.get("action") == "back":
        earlier = [i for i in visible if i < index]
        return PreviewPage(go=instrument.pages[earlier[-1] if earlier else index].id)
    if not valid:
        return show(instrument, page.id, form, blocks)
    later = [i for i in visible if i > index]
    return PreviewPage(go=instrument.pages[later[0]].id if later else SCORES)


def save(instrument: Instrument, posted: MultiDict) -> None:
    """The autosave of a preview page: keep what passes its checks, without moving."""
    answers = tried(instrument)
    visible = visible_pages(instrument, answers)
    page = instrument.pages[_index(instrument, posted.get("page"), visible)]
    form, blocks = page_form(get_state().registry, instrument.id, page, answers, str(get_locale()), posted)
    form.validate()
    keep(instrument, read_answers(form, blocks, only_valid=True))


@dataclass(frozen=True)
class ScoreLine:
    """One scale's score as it would be stored, with the titles to show it by."""

    scale: str
    title: str
    result: ScoreResult
    band: str | None  # the band's label


@dataclass(frozen=True)
class Outcome:
    """What submitting the tried answers would give: the scores, who computed them, and the
    answers a participant would still be asked for (``key: message`` lines)."""

    lines: list[ScoreLine]
    scored_by: str
    missing: list[str]


def outcome(instrument: Instrument, profile: Profile | None = None) -> Outcome:
    """Score the tried answers as ``submit`` would: hidden answers dropped, then ``scores_of``."""
    answers = visible_answers(instrument, tried(instrument))
    scored_by, results = scores_of(instrument, answers, profile or Profile())
    locale = str(get_locale())
    lines = []
    for result in results:
        scale = instrument.scale(result.scale)
        title = scale.title.get(locale) if scale is not None else result.scale
        band = next((b for b in scale.bands if b.id == result.band), None) if scale is not None else None
        lines.append(ScoreLine(result.scale, title or result.scale, result, band.label.get(locale) if band else None))
    return Outcome(lines, scored_by, final_check(instrument, answers).lines())
