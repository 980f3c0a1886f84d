"""Every built-in questionnaire on a 360 × 740 phone, measured in Chromium (issue 22): no page taller
than four screens, no rating of six points or more taller than 160 px, nothing wider than the screen;
and a 1–10 rating as a row of numbered segments that a finger, a keyboard and a screen reader can use."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from surveys.core.models import Response
from surveys.extensions import db
from tests.conftest import SHOTS, keep_requests_local
from tests.phone_pages import PHONE, SCREEN, measure_all, participant, scale_keys

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("backend", ["sqlite"], indirect=True)]
SCREENS = 4
TALLEST = SCREENS * SCREEN  # 2,960 px
SCALE = 160  # the options of a 1–10 rating, px


def test_every_page_of_every_built_in_questionnaire_fits_four_phone_screens(live_server, browser):
    app, base = live_server()
    instruments = app.extensions["surveys"].registry.instruments
    sizes = measure_all(app, base, browser, sorted(instruments))

    pages = {(s.instrument, s.number) for s in sizes}
    every_page = {(i.id, n) for i in instruments.values() for n in range(1, len(i.pages) + 1)}
    assert pages == every_page, f"pages never shown: {sorted(every_page - pages)}"
    problems = []
    for size in sizes:
        where = f"{size.instrument}, page {size.number} ({size.page_id})"
        if size.height > TALLEST:
            problems.append(f"{where}: {size.height:.0f} px tall, more than {SCREENS} screens ({TALLEST} px)")
        if size.width > PHONE["viewport"]["width"]:
            problems.append(f"{where}: {size.width:.0f} px wide, wider than the phone")
        instrument = instruments[size.instrument]
        expected = [k for q in instrument.pages[size.number - 1].questions for k in scale_keys(q)]
        for key in expected:
            height = size.scales.get(key)
            if height is None:
                problems.append(f"{where}: the options of {key} were not found")
            elif height > SCALE:
                problems.append(f"{where}: the options of {key} are {height:.0f} px tall, more than {SCALE} px")
    assert problems == [], "\n".join(problems)
    # The measure looked at ratings at all: the built-in questionnaires have 1–10 ratings.
    assert any(size.scales for size in sizes)


def test_a_ten_point_rating_is_two_rows_of_numbered_segments_for_finger_keyboard_and_screen_reader(
    live_server, browser
):
    app, base = live_server()
    link, response_id = participant(app, "satisfaction_mentee")
    context = browser.new_context(**PHONE)
    outside = keep_requests_local(context, base)
    page = context.new_page()
    page.goto(base + link)
    question = "Насколько свободно и спокойно вы чувствовали себя, общаясь с наставником? *"
    group = page.get_by_role("group", name=question)
    radios = group.get_by_role("radio")
    assert radios.count() == 10
    # Each point's name is its whole label: the number, and the anchor's words at the ends.
    expect(group.get_by_role("radio", name="1 — совсем нет", exact=True)).to_have_count(1)
    expect(group.get_by_role("radio", name="10 — в полной мере", exact=True)).to_have_count(1)
    expect(group.get_by_role("radio", name="5", exact=True)).to_have_count(1)
    ends = group.locator("ul.scale-ends li")  # the end words, shown under the row
    expect(ends).to_have_text(["1 — совсем нет", "10 — в полной мере"])
    expect(ends.first).to_be_visible()
    assert ends.first.bounding_box()["y"] > group.locator("label").last.bounding_box()["y"]
    boxes = group.locator("label").evaluate_all("els => els.map(e => e.getBoundingClientRect().toJSON())")
    assert len(boxes) == 10 and min(b["width"] for b in boxes) >= 40 and min(b["height"] for b in boxes) >= 44
    assert sorted({round(b["y"]) for b in boxes}) == sorted({round(boxes[0]["y"]), round(boxes[5]["y"])})
    assert boxes[5]["y"] > boxes[0]["y"]  # two rows of five
    assert max(b["x"] + b["width"] for b in boxes) <= 360

    # The keyboard: Tab into the group, arrows move the choice, the focus ring is on the segment.
    page.locator(f"#{radios.first.get_attribute('id')}").focus()
    page.keyboard.press("Space")
    for _ in range(6):
        page.keyboard.press("ArrowRight")
    chosen = group.get_by_role("radio", name="7", exact=True)
    expect(chosen).to_be_checked()
    ring = page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement.labels[0]);"
        " return [s.outlineStyle, parseFloat(s.outlineWidth)]; }"
    )
    assert ring[0] != "none" and ring[1] >= 2
    # Chosen is told by more than colour: a thicker border, and the colours inverted.
    look = group.locator("label").evaluate_all(
        "els => els.map(e => { const s = getComputedStyle(e);"
        " return [parseFloat(s.borderTopWidth), s.backgroundColor, s.color]; })"
    )
    assert look[6][0] >= look[5][0] + 2
    assert look[6][1] != look[5][1] and look[6][2] != look[5][2]
    page.screenshot(path=str(SHOTS / "participant-rating-row.png"), full_page=False)

    page.get_by_role("button", name="Далее").click()  # the other ratings are required: the page comes back
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.get_by_role("group", name=question).get_by_role("radio", name="7", exact=True)).to_be_checked()
    with app.app_context():
        assert db.session.get(Response, response_id).answers["sat_comfort"] == 7
    assert outside == []
    context.close()
