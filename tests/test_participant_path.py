"""The participant's path (issue 22): the school and campaign in the header, the progress line, the
review page before the submit, and whom to turn to after a questionnaire with a clinical cut-off,
through the Flask test client on SQLite and PostgreSQL."""

from __future__ import annotations

import html
import re

import pytest

from surveys.core.loader import load_instrument
from surveys.core.models import Organisation, Participant, Response, Score, Wave
from surveys.core.question_types import built_in_types
from surveys.extensions import db
from surveys.participation.links import create_open_link, generate_links
from surveys.participation.review import has_cutoff, review_pages
from surveys.state import get_state
from surveys.workspace.campaigns import create_campaign
from tests.api_support import gad7
from tests.conftest import FIXTURES, csrf_token, submit_through_review

PLUGINS = str(FIXTURES / "plugins")
SCHOOL = "Лицей <b>№ 1</b> имени очень длинного названия"
CAMPAIGN = "Мониторинг «Наставничество» & <i>осень</i>"
PAGE_ONE = {"instrument": "wellbeing_check", "page": "mood", "wb_calm": 3, "wb_tense": 2, "wb_happy": 4}
LAST = {"instrument": "wellbeing_check", "page": "more", "club": "sport"}
REVIEW_SUBMIT = {"instrument": "wellbeing_check", "review": "1", "action": "submit"}
CONTACT = "Кабинет 12, Анна Петровна\nпо вторникам <script>alert(1)</script>"


@pytest.fixture
def app(make_app):
    return make_app(SURVEYS_PLUGINS_PATH=PLUGINS, SURVEYS_PSEUDONYM_KEY="k" * 32)


def setup_wave(app, instruments=("wellbeing_check",), codes=("P1",), **settings) -> tuple[dict[str, str], int]:
    """A campaign of the school ``SCHOOL``; returns ({code: /s/ link}, wave id)."""
    with app.test_request_context():
        organisation = Organisation(name=SCHOOL)
        db.session.add(organisation)
        db.session.commit()
        for code in codes:
            db.session.add(Participant(organisation_id=organisation.id, code=code, role="mentee", tags=[]))
        db.session.commit()
        campaign = create_campaign(organisation, CAMPAIGN, list(instruments), "Вход")
        for key, value in settings.items():
            setattr(campaign, key, value)
        db.session.commit()
        links = {p.code: f"/s/{token}" for p, token in generate_links(campaign.waves[0])}
        return links, campaign.waves[0].id


def agreed(app, link: str):
    client = app.test_client()
    assert client.post(f"{link}/consent", data={"decision": "agree"}).status_code == 302
    return client


def text_of(page: str) -> str:
    """The page's visible text, tags dropped and entities read, spaces squeezed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def main_of(page: str) -> str:
    return page.split('<main id="main"', 1)[1]


def stored(app) -> list[Response]:
    with app.app_context():
        found = db.session.execute(db.select(Response).order_by(Response.id)).scalars().all()
        for response in found:
            _ = response.scores
        return found


def header_of(page: str) -> str:
    return page.split('<header class="top">', 1)[1].split("</header>", 1)[0]


def shows_link_header(page: str) -> bool:
    header = header_of(page)
    return (
        html.escape(SCHOOL, quote=False) in header
        and html.escape(CAMPAIGN, quote=False) in header
        and "<b>" not in header
        and "<i>" not in header
    )


def test_the_header_names_the_school_and_campaign_on_every_page_of_a_link(app):
    links, wave_id = setup_wave(app, codes=("P1", "P2"))
    client = app.test_client()
    link = links["P1"]
    assert shows_link_header(client.get(link).get_data(as_text=True))  # consent
    client.post(f"{link}/consent", data={"decision": "agree"})
    assert shows_link_header(client.get(link).get_data(as_text=True))  # page one
    client.post(link, data={**PAGE_ONE, "action": "next"})
    assert shows_link_header(client.get(link).get_data(as_text=True))  # page two
    client.post(link, data={**LAST, "action": "next"})
    assert shows_link_header(client.get(link).get_data(as_text=True))  # review
    client.post(link, data=REVIEW_SUBMIT)
    assert shows_link_header(client.get(link).get_data(as_text=True))  # done

    other = app.test_client()
    other.post(f"{links['P2']}/consent", data={"decision": "decline"})
    declined = other.get(links["P2"]).get_data(as_text=True)
    assert "Вы решили не участвовать" in text_of(declined) and shows_link_header(declined)

    # An open link: consent, code and questionnaire carry it too.
    with app.app_context():
        _, token = create_open_link(db.session.get(Wave, wave_id), "mentee")
    visitor = app.test_client()
    consent = visitor.get(f"/o/{token}").get_data(as_text=True)
    assert shows_link_header(consent)
    visitor.post(f"/o/{token}/consent", data={"csrf_token": csrf_token(consent), "decision": "agree"})
    assert shows_link_header(visitor.get(f"/o/{token}/code").get_data(as_text=True))

    # A page that belongs to no link names nothing.
    unknown = client.get("/s/" + "a" * 26).get_data(as_text=True)
    assert SCHOOL.split()[0] not in unknown and "Анкета" in header_of(unknown)


def test_the_progress_line_counts_the_shown_pages_and_the_review_is_not_one_of_them(app):
    links, _ = setup_wave(app)
    client = agreed(app, links["P1"])
    link = links["P1"]
    first = text_of(client.get(link).get_data(as_text=True))
    assert "Страница 1 из 2" in first
    client.post(link, data={**PAGE_ONE, "action": "next"})
    second = client.get(link).get_data(as_text=True)
    assert "Страница 2 из 2" in text_of(second) and '<progress max="2" value="2"' in second
    client.post(link, data={**LAST, "action": "next"})
    review = text_of(client.get(link).get_data(as_text=True))
    assert "Проверьте ответы" in review and "Страница 3" not in review and "из 2" not in review


def test_the_last_page_leads_to_the_review_and_only_the_review_submits(app):
    links, _ = setup_wave(app)
    link = links["P1"]
    client = agreed(app, link)
    client.post(link, data={**PAGE_ONE, "action": "next"})
    last = client.get(link).get_data(as_text=True)
    # «Назад» comes first, then «Далее» (no «Отправить» on a page of questions).
    buttons = re.findall(r'<button type="submit" name="action" value="(\w+)"( class="[\w -]+")?', main_of(last))
    assert [(value, css) for value, css in buttons] == [
        ("next", ' class="default-action"'),
        ("back", ' class="secondary"'),
        ("next", ' class="next"'),
    ]
    assert 'value="submit"' not in last and "Отправить" not in text_of(main_of(last)).split("Анкета")[0]
    assert client.post(link, data={**LAST, "action": "next"}).status_code == 302
    [response] = stored(app)
    assert response.status == "in_progress" and response.answers["club"] == "sport"
    review = client.get(link).get_data(as_text=True)
    assert "Проверьте ответы" in review and 'name="review" value="1"' in review
    assert re.search(r'value="back" class="secondary">Назад</button>\s*<button [^>]*value="submit"', review)


def test_the_review_lists_shown_answers_by_their_labels_and_leaves_hidden_questions_out(app):
    links, _ = setup_wave(app, codes=("P1", "P2"))
    link = links["P1"]
    client = agreed(app, link)
    client.post(link, data={**PAGE_ONE, "action": "next"})  # wb_tense 2: «Что вас беспокоит?» stays hidden
    client.post(link, data={**LAST, "club": "other", "club__other": "шахматы <b>и</b> го", "action": "next"})
    page = client.get(link).get_data(as_text=True)
    review = text_of(main_of(page))
    for shown in (
        "Настроение",
        "Насколько вы согласны?",
        "Я спокоен Скорее согласен",
        "Я напряжён Скорее не согласен",
        "Я доволен Полностью согласен",
        "Оцените атмосферу в школе нет ответа",  # skipped, optional
        "Ходите ли вы в кружки? Другое: шахматы <b>и</b> го",
    ):
        assert shown in review, shown
    assert "Что вас беспокоит?" not in review
    assert "шахматы &lt;b&gt;и&lt;/b&gt; го" in page  # free text is escaped
    assert "wb_calm" not in review and ": 3" not in review  # labels, not codes

    # With wb_tense 3 the condition shows the question, and its text answer is escaped.
    other = agreed(app, links["P2"])
    other.post(links["P2"], data={**PAGE_ONE, "wb_tense": 3, "action": "next"})
    other.post(links["P2"], data={**LAST, "worries": "<script>alert(1)</script>", "action": "next"})
    shown = other.get(links["P2"]).get_data(as_text=True)
    assert "Что вас беспокоит?" in text_of(shown)
    assert "<script>alert(1)</script>" not in shown and "&lt;script&gt;alert(1)&lt;/script&gt;" in shown


def test_change_opens_the_page_and_next_comes_back_to_the_review(app):
    links, _ = setup_wave(app)
    link = links["P1"]
    client = agreed(app, link)
    client.post(link, data={**PAGE_ONE, "action": "next"})
    client.post(link, data={**LAST, "action": "next"})
    review = client.get(link).get_data(as_text=True)
    change = re.findall(r'<a class="change" href="([^"]+)">', review)
    assert change == [f"{link}?page=mood", f"{link}?page=more"]
    mood = client.get(change[0]).get_data(as_text=True)
    assert "Страница 1 из 2" in text_of(mood) and 'name="then" value="review"' in mood
    assert re.search(r'<input checked[^>]*name="wb_calm"[^>]*value="3"', mood)  # the page keeps its answers
    # A mistake keeps the way back to the review; the corrected page goes straight back to it.
    wrong = client.post(link, data={**PAGE_ONE, "wb_calm": 9, "then": "review", "action": "next"})
    assert wrong.status_code == 200 and 'name="then" value="review"' in wrong.get_data(as_text=True)
    back = client.post(link, data={**PAGE_ONE, "wb_calm": 1, "then": "review", "action": "next"})
    assert back.status_code == 302
    again = text_of(main_of(client.get(link).get_data(as_text=True)))
    assert "Проверьте ответы" in again and "Я спокоен Совсем не согласен" in again
    # The review's «Назад» goes to the last page; a page asked for outside the review is ignored.
    client.post(link, data={**REVIEW_SUBMIT, "action": "back"})
    assert "Страница 2 из 2" in text_of(client.get(f"{link}?page=mood").get_data(as_text=True))
    client.post(link, data={**LAST, "action": "next"})
    assert client.post(link, data=REVIEW_SUBMIT).status_code == 302
    [response] = stored(app)
    assert response.status == "submitted" and response.answers["wb_calm"] == 1


def test_a_double_submit_from_the_review_submits_and_scores_once(app):
    links, _ = setup_wave(app)
    link = links["P1"]
    client, second_tab = agreed(app, link), app.test_client()
    client.post(link, data={**PAGE_ONE, "action": "next"})
    first = submit_through_review(client, link, LAST)
    again = second_tab.post(link, data=REVIEW_SUBMIT)
    assert first.status_code == again.status_code == 302
    [response] = stored(app)
    assert response.status == "submitted" and len(response.scores) == 1
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(Score.id))).scalar_one() == 1
    assert "Анкета уже заполнена" in text_of(client.get(link).get_data(as_text=True))


def test_a_missing_required_answer_at_the_review_brings_back_its_page_with_the_message(app):
    links, _ = setup_wave(app)
    link = links["P1"]
    client = agreed(app, link)
    # A crafted post of the last page skips the required matrix of page one.
    client.post(link, data={**LAST, "action": "next"})
    review = text_of(main_of(client.get(link).get_data(as_text=True)))
    assert "Я спокоен нет ответа" in review
    refused = client.post(link, data=REVIEW_SUBMIT)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 200 and "Страница 1 из 2" in text_of(page)
    assert 'role="alert"' in page and 'aria-invalid="true"' in page
    [response] = stored(app)
    assert response.status == "in_progress" and response.scores == []
    # The place is kept: the link opens that page again.
    assert "Страница 1 из 2" in text_of(client.get(link).get_data(as_text=True))


def test_editing_after_submission_goes_through_the_review(app):
    links, _ = setup_wave(app, allow_editing=True)
    link = links["P1"]
    client = agreed(app, link)
    client.post(link, data={**PAGE_ONE, "action": "next"})
    submit_through_review(client, link, LAST)
    client.post(f"{link}/edit", data={"instrument": "wellbeing_check"})
    client.post(link, data={**PAGE_ONE, "wb_happy": 1, "action": "next"})
    client.post(link, data={**LAST, "club": "none", "action": "next"})
    review = text_of(main_of(client.get(link).get_data(as_text=True)))
    assert "Вы меняете ответы, которые уже отправили" in review and "Ходите ли вы в кружки? Нет" in review
    [response] = stored(app)
    assert response.answers["club"] == "sport"  # the sent answers stay until the review is submitted
    client.post(link, data=REVIEW_SUBMIT)
    [response] = stored(app)
    assert response.answers["club"] == "none" and response.edited_at is not None and not response.editing


def test_an_open_link_reviews_and_submits_once(app):
    _, wave_id = setup_wave(app)
    with app.app_context():
        _, token = create_open_link(db.session.get(Wave, wave_id), "mentee")
    client, link = app.test_client(), f"/o/{token}"
    consent = client.get(link).get_data(as_text=True)
    client.post(f"{link}/consent", data={"csrf_token": csrf_token(consent), "decision": "agree"})
    code = client.get(f"{link}/code").get_data(as_text=True)
    form = {"guardian_letters": "Ол", "own_letter": "м", "birth_day": "7", "birth_month": "3"}
    client.post(f"{link}/code", data={"csrf_token": csrf_token(code), **form})
    survey = f"{link}/survey"
    token_value = csrf_token(client.get(survey).get_data(as_text=True))
    client.post(survey, data={"csrf_token": token_value, **PAGE_ONE, "action": "next"})
    done = submit_through_review(client, survey, LAST, csrf=token_value)
    assert done.status_code == 302
    assert client.post(survey, data={"csrf_token": token_value, **REVIEW_SUBMIT}).status_code == 302
    [response] = stored(app)
    assert response.status == "submitted" and len(response.scores) == 1


def support_shown(page: str) -> bool:
    return "Если хочется с кем-нибудь поговорить" in text_of(page)


def test_a_clinical_cut_off_is_a_banded_scale_where_higher_is_worse(app):
    with app.app_context():
        instruments = get_state().registry.instruments
        assert all(has_cutoff(instruments[i]) for i in ("gad7", "stai_khanin", "mbi_vodopyanova"))
        assert not has_cutoff(instruments["cbi"])  # higher is worse, but the CBI ships no bands
        assert not has_cutoff(instruments["wellbeing_check"])  # banded, but higher is better


def test_the_support_contact_follows_gad7_as_plain_text_without_a_score(app):
    links, _ = setup_wave(app, instruments=("gad7",), support_contact=CONTACT)
    link = links["P1"]
    client = agreed(app, link)
    answers = {"instrument": "gad7", "page": "gad7"} | {k: str(v) for k, v in gad7([3] * 7).items()}
    submit_through_review(client, link, answers)
    done = client.get(link).get_data(as_text=True)
    assert support_shown(done)
    assert "Кабинет 12, Анна Петровна\nпо вторникам &lt;script&gt;alert(1)&lt;/script&gt;" in done
    assert "<script>alert(1)</script>" not in done
    [response] = stored(app)
    [score] = response.scores
    with app.app_context():
        scale = get_state().registry.instruments["gad7"].scale(score.scale)
        band = scale.band_for(score.value)
    words = text_of(main_of(done))
    assert str(int(score.raw)) not in words and band.label.get("ru") not in words


def test_without_a_contact_the_support_note_is_generic(app):
    links, _ = setup_wave(app, instruments=("gad7",))
    link = links["P1"]
    client = agreed(app, link)
    answers = {"instrument": "gad7", "page": "gad7"} | {k: "0" for k in gad7([0] * 7)}
    submit_through_review(client, link, answers)
    done = text_of(client.get(link).get_data(as_text=True))
    assert support_shown(done) and "обратитесь к школьному психологу или классному руководителю" in done


def test_no_support_note_after_a_questionnaire_without_a_cut_off(app):
    links, _ = setup_wave(app, support_contact=CONTACT)
    link = links["P1"]
    client = agreed(app, link)
    client.post(link, data={**PAGE_ONE, "action": "next"})
    submit_through_review(client, link, LAST)
    done = client.get(link).get_data(as_text=True)
    assert "Анкета уже заполнена" in text_of(done)
    assert not support_shown(done) and "Кабинет 12" not in done


def test_the_next_questionnaire_opens_with_the_support_note_after_gad7(app):
    links, _ = setup_wave(app, instruments=("gad7", "wellbeing_check"), support_contact=CONTACT)
    link = links["P1"]
    client = agreed(app, link)
    before = client.get(link).get_data(as_text=True)
    assert not support_shown(before)
    answers = {"instrument": "gad7", "page": "gad7"} | {k: "1" for k in gad7([1] * 7)}
    submit_through_review(client, link, answers)
    after = client.get(link).get_data(as_text=True)
    assert "Анкета 2 из 2" in text_of(after) and support_shown(after) and "Кабинет 12" in after
    client.post(link, data={**PAGE_ONE, "action": "next"})
    assert not support_shown(client.get(link).get_data(as_text=True))  # on its first page only
    submit_through_review(client, link, LAST)
    assert support_shown(client.get(link).get_data(as_text=True))  # and on the done page


def test_a_key_only_instrument_lists_item_numbers_not_texts(app):
    with app.test_request_context():
        from surveys.participation.review import review_pages

        instrument = get_state().registry.instruments["gad7"]
        from dataclasses import replace

        from surveys.core.definitions import Licence

        key_only = replace(instrument, licence=Licence(citation="x", licence="x", bundle_texts=False))
        answers = gad7([1, 2, 0, 3, 1, 0, 2])
        [page] = review_pages(key_only, answers, [0], "ru")
        rows = [row for question in page.questions for row in question.rows]
        assert rows[0] == ("Пункт 1", "Несколько дней") and rows[3] == ("Пункт 4", "Почти каждый день")
        assert all(question.text is None for question in page.questions)
        [plain] = review_pages(instrument, answers, [0], "ru")
        assert plain.questions[0].text and plain.questions[0].rows[0][0] != "Пункт 1"


def test_a_last_page_shown_before_the_review_existed_still_submits_once(app):
    """A tab opened before the upgrade posts «Отправить» from the last page: the same final check and
    the same single claim apply, so it is submitted and scored once."""
    links, _ = setup_wave(app)
    link = links["P1"]
    client = agreed(app, link)
    client.post(link, data={**PAGE_ONE, "action": "next"})
    assert client.post(link, data={**LAST, "action": "submit"}).status_code == 302
    assert client.post(link, data={**LAST, "action": "submit"}).status_code == 302
    [response] = stored(app)
    assert response.status == "submitted" and len(response.scores) == 1


YES_NO = """id: yes_no_review
version: "1"
title: {ru: Да или нет, en: Yes or no}
audience: [mentee]
pages:
  - id: main
    questions:
      - {id: future, type: yes_no, text: "Хотели бы вы стать наставником?"}
      - {id: club, type: yes_no, text: "Ходите ли вы в кружок?"}
      - {id: later, type: yes_no, text: "Пропущенный вопрос"}
"""


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_the_review_shows_a_yes_no_answer_as_yes_or_no_not_as_true_or_false(app):
    # A yes/no answer is stored as true or false, while its choices are "yes" and "no".
    instrument = load_instrument("yes_no_review.yaml", built_in_types(), text=YES_NO)
    with app.test_request_context():
        [page] = review_pages(instrument, {"future": False, "club": True}, [0], "ru")
    assert [q.rows for q in page.questions] == [[(None, "Нет")], [(None, "Да")], [(None, None)]]
