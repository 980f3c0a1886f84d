"""Every command's messages in the interface language: Russian by default, English with ``surveys --lang en``
(or ``SURVEYS_DEFAULT_LOCALE=en`` where no app exists yet). Ids, paths, values and TSV columns stay as
they are. One test per command family; each fails if a message is English again in Russian."""

from __future__ import annotations

import json
import re

import openpyxl
from click.testing import CliRunner
from flask.cli import ScriptInfo

from surveys.__main__ import cli
from surveys.core.models import Campaign
from surveys.extensions import db
from surveys.instruments.commands.plugin import plugin
from tests.conftest import FIXTURES, demo_login

PLUGINS = str(FIXTURES / "plugins")


def russian_plural(number: int, one: str, few: str, many: str) -> str:
    if number % 10 == 1 and number % 100 != 11:
        return one
    return few if 2 <= number % 10 <= 4 and not 12 <= number % 100 <= 14 else many


def invoke(app, *args: str, input: str | None = None, env: dict | None = None):
    """The installed ``surveys`` group on this test's app (``--lang`` changes the app's language for good,
    so each test runs its Russian commands first)."""
    return CliRunner(env=env).invoke(cli, list(args), input=input, obj=ScriptInfo(create_app=lambda: app))


def test_demo_prints_its_login_in_russian_and_in_english_with_lang_en(app):
    ru = invoke(app, "demo")
    assert ru.exit_code == 0, ru.output
    email, password, link = demo_login(ru.output)
    assert email == "curator@demo.school" and link.startswith("http://localhost/s/")
    # the values line up after the longest label
    lines = ru.output.strip().splitlines()[-4:]
    assert len({len(line) - len(line.split()[-1]) for line in lines}) == 1, lines
    en = invoke(app, "--lang", "en", "demo")
    assert en.exit_code == 0, en.output
    assert re.search(r"^Staff login: +curator@demo\.school$", en.output, re.M)
    assert re.search(r"^Password: +\S+$", en.output, re.M) and re.search(
        r"^Sign in at: +http://localhost/login$", en.output, re.M
    )
    assert re.search(r"^Participant link: +http://localhost/s/\S+$", en.output, re.M)
    assert "Логин" not in en.output


def test_export_and_purge_say_what_they_did_with_russian_plurals(app, tmp_path):
    demo_login(invoke(app, "demo").output)
    with app.app_context():
        campaign_id = db.session.execute(db.select(Campaign.id)).scalar_one()
    target = tmp_path / "out.xlsx"
    ru = invoke(app, "export", str(campaign_id), "-o", str(target))
    assert ru.exit_code == 0, ru.output
    book = openpyxl.load_workbook(target, read_only=True)
    assert book.sheetnames  # the file is a real workbook
    book.close()
    counts = r"\(xlsx, (\d+) (таблица|таблицы|таблиц), (\d+) (строка|строки|строк)\)\n"
    pattern = rf"записан файл {re.escape(str(target))} {counts}"
    tables, table_word, rows, row_word = re.fullmatch(pattern, ru.output).groups()
    assert table_word == russian_plural(int(tables), "таблица", "таблицы", "таблиц")
    assert row_word == russian_plural(int(rows), "строка", "строки", "строк")
    nowhere = invoke(app, "export", "999", "-o", str(target))
    assert nowhere.exit_code == 2 and "нет кампании 999" in nowhere.output
    no_wave = invoke(app, "export", str(campaign_id), "--wave", "Нет такой", "-o", str(target))
    assert f"в кампании {campaign_id} нет волны «Нет такой»" in no_wave.output
    no_folder = invoke(app, "export", str(campaign_id), "-o", str(tmp_path / "missing" / "x.xlsx"))
    assert f"нет папки {tmp_path / 'missing'}" in no_folder.output
    assert invoke(app, "exports", "purge").output == "удалено 0 выгрузок старше 24 часов\n"

    en = invoke(app, "--lang", "en", "export", str(campaign_id), "-o", str(target))
    assert re.fullmatch(rf"wrote {re.escape(str(target))} \(xlsx, \d+ tables?, \d+ rows?\)\n", en.output), en.output
    assert invoke(app, "exports", "purge").output == "deleted 0 exports older than 24 hours\n"


def test_user_create_and_list_speak_russian_then_english(app):
    made = invoke(app, "user", "create", "Head@School.ru", "--organisation", "Школа № 7", "--password", "x" * 12)
    assert made.exit_code == 0, made.output
    assert made.output == (
        f"Организация создана: Школа № 7 (номер {_organisation_id(app, 'Школа № 7')})\n"
        "Пользователь создан: head@school.ru с ролью curator в организации Школа № 7\n"
    )
    admin = invoke(app, "user", "create", "root@school.ru", "--admin", "--password", "y" * 12)
    assert admin.output == "Пользователь создан: root@school.ru (администратор сервера)\n"
    short = invoke(app, "user", "create", "b@school.ru", "--organisation", "Школа № 7", "--password", "short")
    assert short.exit_code == 2 and "пароль должен быть не короче 10 символов" in short.output
    assert "это не адрес электронной почты: «nobody»" in invoke(app, "user", "create", "nobody", "--admin").output
    missing = invoke(app, "user", "create", "c@school.ru", "--password", "z" * 12)
    assert "укажите --organisation НАЗВАНИЕ (или --admin для администратора сервера)" in missing.output
    prompted = invoke(app, "user", "create", "d@school.ru", "--admin", input="q" * 12 + "\n" + "q" * 12 + "\n")
    assert prompted.output.startswith("Пароль: \nПовторите пароль: \n"), prompted.output
    listed = invoke(app, "user", "list").output
    assert "head@school.ru  Школа № 7: curator" in listed  # the role stays the id --role takes
    assert "root@school.ru [администратор сервера]  -" in listed

    updated = invoke(
        app, "--lang", "en", "user", "create", "head@school.ru", "--organisation", "Школа № 7", "--role", "viewer"
    )
    assert updated.output == "User updated: head@school.ru as viewer of Школа № 7\n"
    assert "root@school.ru [admin]  -" in invoke(app, "user", "list").output


def _organisation_id(app, name: str) -> int:
    from surveys.core.models import Organisation

    with app.app_context():
        return db.session.execute(db.select(Organisation.id).filter_by(name=name)).scalar_one()


def test_api_tokens_are_made_listed_and_revoked_in_russian_then_english(app):
    invoke(app, "user", "create", "a@school.ru", "--organisation", "Школа", "--password", "x" * 12)
    organisation = _organisation_id(app, "Школа")
    made = invoke(
        app, "api-token", "create", "--organisation", str(organisation), "--name", "панель", "--scope", "scores:read"
    )
    assert made.exit_code == 0, made.output
    first, second, secret = made.output.splitlines()
    token_id = re.fullmatch(rf"Токен (\d+) \(панель\) организации {organisation}: scores:read", first).group(1)
    assert second == "Скопируйте его сейчас, повторно его показать нельзя:" and len(secret) > 20
    listed = invoke(app, "api-token", "list").output.rstrip("\n").split("\t")
    assert (
        listed[0] == token_id
        and listed[1] == f"организация {organisation}"
        and listed[-2:] == ["не использовался", "действует"]
    )
    assert invoke(app, "api-token", "revoke", token_id).output == f"Токен {token_id} (панель) отозван.\n"
    assert invoke(app, "api-token", "revoke", token_id).output == f"Токен {token_id} (панель) уже был отозван.\n"
    assert "нет токена с номером 4242" in invoke(app, "api-token", "revoke", "4242").output
    nowhere = invoke(app, "api-token", "create", "--organisation", "999", "--name", "x", "--scope", "scores:read")
    assert "нет организации с номером 999" in nowhere.output
    blank = invoke(
        app, "api-token", "create", "--organisation", str(organisation), "--name", " ", "--scope", "scores:read"
    )
    assert "название должно содержать от 1 до 100 символов" in blank.output

    assert (
        invoke(app, "--lang", "en", "api-token", "revoke", token_id).output
        == f"Token {token_id} (панель) was already revoked.\n"
    )
    row = invoke(app, "api-token", "list").output.rstrip("\n").split("\t")
    assert row[1] == f"organisation {organisation}" and row[-2] == "never used" and row[-1].startswith("revoked 20")


def test_instrument_score_and_scores_recompute_speak_russian_then_english(app, tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('{"gad7_1": 1', encoding="utf-8")
    listed = tmp_path / "list.json"
    listed.write_text("[1, 2]", encoding="utf-8")
    ru = invoke(app, "instrument", "score", "gad7", str(broken))
    assert ru.exit_code == 1 and ru.output.startswith(f"{broken}:1:13: ошибка в записи JSON: ")
    assert invoke(app, "instrument", "score", "gad7", str(listed)).output == (
        f"{listed}: нужен объект JSON вида «ключ ответа → значение»\n"
    )
    unknown = invoke(app, "instrument", "score", "no_such", str(listed))
    assert unknown.exit_code == 2
    assert unknown.output == "неизвестная анкета «no_such»; список: surveys instrument list\n"
    assert invoke(app, "scores", "recompute").output == "подходящих отправленных ответов нет\n"

    en = invoke(app, "--lang", "en", "instrument", "score", "gad7", str(broken))
    assert en.output.startswith(f"{broken}:1:13: not valid JSON: ")
    assert invoke(app, "scores", "recompute").output == "no submitted responses matched\n"


def test_the_plugins_listing_names_what_each_registers_in_russian_then_english(app):
    ru = invoke(app, "plugins").output
    assert "\n  хуки: surveys_register_instruments\n" in ru
    assert "  регистрирует анкету gad7\n" in ru and "  регистрирует тип вопроса rating\n" in ru
    assert "  регистрирует анализ comparison\n" in ru
    assert not re.search(r"^  (hooks|registers)", ru, re.M)
    assert json.loads(invoke(app, "plugins", "--json").output)[0]["registers"]  # JSON keeps its ids and kinds
    en = invoke(app, "--lang", "en", "plugins").output
    assert "  registers instrument gad7\n" in en and "  registers question type rating\n" in en and "  hooks: " in en


def test_compare_refuses_an_unknown_campaign_or_wave_in_russian_then_english(app):
    demo_login(invoke(app, "demo").output)
    with app.app_context():
        campaign_id = db.session.execute(db.select(Campaign.id)).scalar_one()
    nowhere = invoke(app, "compare", "999")
    assert nowhere.exit_code == 2 and nowhere.output == "нет кампании 999; список: surveys campaign list\n"
    wave = invoke(app, "compare", str(campaign_id), "--from", "Нет такой")
    assert wave.output == "неизвестная волна; укажите номер или название волны этой кампании\n"
    en = invoke(app, "--lang", "en", "compare", "999")
    assert en.output == "no campaign 999; see 'surveys campaign list'\n"


def test_plugin_new_speaks_the_language_of_lang_or_without_an_app_of_surveys_default_locale(app, tmp_path):
    ru = invoke(app, "plugin", "new", "club_mood", "--path", str(tmp_path), env={"SURVEYS_DEFAULT_LOCALE": None})
    assert ru.exit_code == 0, ru.output
    assert ru.output.startswith(f"Плагин «club_mood» создан в {tmp_path / 'club_mood'}:\n  pyproject.toml\n")
    assert "\nДальше:\n  pip install -e " in ru.output
    taken = invoke(app, "plugin", "new", "Club", "--path", str(tmp_path), env={"SURVEYS_DEFAULT_LOCALE": None})
    assert taken.exit_code == 2 and taken.output.startswith("surveys plugin new: имя плагина «Club»: используйте")
    there = invoke(app, "plugin", "new", "club_mood", "--path", str(tmp_path), env={"SURVEYS_DEFAULT_LOCALE": "ru"})
    assert (
        there.output == f"surveys plugin new: {tmp_path / 'club_mood'} уже существует: выберите другое имя или папку\n"
    )
    # without an app (the command's own group, as a developer's script may call it): the setting decides
    alone = CliRunner(env={"SURVEYS_DEFAULT_LOCALE": "en"}).invoke(plugin, ["new", "Club", "--path", str(tmp_path)])
    assert alone.output.startswith("surveys plugin new: plugin name 'Club': use lower-case Latin letters")
    alone = CliRunner(env={"SURVEYS_DEFAULT_LOCALE": None}).invoke(plugin, ["new", "Club", "--path", str(tmp_path)])
    assert alone.output.startswith("surveys plugin new: имя плагина «Club»: используйте строчные латинские буквы")
    by_option = invoke(
        app, "--lang", "en", "plugin", "new", "club_two", "--path", str(tmp_path), env={"SURVEYS_DEFAULT_LOCALE": "ru"}
    )
    assert (
        by_option.output.startswith(f"Created plugin 'club_two' in {tmp_path / 'club_two'}:\n")
        and "\nNext:\n" in by_option.output
    )


def test_a_start_up_problem_is_reported_in_the_language_of_lang_or_the_setting(tmp_path):
    env = {
        "SURVEYS_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "SURVEYS_SECRET_KEY": "x",
        "SURVEYS_PLUGINS_PATH": str(tmp_path / "missing"),
        "SURVEYS_DEFAULT_LOCALE": None,
    }
    runner = CliRunner(env=env)
    ru = runner.invoke(cli, ["instrument", "list"])
    assert ru.exit_code == 2 and ru.output.startswith(f"surveys не может запуститься:\n{tmp_path / 'missing'}")
    en = runner.invoke(cli, ["--lang", "en", "instrument", "list"])
    assert en.exit_code == 2 and en.output.startswith("surveys cannot start:\n")
    setting = CliRunner(env={**env, "SURVEYS_DEFAULT_LOCALE": "en"}).invoke(cli, ["instrument", "list"])
    assert setting.output.startswith("surveys cannot start:\n")
    chosen = CliRunner(env={**env, "SURVEYS_DEFAULT_LOCALE": "en"}).invoke(cli, ["--lang", "ru", "instrument", "list"])
    assert chosen.output.startswith("surveys не может запуститься:\n")  # --lang wins over the setting
