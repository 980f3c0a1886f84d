"""What a participant sees is not what the psychologist calls the method (issue 22): a 7th-grader sees
«Как вы себя чувствовали последние две недели», not «Шкала генерализованного тревожного расстройства
(ГТР-7)». The format's participant_title, participant_intro and ages; the participant's pages; every
built-in questionnaire; staff pages and exports that keep the clinical title; and the warning of
``surveys instrument check`` and the upload page (docs/format.md, "What participants see")."""

from __future__ import annotations

import html
import io
import json
import re
from pathlib import Path

import pytest

from surveys.core.errors import DefinitionError
from surveys.core.loader import load_instrument
from surveys.core.models import Organisation, Participant
from surveys.core.question_types import built_in_types
from surveys.extensions import db
from surveys.participation.links import generate_links
from surveys.state import get_state
from surveys.workspace.campaigns import create_campaign
from tests.conftest import post_form, set_role
from tests.test_bundled_instruments import FILES
from tests.test_cli_language import invoke

TYPES = built_in_types()
ON_SQLITE = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
GAD7_TITLE = "Шкала генерализованного тревожного расстройства (ГТР-7)"
GAD7_SHOWN = "Как вы себя чувствовали последние две недели"
CBI_TITLE = "Копенгагенский опросник выгорания (CBI)"
CBI_SHOWN = "Ваша работа и самочувствие"
GAD7_ANSWERS = {f"gad7_{i}": str(i % 4) for i in range(1, 8)}

# Words a participant should not meet in a questionnaire's name or introduction: method names,
# abbreviations and clinical terms, in Russian and English (stems, matched without case).
CLINICAL = (
    *("тревож", "расстройств", "выгора", "шкал", "опросник", "диагно", "скрининг", "депресс", "синдром"),
    *("истощ", "деперсонал", "клинич", "гтр", "спилбергер", "ханин", "копенгаген", "маслач", "водопьянов"),
    *("anxiety", "anxious", "disorder", "burnout", "scale", "inventory", "screening", "diagnos", "depress"),
    *("syndrome", "exhaust", "depersonal", "clinical", "spielberger", "khanin", "copenhagen", "maslach"),
    *("vodopyanova", "gad-7", "gad7", "cbi", "mbi", "stai"),
)


def clinical_words(text: str) -> list[str]:
    """The words of CLINICAL in ``text``: a stem at the start of a word, an abbreviation as a whole word."""
    lowered = text.lower()
    found = []
    for word in CLINICAL:
        end = r"(?![a-zа-яё])" if len(word) <= 4 else ""
        if re.search(rf"(?<![a-zа-яё]){re.escape(word)}{end}", lowered):
            found.append(word)
    return found


def head(extra: str = "") -> str:
    """A small questionnaire whose ``title:`` is on line 4, with ``extra`` top-level lines after it."""
    return f"""# A questionnaire for the tests of issue 22.
id: mood_check
version: "1"
title: {{ru: Шкала настроения, en: Mood scale}}
description: {{ru: Методика для психолога, en: For the psychologist}}
{extra}audience: [mentee]
pages:
  - id: main
    questions:
      - {{id: mood, type: rating, text: "Как ваше настроение?", min: 1, max: 5}}
"""


# The format ---------------------------------------------------------------------------------------


def test_without_the_new_fields_participants_see_the_title_and_description_and_ages_is_all():
    loaded = load_instrument("mood.yaml", TYPES, text=head())
    assert (loaded.participant_title, loaded.participant_intro, loaded.ages) == (None, None, "all")
    assert loaded.shown_title.get("ru") == "Шкала настроения" and loaded.shown_intro.get("en") == "For the psychologist"


def test_participant_title_intro_and_ages_are_read_and_replace_what_participants_see():
    extra = (
        "participant_title: {ru: Как вы сегодня, en: How you are today}\n"
        "participant_intro: {ru: Ответьте на один вопрос., en: Answer one question.}\n"
        "ages: pupils\n"
    )
    loaded = load_instrument("mood.yaml", TYPES, text=head(extra))
    assert loaded.ages == "pupils"
    assert (loaded.shown_title.get("ru"), loaded.shown_title.get("en")) == ("Как вы сегодня", "How you are today")
    assert (loaded.shown_intro.get("ru"), loaded.shown_intro.get("en")) == (
        "Ответьте на один вопрос.",
        "Answer one question.",
    )
    assert loaded.title.get("ru") == "Шкала настроения"  # the clinical title stays for staff


def test_a_participant_title_alone_hides_the_description_from_participants():
    loaded = load_instrument("mood.yaml", TYPES, text=head("participant_title: Как вы сегодня\nages: adults\n"))
    assert loaded.shown_title.get("en") == "Как вы сегодня" and loaded.shown_intro is None and loaded.ages == "adults"


def test_an_unknown_ages_value_is_reported_at_its_line():
    with pytest.raises(DefinitionError) as caught:
        load_instrument("mood.yaml", TYPES, text=head("ages: kids\n"))
    (problem,) = caught.value.problems
    assert (problem.source, problem.line) == ("mood.yaml", 6) and problem.message.startswith("ages:")


# The built-in questionnaires ----------------------------------------------------------------------


@ON_SQLITE
def test_every_loaded_questionnaire_has_a_participant_title_and_intro_in_russian_and_english(app):
    with app.app_context():
        loaded = get_state().registry.instruments
    assert {load_instrument(path, TYPES).id for path in FILES} <= set(loaded)  # every shipped file is loaded
    for instrument in loaded.values():
        for text in (instrument.participant_title, instrument.participant_intro):
            assert text is not None and text.ru.strip() and (text.en or "").strip(), instrument.id


def test_the_word_list_catches_the_clinical_titles():
    for path in FILES:
        if path.stem in ("gad7", "stai_khanin", "cbi", "mbi_vodopyanova"):
            title = load_instrument(path, TYPES).title
            assert clinical_words(title.ru) and clinical_words(title.en), path.stem


@ON_SQLITE
def test_no_text_a_participant_sees_names_a_method_or_a_clinical_term(app):
    with app.app_context():
        loaded = get_state().registry.instruments
    for instrument in loaded.values():
        texts = [instrument.shown_title, instrument.shown_intro]
        if instrument.ages != "adults":  # pages of questionnaires for pupils too
            texts += [page.title for page in instrument.pages if page.title]
        for text in texts:
            for shown in (text.ru, text.en or ""):
                assert not clinical_words(shown), (instrument.id, shown)


def test_burnout_and_curator_questionnaires_are_for_adults_and_the_rest_for_everyone():
    loaded = [load_instrument(path, TYPES) for path in FILES]
    ages = {instrument.id: instrument.ages for instrument in loaded}
    adults = {"cbi", "mbi_vodopyanova", "curator_conditions"}
    assert {name for name, age in ages.items() if age == "adults"} == adults
    assert {age for name, age in ages.items() if name not in adults} == {"all"}


# The participant's pages --------------------------------------------------------------------------


def campaign(app, organisation_id: int | None = None, allow_editing: bool = False) -> tuple[int, dict[str, str]]:
    """GAD-7 for a mentee (P1) and CBI for a teacher mentor (P2: CBI is for adults only).

    Returns the campaign id and their link tokens."""
    with app.test_request_context():
        if organisation_id is None:
            organisation = Organisation(name="Школа")
            db.session.add(organisation)
            db.session.commit()
        else:
            organisation = db.session.get(Organisation, organisation_id)
        made = create_campaign(organisation, "Вход", ["gad7", "cbi"], "Вход")
        made.allow_editing = allow_editing
        gad7, cbi = made.assignments
        gad7.audience, cbi.audience = ["mentee"], ["mentor"]
        db.session.add(Participant(organisation_id=organisation.id, code="P1", role="mentee", tags=[]))
        db.session.add(
            Participant(organisation_id=organisation.id, code="P2", role="mentor", form="учитель–учитель", tags=[])
        )
        db.session.commit()
        tokens = {participant.code: token for participant, token in generate_links(made.waves[0])}
        return made.id, tokens


def opened(client, token: str) -> str:
    """The first page of the questionnaire, after the participant agrees."""
    client.post(f"/s/{token}/consent", data={"decision": "agree"})
    page = client.get(f"/s/{token}")
    assert page.status_code == 200
    return page.get_data(as_text=True)


def tab_title(page: str) -> str:
    return html.unescape(re.search(r"<title>(.*?)</title>", page, re.S)[1]).strip()


def heading(page: str) -> str:
    return html.unescape(re.search(r"<h1>(.*?)</h1>", page, re.S)[1]).strip()


def test_the_gad7_page_shows_the_participant_title_and_intro_not_the_clinical_ones(app, client):
    _campaign, tokens = campaign(app)
    page = opened(client, tokens["P1"])
    assert tab_title(page) == GAD7_SHOWN and heading(page) == GAD7_SHOWN
    assert "Прочитайте каждую строку и отметьте, как часто за последние две недели" in page
    assert "ГТР-7" not in page and "тревожного" not in page and "скрининга" not in page
    client.get(f"/lang/en?next=/s/{tokens['P1']}")
    english = client.get(f"/s/{tokens['P1']}").get_data(as_text=True)
    assert tab_title(english) == "How you have felt over the last two weeks" == heading(english)
    assert "GAD-7" not in english and "Anxiety" not in english and "screens" not in english


def test_the_cbi_page_shows_the_participant_title_not_the_burnout_inventory(app, client):
    _campaign, tokens = campaign(app)
    page = opened(client, tokens["P2"])
    assert tab_title(page) == CBI_SHOWN and heading(page) == CBI_SHOWN
    assert "Вопросы о том, как вы себя чувствуете, о вашей работе" in page
    assert "CBI" not in page and "Копенгагенский" not in page and "Опросник профессионального" not in page


def answer_gad7(client, token: str) -> None:
    opened(client, token)
    sent = client.post(f"/s/{token}", data={"instrument": "gad7", "page": "gad7", "action": "submit", **GAD7_ANSWERS})
    assert sent.status_code in (302, 303)


def test_the_done_page_offers_to_change_answers_under_the_participant_title(app, client):
    _campaign, tokens = campaign(app, allow_editing=True)
    token = tokens["P1"]
    answer_gad7(client, token)
    done = client.get(f"/s/{token}").get_data(as_text=True)
    assert tab_title(done) == "Спасибо!"  # the tab holds the title only, not the «Not you?» form
    assert f"Изменить ответы: {GAD7_SHOWN}" in html.unescape(done) and "ГТР-7" not in done


# Staff pages and exports keep the clinical title ------------------------------------------------


def test_staff_pages_and_the_export_keep_the_clinical_titles(app, client, logged_in, staff, tmp_path):
    campaign_id, tokens = campaign(app, organisation_id=staff[2])
    answer_gad7(app.test_client(), tokens["P1"])
    shown = html.unescape(logged_in.get(f"/staff/campaigns/{campaign_id}").get_data(as_text=True))
    assert GAD7_TITLE in shown and CBI_TITLE in shown and GAD7_SHOWN not in shown
    listed = html.unescape(logged_in.get("/staff/instruments").get_data(as_text=True))
    assert GAD7_TITLE in listed and CBI_TITLE in listed
    target = tmp_path / "export.json"
    exported = app.test_cli_runner().invoke(args=["export", str(campaign_id), "--format", "json", "-o", str(target)])
    assert exported.exit_code == 0, exported.output
    tables = {t["key"]: t for t in json.loads(target.read_text(encoding="utf-8"))["tables"]}
    codebook = tables["codebook"]
    rows = [dict(zip(codebook["column_keys"], row, strict=True)) for row in codebook["rows"]]
    titles = {row["instrument_id"]: row["text"] for row in rows if row["kind"] == "анкета"}
    assert titles == {"gad7": GAD7_TITLE}  # the codebook lists the questionnaires that have answers


# The warning of ``instrument check`` and the upload page -----------------------------------------


def test_check_warns_at_the_title_line_when_pupils_may_see_the_clinical_title(app, tmp_path):
    path = tmp_path / "mood.yaml"
    path.write_text(head(), encoding="utf-8")
    ru = invoke(app, "instrument", "check", str(path))
    assert ru.exit_code == 0, ru.output
    assert (
        f"{path}:4: предупреждение: анкету могут получить школьники (ages: all), а participant_title не задан"
        in ru.stderr
    )
    assert "увидят заголовок «Шкала настроения»" in ru.stderr
    assert f"{path}: в порядке (mood_check, версия 1, 1 вопрос)" in ru.stdout
    en = invoke(app, "--lang", "en", "instrument", "check", str(path))
    assert en.exit_code == 0, en.output
    expected = f"{path}:4: warning: pupils may get this questionnaire (ages: all) and it has no participant_title"
    assert expected in en.stderr and "will see the title «Mood scale»" in en.stderr
    assert f"{path}: ok (mood_check v1, 1 question)" in en.stdout


@pytest.mark.parametrize(
    ("extra", "warned"),
    [
        ("ages: pupils\n", True),
        ("ages: all\n", True),
        ("ages: adults\n", False),
        ("participant_title: Как вы сегодня\n", False),
    ],
)
def test_check_warns_only_where_pupils_may_see_a_questionnaire_without_a_participant_title(
    app, tmp_path, extra, warned
):
    path = tmp_path / "mood.yaml"
    path.write_text(head(extra), encoding="utf-8")
    result = invoke(app, "instrument", "check", str(path))
    assert result.exit_code == 0 and "в порядке" in result.stdout
    assert ("participant_title не задан" in result.stderr) is warned, result.stderr


def test_the_built_in_questionnaires_check_without_a_warning(app):
    result = invoke(app, "instrument", "check", *(str(path) for path in FILES))
    assert result.exit_code == 0 and result.stdout.count("в порядке") == len(FILES)
    assert "предупреждение" not in result.stderr, result.stderr


def test_an_upload_without_a_participant_title_is_stored_with_the_same_warning(app, client, staff, tmp_path):
    email, password, _organisation = staff
    set_role(app, email, "psychologist")
    assert post_form(client, "/login", {"email": email, "password": password}).status_code == 302
    page = "/staff/instruments/upload"
    sent = post_form(
        client, page, {"file": (io.BytesIO(head().encode()), "mood.yaml")}, content_type="multipart/form-data"
    )
    assert sent.status_code == 302
    listed = html.unescape(client.get("/staff/instruments").get_data(as_text=True))
    (tmp_path / "mood.yaml").write_text(head(), encoding="utf-8")
    checked = invoke(app, "instrument", "check", str(tmp_path / "mood.yaml"))
    warning = checked.stderr.strip().replace(f"{tmp_path}/", "")
    assert warning.startswith("mood.yaml:4: предупреждение:") and warning in listed
    clean = head("participant_title: Как вы сегодня\n").replace('version: "1"', 'version: "2"')
    post_form(client, page, {"file": (io.BytesIO(clean.encode()), "mood.yaml")}, content_type="multipart/form-data")
    assert "предупреждение" not in client.get("/staff/instruments").get_data(as_text=True)


def test_the_plugin_template_has_a_participant_title():
    template = Path(__file__).parents[1] / "surveys" / "instruments" / "plugin_template" / "instrument.yaml.txt"
    assert "\nparticipant_title:\n" in template.read_text(encoding="utf-8")


# In a real browser, on a phone ---------------------------------------------------------------------


@pytest.mark.browser
@ON_SQLITE
def test_a_pupil_on_a_phone_sees_the_participant_title_in_the_tab_and_the_heading(live_server, browser):
    from playwright.sync_api import expect

    from tests.conftest import SHOTS, keep_requests_local

    app, base = live_server()
    _campaign, tokens = campaign(app)
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="ru-RU")
    outside = keep_requests_local(context, base)
    page = context.new_page()
    page.goto(f"{base}/s/{tokens['P1']}")
    page.get_by_role("button", name="Я согласен(на), начать").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(GAD7_SHOWN)
    assert page.title() == GAD7_SHOWN
    expect(page.get_by_text("Здесь нет правильных и неправильных ответов")).to_be_visible()
    assert "ГТР-7" not in page.content() and page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(SHOTS / "participant-title-gad7.png"), full_page=True)
    context.close()
    assert outside == []
