"""The psychologist's messages in the interface language: questionnaire files (``instrument check``,
the upload page, text packs), the XLSForm report and the bundle report are Russian by default and
English under ``en``, and keep their ``file:line`` (``FILE:SHEET:ROW``, the path) either way.
The ``surveys`` command follows ``SURVEYS_DEFAULT_LOCALE`` or ``--lang``.

Also: a comma inside an inline ``{ru: …}`` text, and a reverse key written as item numbers."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo
from flask_babel import force_locale

from surveys.__main__ import cli
from surveys.core.errors import DefinitionError
from surveys.core.loader import load_instrument
from surveys.core.question_types import built_in_types
from surveys.core.scoring import score_instrument
from surveys.instruments.xlsform import convert
from surveys.transfer.bundle_checks import BundleError, check_bundle
from tests.conftest import post_form, set_role

ROOT = Path(__file__).resolve().parent.parent

HEAD = "id: demo\nversion: 1\ntitle: Проверка\naudience: [mentee]\n"
ONE_PAGE = "pages:\n  - id: p1\n    questions:\n"


def problems(app, text: str, locale: str, name: str = "demo.yaml") -> list[str]:
    with app.app_context(), force_locale(locale), pytest.raises(DefinitionError) as caught:
        load_instrument(name, built_in_types(), text=text)
    return [str(p) for p in caught.value.problems]


def rated(*ids: str) -> str:
    return "".join(f"      - {{id: {i}, type: rating, text: Пункт {i}, min: 1, max: 4}}\n" for i in ids)


# ---- questionnaire files ------------------------------------------------------------------------


def test_marshmallow_defaults_and_the_loaders_own_messages_are_russian_with_their_lines(app):
    text = "id: demo\nversion: 1\ntitle: Проверка\n" + ONE_PAGE + rated("q1") + "items: [a]\n"
    assert problems(app, text, "ru") == [
        "demo.yaml:1: audience: Обязательное поле не заполнено.",
        "demo.yaml:8: items: Неизвестное поле.",
    ]
    assert problems(app, text, "en") == [
        "demo.yaml:1: audience: Missing data for required field.",
        "demo.yaml:8: items: Unknown field.",
    ]
    wrong = HEAD.replace("[mentee]", "[pupil]") + ONE_PAGE + rated("q1") + "      - {id: q2, type: slider, text: Т}\n"
    ru = problems(app, wrong, "ru")
    assert (
        ru[0]
        == "demo.yaml:4: audience[0]: Допустимые значения: mentor, mentee, curator, teacher, parent, employer, other."
    )
    assert ru[1].startswith(
        "demo.yaml:9: pages[0].questions[1].type: неизвестный тип вопроса «slider»; допустимые типы:"
    )
    en = problems(app, wrong, "en")
    assert en[1].startswith("demo.yaml:9: pages[0].questions[1].type: unknown question type 'slider'; known types:")


def test_a_comma_inside_an_inline_text_says_to_quote_it_at_its_line(app):
    # the documented inline style {ru: …, en: …}: a comma in the Russian text ends it
    text = HEAD + ONE_PAGE + "      - {id: q1, type: text, text: {ru: Как вы, друзья, живёте, en: How are you}}\n"
    assert problems(app, text, "ru") == [
        "demo.yaml:8: внутри {…} запятая завершает текст, поэтому «друзья» прочитано как отдельный ключ; "
        'поставьте весь текст в кавычки ("Как вы, друзья…") или запишите его с новой строки после `|`'
    ]
    assert problems(app, text, "en") == [
        "demo.yaml:8: inside {…} a comma ends a text, so «друзья» was read as a key of its own; put the whole "
        'text in quotes ("Как вы, друзья…") or write it on a new line after `|`'
    ]
    # a question mark after the comma stops the YAML parser itself: the same advice, at the same line
    asked = HEAD + ONE_PAGE + rated("q0") + "      - {id: q1, type: text, text: Как вы, друзья, живёте?}\n"
    (message,) = problems(app, asked, "ru")
    assert message.startswith("demo.yaml:9: не удаётся прочитать текст внутри {…} или […]")
    assert message.endswith("поставьте текст в кавычки или запишите его с новой строки после `|`")


def test_the_quoted_and_the_block_forms_of_a_text_with_commas_load(app):
    quoted = HEAD + ONE_PAGE + '      - {id: q1, type: text, text: {ru: "Как вы, друзья, живёте?", en: How}}\n'
    block = HEAD + ONE_PAGE + "      - id: q1\n        type: text\n        text:\n          ru: |\n"
    block += "            Как вы, друзья: живёте? #1\n"
    for text in (quoted, block):
        with app.app_context():
            loaded = load_instrument("demo.yaml", built_in_types(), text=text)
        assert loaded.question("q1").text.ru.strip() in ("Как вы, друзья, живёте?", "Как вы, друзья: живёте? #1")


def scale(items: str, reverse: str) -> str:
    return f"scales:\n  - id: total\n    title: Итог\n    items: {items}\n    reverse: {reverse}\n"


def test_a_reverse_key_by_item_numbers_means_the_items_whose_ids_end_in_them(app):
    text = HEAD + ONE_PAGE + rated("q1", "q2", "q3", "q5") + scale("[q1, q2, q3, q5]", "[3, 5]")
    with app.app_context():
        loaded = load_instrument("demo.yaml", built_in_types(), text=text)
    assert loaded.scales[0].reverse == ("q3", "q5")
    # scored as reversed: 1 on a 1–4 item counts 4
    answers = {"q1": 1, "q2": 1, "q3": 1, "q5": 1}
    (result,) = score_instrument(loaded, answers)
    assert result.raw == 1 + 1 + 4 + 4


def test_a_reverse_number_that_matches_no_item_lists_the_ids_to_write(app):
    text = HEAD + ONE_PAGE + rated("calm", "tense", "q3") + scale("[calm, tense, q3]", "[2, q3]")
    assert problems(app, text, "ru") == [
        "demo.yaml:15: scales[0].reverse[0]: 2: в шкале нет ровно одного пункта, идентификатор которого "
        "оканчивается на 2; запишите обратные пункты их идентификаторами, например reverse: [calm, tense]; "
        "пункты этой шкалы: calm, tense, q3"
    ]
    assert problems(app, text, "en")[0].startswith(
        "demo.yaml:15: scales[0].reverse[0]: 2: no single item of this scale has an id ending in 2;"
    )
    numbers = HEAD + ONE_PAGE + rated("q1", "q2") + scale("[1, 2]", "[2]")
    assert problems(app, numbers, "ru")[0] == (
        "demo.yaml:13: scales[0].items[0]: 1 — это число; здесь нужен идентификатор, например q1"
    )


# ---- the command ----------------------------------------------------------------------------------


def write(tmp_path: Path, text: str, name: str = "bad.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def invoke(app, *args: str):
    return CliRunner().invoke(cli, list(args), obj=ScriptInfo(create_app=lambda: app))


def test_the_command_speaks_russian_by_default_and_english_with_lang_en(app, tmp_path):
    good = write(tmp_path, HEAD + ONE_PAGE + rated("q1", "q2"), "good.yaml")
    bad = write(tmp_path, "id: demo\nversion: 1\ntitle: Т\n" + ONE_PAGE + rated("q1"))
    ru = invoke(app, "instrument", "check", str(good), str(bad))
    assert ru.exit_code == 1
    assert f"{good}: в порядке (demo, версия 1, 2 вопроса)" in ru.output
    assert f"{bad}:1: audience: Обязательное поле не заполнено." in ru.output
    one = write(tmp_path, HEAD + ONE_PAGE + rated("q1"), "one.yaml")
    five = write(tmp_path, HEAD + ONE_PAGE + rated("a1", "a2", "a3", "a4", "a5"), "five.yaml")
    plural = invoke(app, "instrument", "check", str(one), str(five))
    assert "(demo, версия 1, 1 вопрос)" in plural.output and "(demo, версия 1, 5 вопросов)" in plural.output
    en = invoke(app, "--lang", "en", "instrument", "check", str(good), str(bad))
    assert en.exit_code == 1
    assert f"{good}: ok (demo v1, 2 questions)" in en.output
    assert f"{bad}:1: audience: Missing data for required field." in en.output
    assert invoke(app, "--lang", "de", "instrument", "check", str(good)).exit_code == 2  # only ru and en


def test_the_installed_command_follows_surveys_default_locale(tmp_path):
    bad = write(tmp_path, "id: demo\nversion: 1\ntitle: Т\n" + ONE_PAGE + rated("q1"))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SURVEYS_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    env["SURVEYS_SECRET_KEY"] = "x"
    command = Path(sys.executable).with_name("surveys")
    command = str(command) if command.exists() else "surveys"
    english = subprocess.run(
        [command, "instrument", "check", str(bad)],
        env={**env, "SURVEYS_DEFAULT_LOCALE": "en"},
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert english.returncode == 1, english.stderr
    assert english.stderr == f"{bad}:1: audience: Missing data for required field.\n"
    russian = subprocess.run(
        [command, "--lang", "ru", "instrument", "check", str(bad)],
        env={**env, "SURVEYS_DEFAULT_LOCALE": "en"},
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert russian.stderr == f"{bad}:1: audience: Обязательное поле не заполнено.\n"  # --lang wins


# ---- the upload page --------------------------------------------------------------------------------


def test_the_upload_page_shows_file_line_messages_in_the_chosen_language(app, client, staff):
    email, password, _organisation = staff
    set_role(app, email, "psychologist")
    assert post_form(client, "/login", {"email": email, "password": password}).status_code == 302
    text = HEAD + ONE_PAGE + "      - {id: q1, type: text, text: {ru: Как вы, друзья, живёте, en: How}}\n"
    page = "/staff/instruments/upload"

    def upload():
        data = {"file": (io.BytesIO(text.encode()), "class.yaml")}
        response = post_form(client, page, data, content_type="multipart/form-data")
        assert response.status_code == 422
        return response.get_data(as_text=True).replace("&#34;", '"').replace("&#39;", "'")

    assert "class.yaml:8: внутри {…} запятая завершает текст, поэтому «друзья» прочитано как отдельный ключ" in upload()
    with client.session_transaction() as session:
        session["lang"] = "en"
    assert "class.yaml:8: inside {…} a comma ends a text, so «друзья» was read as a key of its own" in upload()


# ---- text packs, XLSForm, bundles ----------------------------------------------------------------------


def test_the_xlsform_report_names_sheet_and_row_in_the_interface_language(app, tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "survey"
    for row in (["type", "name", "label"], ["geopoint", "where", "Где вы?"], ["text", "ok", "Хорошо"]):
        sheet.append(row)
    path = tmp_path / "form.xlsx"
    book.save(path)
    with app.app_context(), force_locale("ru"):
        ru = [str(p) for p in convert(path).problems]
    with app.app_context(), force_locale("en"):
        en = [str(p) for p in convert(path).problems]
    assert ru == [f"{path}:survey:2: тип «geopoint» не поддерживается; строка пропущена"]
    assert en == [f"{path}:survey:2: type 'geopoint' is not supported; the row is skipped"]
    with app.app_context(), force_locale("ru"):
        (not_a_form,) = convert(tmp_path / "form.csv").problems
    assert str(not_a_form) == f"{tmp_path / 'form.csv'}: это не книга .xlsx; сначала сохраните форму в формате .xlsx"


def test_the_bundle_report_keeps_the_path_in_the_interface_language(app):
    bundle = {"format": "other", "format_version": 1, "participants": [{"code": "P1"}, {"code": "P1"}]}
    for locale, expected in (
        (
            "ru",
            [
                "format: должно быть «surveys-bundle»",
                "participants[1].code: код «P1» повторяется (также в participants[0])",
            ],
        ),
        (
            "en",
            ["format: must be 'surveys-bundle'", "participants[1].code: duplicate code 'P1' (also participants[0])"],
        ),
    ):
        with app.app_context(), force_locale(locale), pytest.raises(BundleError) as caught:
            check_bundle(json.loads(json.dumps(bundle)))
        found = [str(p) for p in caught.value.problems]
        for line in expected:
            assert line in found, (locale, found)
    with app.app_context(), force_locale("ru"), pytest.raises(BundleError) as caught:
        check_bundle(bundle)
    assert "campaign: Обязательное поле не заполнено." in [str(p) for p in caught.value.problems]


def test_the_bundle_import_command_reports_in_russian(app, tmp_path):
    path = write(tmp_path, json.dumps({"format": "surveys-bundle"}), "bundle.json")
    result = invoke(app, "campaign", "import", str(path))
    assert result.exit_code == 1
    assert "campaign: Обязательное поле не заполнено." in result.output
    assert f"{path}: " in result.output and "ошибок; ничего не импортировано" in result.output
    junk = write(tmp_path, "{oops", "junk.json")
    assert f"{junk}:1:2: ошибка в записи JSON:" in invoke(app, "campaign", "import", str(junk)).output
