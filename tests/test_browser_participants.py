"""Participants in a real Chromium: every question type on a 360×740 phone, reload and resume,
double submits, keyboard-only completion, and resuming an open link by code. Screenshots go
to ``test-artifacts/screenshots`` (or ``SURVEYS_SCREENSHOTS``)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from surveys.core.models import Organisation, Participant, Response
from surveys.extensions import db
from surveys.participation.links import create_open_link, generate_links
from surveys.workspace.campaigns import create_campaign
from tests.conftest import FIXTURES, SHOTS, keep_requests_local

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("backend", ["sqlite"], indirect=True)]
PLUGINS = [str(FIXTURES / "plugins"), str(FIXTURES / "browser_plugins")]
PHONE = {"viewport": {"width": 360, "height": 740}, "locale": "ru-RU"}
AGREE = "Я согласен(на), начать"


@pytest.fixture
def server(live_server):
    return live_server(SURVEYS_PLUGINS_PATH=PLUGINS)


def campaign(app, instrument: str):
    """A campaign of one instrument with one mentee; returns (personal link path, wave)."""
    with app.test_request_context():
        organisation = Organisation(name="Школа")
        db.session.add(organisation)
        db.session.commit()
        db.session.add(Participant(organisation_id=organisation.id, code="PHONE1", role="mentee", tags=[]))
        db.session.commit()
        made = create_campaign(organisation, "Мониторинг", [instrument], "Вход")
        [(_, token)] = generate_links(made.waves[0])
        return f"/s/{token}", made.waves[0]


def stored(app) -> list[Response]:
    with app.app_context():
        found = db.session.execute(db.select(Response)).scalars().all()
        for response in found:
            _ = response.scores
        return found


def shot(page, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"participant-{name}.png"), full_page=True)


def no_horizontal_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


def test_every_question_type_on_a_phone_with_reload_and_double_submit(server, browser):
    app, base = server
    link, _ = campaign(app, "every_type")
    context = browser.new_context(**PHONE)
    outside = keep_requests_local(context, base)
    page = context.new_page()
    page.goto(base + link)
    page.get_by_role("button", name=AGREE).click()

    expect(page.get_by_text("Страница 1 из 3")).to_be_visible()
    expect(page.get_by_text("Здесь нет правильных и неправильных ответов.")).to_be_visible()
    page.get_by_label("Как к вам обращаться? *").fill("Маша")
    page.get_by_role("group", name="В каком вы классе? *").get_by_label("Другое").check()
    page.get_by_label("Другое (напишите, что именно)").fill("7 класс")
    page.get_by_role("group", name="Вы впервые участвуете в программе?").get_by_label("Да").check()
    no_horizontal_scroll(page)
    weight = page.evaluate(
        "() => performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'))"
        ".reduce((sum, entry) => sum + entry.encodedBodySize, 0)"
    )
    assert 3000 < weight < 60 * 1024  # the page, its stylesheet and script: well under 60 KB
    shot(page, "every-type-1")
    page.get_by_role("button", name="Далее").click()

    expect(page.get_by_text("Страница 2 из 3")).to_be_visible()
    calm = page.get_by_role("group", name="1. Мне спокойно в школе")
    friends = page.get_by_role("group", name="2. У меня есть друзья в классе")
    # One card per matrix row, stacked, within the screen, with touch targets of at least 44 px.
    first, second = calm.bounding_box(), friends.bounding_box()
    assert first["x"] >= 0 and first["x"] + first["width"] <= 360 and second["y"] >= first["y"] + first["height"]
    heights = page.locator(".matrix ul.options label").evaluate_all(
        "els => els.map(e => e.getBoundingClientRect().height)"
    )
    assert len(heights) == 8 and min(heights) >= 44
    calm.get_by_label("3", exact=True).check()
    page.get_by_text("Ответы сохранены.").wait_for()  # saved on change, without leaving the page
    page.reload()  # midway: the page is rebuilt from what the server holds
    calm = page.get_by_role("group", name="1. Мне спокойно в школе")
    assert calm.get_by_label("3", exact=True).is_checked()
    page.get_by_role("group", name="2. У меня есть друзья в классе").get_by_label("4 — полностью").check()
    page.get_by_role("group", name="Оцените встречи с наставником *").get_by_label("5", exact=True).check()
    no_horizontal_scroll(page)
    shot(page, "every-type-2")
    page.get_by_role("button", name="Далее").click()

    expect(page.get_by_text("Страница 3 из 3")).to_be_visible()
    interests = page.get_by_role("group", name="Что вам интересно?")
    interests.get_by_label("Спорт").check()
    interests.get_by_label("Программирование").check()
    page.get_by_label("Сколько часов в неделю вы занимаетесь дополнительно?").fill("6")
    page.get_by_label("Когда была первая встреча?").fill("2025-10-03")
    page.get_by_label("Ваши пожелания").fill("Больше встреч <b>вживую</b>")
    no_horizontal_scroll(page)
    shot(page, "every-type-3")
    page.get_by_role("button", name="Далее").click()
    expect(page.get_by_role("heading", name="Проверьте ответы")).to_be_visible()
    no_horizontal_scroll(page)
    shot(page, "every-type-review")
    page.get_by_role("button", name="Отправить").dblclick()
    page.get_by_role("heading", name="Спасибо!").wait_for(timeout=5000)
    # Back to the last page and submit again: still the completed page, still one response.
    page.go_back()
    if page.get_by_role("button", name="Отправить").count():
        page.get_by_role("button", name="Отправить").click()
    expect(page.get_by_text("Анкета уже заполнена")).to_be_visible()
    shot(page, "every-type-done")
    assert outside == []

    [response] = stored(app)
    assert response.status == "submitted"
    assert response.answers == {
        "nickname": "Маша",
        "grade": "other",
        "grade__other": "7 класс",
        "first_time": True,
        "mood_calm": 3,
        "mood_friends": 4,
        "lesson_rating": 5,
        "interests": ["sport", "code"],
        "hours": 6,
        "meeting_date": "2025-10-03",
        "wishes": "Больше встреч <b>вживую</b>",
    }
    context.close()


def tab_to(page, test: str, limit: int = 40) -> None:
    """Press Tab until ``test`` (a JS expression on ``el``, the focused element) holds."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(() => {{ const el = document.activeElement; return !!(el && ({test})); }})()"):
            return
    raise AssertionError(f"Tab never reached an element where {test}")


def focus_is_visible(page) -> bool:
    """A 2 px outline on the focused element, on the label around it, or, when the element is transparent
    (the radio of a rating's segment), on its label."""
    return page.evaluate(
        "(() => { const el = document.activeElement;"
        " const seen = [el, el.closest('label'), ...(el.labels || [])]"
        "   .filter(e => e && getComputedStyle(e).opacity !== '0');"
        " return seen.some(e => { const s = getComputedStyle(e);"
        "   return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2; }); })()"
    )


def test_a_survey_can_be_completed_with_the_keyboard_only(server, browser):
    app, base = server
    link, _ = campaign(app, "wellbeing_check")
    context = browser.new_context(viewport={"width": 1024, "height": 768}, java_script_enabled=False)
    page = context.new_page()
    page.goto(base + link)
    tab_to(page, f"el.textContent.trim() === '{AGREE}'")
    assert focus_is_visible(page)
    with page.expect_navigation():
        page.keyboard.press("Enter")

    tab_to(page, "el.name === 'wb_calm'")
    assert focus_is_visible(page)
    page.keyboard.press("Space")  # the first option: 1
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")  # arrows move within the group: 3
    page.keyboard.press("Tab")  # a radio group is one tab stop
    page.keyboard.press("Space")  # wb_tense = 1
    page.keyboard.press("Tab")
    page.keyboard.press("Space")
    page.keyboard.press("ArrowDown")  # wb_happy = 2
    page.keyboard.press("Tab")
    page.keyboard.press("Space")  # school_rating = 1, a row of segments
    assert focus_is_visible(page)
    shot(page, "keyboard-1")
    tab_to(page, "el.textContent.trim() === 'Далее'")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    expect(page.get_by_text("Страница 2 из 2")).to_be_visible()
    tab_to(page, "el.name === 'club'")
    page.keyboard.press("Space")
    tab_to(page, "el.textContent.trim() === 'Далее'")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Проверьте ответы")).to_be_visible()
    tab_to(page, "el.textContent.trim() === 'Отправить'")
    assert focus_is_visible(page)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Спасибо!")).to_be_visible()
    shot(page, "keyboard-done")

    [response] = stored(app)
    assert response.status == "submitted"
    assert {k: response.answers[k] for k in ("wb_calm", "wb_tense", "wb_happy", "school_rating", "club")} == {
        "wb_calm": 3,
        "wb_tense": 1,
        "wb_happy": 2,
        "school_rating": 1,
        "club": "none",
    }
    context.close()


def type_code(page) -> None:
    page.get_by_label("Первые две буквы имени вашей мамы (или другого близкого взрослого)").fill("ол")
    page.get_by_label("Первая буква вашего имени").fill("М")
    page.get_by_label("Число вашего дня рождения, от 1 до 31").fill("7")
    page.get_by_label("Месяц вашего рождения").select_option(label="Март")
    page.get_by_role("button", name="Продолжить").click()


def test_an_open_link_resumes_on_another_phone_with_the_same_code(server, browser):
    app, base = server
    _, wave = campaign(app, "wellbeing_check")
    with app.app_context():
        _, token = create_open_link(wave, "mentee")
    link = f"{base}/o/{token}"

    first = browser.new_context(**PHONE)
    page = first.new_page()
    page.goto(link)
    page.get_by_role("button", name=AGREE).click()
    expect(page.get_by_role("heading", name="Придумайте свой код")).to_be_visible()
    no_horizontal_scroll(page)
    shot(page, "open-link-code")
    type_code(page)
    for item, answer in (("1. Я спокоен", "Скорее согласен"), ("2. Я напряжён", "Скорее не согласен")):
        page.get_by_role("group", name=item).get_by_label(answer).check()
    page.get_by_role("group", name="3. Я доволен").get_by_label("Полностью согласен").check()
    page.get_by_role("button", name="Далее").click()
    expect(page.get_by_text("Страница 2 из 2")).to_be_visible()
    first.close()

    second = browser.new_context(**PHONE)
    page = second.new_page()
    page.goto(link)
    page.get_by_role("button", name=AGREE).click()
    type_code(page)
    expect(page.get_by_text("Страница 2 из 2")).to_be_visible()
    page.get_by_role("button", name="Назад").click()
    assert page.get_by_role("group", name="3. Я доволен").get_by_label("Полностью согласен").is_checked()
    shot(page, "open-link-resumed")
    page.get_by_role("button", name="Далее").click()
    page.get_by_role("button", name="Далее").click()
    page.get_by_role("button", name="Отправить").click()
    expect(page.get_by_role("heading", name="Спасибо!")).to_be_visible()
    second.close()

    [response] = stored(app)
    assert response.status == "submitted" and response.answers["wb_happy"] == 4
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(Participant.id))).scalar_one() == 2  # PHONE1 + the code


WCAG_CHECK = """
() => {
  const problems = [];
  const parse = c => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = el => {
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  for (const el of document.querySelectorAll('input:not([type=hidden]), select, textarea')) {
    if (!el.labels || el.labels.length === 0) problems.push('no label: ' + el.name);
    if ((el.type === 'radio' || el.type === 'checkbox')) {
      const set = el.closest('fieldset');
      if (!set || !set.querySelector('legend')) problems.push('no fieldset/legend: ' + el.name);
    }
  }
  const texts = document.querySelectorAll('h1, h2, p, legend, label, span, a, button, li');
  for (const el of texts) {
    if (!el.textContent.trim() || el.offsetParent === null) continue;
    const fg = parse(getComputedStyle(el).color).slice(0, 3);
    const [a, b] = [lum(fg), lum(background(el))].sort((x, y) => y - x);
    const ratio = (a + 0.05) / (b + 0.05);
    if (ratio < 4.5) problems.push('contrast ' + ratio.toFixed(2) + ': ' + el.textContent.trim().slice(0, 30));
  }
  if (!document.documentElement.lang) problems.push('no lang');
  if (!document.querySelector('main')) problems.push('no main landmark');
  return problems;
}
"""


def test_participant_pages_meet_wcag_basics(server, browser):
    app, base = server
    link, wave = campaign(app, "every_type")
    with app.app_context():
        _, token = create_open_link(wave, "mentee")
    context = browser.new_context(**PHONE, java_script_enabled=False)
    page = context.new_page()
    checked = []

    def check(name):
        assert page.evaluate(WCAG_CHECK) == [], name
        checked.append(name)

    page.goto(f"{base}/o/{token}")
    check("open consent")
    page.get_by_role("link", name="Как защищены ваши ответы").click()  # the privacy page, and back
    expect(page.get_by_role("heading", name="Как защищены ваши ответы", level=1)).to_be_visible()
    expect(page.get_by_text("не меньше 5 человек").first).to_be_visible()
    no_horizontal_scroll(page)
    check("privacy")
    page.get_by_role("link", name="Вернуться к анкете").click()
    page.get_by_role("button", name=AGREE).click()
    page.get_by_role("button", name="Продолжить").click()  # an empty code: errors at every field
    expect(page.get_by_role("alert")).to_be_visible()
    check("code errors")
    page.goto(base + link)
    page.get_by_role("button", name=AGREE).click()
    page.get_by_role("button", name="Далее").click()  # required questions unanswered
    assert page.locator("[aria-invalid=true]").count() >= 2
    check("question errors")
    shot(page, "errors-phone")
    page.goto(base + "/s/" + "0" * 26)
    check("invalid link")
    assert checked == ["open consent", "privacy", "code errors", "question errors", "invalid link"]
    context.close()
