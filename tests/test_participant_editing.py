"""Correcting a participant on their page: every field, their place in a programme, the audit (before
and after, never personal values), a code already taken, an archived programme, and merging another
code of the same person, also when both codes were in pairs with the same mentor or mentee."""

from __future__ import annotations

import json

import pytest

from surveys.core.log_models import AuditEvent
from surveys.core.models import Enrolment, Organisation, Pair, PairMentee, Participant, PersonalData, utcnow
from surveys.extensions import db
from surveys.workspace.people import enrol
from surveys.workspace.programmes import create_programme
from tests.conftest import FIXTURES, post_form, set_role

PLUGINS = str(FIXTURES / "plugins")


@pytest.fixture
def app(make_app):
    return make_app(SURVEYS_PLUGINS_PATH=PLUGINS)


def people(app, organisation_id: int, codes: dict[str, str]) -> tuple[int, dict[str, int]]:
    """A programme with the participants ``codes`` (code → role), each enrolled in their role in
    «ученик–ученик», 7А; returns the programme id and the participants' ids by code."""
    with app.test_request_context():
        organisation = db.session.get(Organisation, organisation_id)
        programme = create_programme(organisation, "2025/26")
        found = {}
        for code, role in codes.items():
            person = Participant(
                organisation_id=organisation.id, code=code, role=role, tags=[], form="ученик–ученик", group_name="7А"
            )
            db.session.add(person)
            db.session.flush()
            enrol(person, programme.id, role, "ученик–ученик", "7А")
            found[code] = person.id
        db.session.add(PersonalData(participant_id=found[next(iter(codes))], full_name="Иванов Иван", birth_year=2010))
        db.session.commit()
        return programme.id, found


def edit(client, participant_id: int, programme_id: int, **changes):
    url = f"/staff/participants/{participant_id}"
    data = {
        "code": "P1",
        "role": "mentee",
        "form": "ученик–ученик",
        "group": "7А",
        "tags": "",
        "full_name": "Иванов Иван",
        "birth_year": "2010",
        "sex": "",
        f"enrolment-{programme_id}-role": "mentee",
        f"enrolment-{programme_id}-form": "ученик–ученик",
        f"enrolment-{programme_id}-group": "7А",
    }
    return post_form(client, url, {**data, **changes})


def test_editing_a_participant_is_audited_with_before_and_after_and_no_personal_values(app, logged_in, staff):
    programme_id, ids = people(app, staff[2], {"P1": "mentee"})
    place = f"enrolment-{programme_id}-"
    answer = edit(
        logged_in,
        ids["P1"],
        programme_id,
        code="P1-new",
        role="mentor",
        form="учитель–ученик",
        group="8Б",
        tags="ОВЗ, одарённый",
        full_name="Петров Пётр",
        birth_year="2011",
        sex="f",
        **{place + "role": "mentor", place + "form": "учитель–ученик", place + "group": "8Б"},
    )
    assert answer.status_code == 302
    with app.app_context():
        person = db.session.get(Participant, ids["P1"])
        assert (person.code, person.role, person.form, person.group_name) == (
            "P1-new",
            "mentor",
            "учитель–ученик",
            "8Б",
        )
        assert person.tags == ["ОВЗ", "одарённый"]
        personal = db.session.get(PersonalData, ids["P1"])
        assert (personal.full_name, personal.birth_year, personal.sex) == ("Петров Пётр", 2011, "f")
        enrolment = db.session.execute(db.select(Enrolment).filter_by(participant_id=ids["P1"])).scalar_one()
        assert (enrolment.role, enrolment.form, enrolment.group_name) == ("mentor", "учитель–ученик", "8Б")
        event = db.session.execute(db.select(AuditEvent).filter_by(action="participant.edit")).scalar_one()
        details = event.details
        assert details["code"] == ["P1", "P1-new"] and details["role"] == ["mentee", "mentor"]
        assert details["form"] == ["ученик–ученик", "учитель–ученик"] and details["group"] == ["7А", "8Б"]
        assert details["tags"] == [[], ["ОВЗ", "одарённый"]]
        assert sorted(details["personal"]) == ["birth_year", "full_name", "sex"]
        assert details["enrolments"] == {
            "2025/26": {
                "role": ["mentee", "mentor"],
                "form": ["ученик–ученик", "учитель–ученик"],
                "group": ["7А", "8Б"],
            }
        }
        read = db.session.execute(db.select(AuditEvent).filter_by(action="participant.personal_data.read")).scalar_one()
        assert read.details == {"participant": "P1"}  # post_form opened the page (with the name) first
        written = json.dumps(details, ensure_ascii=False)
        assert not any(value in written for value in ("Иванов", "Петров", "2010", "2011", '"f"'))


def test_a_code_of_another_participant_is_refused_on_its_field(app, logged_in, staff):
    programme_id, ids = people(app, staff[2], {"P1": "mentee", "P2": "mentee"})
    logged_in.get("/lang/en")
    answer = edit(logged_in, ids["P1"], programme_id, code="P2", group="9В")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert 'id="code-error">This code is already used in your organisation.' in page
    with app.app_context():
        assert db.session.get(Participant, ids["P1"]).code == "P1"
        assert db.session.get(Participant, ids["P1"]).group_name == "7А"  # nothing written
        assert db.session.execute(db.select(AuditEvent).filter_by(action="participant.edit")).first() is None


def test_a_form_outside_the_programme_is_refused_on_its_field(app, logged_in, staff):
    programme_id, ids = people(app, staff[2], {"P1": "mentee"})
    logged_in.get("/lang/en")
    answer = edit(logged_in, ids["P1"], programme_id, **{f"enrolment-{programme_id}-form": "выдуманная"})
    assert f'id="enrolment-{programme_id}-form-error">Choose one of the programme' in answer.get_data(as_text=True)


def test_a_place_in_an_archived_programme_is_not_changed(app, logged_in, staff):
    from surveys.core.models import Programme

    programme_id, ids = people(app, staff[2], {"P1": "mentee"})
    with app.app_context():
        db.session.get(Programme, programme_id).archived_at = utcnow()
        db.session.commit()
    answer = edit(logged_in, ids["P1"], programme_id, **{f"enrolment-{programme_id}-group": "8Б"})
    assert answer.status_code == 409
    with app.app_context():
        enrolment = db.session.execute(db.select(Enrolment).filter_by(participant_id=ids["P1"])).scalar_one()
        assert enrolment.group_name == "7А"
    assert edit(logged_in, ids["P1"], programme_id, tags="ОВЗ").status_code == 302  # their own fields still can


def test_a_psychologist_reads_the_page_without_names_and_cannot_change_it(app, logged_in, staff):
    programme_id, ids = people(app, staff[2], {"P1": "mentee"})
    set_role(app, staff[0], "psychologist")
    page = logged_in.get(f"/staff/participants/{ids['P1']}")
    assert page.status_code == 200 and "P1" in page.get_data(as_text=True)
    assert "Иванов" not in page.get_data(as_text=True)
    token_page = f"/staff/participants/{ids['P1']}"
    assert post_form(logged_in, token_page, {"code": "X"}).status_code == 403
    set_role(app, staff[0], "viewer")
    assert logged_in.get(token_page).status_code == 403


def pair(programme_id: int, mentor_id: int, *mentees: int) -> int:
    found = Pair(programme_id=programme_id, mentor_id=mentor_id)
    for mentee in mentees:
        found.add_mentee(mentee)
    db.session.add(found)
    db.session.commit()
    return found.id


def merge(client, keep_id: int, other: str):
    """The participant page's merge: the confirmation page, then its button."""
    url = f"/staff/participants/{keep_id}/merge"
    confirm = client.get(url, query_string={"other": other})
    assert confirm.status_code == 200 and f'value="{other}"' in confirm.get_data(as_text=True)
    return post_form(client, url, {"other": other}, page_url=f"{url}?other={other}")


def test_merging_codes_in_pairs_with_the_same_mentor_keeps_one_place(app, logged_in, staff):
    programme_id, ids = people(app, staff[2], {"M": "mentor", "E": "mentee", "E2": "mentee", "F": "mentee"})
    with app.app_context():
        first = pair(programme_id, ids["M"], ids["E"])
        second = pair(programme_id, ids["M"], ids["E2"], ids["F"])  # E2 is E under a second code
    assert merge(logged_in, ids["E"], "E2").status_code == 302
    with app.app_context():
        assert db.session.get(Participant, ids["E2"]) is None
        places = db.session.execute(db.select(PairMentee.pair_id, PairMentee.participant_id)).all()
        assert sorted(places) == sorted([(first, ids["E"]), (second, ids["F"])])
        event = db.session.execute(db.select(AuditEvent).filter_by(action="participants.merge")).scalar_one()
        assert (event.details["keep"], event.details["merged"], event.target) == ("E", "E2", f"participant:{ids['E']}")


def test_merging_a_mentor_code_into_their_own_mentee_drops_that_place(app, logged_in, staff):
    programme_id, ids = people(app, staff[2], {"K": "mentee", "D": "mentor", "G": "mentee"})
    with app.app_context():
        own = pair(programme_id, ids["D"], ids["K"])  # D is K under another code: K would mentor K
        other = pair(programme_id, ids["D"], ids["G"])
    assert merge(logged_in, ids["K"], "D").status_code == 302
    with app.app_context():
        assert db.session.get(Pair, own) is None  # left without mentees
        assert db.session.get(Pair, other).mentor_id == ids["K"]
        assert (
            db.session.execute(db.select(PairMentee.participant_id).filter_by(pair_id=other)).scalar_one() == ids["G"]
        )


def test_merging_an_unknown_code_says_so_on_the_field(app, logged_in, staff):
    _programme_id, ids = people(app, staff[2], {"K": "mentee"})
    logged_in.get("/lang/en")
    page = logged_in.get(f"/staff/participants/{ids['K']}/merge", query_string={"other": "NOBODY"})
    assert "No other participant of your organisation has this code." in page.get_data(as_text=True)
