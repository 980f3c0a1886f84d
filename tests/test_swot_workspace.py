"""The swot plugin's pages: workspace, drafts, approval history, roles, other organisations, print, export."""

from __future__ import annotations

import io

import openpyxl
import pytest
from flask import url_for

from plugins.swot.models import SwotDocument
from surveys.core.contracts import MIN_GROUP
from surveys.core.disclosure import PROTECTING, hidden_label
from surveys.core.log_models import AuditEvent
from surveys.core.models import Campaign, Organisation, Participant, Response, User, utcnow
from surveys.extensions import db
from surveys.workspace.campaigns import add_wave, create_campaign
from tests.conftest import FIXTURES, csrf_token, post_form, set_role

PUPILS, TEACHERS = "ученик – ученик", "учитель – учитель"
PUPIL = {"q_time": 9, "q_place": 9, "q_support": 3, "q_goals": 6, "q_frequency": "weekly"}
TEACHER = {"q_time": 6, "q_place": 7, "q_support": 4, "q_goals": 7, "q_frequency": "monthly"}
GROUPS = {
    PUPILS: [PUPIL | {"q_valuable": "Поддержка наставника", "q_risks": "Выгорание"} for _ in range(5)],
    TEACHERS: [TEACHER | {"q_missing": "Мало времени"} for _ in range(4)],
}
# every group at least five: the policy withholds nothing, so staff drafts hold every automatic point
FIVE_TEACHERS = {**GROUPS, TEACHERS: GROUPS[TEACHERS] + [TEACHER | {"q_missing": "Мало времени"}]}


@pytest.fixture
def app(make_app):
    return make_app(SURVEYS_PLUGINS_PATH=str(FIXTURES / "swot"))


def make_campaign(app, organisation_id: int, name: str = "Цикл 2025/26", groups=None) -> tuple[int, int]:
    """A campaign with one output wave and submitted swot_quality answers, by form; (campaign id, wave id)."""
    with app.test_request_context():
        organisation = db.session.get(Organisation, organisation_id)
        campaign = create_campaign(organisation, name, ["swot_quality"], "Выход")
        wave = campaign.waves[0]
        for form, answers in (GROUPS if groups is None else groups).items():
            for index, given in enumerate(answers):
                code = f"{campaign.id}-{form[:3]}-{index}"
                person = Participant(organisation_id=organisation_id, code=code, role="mentee", form=form, tags=[])
                db.session.add(person)
                db.session.flush()
                db.session.add(
                    Response(
                        wave_id=wave.id,
                        participant_id=person.id,
                        instrument_id="swot_quality",
                        instrument_version="1",
                        status="submitted",
                        answers=given,
                        submitted_at=utcnow(),
                    )
                )
        db.session.commit()
        return campaign.id, wave.id


def section(html: str, element_id: str, end: str = "</section>") -> str:
    start = html.index(f'id="{element_id}"')
    return html[start : html.index(end, start)]


def workspace(campaign_id: int, wave_id: int | None = None, form: str | None = None) -> str:
    url = f"/plugins/swot/campaigns/{campaign_id}"
    query = [f"wave={wave_id}"] if wave_id else []
    query += [f"form={form}"] if form is not None else []
    return url + ("?" + "&".join(query) if query else "")


def make_draft(client, campaign_id: int, wave_id: int, form: str = ""):
    return post_form(
        client,
        f"/plugins/swot/campaigns/{campaign_id}/draft",
        {"wave": wave_id, "form": form},
        page_url=workspace(campaign_id, wave_id, form),
    )


def the_draft(app, campaign_id: int, form: str = "") -> SwotDocument:
    with app.app_context():
        return db.session.execute(
            db.select(SwotDocument).filter_by(campaign_id=campaign_id, form=form, status="draft")
        ).scalar_one()


def edit(client, document_id: int, page: str, action: str = "save", **quadrants):
    data = {q: quadrants.get(q, "") for q in ("S", "W", "O", "T")} | {"conclusion": quadrants.get("conclusion", "")}
    return post_form(client, f"/plugins/swot/documents/{document_id}/{action}", data, page_url=page)


def test_the_campaign_page_links_to_the_workspace(app, logged_in, staff):
    campaign_id, _wave = make_campaign(app, staff[2])
    page = logged_in.get(f"/staff/campaigns/{campaign_id}").get_data(as_text=True)
    assert f'href="/plugins/swot/campaigns/{campaign_id}"' in page


def test_the_workspace_shows_the_automatic_points_by_form(app, logged_in, staff):
    campaign_id, wave_id = make_campaign(app, staff[2])
    response = logged_in.get(workspace(campaign_id))  # no wave given: the wave with answers
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    # All forms: organisation (5×9,9 and 4×6,7 → 142/18 = 7.89) is neutral, support (31/9 = 3.44) weak.
    assert 'data-id="swot_quality.support" data-n="9"' in section(html, "auto-W")
    assert 'data-id="swot_quality.organisation"' in section(html, "auto-neutral", "</ul>")
    # the teachers' quote comes from 4 people: only the psychologist sees it (flagged), not the curator
    assert "Мало времени" not in html and 'id="hidden-quotes"' in html
    assert 'data-value="weekly" data-count="5"' in section(html, "fact-swot_quality-q_frequency", "</table>")
    assert 'id="swot-make"' in html  # the curator can make a draft
    set_role(app, staff[0], "psychologist")
    seen = logged_in.get(workspace(campaign_id)).get_data(as_text=True)
    assert "«Мало времени»" in section(seen, "auto-W") and 'data-count="4" data-n="4"' in section(seen, "auto-W")
    set_role(app, staff[0], "curator")

    pupils = logged_in.get(workspace(campaign_id, wave_id, PUPILS)).get_data(as_text=True)
    assert 'data-id="swot_quality.organisation" data-n="5"' in section(pupils, "auto-S")  # 9.0
    assert 'data-count="5" data-n="5"' in section(pupils, "auto-T")
    assert "Мало времени" not in pupils
    assert logged_in.get(workspace(campaign_id, wave_id, "нет такой формы")).status_code == 404


def test_edit_history_save_approve_edit_approve(app, logged_in, staff):
    campaign_id, wave_id = make_campaign(app, staff[2], groups=FIVE_TEACHERS)
    page = workspace(campaign_id, wave_id)
    assert make_draft(logged_in, campaign_id, wave_id).status_code == 302
    assert make_draft(logged_in, campaign_id, wave_id).status_code == 302  # a second click makes no second draft
    draft = the_draft(app, campaign_id)
    assert draft.version == 0 and [p["text"] for p in draft.points("S")] == ["Поддержка наставника (×5)"]
    assert [p["source"]["kind"] for p in draft.points("W")] == ["dimension", "quote"]
    kept = draft.points("W")[1]["text"]
    assert kept == "Мало времени (×5)"

    # Move the quote to T, rewrite, add; the moved line keeps its source.
    response = edit(
        logged_in, draft.id, page, S="- Поддержка наставника\n\n", T=kept + "\nНагрузка", conclusion="Итог 1"
    )
    assert response.status_code == 302
    draft = the_draft(app, campaign_id)
    assert draft.points("S") == [{"text": "Поддержка наставника"}]
    assert draft.points("T")[0]["source"]["count"] == 5 and draft.points("T")[1] == {"text": "Нагрузка"}
    assert draft.points("W") == [] and draft.conclusion == "Итог 1"

    assert edit(logged_in, draft.id, page, "approve", S="Сильная сторона", conclusion="Итог 1").status_code == 302
    assert edit(logged_in, draft.id, page, S="Сильная сторона, уточнено", W="Слабая").status_code == 302
    assert edit(logged_in, draft.id, page, "approve", S="Сильная сторона, уточнено", W="Слабая").status_code == 302

    with app.app_context():
        curator = db.session.execute(db.select(User).filter_by(email=staff[0])).scalar_one()
        versions = db.session.execute(
            db.select(SwotDocument).filter_by(campaign_id=campaign_id, status="approved").order_by(SwotDocument.version)
        ).scalars()
        v1, v2 = list(versions)
        assert (v1.version, v2.version) == (1, 2)
        assert v1.points("S") == [{"text": "Сильная сторона"}] and v1.conclusion == "Итог 1"
        assert v2.points("S") == [{"text": "Сильная сторона, уточнено"}] and v2.points("W") == [{"text": "Слабая"}]
        assert v1.approved_by == v2.approved_by == curator.id and v1.approved_at <= v2.approved_at
        assert v1.based_on == v2.based_on == draft.id and v1.wave_id == wave_id
        actions = [e.action for e in db.session.execute(db.select(AuditEvent).order_by(AuditEvent.id)).scalars()]
        assert actions.count("swot.approve") == 2 and actions.count("swot.save") == 5  # made, 2 saves, 2 approves
    html = logged_in.get(page).get_data(as_text=True)
    assert 'id="version-2"' in html and 'id="version-1"' in html
    assert "Сильная сторона, уточнено" in section(html, "this-cycle", 'id="previous-cycle"')
    # Approved versions are never edited.
    assert edit(logged_in, v1.id, page, S="Подмена").status_code == 400


def test_viewer_and_psychologist_read_but_cannot_edit(app, logged_in, staff):
    email, _password, organisation_id = staff
    campaign_id, wave_id = make_campaign(app, organisation_id)
    page = workspace(campaign_id, wave_id)
    make_draft(logged_in, campaign_id, wave_id)
    draft = the_draft(app, campaign_id)
    for role in ("viewer", "psychologist"):
        set_role(app, email, role)
        html = logged_in.get(page).get_data(as_text=True)
        assert 'id="swot-edit"' not in html and 'id="doc-W"' in html
        assert logged_in.get(f"/plugins/swot/documents/{draft.id}/print").status_code == 200
        assert edit(logged_in, draft.id, page, S="x").status_code == 403
        assert edit(logged_in, draft.id, page, "approve", S="x").status_code == 403
        assert make_draft(logged_in, campaign_id, wave_id, PUPILS).status_code == 403
    assert the_draft(app, campaign_id).content == draft.content
    with app.app_context():
        assert db.session.execute(db.select(SwotDocument).filter_by(form=PUPILS)).first() is None


def test_viewers_see_no_quote_of_a_group_under_five_nor_one_that_would_give_it_away(app, logged_in, staff):
    email, _password, organisation_id = staff
    campaign_id, wave_id = make_campaign(app, organisation_id)
    page = workspace(campaign_id, wave_id)
    make_draft(logged_in, campaign_id, wave_id)
    draft_id = the_draft(app, campaign_id).id
    set_role(app, email, "psychologist")  # who sees individual results sees every quote
    psychologist_view = logged_in.get(page).get_data(as_text=True)
    assert "«Мало времени»" in psychologist_view and "«Выгорание»" in psychologist_view

    set_role(app, email, "viewer")
    html = logged_in.get(page).get_data(as_text=True)
    assert "Мало времени" not in html  # only 4 answered «what was missing»: hidden everywhere
    # 5 answered the risks question, but the 9 behind the support mean minus those 5 would give the 4 away:
    # the policy withholds the smaller side (docs/privacy.md), the support mean of all 9 stays
    assert "Выгорание" not in html and 'id="hidden-quotes"' in html
    assert 'data-id="swot_quality.support"' in section(html, "auto-W")
    printed = logged_in.get(f"/plugins/swot/documents/{draft_id}/print").get_data(as_text=True)
    assert "Мало времени" not in printed and "Выгорание" not in printed and "Поддержка куратора" in printed
    set_role(app, email, "psychologist")
    assert "Мало времени" in logged_in.get(page).get_data(as_text=True)


def test_viewers_see_no_distribution_or_mean_of_a_group_under_five(app, logged_in, staff):
    """Issue 20's reproduction: the viewer's SWOT page showed one curator's answer distribution (n = 1)."""
    email, _password, organisation_id = staff
    campaign_id, wave_id = make_campaign(app, organisation_id, groups={PUPILS: [PUPIL]})
    page = workspace(campaign_id, wave_id)
    set_role(app, email, "psychologist")
    psychologist_view = logged_in.get(page).get_data(as_text=True)
    assert 'id="fact-swot_quality-q_frequency"' in psychologist_view and 'data-n="1"' in psychologist_view
    for role in ("viewer", "curator", "admin"):  # every aggregated audience (issue 20)
        set_role(app, email, role)
        html = logged_in.get(page).get_data(as_text=True)
        assert 'id="fact-swot_quality-q_frequency"' not in html and 'data-n="1"' not in html, role
        assert 'id="hidden-quotes"' in html and "Скрыто пунктов" in html, role


def test_another_organisations_objects_are_404_on_every_swot_route(app, logged_in, staff):
    email, _password, organisation_id = staff
    set_role(app, email, "admin")
    with app.app_context():
        other = Organisation(name="Чужая школа")
        db.session.add(other)
        db.session.commit()
        other_id = other.id
    theirs_campaign, theirs_wave = make_campaign(app, other_id)
    with app.app_context():
        document = SwotDocument(organisation_id=other_id, campaign_id=theirs_campaign, wave_id=theirs_wave, form="")
        db.session.add(document)
        db.session.commit()
        theirs = {"campaign_id": theirs_campaign, "document_id": document.id}
    token = csrf_token(logged_in.get("/staff/").get_data(as_text=True))
    checked = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/plugins/swot/") or not rule.arguments:
            continue
        with app.test_request_context():
            url = url_for(rule.endpoint, **{name: theirs[name] for name in rule.arguments})
        for method in sorted(rule.methods & {"GET", "POST"}):
            data = {"csrf_token": token, "wave": theirs_wave, "form": "", "S": "x"}
            response = logged_in.open(url, method=method, data=data)
            assert response.status_code == 404, (method, url)
            checked.append(rule.endpoint)
    assert set(checked) == {"swot.campaign", "swot.make_draft", "swot.save", "swot.approve", "swot.print_document"}
    # Their wave under our campaign is a 404 too.
    mine, _wave = make_campaign(app, organisation_id)
    assert logged_in.get(workspace(mine, theirs_wave)).status_code == 404
    response = logged_in.post(f"/plugins/swot/campaigns/{mine}/draft", data={"csrf_token": token, "wave": theirs_wave})
    assert response.status_code == 404
    with app.app_context():
        assert db.session.execute(db.select(SwotDocument).filter_by(campaign_id=mine)).first() is None


def test_every_form_needs_its_csrf_token(app, logged_in, staff):
    campaign_id, wave_id = make_campaign(app, staff[2])
    url = f"/plugins/swot/campaigns/{campaign_id}/draft"
    assert logged_in.post(url, data={"wave": wave_id, "form": ""}).status_code == 400
    with app.app_context():
        assert db.session.execute(db.select(SwotDocument)).first() is None
    make_draft(logged_in, campaign_id, wave_id)
    draft = the_draft(app, campaign_id)
    for action in ("save", "approve"):
        response = logged_in.post(f"/plugins/swot/documents/{draft.id}/{action}", data={"S": "Подмена"})
        assert response.status_code == 400
    assert the_draft(app, campaign_id).content == draft.content
    with app.app_context():
        assert db.session.execute(db.select(SwotDocument).filter_by(status="approved")).first() is None


def test_the_previous_cycles_approved_swot_is_shown_beside(app, logged_in, staff):
    organisation_id = staff[2]
    old, old_wave = make_campaign(app, organisation_id, "Цикл 2024/25")
    for form, text in (("", "Итоги 2024/25: все формы"), (PUPILS, "Итоги 2024/25: ученики")):
        make_draft(logged_in, old, old_wave, form)
        draft = the_draft(app, old, form)
        edit(logged_in, draft.id, workspace(old, old_wave, form), "approve", S=text)
    new, new_wave = make_campaign(app, organisation_id, "Цикл 2025/26")
    html = logged_in.get(workspace(new, new_wave)).get_data(as_text=True)
    beside = section(html, "previous-cycle", "</main>")
    assert "Итоги 2024/25: все формы" in beside and "Цикл 2024/25" in beside
    pupils = section(
        logged_in.get(workspace(new, new_wave, PUPILS)).get_data(as_text=True), "previous-cycle", "</main>"
    )
    assert "Итоги 2024/25: ученики" in pupils
    teachers = logged_in.get(workspace(new, new_wave, TEACHERS)).get_data(as_text=True)
    assert "Итоги 2024/25: все формы" in section(teachers, "previous-cycle", "</main>")  # no teachers' SWOT: all forms
    # The earlier campaign does not see the later one as its previous cycle.
    assert "Итоги 2024/25" not in section(
        logged_in.get(workspace(old, old_wave)).get_data(as_text=True), "previous-cycle", "</main>"
    )


def test_the_print_page_has_the_grid_and_the_conclusion(app, logged_in, staff):
    campaign_id, wave_id = make_campaign(app, staff[2])
    make_draft(logged_in, campaign_id, wave_id)
    draft = the_draft(app, campaign_id)
    edit(logged_in, draft.id, workspace(campaign_id, wave_id), S="<b>Сильно</b>", O="Возможность", conclusion="Вывод")
    response = logged_in.get(f"/plugins/swot/documents/{draft.id}/print")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "style-src 'self'" in response.headers["Content-Security-Policy"]
    assert [html.index(f'id="print-{q}"') for q in "SWOT"] == sorted(html.index(f'id="print-{q}"') for q in "SWOT")
    assert "&lt;b&gt;Сильно&lt;/b&gt;" in html and "Вывод" in html and "<style" not in html
    assert 'href="/plugins/swot/static/swot.css"' in html
    caption = "Не показаны пункты из групп меньше чем из 5 человек"  # the threshold the page applied
    assert caption in html
    set_role(app, staff[0], "psychologist")  # who sees every point: no threshold applied, none named
    assert caption not in logged_in.get(f"/plugins/swot/documents/{draft.id}/print").get_data(as_text=True)
    css = logged_in.get("/plugins/swot/static/swot.css")
    assert css.status_code == 200 and css.mimetype == "text/css" and b"@page" in css.data


def test_the_workbook_has_a_swot_sheet(app, logged_in, staff):
    campaign_id, wave_id = make_campaign(app, staff[2])
    with app.app_context():
        add_wave(db.session.get(Campaign, campaign_id), "intermediate", "Промежуточная")  # no answers: no rows
    make_draft(logged_in, campaign_id, wave_id)
    draft = the_draft(app, campaign_id)
    page = workspace(campaign_id, wave_id)
    edit(logged_in, draft.id, page, "approve", S="Старая", W="Слабая")
    edit(logged_in, draft.id, page, "approve", S="Сильная", W="Слабая", conclusion="Вывод")
    response = logged_in.get(f"/staff/campaigns/{campaign_id}/export.xlsx")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.data))["SWOT"]
    rows = list(sheet.iter_rows(values_only=True))
    header = ("Волна", "Форма наставничества", "Статус", "Версия", "Квадрант", "Пункт", "n", "Кто утвердил")
    assert rows[0] == (*header, "Когда утверждён")
    approved = [r for r in rows[1:] if r[2] == "утверждён"]
    assert [(r[0], r[3], r[4], r[5]) for r in approved] == [
        ("Выход", 2, "Сильные стороны", "Сильная"),
        ("Выход", 2, "Слабые стороны", "Слабая"),
        ("Выход", 2, "Вывод", "Вывод"),
    ]
    assert all(r[7] == "Куратор" and r[8] is not None for r in approved)
    assert [r for r in rows[1:] if r[2] != "утверждён"] == []  # the wave with answers has an approved SWOT

    # Another approved version with a formula-like point: written as text, never as a formula.
    edit(logged_in, draft.id, page, "approve", S="=1+1")
    book = openpyxl.load_workbook(io.BytesIO(logged_in.get(f"/staff/campaigns/{campaign_id}/export.xlsx").data))
    cells = [c for c in book["SWOT"]["F"] if c.value == "=1+1"]
    assert cells and all(c.data_type == "s" for c in cells)


def test_the_workbook_shows_automatic_points_when_nothing_is_approved(app, logged_in, staff):
    campaign_id, _wave = make_campaign(app, staff[2])
    sheet = openpyxl.load_workbook(io.BytesIO(logged_in.get(f"/staff/campaigns/{campaign_id}/export.xlsx").data))[
        "SWOT"
    ]
    rows = list(sheet.iter_rows(values_only=True))[1:]
    assert rows and {r[2] for r in rows} == {"автоматический черновик"}
    # The curator's workbook is aggregated: the teachers' quote (4 people) shows «<5». The mean of all nine
    # minus the pupils' points (5 people) would give the teachers' n, so one side of that subtraction is
    # hidden to protect them: the policy hides the cheaper one (here the one mean, not the two quotes).
    assert ("Выход", None, "автоматический черновик", None, "Слабые стороны", "<5", "<5", None, None) in rows
    with app.test_request_context():
        protecting = hidden_label(PROTECTING, MIN_GROUP)
    hidden = [r for r in rows if r[5] == r[6] == protecting]
    mean_of_nine = [r for r in rows if isinstance(r[5], str) and r[5].startswith("Поддержка куратора")]
    pupils = [r for r in rows if r[6] == 5]
    assert len(hidden) == 1 and not mean_of_nine and [r[4] for r in pupils] == ["Сильные стороны", "Угрозы"]
    assert all(r[6] in ("<5", protecting) or r[6] >= MIN_GROUP for r in rows)


def test_a_draft_per_form_is_separate(app, logged_in, staff):
    campaign_id, wave_id = make_campaign(app, staff[2])
    make_draft(logged_in, campaign_id, wave_id, PUPILS)
    pupils = the_draft(app, campaign_id, PUPILS)
    assert [p["text"] for p in pupils.points("S")][:1] == ["Организация встреч: 9.00 (n = 5)"]
    html = logged_in.get(workspace(campaign_id, wave_id)).get_data(as_text=True)
    assert 'id="swot-make"' in html  # the all-forms SWOT has no draft yet
