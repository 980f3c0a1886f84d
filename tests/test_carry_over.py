"""Carrying a programme into the next cycle (issue 23, item 7): the same people under the same codes,
some in new roles and classes, the pairs that still hold, and the old programme kept as history."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from surveys.core.log_models import AuditEvent
from surveys.core.models import Enrolment, Organisation, Pair, Participant, Programme, utcnow
from surveys.extensions import db
from surveys.workspace.campaigns import add_wave, campaign_tables, create_campaign
from surveys.workspace.carry_over import next_group, next_name
from surveys.workspace.people import enrol
from surveys.workspace.programmes import create_programme
from tests.conftest import (
    FIXTURES,
    SHOTS,
    add_curator,
    csrf_token,
    post_form,
    set_role,
    signed_in_phone,
    submit_in_wave,
)

PLUGINS = str(FIXTURES / "plugins")
# code: (role, group); pairs: mentor → mentees
PEOPLE = {
    "M1": ("mentor", "9А"),
    "E1": ("mentee", "7А"),
    "E2": ("mentee", "7А"),
    "M2": ("mentor", "11Б"),
    "E3": ("mentee", "8Б"),
    "M3": ("mentor", "10В"),
    "E4": ("mentee", "6А"),
}
PAIRS = {"M1": ["E1", "E2"], "M2": ["E3"], "M3": ["E4"]}


@pytest.fixture
def app(make_app):
    return make_app(SURVEYS_PLUGINS_PATH=PLUGINS)


def build_cycle(organisation_id: int, name: str = "Наставничество 2025/26") -> tuple[int, dict[str, int]]:
    """A programme with PEOPLE enrolled in the form ученик–ученик and PAIRS; its id and the people's ids."""
    organisation = db.session.get(Organisation, organisation_id)
    programme = create_programme(organisation, name)
    programme.forms[0].variants = [*programme.forms[0].variants, "свой вариант"]
    ids = {}
    for code, (role, group) in PEOPLE.items():
        person = Participant(organisation_id=organisation.id, code=code, role=role, group_name=group, tags=[])
        db.session.add(person)
        db.session.flush()
        enrol(person, programme.id, role, "ученик–ученик", group)
        ids[code] = person.id
    for mentor, mentees in PAIRS.items():
        pair = Pair(programme_id=programme.id, mentor_id=ids[mentor], form="ученик–ученик", variant="равный – равному")
        for mentee in mentees:
            pair.add_mentee(ids[mentee])
        db.session.add(pair)
    db.session.commit()
    return programme.id, ids


@pytest.fixture
def cycle(app, staff):
    with app.test_request_context():
        return build_cycle(staff[2])


def snapshot(programme_id: int) -> tuple:
    """Everything of a programme that carrying it over must leave alone."""
    programme = db.session.get(Programme, programme_id)
    enrolments = db.session.execute(
        db.select(Enrolment.participant_id, Enrolment.role, Enrolment.form, Enrolment.group_name)
        .filter_by(programme_id=programme_id)
        .order_by(Enrolment.participant_id)
    ).all()
    pairs = [
        (p.mentor_id, sorted(m.participant_id for m in p.mentees), p.form, p.variant)
        for p in db.session.execute(db.select(Pair).filter_by(programme_id=programme_id).order_by(Pair.id)).scalars()
    ]
    forms = [(f.name, list(f.variants)) for f in programme.forms]
    return programme.name, programme.archived_at, forms, [tuple(e) for e in enrolments], pairs


def choices(ids: dict[str, int], roles: dict[str, str] | None = None, leave=(), groups=None) -> dict[str, str]:
    """The rows of the page as a browser posts them: everyone ticked but ``leave``, in PEOPLE's roles
    and groups unless ``roles``/``groups`` say otherwise."""
    data = {}
    for code, (role, group) in PEOPLE.items():
        pid = ids[code]
        if code not in leave:
            data[f"include-{pid}"] = "y"
        data[f"role-{pid}"] = (roles or {}).get(code, role)
        data[f"group-{pid}"] = (groups or {}).get(code, group)
    return data


def test_carry_over_keeps_codes_changes_roles_and_copies_the_pairs_that_hold(app, logged_in, cycle):
    source_id, ids = cycle
    url = f"/staff/programmes/{source_id}/next"
    with app.app_context():
        before = snapshot(source_id)
        people_before = db.session.execute(db.select(db.func.count(Participant.id))).scalar_one()
    form = {"name": "Наставничество 2026/27", "advance": "y", "copy_pairs": "y", "action": "confirm"}
    form |= choices(ids, roles={"E1": "mentor"}, leave={"M2"})
    response = post_form(logged_in, url, form)
    assert response.status_code == 302
    with app.app_context():
        new = db.session.execute(db.select(Programme).filter_by(name="Наставничество 2026/27")).scalar_one()
        assert response.headers["Location"].endswith(f"/staff/programmes/{new.id}")
        source = db.session.get(Programme, source_id)
        assert (new.previous_id, new.archived_at, new.organisation_id) == (source_id, None, source.organisation_id)
        assert [(f.name, f.variants, f.position) for f in new.forms] == [
            (f.name, f.variants, f.position) for f in source.forms
        ]
        assert "свой вариант" in new.forms[0].variants
        # The same people (no new rows), under the same codes, with their new role and the next class.
        assert db.session.execute(db.select(db.func.count(Participant.id))).scalar_one() == people_before
        enrolled = {
            p.code: (e.role, e.group_name, e.form)
            for p, e in db.session.execute(
                db.select(Participant, Enrolment)
                .join(Enrolment, Enrolment.participant_id == Participant.id)
                .where(Enrolment.programme_id == new.id)
            )
        }
        expected = {}
        for code, (role, group) in PEOPLE.items():
            if code != "M2":
                expected[code] = ("mentor" if code == "E1" else role, next_group(group)[0], "ученик–ученик")
        assert enrolled == expected
        assert enrolled["E1"][:2] == ("mentor", "8А") and enrolled["M3"][1] == "11В"
        e1 = db.session.get(Participant, ids["E1"])
        assert (e1.code, e1.role, e1.group_name, e1.programme_id) == ("E1", "mentor", "8А", new.id)
        # M1's pair lost E1 to a role change and M2 was left out: only M3 with E4 is copied.
        copied = db.session.execute(db.select(Pair).filter_by(programme_id=new.id)).scalars().all()
        assert [(p.mentor_id, [m.participant_id for m in p.mentees]) for p in copied] == [(ids["M3"], [ids["E4"]])]
        assert (copied[0].form, copied[0].variant, copied[0].mentees[0].programme_id) == (
            "ученик–ученик",
            "равный – равному",
            new.id,
        )
        assert snapshot(source_id) == before
        event = db.session.execute(db.select(AuditEvent).filter_by(action="programme.carry_over")).scalar_one()
        assert event.target == f"programme:{new.id}" and event.user_id is not None
        assert event.details["previous"] == source_id
        assert (event.details["people"], event.details["left"]) == (len(PEOPLE) - 1, 1)
        assert event.details["roles_changed"] == {"E1": ["mentee", "mentor"]}
        assert (event.details["pairs_copied"], event.details["pairs_not_copied"]) == (1, 2)


def test_the_preview_says_what_will_happen_and_changes_nothing(app, logged_in, cycle):
    source_id, ids = cycle
    url = f"/staff/programmes/{source_id}/next"
    page = logged_in.get(url).get_data(as_text=True)
    assert 'value="Наставничество 2026/27"' in page  # the next school year is offered as the name
    form = {"name": "2026/27", "advance": "y", "copy_pairs": "y", "action": "preview"}
    preview = post_form(logged_in, url, form | choices(ids, roles={"E1": "mentor"}, leave={"E3"}))
    text = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert re.search(r"E1</th>\s*<td>Наставляемый → <strong>Наставник</strong>", text)
    assert "7А → <strong>8А</strong>" in text and "Класс 11" in text  # M2 in 11Б is flagged, not moved
    assert "Не переносятся (остаются в «Наставничество 2025/26»): E3." in text
    assert "Скопировано: 1." in text  # M3 with E4; M1's pair has a role change, M2's a person left out
    assert "кто-то в ней меняет роль" in text and "кто-то из неё не переносится" in text
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(Programme.id))).scalar_one() == 1
    # The preview's own form carries the choices: confirming it makes exactly what was shown.
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', text))
    confirmed = logged_in.post(url, data={**hidden, "csrf_token": csrf_token(text), "action": "confirm"})
    assert confirmed.status_code == 302
    with app.app_context():
        new = db.session.execute(db.select(Programme).filter_by(name="2026/27")).scalar_one()
        rows = db.session.execute(db.select(Enrolment).filter_by(programme_id=new.id)).scalars().all()
        assert {r.participant_id: r.role for r in rows}[ids["E1"]] == "mentor"
        assert ids["E3"] not in {r.participant_id for r in rows}


def test_without_copying_pairs_the_new_programme_has_none(app, logged_in, cycle):
    source_id, ids = cycle
    form = {"name": "Следующий", "action": "confirm"} | choices(ids)
    assert post_form(logged_in, f"/staff/programmes/{source_id}/next", form).status_code == 302
    with app.app_context():
        new = db.session.execute(db.select(Programme).filter_by(name="Следующий")).scalar_one()
        assert db.session.execute(db.select(Pair).filter_by(programme_id=new.id)).first() is None
        groups = db.session.execute(db.select(Enrolment.group_name).filter_by(programme_id=new.id)).scalars()
        assert sorted(groups) == sorted(g for _r, g in PEOPLE.values())  # classes kept without the tick


def test_bad_input_is_named_and_nothing_is_made(app, logged_in, cycle):
    source_id, ids = cycle
    url = f"/staff/programmes/{source_id}/next"
    base = {"advance": "y", "action": "confirm"}
    cases = [
        ({"name": "  "} | choices(ids), "Укажите название новой программы."),
        ({"name": "Наставничество 2025/26"} | choices(ids), "Программа с таким названием уже есть"),
        ({"name": "Новая"} | choices(ids, roles={"E2": "boss"}), "E2: выберите роль из списка."),
        ({"name": "Новая"} | choices(ids, groups={"E4": "6" * 101}), "E4: в названии группы не больше 100"),
        ({"name": "Новая"} | choices(ids, leave=set(PEOPLE)), "Отметьте хотя бы одного человека"),
    ]
    for data, message in cases:
        response = post_form(logged_in, url, base | data)
        assert response.status_code == 400, message
        assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(Programme.id))).scalar_one() == 1
        assert db.session.get(Participant, ids["E2"]).role == "mentee"


def test_only_curators_and_admins_of_the_organisation_carry_over(app, client, logged_in, staff, cycle):
    source_id, ids = cycle
    url = f"/staff/programmes/{source_id}/next"
    token = csrf_token(logged_in.get(url).get_data(as_text=True))
    post = {"csrf_token": token, "name": "Другая", "action": "confirm"} | choices(ids)
    for role in ("viewer", "psychologist"):
        set_role(app, staff[0], role)
        assert logged_in.get(url).status_code == 403
        assert logged_in.post(url, data=post).status_code == 403
        assert "/next" not in logged_in.get(f"/staff/programmes/{source_id}").get_data(as_text=True)
    set_role(app, staff[0], "admin")
    assert f'href="/staff/programmes/{source_id}/next"' in logged_in.get(f"/staff/programmes/{source_id}").get_data(
        as_text=True
    )
    with app.test_request_context():
        elsewhere = Organisation(name="Другая школа")
        db.session.add(elsewhere)
        db.session.commit()
        theirs, _ids = build_cycle(elsewhere.id, "Чужая 2025/26")
    assert logged_in.get(f"/staff/programmes/{theirs}/next").status_code == 404
    assert logged_in.post(f"/staff/programmes/{theirs}/next", data=post).status_code == 404
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(Programme.id))).scalar_one() == 2


def test_an_archived_programme_can_be_carried_over(app, logged_in, cycle):
    source_id, ids = cycle
    with app.app_context():
        db.session.get(Programme, source_id).archived_at = utcnow()
        db.session.commit()
    form = {"name": "После архива", "copy_pairs": "y", "action": "confirm"} | choices(ids)
    assert post_form(logged_in, f"/staff/programmes/{source_id}/next", form).status_code == 302
    with app.app_context():
        new = db.session.execute(db.select(Programme).filter_by(name="После архива")).scalar_one()
        assert new.archived_at is None and new.previous_id == source_id
        assert len(db.session.execute(db.select(Pair).filter_by(programme_id=new.id)).scalars().all()) == len(PAIRS)


def test_the_comparison_follows_a_code_from_mentee_to_mentor_across_years(app, logged_in, staff, cycle):
    source_id, ids = cycle
    answers = {"wb_calm": 3, "wb_tense": 1, "wb_happy": 4, "school_rating": 8}
    with app.test_request_context():
        organisation = db.session.get(Organisation, staff[2])
        first = create_campaign(organisation, "Цикл 1", ["wellbeing_check"], "Вход", programme_id=source_id)
        output = add_wave(first, "output", "Выход")
        assert submit_in_wave(app, output.id, ids["E1"], "wellbeing_check", answers)
        first_id = first.id
    form = {"name": "Наставничество 2026/27", "advance": "y", "action": "confirm"}
    assert (
        post_form(logged_in, f"/staff/programmes/{source_id}/next", form | choices(ids, {"E1": "mentor"})).status_code
        == 302
    )
    with app.test_request_context():
        new = db.session.execute(db.select(Programme).filter_by(previous_id=source_id)).scalar_one()
        organisation = db.session.get(Organisation, staff[2])
        second = create_campaign(organisation, "Цикл 2", ["wellbeing_check"], "Вход", programme_id=new.id)
        assert submit_in_wave(app, second.waves[0].id, ids["E1"], "wellbeing_check", answers)
        before = campaign_tables(db.session.get(type(second), first_id)).answers
        after = campaign_tables(second).answers
    assert [(r["participant"], r["role"], r["group"], r["wave_kind"]) for r in before] == [
        ("E1", "mentee", "7А", "output")
    ]
    assert [(r["participant"], r["role"], r["group"], r["wave_kind"]) for r in after] == [
        ("E1", "mentor", "8А", "input")
    ]


@pytest.mark.parametrize(
    ("group", "expected"),
    [
        ("7А", ("8А", False)),
        ("7 а", ("8 а", False)),
        ("10-Б", ("11-Б", False)),
        ("11Б", ("11Б", True)),
        ("1", ("2", False)),
        ("МО математики", ("МО математики", False)),
        ("5-6 кл", ("5-6 кл", False)),
        ("", ("", False)),
    ],
)
def test_classes_move_up_by_one_and_the_last_class_stays(group, expected):
    assert next_group(group) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("2025/26", "2026/27"),
        ("Наставничество 2025–2026", "Наставничество 2026–2027"),
        ("2099/00", "2100/01"),
        ("Цикл 2025-2026 (школа)", "Цикл 2026-2027 (школа)"),
    ],
)
def test_the_next_school_year_is_offered_as_the_name(name, expected):
    assert next_name(name) == expected


def test_a_name_without_a_school_year_gets_next_cycle(app):
    with app.test_request_context(headers={"Accept-Language": "ru"}):
        assert next_name("Весна") == "Весна (следующий цикл)"


@pytest.mark.browser
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_curator_carries_over_on_a_phone_without_javascript(live_server, browser):
    app, base = live_server(SURVEYS_PLUGINS_PATH=PLUGINS)
    email, password, organisation_id = add_curator(app)
    with app.test_request_context():
        source_id, ids = build_cycle(organisation_id)
    context, page, outside = signed_in_phone(browser, base, email, password, java_script_enabled=False)
    page.goto(f"{base}/staff/programmes/{source_id}")
    page.get_by_role("link", name="Перенести в следующий цикл").click()
    expect(page.get_by_label("Название новой программы")).to_have_value("Наставничество 2026/27")
    page.get_by_label("Перенести M2").uncheck()
    page.get_by_label("Роль E1 в новом цикле").select_option("mentor")
    page.get_by_label("Перевести классы на год вперёд").check()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(SHOTS / "carry-over-choose.png"), full_page=True)
    page.get_by_role("button", name="Показать, что получится").click()
    expect(page.get_by_role("heading", name="Проверьте и подтвердите")).to_be_visible()
    expect(page.get_by_text("Не переносятся (остаются в «Наставничество 2025/26»): M2.")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(SHOTS / "carry-over-preview.png"), full_page=True)
    page.get_by_role("button", name="Создать новую программу").click()
    expect(page.get_by_role("heading", name="Наставничество 2026/27")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile(r"^E1 Наставник"))).to_contain_text("8А")
    with app.app_context():
        new = db.session.execute(db.select(Programme).filter_by(previous_id=source_id)).scalar_one()
        assert (
            db.session.execute(
                db.select(Enrolment.role).filter_by(programme_id=new.id, participant_id=ids["E1"])
            ).scalar_one()
            == "mentor"
        )
    assert outside == []
