"""Issue 22's acceptance walk: a pupil mentee and a pupil mentor take the demo school's output wave on a
360 × 740 phone in Chromium, by their own personal links, from the information page to the end.

On every page: no clinical title or method name (the participant titles, docs/format.md), no item of a
questionnaire meant for adults (``ages: adults``: the burnout inventories), no page taller than four
screens or wider than the phone, and every 1–10 rating within 160 px. Each questionnaire ends on the
review page; after the one with a clinical cut-off (GAD-7) the campaign's support contact is shown, and
never a score."""

from __future__ import annotations

import re

import pytest

from surveys.core.models import Campaign, GuardianConsent, Invitation, Participant, Response
from surveys.extensions import db
from surveys.participation.review import has_cutoff
from tests.conftest import SHOTS, demo_login, keep_requests_local
from tests.phone_pages import MEASURE, PHONE, SCREEN, scale_keys
from tests.test_participant_titles import clinical_words

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("backend", ["sqlite"], indirect=True)]
PAGES_AT_MOST = 4 * SCREEN
RATING_AT_MOST = 160


def pupil_link(app, role: str) -> tuple[str, str]:
    """A new personal link for a pupil of ``role`` (ученик–ученик) who has not answered the open wave,
    and whose guardian's consent is recorded if the campaign needs it; returns (link, code)."""
    with app.app_context():
        campaign = db.session.execute(db.select(Campaign)).scalar_one()
        wave = next(w for w in campaign.waves if not w.closed)
        answered = set(db.session.execute(db.select(Response.participant_id).filter_by(wave_id=wave.id)).scalars())
        consented = set(
            db.session.execute(db.select(GuardianConsent.participant_id).filter_by(campaign_id=campaign.id)).scalars()
        )
        candidates = db.session.execute(
            db.select(Invitation, Participant)
            .join(Participant, Participant.id == Invitation.participant_id)
            .where(Invitation.wave_id == wave.id, Participant.role == role, Participant.form == "ученик–ученик")
            .order_by(Participant.code)
        ).all()
        for invitation, person in candidates:
            if person.id in answered or (campaign.consent_mode == "guardian" and person.id not in consented):
                continue
            token = invitation.issue_token()
            db.session.commit()
            return f"/s/{token}", person.code
    raise AssertionError(f"the demo has no pupil {role} left to answer the output wave")


def adult_texts(app) -> list[str]:
    """The Russian item texts of every questionnaire meant for adults only."""
    registry = app.extensions["surveys"]
    texts = []
    for instrument in registry.registry.instruments.values():
        if instrument.ages == "adults":
            for question in instrument.questions():
                if question.text and question.text.get("ru"):
                    texts.append(question.text.get("ru"))
                for item in question.options.get("items") or []:
                    label = item.get("text") or item.get("label")  # a Text, read by locale
                    if label is not None and label.get("ru"):
                        texts.append(label.get("ru"))
    found = [t for t in texts if len(t) > 12]
    assert "Как часто вы чувствуете усталость?" in found  # a CBI matrix item: rows are read too
    return found


def fill(tab) -> None:
    """Some answer for every question on the page: the middle option of each choice group, a few words
    in each text field."""
    for name in tab.eval_on_selector_all(
        "form[data-autosave] input[type=radio]", "all => [...new Set(all.map(i => i.name))]"
    ):
        options = tab.locator(f"form[data-autosave] input[type=radio][name='{name}']")
        options.nth(options.count() // 2).check(force=True)
    boxes = tab.locator("form[data-autosave] fieldset:has(input[type=checkbox])")
    for index in range(boxes.count()):
        boxes.nth(index).locator("input[type=checkbox]").first.check(force=True)
    for field in tab.locator("form[data-autosave] textarea, form[data-autosave] input[type=text]").all():
        if field.is_visible() and not field.input_value():
            field.fill("Всё хорошо")
    for field in tab.locator("form[data-autosave] input[type=number]").all():
        if field.is_visible() and not field.input_value():
            field.fill(field.get_attribute("min") or "1")


def walk(app, base: str, browser, role: str) -> dict:
    """Take the whole output wave as a pupil of ``role``; returns what was seen."""
    link, code = pupil_link(app, role)
    registry = app.extensions["surveys"]
    adult = adult_texts(app)
    context = browser.new_context(**PHONE)
    outside = keep_requests_local(context, base)
    tab = context.new_page()
    seen = {"titles": [], "reviews": [], "support": [], "pages": 0, "problems": []}
    tab.goto(base + link)
    tab.locator("button[name=decision][value=agree]").click()
    for step in range(80):
        text = tab.locator("main").inner_text()
        heading = tab.locator("h1").first.inner_text().strip()
        found = tab.evaluate(MEASURE, [])
        where = f"{role} {code}, step {step + 1} «{heading}»"
        if clinical_words(heading):
            seen["problems"].append(f"{where}: a clinical title")
        seen["problems"] += [f"{where}: an item for adults: {t}" for t in adult if t in text]
        if found["height"] > PAGES_AT_MOST or found["width"] > 360:
            seen["problems"].append(f"{where}: {found['width']} × {found['height']} px")
        if re.search(r"\bбалл|\bуровен|\bбаллов\b", text, re.I):
            seen["problems"].append(f"{where}: a score or level is shown")
        if tab.locator("section.support").count():
            seen["support"].append((heading, tab.locator("section.support").inner_text()))
        tab.screenshot(path=str(SHOTS / f"pupil-{role}-{step + 1:02d}.png"), full_page=True)
        if tab.locator("form[data-autosave]").count():  # a page of questions
            instrument_id = tab.locator("input[name=instrument]").first.input_value()
            instrument = registry.instrument(instrument_id)
            page_id = tab.locator("input[name=page]").first.input_value()
            page = next(p for p in instrument.pages if p.id == page_id)
            keys = [key for question in page.questions for key in scale_keys(question)]
            for key, height in tab.evaluate(MEASURE, keys)["scales"].items():
                if height > RATING_AT_MOST:
                    seen["problems"].append(f"{where}: the options of {key} are {height} px tall")
            if instrument.ages == "adults":
                seen["problems"].append(f"{where}: {instrument_id} is for adults")
            if heading != instrument.shown_title.get("ru"):
                seen["problems"].append(f"{where}: the heading is not the participant title of {instrument_id}")
            seen["titles"].append(heading)
            seen["pages"] += 1
            fill(tab)
            tab.locator("form[data-autosave] .buttons button[value=next]").click()
        elif tab.locator("button[value=submit]").count():  # the review page
            seen["reviews"].append(tab.locator(".progress-text").inner_text())
            assert tab.locator("a.change").count() >= 1, where
            tab.locator("button[value=submit]").click()
        else:
            seen["done"] = heading
            break
    context.close()
    assert outside == [], outside
    return seen


def test_a_pupil_mentee_and_a_pupil_mentor_take_the_output_wave_on_a_phone(live_server, browser):
    app, base = live_server()
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    demo_login(result.output)
    with app.app_context():
        contact = db.session.execute(db.select(Campaign)).scalar_one().support_contact
        clinical = {i.id for i in app.extensions["surveys"].registry.instruments.values() if has_cutoff(i)}
    assert contact  # the demo sets whom to turn to

    mentee = walk(app, base, browser, "mentee")
    mentor = walk(app, base, browser, "mentor")
    for role, seen in (("mentee", mentee), ("mentor", mentor)):
        assert seen["problems"] == [], seen["problems"]
        assert seen.get("done") == "Спасибо!", (role, seen)
        questionnaires = list(dict.fromkeys(seen["titles"]))
        assert len(seen["reviews"]) == len(questionnaires) >= 2, (role, seen["reviews"], questionnaires)
    # The mentee's anxiety questionnaire has a clinical cut-off: its support contact follows it.
    assert "gad7" in clinical
    assert "Как вы себя чувствовали последние две недели" in mentee["titles"]
    assert any(contact.splitlines()[0] in text for _heading, text in mentee["support"]), mentee["support"]
    # The pupil mentor gets nothing about burnout, and so no questionnaire with a cut-off.
    assert mentor["support"] == []
    assert "Ваша работа и самочувствие" not in mentor["titles"]
