"""A whole school year in a real browser (issue 23): a programme, people and pairs imported, a campaign,
links downloaded and their slips printed, the input wave, a questionnaire added mid-wave, a participant
corrected, a participant erased, the output wave, the comparison, the archive and next year's programme.

After each step the workbook, the comparison and the dashboard are checked against what the database
holds at that moment, counted here from the rows themselves.
"""

from __future__ import annotations

import io

import openpyxl
import pytest
from playwright.sync_api import expect

from surveys.core.models import Campaign, Enrolment, Pair, Participant, PersonalData, Programme, Response, Wave
from surveys.extensions import db
from surveys.reporting.dashboard import collect_panels, programme_view
from tests.conftest import FIXTURES, SHOTS, add_curator, set_role, submit_through_review
from tests.erasure_support import traces_in_database, workbook_cells
from tests.export_support import keyed_rows
from tests.test_browser import sign_in
from tests.test_end_to_end import take_survey

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("backend", ["sqlite"], indirect=True)]

FORM = "учитель–учитель"
VARIANT = "опытный педагог – молодой специалист"
MENTORS = ["N1", "N2"]
MENTEES = [f"T{n}" for n in range(1, 9)]
HIDDEN = "скрыто для защиты малой группы"
ERASED, ERASED_NAME = "T7", "Сидорова Анна Петровна"
# Each mentee's wellbeing answers (calm, tense, happy) in the input and the output wave.
BEFORE = {"T1": (2, 3, 2), "T2": (3, 2, 3), "T3": (1, 4, 1), "T4": (4, 1, 4), "T5": (2, 2, 2), "T6": (3, 3, 3)}
BEFORE[ERASED] = (1, 4, 1)
AFTER = {"T1": (3, 2, 3), "T2": (4, 1, 4), "T3": (2, 3, 2), "T4": (4, 1, 4), "T5": (3, 2, 3), "T6": (3, 2, 4)}


@pytest.fixture
def server(live_server):
    return live_server(SURVEYS_PLUGINS_PATH=str(FIXTURES / "plugins"))


def people_file() -> bytes:
    rows = ["код;роль;форма;группа;ФИО"]
    rows += [f"{code};наставник;{FORM};МО математики;" for code in MENTORS]
    rows += [f"{code};наставляемый;{FORM};МО математики;" for code in MENTEES if code != ERASED]
    rows.append(f"{ERASED};наставляемый;{FORM};МО математики;{ERASED_NAME}")
    return "\n".join(rows).encode("utf-8-sig")


def pairs_file() -> bytes:
    rows = ["код наставника;код наставляемого;форма;вариант"]
    rows += [f"N1;{code};{FORM};{VARIANT}" for code in MENTEES[:4]]  # one group pair of four
    rows += [f"N2;{code};{FORM};{VARIANT}" for code in MENTEES[4:]]
    return "\n".join(rows).encode("utf-8-sig")


def upload(page, label: str, name: str, data: bytes) -> None:
    page.get_by_label(label).set_input_files(files=[{"name": name, "mimeType": "text/csv", "buffer": data}])


def first_campaign() -> Campaign:
    return db.session.execute(db.select(Campaign).order_by(Campaign.id)).scalars().first()


def submitted(wave_id: int, instrument_id: str = "wellbeing_check") -> set[int]:
    """Who has a submitted response to the questionnaire in the wave, straight from the table."""
    rows = db.session.execute(
        db.select(Response.participant_id).filter_by(wave_id=wave_id, instrument_id=instrument_id, status="submitted")
    )
    return set(rows.scalars())


def finished(campaign: Campaign, wave: Wave) -> set[int]:
    """Who has finished the wave, by this story's rule written out here: the wellbeing questionnaire,
    and GAD-7 too unless they had finished before it was added to a wave already open."""
    added = next((a.added_at for a in campaign.assignments if a.instrument_id == "gad7"), None)
    wellbeing = {
        r.participant_id: r.submitted_at
        for r in db.session.execute(
            db.select(Response).filter_by(wave_id=wave.id, instrument_id="wellbeing_check", status="submitted")
        ).scalars()
    }
    if added is None:
        return set(wellbeing)
    gad7 = submitted(wave.id, "gad7")
    early = {p for p, at in wellbeing.items() if wave.created_at < added and at < added}
    return {p for p in wellbeing if p in early or p in gad7}


def check_figures(app, page, campaign_id: int) -> dict[str, int]:
    """The workbook's, the comparison's and the dashboard's numbers against the database's rows."""
    base = page.url.split("/staff/")[0]
    book = openpyxl.load_workbook(
        io.BytesIO(page.request.get(f"{base}/staff/campaigns/{campaign_id}/export.xlsx").body())
    )
    with app.test_request_context():
        campaign = db.session.get(Campaign, campaign_id)
        waves = [(w.id, w.name) for w in campaign.waves]
        kinds = {w.name: w.kind for w in campaign.waves}
        stored = {name: submitted(wave_id) for wave_id, name in waves}
        aggregates = keyed_rows(app, book, "aggregates")
        everyone = {
            r["wave"]: r["n"]
            for r in aggregates
            if r["role"] == r["form"] == r["group"]
            and (r["instrument_id"], r["scale_id"]) == ("wellbeing_check", "wellbeing")
        }
        for _wave_id, name in waves:
            if stored[name]:
                # Shown as stored, or hidden where it and another figure would single out fewer than 5
                # people by subtraction (7 in the input wave, 6 of them in both waves).
                assert everyone[name] in (len(stored[name]), HIDDEN), (name, everyone, stored)
        counts_shown = [n for n in everyone.values() if n != HIDDEN]
        assert counts_shown, everyone  # something is always compared
        panels = {p.name: p for p in collect_panels(programme_view(db.session.get(Programme, campaign.programme_id)))}
        shown = panels["participation"].data["waves"]
        for (wave_id, name), wave_panel in zip(waves, shown, strict=False):
            done = finished(campaign, db.session.get(Wave, wave_id))
            assert wave_panel["rows"][0].completed == len(done), (name, wave_panel["rows"][0], done)
    counts = {kinds[name]: len(ids) for name, ids in stored.items()}
    if len(waves) == 2:
        report = page.request.get(f"{base}/plugins/comparison/campaigns/{campaign_id}/report.json").json()
        row = next(r for r in report["scales"] if r["instrument"] == "wellbeing_check" and r["group"] is None)
        both = stored[waves[0][1]] & stored[waves[1][1]]
        assert row["n_pairs"] == len(both), (row["n_pairs"], both)
        comparison = keyed_rows(app, book, "comparison")
        in_book = next(r for r in comparison if (r["instrument_id"], r["scale_id"]) == ("wellbeing_check", "wellbeing"))
        assert in_book["n_pairs"] == len(both)
        counts["pairs"] = len(both)
    return counts


def ids_by_code(app) -> dict[str, int]:
    with app.app_context():
        return {p.code: p.id for p in db.session.execute(db.select(Participant)).scalars()}


def test_a_school_year_from_september_to_the_next_cycle(server, browser, tmp_path):
    app, base = server
    email, password, _organisation_id = add_curator(app)
    context = browser.new_context(viewport={"width": 1024, "height": 900}, locale="ru-RU", accept_downloads=True)
    page = sign_in(context, f"{base}/login", email, password)

    # September: the programme, its people and pairs, each imported from a file.
    page.get_by_role("link", name="Программы").click()
    page.get_by_label("Название программы, например 2025/26").fill("Наставничество 2025/26")
    page.get_by_role("button", name="Создать").click()
    expect(page.get_by_role("heading", name="Наставничество 2025/26")).to_be_visible()
    programme_url = page.url
    page.get_by_role("link", name="Импортировать участников из CSV или XLSX").click()
    upload(page, "Файл (CSV или XLSX)", "people.csv", people_file())
    page.get_by_role("button", name="Импортировать").click()
    expect(page.get_by_text("Импортировано: новых участников — 10, обновлено — 0.")).to_be_visible()
    page.goto(programme_url)
    page.get_by_role("link", name="Загрузить пары из CSV или XLSX").click()
    upload(page, "Файл (CSV или XLSX)", "pairs.csv", pairs_file())
    page.get_by_role("button", name="Импортировать").click()
    expect(page.get_by_text("Загружено пар: 2.")).to_be_visible()
    with app.app_context():
        pairs = db.session.execute(db.select(Pair)).scalars().all()
        assert sorted(len(p.mentees) for p in pairs) == [4, 4]
        assert {p.variant for p in pairs} == {VARIANT}
    # The same file again is refused row by row, and nothing doubles.
    page.get_by_role("link", name="Загрузить пары из CSV или XLSX").click()
    upload(page, "Файл (CSV или XLSX)", "pairs.csv", pairs_file())
    page.get_by_role("button", name="Импортировать").click()
    expect(page.get_by_text("Ничего не сохранено", exact=False)).to_be_visible()
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(Pair.id))).scalar_one() == 2

    # The campaign, its links downloaded once and printed as slips without reissuing.
    page.get_by_role("link", name="Кампании").click()
    page.get_by_role("link", name="Новая кампания").click()
    page.get_by_label("Название кампании").fill("Мониторинг 2025/26")
    page.get_by_label("Самочувствие (wellbeing_check)").check()
    page.get_by_label("Программа (цикл наставничества)").select_option(label="Наставничество 2025/26")
    page.get_by_role("button", name="Создать").click()
    campaign_url = page.url
    with app.app_context():
        campaign = first_campaign()
        campaign_id, input_wave = campaign.id, campaign.waves[0].id
        assert campaign.consent_mode == "self"  # teachers: adults consent for themselves
    page.goto(f"{base}/staff/waves/{input_wave}")
    page.get_by_role("button", name="Создать ссылки для участников, у которых их нет").click()
    with page.expect_download() as downloaded:
        page.get_by_role("button", name="Скачать XLSX").click()
    path = tmp_path / "links.xlsx"
    downloaded.value.save_as(path)
    rows = list(openpyxl.load_workbook(path).active.iter_rows(values_only=True))
    links = {row[0]: row[-1] for row in rows[1:]}
    assert sorted(links) == sorted(MENTORS + MENTEES) and all(link.startswith(f"{base}/s/") for link in links.values())
    with context.expect_page() as opened:
        page.get_by_role("button", name="Напечатать карточки этих ссылок").click()
    slips = opened.value
    slips.wait_for_load_state()
    printed = slips.content()
    assert all(link.removeprefix("http://") in printed or link in printed for link in links.values())
    slips.close()

    # October: the input wave. One teacher answers on a phone, the others by their links.
    phone = browser.new_context(viewport={"width": 360, "height": 740}, java_script_enabled=False, locale="ru-RU")
    tab = phone.new_page()
    tab.goto(links["T1"])
    tab.get_by_role("button", name="Я согласен(на), начать").click()
    for item, answer in zip(("1. Я спокоен", "2. Я напряжён", "3. Я доволен"), BEFORE["T1"], strict=True):
        label = ["Совсем не согласен", "Скорее не согласен", "Скорее согласен", "Полностью согласен"][answer - 1]
        tab.get_by_role("group", name=item).get_by_label(label).check()
    tab.get_by_role("group", name="Оцените атмосферу в школе").get_by_label("7").check()
    tab.get_by_role("button", name="Далее").click()
    tab.get_by_role("button", name="Далее").click()
    tab.get_by_role("button", name="Отправить").click()
    expect(tab.get_by_role("heading", name="Спасибо!")).to_be_visible()
    assert tab.evaluate("document.documentElement.scrollWidth") <= 360
    phone.close()
    for code in [c for c in BEFORE if c != "T1"]:
        take_survey(app.test_client(), links[code].removeprefix(base), *BEFORE[code])
    assert check_figures(app, page, campaign_id)["input"] == 7

    # November: the psychologist's questionnaire joins the running wave. Those who finished stay done;
    # T8, who had not started, gets it after the wellbeing one.
    page.goto(campaign_url)
    page.get_by_label("Анкета", exact=True).select_option("gad7")
    page.get_by_role("button", name="Добавить анкету").click()
    expect(page.get_by_text("добавлена во время кампании", exact=False)).to_be_visible()
    assert "Спасибо" in app.test_client().get(links["T2"].removeprefix(base)).get_data(as_text=True)
    late, t8 = links["T8"].removeprefix(base), app.test_client()
    take_survey(t8, late, 3, 2, 3, last=False)
    assert "Как вы себя чувствовали" in t8.get(late).get_data(as_text=True)  # GAD-7's title for participants
    assert check_figures(app, page, campaign_id)["input"] == 8
    page.goto(f"{campaign_url}/tracker")
    expect(page.get_by_text("Заполнили 7 из 10", exact=False)).to_be_visible()

    # December: a correction. T6 moves to another methodical group; the audit keeps before and after.
    ids = ids_by_code(app)
    page.goto(f"{base}/staff/participants/{ids['T6']}")
    page.get_by_role("group", name="Код и место в программе").get_by_label("Группа или класс").fill("МО физики")
    place = page.get_by_role("group", name="В программе Наставничество 2025/26")
    place.get_by_label("Группа или класс").fill("МО физики")
    page.get_by_role("button", name="Сохранить изменения").click()
    with app.app_context():
        assert db.session.get(Participant, ids["T6"]).group_name == "МО физики"
        place = db.session.execute(db.select(Enrolment).filter_by(participant_id=ids["T6"])).scalar_one()
        assert place.group_name == "МО физики"
    assert check_figures(app, page, campaign_id)["input"] == 8

    # January: T7 withdraws her consent; the psychologist erases her.
    set_role(app, email, "psychologist")
    page.goto(f"{base}/staff/participants/{ids[ERASED]}/erase")
    page.locator("input[name=code]").fill(ERASED)
    page.get_by_role("button", name="Удалить навсегда").click()
    set_role(app, email, "curator")
    with app.app_context():
        assert traces_in_database(ids[ERASED], ERASED, ERASED_NAME) == []
    assert check_figures(app, page, campaign_id)["input"] == 7
    book = page.request.get(f"{base}/staff/campaigns/{campaign_id}/export.xlsx").body()
    assert not [cell for cell in workbook_cells(book) if ERASED_NAME in cell]

    # May: the output wave, its links, the answers and the comparison.
    page.goto(campaign_url)
    page.get_by_label("Тип", exact=True).select_option("output")
    page.get_by_label("Название", exact=True).fill("Выход")
    page.get_by_role("button", name="Добавить волну").click()
    with app.app_context():
        output_wave = db.session.get(Campaign, campaign_id).waves[1].id
    page.goto(f"{base}/staff/waves/{output_wave}")
    page.get_by_role("button", name="Создать ссылки для участников, у которых их нет").click()
    with page.expect_download() as downloaded:
        page.get_by_role("button", name="Скачать XLSX").click()
    downloaded.value.save_as(path)
    rows = list(openpyxl.load_workbook(path).active.iter_rows(values_only=True))
    out_links = {row[0]: row[-1] for row in rows[1:]}
    assert ERASED not in out_links
    for code, answers in AFTER.items():  # the wellbeing questionnaire, then the one added in November
        teacher, link = app.test_client(), out_links[code].removeprefix(base)
        take_survey(teacher, link, *answers, last=False)
        assert "Как вы себя чувствовали" in teacher.get(link).get_data(as_text=True)
        gad7 = {"instrument": "gad7", "page": "gad7", **{f"gad7_{n}": answers[1] - 1 for n in range(1, 8)}}
        assert submit_through_review(teacher, link, gad7).status_code == 302
        assert "Спасибо" in teacher.get(link).get_data(as_text=True)
    figures = check_figures(app, page, campaign_id)
    assert (figures["output"], figures["pairs"]) == (6, 6)
    page.goto(f"{base}/plugins/comparison/campaigns/{campaign_id}")
    expect(page.get_by_text("Самочувствие", exact=False).first).to_be_visible()
    page.screenshot(path=str(SHOTS / "school-year-comparison.png"), full_page=True)

    # June: the cycle is archived; its pages stay readable and nothing can change.
    page.goto(programme_url)
    page.get_by_text("Переименовать, отправить в архив или удалить программу").click()
    page.get_by_role("button", name="Отправить в архив").click()
    with app.app_context():
        programme = db.session.execute(db.select(Programme)).scalar_one()
        assert programme.archived_at is not None
        assert all(w.state() == "closed" for w in db.session.get(Campaign, campaign_id).waves)
    page.goto(campaign_url)
    expect(page.get_by_text("В архиве.")).to_be_visible()
    assert page.get_by_role("button", name="Добавить волну").count() == 0
    assert check_figures(app, page, campaign_id)["pairs"] == 6

    # Next September: the programme carried over; T1 becomes a mentor; codes kept.
    page.goto(programme_url)
    page.get_by_role("link", name="Перенести в следующий цикл").click()
    expect(page.get_by_label("Название новой программы")).to_have_value("Наставничество 2026/27")
    page.locator(f"#role-{ids['T1']}").select_option("mentor")
    page.get_by_role("button", name="Показать, что получится").click()
    page.get_by_role("button", name="Создать новую программу").click()
    expect(page.get_by_role("heading", name="Наставничество 2026/27")).to_be_visible()
    with app.app_context():
        new = db.session.execute(db.select(Programme).filter_by(name="Наставничество 2026/27")).scalar_one()
        enrolled = {
            e.participant_id: e.role
            for e in db.session.execute(db.select(Enrolment).filter_by(programme_id=new.id)).scalars()
        }
        assert enrolled[ids["T1"]] == "mentor" and enrolled[ids["T2"]] == "mentee" and ids[ERASED] not in enrolled
        assert new.previous_id == programme.id and new.archived_at is None
        assert ids_by_code(app) == {code: i for code, i in ids.items() if code != ERASED}  # the same people
        assert db.session.execute(db.select(PersonalData)).scalars().all() == []
    page.screenshot(path=str(SHOTS / "school-year-next.png"), full_page=True)
    context.close()
