"""Questionnaires by role AND form of mentoring (issue 22): who gets what, the defaults from an
instrument's ``ages``, the campaign page (ticking forms, the table of groups), links, paper imports,
the demo and bundles, on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import json
import re

from surveys.api.tokens import SCOPES, create_token
from surveys.core.log_models import AuditEvent
from surveys.core.models import Assignment, Campaign, MentoringForm, Organisation, Participant, Response
from surveys.extensions import db
from surveys.participation.links import generate_links
from surveys.state import get_state
from surveys.transfer.bundle import dumps, export_bundle
from surveys.transfer.bundle_import import import_bundle
from surveys.transfer.paper import eligible_codes
from surveys.workspace.audience import audience_groups
from surveys.workspace.campaigns import create_campaign, wave_status
from surveys.workspace.people import enrol
from surveys.workspace.programmes import create_programme
from tests.conftest import post_form

PUPILS = "ученик–ученик"
TEACHERS = "учитель–учитель"
TEACHER_PUPIL = "учитель–ученик"
# The seeded forms whose mentor is an adult, written out (not computed by the code under test).
ADULT_MENTOR_FORMS = [TEACHERS, TEACHER_PUPIL, "студент–ученик", "работодатель–ученик"]
# code, role, form in the programme
PEOPLE = [
    ("PM1", "mentor", PUPILS),
    ("PM2", "mentor", PUPILS),
    ("TM1", "mentor", TEACHER_PUPIL),
    ("TT1", "mentor", TEACHERS),
    ("PS1", "mentee", PUPILS),
    ("PS2", "mentee", TEACHER_PUPIL),
    ("NF1", "mentor", ""),
    ("TE1", "teacher", ""),
]
INSTRUMENT = re.compile(r'name="instrument"[^>]*value="([a-z0-9_]+)"')


def with_ages(instrument_id: str, ages: str) -> None:
    """Declare the loaded instrument's ``ages`` (the YAML heads are edited elsewhere)."""
    instruments = get_state().registry.instruments
    instruments[instrument_id] = dataclasses.replace(instruments[instrument_id], ages=ages)


def school(app, organisation_id: int | None = None, instruments=("cbi", "gad7")) -> int:
    """A programme with the seeded forms, the PEOPLE enrolled, and a campaign of CBI (adults only) and
    GAD-7 made with the defaults; returns the campaign's id."""
    with app.app_context():
        with_ages("cbi", "adults")
        if organisation_id is None:
            organisation = Organisation(name="Школа № 3")
            db.session.add(organisation)
            db.session.commit()
        else:
            organisation = db.session.get(Organisation, organisation_id)
        programme = create_programme(organisation, "Наставничество 2026/27")
        for code, role, form in PEOPLE:
            person = Participant(organisation_id=organisation.id, code=code, role="other", tags=[])
            db.session.add(person)
            db.session.flush()
            enrol(person, programme.id, role, form, "")
        db.session.commit()
        return create_campaign(organisation, "Мониторинг", list(instruments), "Вход", programme.id).id


def test_applies_limits_only_mentors_and_mentees_by_form():
    limited = Assignment(instrument_id="cbi", audience=["mentor", "teacher"], wave_kinds=["input"], forms=[TEACHERS])
    every = Assignment(instrument_id="gad7", audience=["mentor", "mentee"], wave_kinds=[], forms=[])
    table = [
        (limited, "mentor", "input", TEACHERS, True),
        (limited, "mentor", "input", PUPILS, False),
        (limited, "mentor", "input", "", False),  # a mentor with no form gets no form-limited questionnaire
        (limited, "mentor", "output", TEACHERS, False),  # the wave kind still limits
        (limited, "teacher", "input", "", True),  # teachers are not a side of a form
        (limited, "teacher", "input", PUPILS, True),
        (limited, "mentee", "input", TEACHERS, False),  # not in the audience
        (limited, "mentor", "input", None, True),  # no form given: the form is not checked
        (every, "mentor", "output", PUPILS, True),
        (every, "mentee", "input", "", True),
    ]
    for assignment, role, kind, form, expected in table:
        assert assignment.applies(role, kind, form) is expected, (assignment.instrument_id, role, kind, form)


def test_an_adults_only_instrument_goes_to_the_programmes_adult_forms_by_default(app):
    campaign_id = school(app)
    with app.app_context():
        with_ages("satisfaction_mentee", "pupils")
        campaign = db.session.get(Campaign, campaign_id)
        cbi, gad7 = campaign.assignments
        assert cbi.forms == [TEACHERS, TEACHER_PUPIL, "студент–ученик", "работодатель–ученик"]
        assert PUPILS not in cbi.forms and cbi.forms == ADULT_MENTOR_FORMS
        assert gad7.forms == []  # ages: all
        organisation = db.session.get(Organisation, campaign.organisation_id)
        # A pupils-only questionnaire for mentees: the forms whose mentees are pupils.
        pupils = create_campaign(organisation, "Ученики", ["satisfaction_mentee"], "Вход", campaign.programme_id)
        assert pupils.assignments[0].forms == [PUPILS, TEACHER_PUPIL, "студент–ученик", "работодатель–ученик"]
        # Without a programme, the seeded forms decide.
        assert create_campaign(organisation, "Без программы", ["cbi"], "Вход").assignments[0].forms == cbi.forms


def test_a_renamed_form_that_does_not_say_who_is_a_pupil_gets_no_adults_only_questionnaire(app, logged_in, staff):
    with app.app_context():
        organisation = db.session.get(Organisation, staff[2])
        programme = create_programme(organisation, "Клубы", seed=False)
        programme.forms = [
            MentoringForm(name="Клуб «Рост»", variants=[], position=0),
            MentoringForm(name=TEACHERS, variants=[], position=1),
        ]
        db.session.commit()
        with_ages("cbi", "adults")
        campaign = create_campaign(organisation, "Клубы", ["cbi"], "Вход", programme.id)
        assert campaign.assignments[0].forms == [TEACHERS]
        only_pupils = create_programme(organisation, "Только ученики", seed=False)
        only_pupils.forms = [MentoringForm(name=PUPILS, variants=[], position=0)]
        db.session.commit()
        # No adult form at all: the seeded adult forms are named, so nobody here gets it (not everybody).
        nobody = create_campaign(organisation, "Ученики", ["cbi"], "Вход", only_pupils.id).assignments[0]
        assert nobody.forms and PUPILS not in nobody.forms
        campaign_id = campaign.id
    page = logged_in.get(f"/staff/campaigns/{campaign_id}").get_data(as_text=True)
    assert "Клуб «Рост»" in page and "не говорит, являются ли" in page


def test_a_pupil_mentors_link_has_no_burnout_questionnaire_and_a_teacher_mentors_has(app):
    campaign_id = school(app)
    with app.app_context():
        wave = db.session.get(Campaign, campaign_id).waves[0]
        links = {p.code: f"/s/{token}" for p, token in generate_links(wave)}
    assert "NF1" in links  # a mentor with no form still gets GAD-7
    assert "TE1" in links  # teachers get CBI whatever their form
    client = app.test_client()
    seen = {}
    for code in ("PM1", "TM1", "NF1", "TE1"):
        assert client.post(f"{links[code]}/consent", data={"decision": "agree"}).status_code == 302
        seen[code] = INSTRUMENT.findall(client.get(links[code]).get_data(as_text=True))
    assert seen == {"PM1": ["gad7"], "TM1": ["cbi"], "NF1": ["gad7"], "TE1": ["cbi"]}
    with app.app_context():
        started = db.session.execute(
            db.select(Participant.code, Response.instrument_id).join(
                Response, Response.participant_id == Participant.id
            )
        ).all()
        assert sorted(started) == [("NF1", "gad7"), ("PM1", "gad7"), ("TE1", "cbi"), ("TM1", "cbi")]
        wave = db.session.get(Campaign, campaign_id).waves[0]
        expected = {row.participant.code: row.expected for row in wave_status(wave)}
        assert expected == {"NF1": 1, "PM1": 1, "PM2": 1, "PS1": 1, "PS2": 1, "TE1": 1, "TM1": 2, "TT1": 2}


def test_a_paper_row_of_a_pupil_mentor_for_the_burnout_questionnaire_is_refused(app):
    campaign_id = school(app)
    with app.app_context():
        wave = db.session.get(Campaign, campaign_id).waves[0]
        assert eligible_codes(wave, "cbi") == ["TE1", "TM1", "TT1"]
        assert eligible_codes(wave, "gad7") == ["NF1", "PM1", "PM2", "PS1", "PS2", "TM1", "TT1"]


def test_ticking_forms_on_the_campaign_page_saves_and_audits_them(app, logged_in, staff):
    campaign_id = school(app, staff[2])
    with app.app_context():
        cbi, gad7 = db.session.get(Campaign, campaign_id).assignments
        ids = (cbi.id, gad7.id)
    url = f"/staff/campaigns/{campaign_id}"
    page = logged_in.get(url).get_data(as_text=True)
    assert re.search(rf'name="forms-{ids[0]}" value="{TEACHERS}" checked', page)
    assert not re.search(rf'name="forms-{ids[0]}" value="{PUPILS}" checked', page)
    data = {
        f"audience-{ids[0]}": ["mentor"],
        f"waves-{ids[0]}": ["input", "intermediate", "output"],
        f"forms-{ids[0]}": [TEACHERS, "a form nobody has"],  # not offered on the page: dropped
        f"audience-{ids[1]}": ["mentee"],
        f"waves-{ids[1]}": ["input"],
        f"forms-{ids[1]}": [PUPILS, TEACHER_PUPIL],
    }
    assert post_form(logged_in, f"{url}/assignments", data, page_url=url).status_code == 302
    with app.app_context():
        cbi, gad7 = db.session.get(Campaign, campaign_id).assignments
        assert (cbi.audience, cbi.forms, gad7.forms) == (["mentor"], [TEACHERS], [PUPILS, TEACHER_PUPIL])
        event = db.session.execute(db.select(AuditEvent).filter_by(action="campaign.assignments")).scalar_one()
        assert event.details["forms"] == {"cbi": [TEACHERS], "gad7": [PUPILS, TEACHER_PUPIL]}
        assert event.target == f"campaign:{campaign_id}"
    data[f"forms-{ids[0]}"] = []  # all unticked: every form
    post_form(logged_in, f"{url}/assignments", data, page_url=url)
    with app.app_context():
        assert db.session.get(Campaign, campaign_id).assignments[0].forms == []


def test_the_campaign_page_shows_what_each_role_and_form_gets_and_how_many_people(app, logged_in, staff):
    campaign_id = school(app, staff[2])
    with app.app_context():
        groups = audience_groups(db.session.get(Campaign, campaign_id))
        table = {(g.role, g.form): (g.people, g.questionnaires["input"]) for g in groups.rows}
        assert groups.kinds == ["input"]
        assert table[("mentor", PUPILS)] == (2, ["gad7"])
        assert table[("mentor", TEACHER_PUPIL)] == (1, ["cbi", "gad7"])
        assert table[("mentor", "работодатель–ученик")] == (0, ["cbi", "gad7"])
        assert table[("mentor", "")] == (1, ["gad7"])
        assert table[("mentee", PUPILS)] == (1, ["gad7"])
        assert table[("teacher", None)] == (1, ["cbi"])
        assert ("curator", None) not in table  # nobody, and no questionnaire for them
        # Different questionnaires by wave kind: one column per kind.
        campaign = db.session.get(Campaign, campaign_id)
        campaign.assignments[0].wave_kinds = ["output"]
        campaign.waves.append(type(campaign.waves[0])(kind="output", name="Выход", position=1))
        db.session.commit()
        groups = audience_groups(campaign)
        row = next(g for g in groups.rows if (g.role, g.form) == ("mentor", TEACHERS))
        assert groups.kinds == ["input", "output"] and row.questionnaires == {
            "input": ["gad7"],
            "output": ["cbi", "gad7"],
        }
    page = logged_in.get(f"/staff/campaigns/{campaign_id}").get_data(as_text=True)
    section = page[page.index('id="groups"') :]
    rows = re.findall(
        r"<tr>\s*<td>(.*?)</td>\s*<td>(.*?)</td>\s*<td>(\d+)</td>\s*<td>(.*?)</td>\s*<td>(.*?)</td>", section
    )
    shown = {(role, form): (int(n), first, second) for role, form, n, first, second in rows}
    gad = "Шкала генерализованного тревожного расстройства (ГТР-7)"
    cbi = "Копенгагенский опросник выгорания (CBI)"
    assert shown[("Наставник", PUPILS)] == (2, gad, gad)
    assert shown[("Наставник", TEACHER_PUPIL)] == (1, gad, f"{cbi}; {gad}")
    assert shown[("Наставник", "без формы")][0] == 1


def test_another_organisations_campaign_page_is_not_shown(app, logged_in, staff):
    campaign_id = school(app)  # not the signed-in curator's organisation
    assert logged_in.get(f"/staff/campaigns/{campaign_id}").status_code == 404


def test_the_demo_asks_burnout_of_adult_mentors_only(app, runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        campaign = db.session.execute(db.select(Campaign)).scalar_one()
        cbi = next(a for a in campaign.assignments if a.instrument_id == "cbi")
        assert cbi.audience == ["mentor"] and cbi.forms == [TEACHERS, TEACHER_PUPIL]
        rows = db.session.execute(
            db.select(Participant.form, Participant.role, Response.instrument_id).join(
                Response, Response.participant_id == Participant.id
            )
        ).all()
        burnout = {(form, role) for form, role, instrument in rows if instrument == "cbi"}
        assert burnout == {(TEACHERS, "mentor"), (TEACHER_PUPIL, "mentor")}
        anxiety = {role for _form, role, instrument in rows if instrument == "gad7"}
        assert anxiety == {"mentee"}
        answering_mentors = {form for form, role, _i in rows if role == "mentor"}
        assert PUPILS in answering_mentors  # pupil mentors answered their other questionnaires


def test_a_bundle_keeps_the_forms_and_an_older_one_without_them_means_every_form(app):
    campaign_id = school(app)
    with app.app_context():
        campaign = db.session.get(Campaign, campaign_id)
        bundle = json.loads(dumps(export_bundle(campaign)))
        assert [i["forms"] for i in bundle["instruments"]] == [campaign.assignments[0].forms, []]
        organisation = db.session.get(Organisation, campaign.organisation_id)
        older = json.loads(json.dumps(bundle))
        for item in older["instruments"]:
            del item["forms"]
        import_bundle(older, organisation)
        assert [a.forms for a in db.session.get(Campaign, campaign_id).assignments] == [[], []]
        result = import_bundle(bundle, organisation)
        assert result.counts["assignments"]["updated"] == 1
        assert db.session.get(Campaign, campaign_id).assignments[0].forms == ADULT_MENTOR_FORMS


def test_the_api_gives_each_questionnaires_forms(app):
    campaign_id = school(app)
    with app.app_context():
        organisation_id = db.session.get(Campaign, campaign_id).organisation_id
        _token, secret = create_token(organisation_id, "Отчёты", SCOPES, None)
    found = app.test_client().get(f"/api/v1/campaigns/{campaign_id}", headers={"Authorization": f"Bearer {secret}"})
    assert found.status_code == 200
    instruments = found.get_json()["instruments"]
    assert [(i["instrument"], i["forms"]) for i in instruments] == [
        ("cbi", ADULT_MENTOR_FORMS),
        ("gad7", []),
    ]


def test_nobody_gets_a_link_with_nothing_on_it(app):
    campaign_id = school(app, instruments=("cbi",))
    with app.app_context():
        wave = db.session.get(Campaign, campaign_id).waves[0]
        assert sorted(p.code for p, _token in generate_links(wave)) == ["TE1", "TM1", "TT1"]
        assert sorted(row.participant.code for row in wave_status(wave)) == ["TE1", "TM1", "TT1"]
