"""Questionnaire pages as a participant sees them on a 360 × 740 phone.

Every page of an instrument is served by the real participant route (``/s/<token>``) and measured in
Chromium: the document's height and width, and the height of the options list of every choice group
with six or more numeric points (a 1–10 rating, a matrix row of 0–6). The participant has agreed and
their response stands on the page to measure; a page with questions shown only after some answer is
measured once for each such condition, with an answer that shows them. Used by
``tests/test_page_sizes.py`` and ``bench/page_heights.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PHONE = {"viewport": {"width": 360, "height": 740}, "locale": "ru-RU"}
SCREEN = 740

MEASURE = """keys => {
  const root = document.documentElement;
  const scales = {};
  for (const key of keys) {
    const group = document.getElementById(key);
    const options = group && group.querySelector('ul');
    if (options) scales[key] = options.getBoundingClientRect().height;
  }
  const page = document.querySelector('input[name=page]');
  return {height: root.scrollHeight, width: root.scrollWidth, scales, page: page ? page.value : null};
}"""


@dataclass
class PageSize:
    instrument: str
    number: int  # the page's place in the file, from 1
    page_id: str
    height: float
    width: float
    scales: dict[str, float] = field(default_factory=dict)  # answer key -> options list height, px, in any showing
    shown: dict[str, Any] = field(default_factory=dict)  # the answers that showed the page's questions


def points(question) -> int:
    """How many numeric points each of the question's choice groups has (0 when not numeric)."""
    options = question.options
    if question.type in ("rating", "matrix") and "min" in options:
        return options["max"] - options["min"] + 1
    if question.type in ("single_choice", "matrix"):
        values = [c["value"] for c in options.get("choices") or []]
        numeric = values and all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
        return len(values) if numeric else 0
    return 0


def scale_keys(question) -> list[str]:
    """The answer keys (fieldset ids) of the question's groups of six or more numeric points."""
    if points(question) < 6:
        return []
    if question.type == "matrix":
        return [item["id"] for item in question.options["items"]]
    return [question.id]


def _showing(condition, questions: dict) -> dict[str, Any]:
    """Answers under which ``condition`` holds (best effort: enough for the built-in conditions)."""
    if condition.all:
        found: dict[str, Any] = {}
        for child in condition.all:
            found.update(_showing(child, questions))
        return found
    if condition.any:
        return _showing(condition.any[0], questions)
    if condition.op == "equals" or condition.op in ("min", "max"):
        return {condition.question: condition.value}
    if condition.op == "in":
        return {condition.question: condition.value[0]}
    if condition.op == "answered" and not condition.value:
        return {}
    question = questions.get(condition.question)
    choices = [c["value"] for c in (question.options.get("choices") or [])] if question else []
    others = [c for c in choices if c != condition.value] or ["x"]
    return {condition.question: others[0]}


def scenarios(instrument, page) -> list[dict[str, Any]]:
    """No answers, and an answer set for each condition of the page's questions."""
    questions = {q.id: q for q in instrument.questions()}
    found: list[dict[str, Any]] = [{}]
    for question in page.questions:
        if question.show_if is not None:
            answers = _showing(question.show_if, questions)
            if answers not in found:
                found.append(answers)
    return found


def participant(app, instrument_id: str) -> tuple[str, int]:
    """An organisation, one participant who has agreed, and a campaign of this instrument alone;
    returns (personal link path, response id)."""
    from surveys.core.models import Invitation, Organisation, Participant, Response, utcnow
    from surveys.extensions import db
    from surveys.workspace.campaigns import create_campaign

    with app.test_request_context():
        instrument = app.extensions["surveys"].instrument(instrument_id)
        organisation = Organisation(name=f"Школа {instrument_id}")
        db.session.add(organisation)
        db.session.commit()
        role = instrument.audience[0] if instrument.audience else "mentee"
        person = Participant(organisation_id=organisation.id, code="PHONE", role=role, tags=[])
        db.session.add(person)
        made = create_campaign(organisation, "Телефон", [instrument_id], "Вход")
        for assignment in made.assignments:  # whatever the file's audience, forms and waves: this person, now
            assignment.audience, assignment.wave_kinds, assignment.forms = [], [], []
        invitation = Invitation(wave_id=made.waves[0].id, participant_id=person.id, consented_at=utcnow())
        token = invitation.issue_token()
        db.session.add(invitation)
        db.session.flush()
        response = Response(
            wave_id=invitation.wave_id,
            participant_id=person.id,
            invitation_id=invitation.id,
            instrument_id=instrument_id,
            instrument_version=instrument.version,
            answers={},
        )
        db.session.add(response)
        db.session.commit()
        return f"/s/{token}", response.id


def _stand(app, response_id: int, index: int, answers: dict[str, Any]) -> None:
    from surveys.core.models import Response
    from surveys.extensions import db

    with app.app_context():
        response = db.session.get(Response, response_id)
        response.answers, response.page_index = dict(answers), index
        db.session.commit()


def measure_instrument(app, base: str, tab, instrument_id: str, shots=None) -> list[PageSize]:
    """Every page of the instrument as the participant gets it, the tallest showing of each page;
    with ``shots`` (a folder), a full-page screenshot of each."""
    instrument = app.extensions["surveys"].instrument(instrument_id)
    link, response_id = participant(app, instrument_id)
    sizes = []
    for index, page in enumerate(instrument.pages):
        keys = [key for question in page.questions for key in scale_keys(question)]
        tallest, scales = None, {}
        for answers in scenarios(instrument, page):
            if not page.shown_questions(answers):
                continue
            _stand(app, response_id, index, answers)
            tab.goto(base + link)
            found = tab.evaluate(MEASURE, keys)
            if found["page"] != page.id:
                raise AssertionError(f"{instrument_id}: page {page.id} was not shown, but {found['page']}")
            size = PageSize(instrument_id, index + 1, page.id, found["height"], found["width"], found["scales"])
            size.shown = answers
            for key, height in found["scales"].items():
                scales[key] = max(height, scales.get(key, 0))
            if tallest is None or size.height > tallest.height:
                tallest = size
                if shots is not None:
                    tab.screenshot(path=str(shots / f"phone-{instrument_id}-{index + 1}.png"), full_page=True)
        if tallest is not None:
            tallest.scales = scales  # from every showing: each conditional question is in one
            sizes.append(tallest)
    return sizes


def measure_all(app, base: str, browser, instrument_ids: list[str], shots=None) -> list[PageSize]:
    """Every page of each instrument, in a phone-sized Chromium that sends nothing elsewhere."""
    from tests.conftest import keep_requests_local

    context = browser.new_context(**PHONE)
    outside = keep_requests_local(context, base)
    tab = context.new_page()
    try:
        sizes = [size for i in instrument_ids for size in measure_instrument(app, base, tab, i, shots)]
    finally:
        context.close()
    assert outside == [], outside
    return sizes
