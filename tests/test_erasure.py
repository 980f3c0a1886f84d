"""Erasing a person (docs/privacy.md): nothing of them is left in any table or in a new export, the
figures computed from the database count them no more, and only admins and psychologists may do it."""

from __future__ import annotations

import pytest

from surveys import audit
from surveys.core.export_models import ExportChunk, ExportJob
from surveys.core.log_models import AuditEvent
from surveys.core.models import (
    Campaign,
    Enrolment,
    GuardianConsent,
    Invitation,
    Pair,
    PairMentee,
    Participant,
    PersonalData,
    Programme,
    Response,
    Score,
    utcnow,
)
from surveys.exports import ExportRequest
from surveys.exports.files import campaign_workbook
from surveys.extensions import db
from surveys.workspace.erasure import AUDIT_ACTION, erase
from tests.conftest import post_form
from tests.erasure_support import traces_in_database, workbook_cells
from tests.export_support import keyed_rows
from tests.test_exports import demo, sign_in

CODE = "ERASE-ME-7Q"
NAME = "Стерляжкина Аглая Петровна"


def plant_person(app, campaign_id: int) -> int:
    """Make a paired demo mentor with answers unmistakable: a unique code, a name, a guardian's consent,
    audit events that name them and a stored export of their campaign. Returns their id."""
    with app.app_context():
        pair = db.session.execute(db.select(Pair).order_by(Pair.id)).scalars().first()
        person = db.session.get(Participant, pair.mentor_id)
        assert db.session.execute(db.select(Response).filter_by(participant_id=person.id)).first()
        person.code = CODE
        db.session.add(PersonalData(participant_id=person.id, full_name=NAME, birth_year=2009, sex="f"))
        if db.session.execute(db.select(GuardianConsent).filter_by(participant_id=person.id)).first() is None:
            db.session.add(GuardianConsent(campaign_id=campaign_id, participant_id=person.id))
        invitation = db.session.execute(db.select(Invitation).filter_by(participant_id=person.id)).scalars().first()
        organisation_id = db.session.get(Campaign, campaign_id).organisation_id
        audit.add(
            "invitation.reset_decline", f"invitation:{invitation.id}", organisation_id=organisation_id, participant=CODE
        )
        audit.add("note", f"participant:{person.id}", organisation_id=organisation_id, said=f"звонила мама ({NAME})")
        job = ExportJob(organisation_id=organisation_id, campaign_id=campaign_id, format="xlsx", status="done")
        db.session.add(job)
        db.session.flush()
        db.session.add(ExportChunk(job_id=job.id, seq=0, data=CODE.encode()))
        db.session.commit()
        return person.id


def everyone_n(app, data: bytes) -> dict[tuple, int]:
    """The aggregates sheet's n of everyone (every role, form and group: the same word), by wave,
    questionnaire and scale."""
    import io

    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(data))
    rows = keyed_rows(app, book, "aggregates")
    return {
        (r["wave"], r["instrument_id"], r["scale_id"]): r["n"] for r in rows if r["role"] == r["form"] == r["group"]
    }


def workbook(app, campaign_id: int) -> bytes:
    with app.test_request_context():
        return campaign_workbook(db.session.get(Campaign, campaign_id), ExportRequest(individual=True))


def test_erasing_leaves_no_trace_in_the_database_or_a_new_workbook_and_the_counts_drop(app, runner):
    campaign_id, _email, _password = demo(app, runner)
    person_id = plant_person(app, campaign_id)
    before = workbook(app, campaign_id)
    assert CODE in workbook_cells(before)
    with app.app_context():
        assert traces_in_database(person_id, CODE, NAME)  # the scan does find them while they are there
        answered = {
            (r.wave_id, r.instrument_id)
            for r in db.session.execute(
                db.select(Response).filter_by(participant_id=person_id, status="submitted")
            ).scalars()
        }
        responses = db.session.execute(db.select(db.func.count()).select_from(Response)).scalar_one()
        erased = erase(db.session.get(Participant, person_id), user_id=None, via="test")
        assert erased.responses and erased.scores and erased.invitations and erased.enrolments == 1
        assert erased.personal_data == 1 and erased.guardian_consents == 1 and erased.exports == 1
        assert erased.pairs == 1 and erased.audit_events_scrubbed >= 2
        assert (
            db.session.execute(db.select(db.func.count()).select_from(Response)).scalar_one()
            == responses - erased.responses
        )
        assert traces_in_database(person_id, CODE, NAME) == []
        event = db.session.execute(db.select(AuditEvent).filter_by(action=AUDIT_ACTION)).scalar_one()
        assert event.details["responses"] == erased.responses and CODE not in str(event.details)
        assert db.session.execute(db.select(ExportChunk)).first() is None
    after = workbook(app, campaign_id)
    assert not [cell for cell in workbook_cells(after) if CODE in cell or NAME in cell]
    counted_before, counted_after = everyone_n(app, before), everyone_n(app, after)
    assert counted_before.keys() == counted_after.keys()
    dropped = {key for key in counted_before if counted_after[key] != counted_before[key]}
    assert dropped, "no figure changed"
    for key in dropped:
        assert counted_after[key] == counted_before[key] - 1, key
    with app.app_context():
        waves = {w.id: w.name for w in db.session.get(Campaign, campaign_id).waves}
    assert {(waves[w], i) for w, i in answered} == {(w, i) for w, i, _scale in dropped}


def test_a_group_pair_keeps_its_other_mentees_and_a_pair_left_without_a_mentee_goes(app, runner):
    demo(app, runner)
    with app.app_context():
        pairs = list(db.session.execute(db.select(Pair)).scalars())
        group = next(p for p in pairs if len(p.mentees) == 2)
        single = next(p for p in pairs if len(p.mentees) == 1)
        group_id, (gone, stays) = group.id, [m.participant_id for m in group.mentees]
        single_id, lonely = single.id, single.mentees[0].participant_id
        every = {p.id for p in pairs}
        erased = erase(db.session.get(Participant, gone), user_id=None, via="test")
        assert (erased.pair_places, erased.pairs) == (1, 0)
        left = db.session.execute(db.select(PairMentee.participant_id).filter_by(pair_id=group_id)).scalars().all()
        assert left == [stays]
        erased = erase(db.session.get(Participant, lonely), user_id=None, via="test")
        assert (erased.pair_places, erased.pairs) == (1, 1)
        remaining = set(db.session.execute(db.select(Pair.id)).scalars())
        assert remaining == every - {single_id}


def test_an_erasure_that_fails_changes_nothing(app, runner, monkeypatch):
    campaign_id, _email, _password = demo(app, runner)
    person_id = plant_person(app, campaign_id)
    import surveys.workspace.erasure as erasure

    def broken(*_args):
        raise RuntimeError("disk full")

    monkeypatch.setattr(erasure, "_forget_exports", broken)
    with app.app_context():
        with pytest.raises(RuntimeError):
            erase(db.session.get(Participant, person_id), user_id=None, via="test")
        assert db.session.get(PersonalData, person_id).full_name == NAME
        assert db.session.execute(db.select(Score).join(Response).filter(Response.participant_id == person_id)).first()
        assert db.session.execute(db.select(Enrolment).filter_by(participant_id=person_id)).first()
        assert db.session.execute(db.select(AuditEvent).filter_by(action=AUDIT_ACTION)).first() is None


def test_the_command_line_asks_then_erases_and_says_what_it_removed_even_in_an_archive(app, runner):
    campaign_id, _email, _password = demo(app, runner)
    person_id = plant_person(app, campaign_id)
    with app.app_context():
        campaign = db.session.get(Campaign, campaign_id)
        organisation = campaign.organisation_id
        campaign.archived_at = db.session.get(Programme, campaign.programme_id).archived_at = utcnow()
        db.session.commit()
    refused = runner.invoke(args=["participant", "erase", CODE, "--organisation", str(organisation)], input="n\n")
    assert refused.exit_code == 1 and "Удалить участника" in refused.output
    with app.app_context():
        assert db.session.get(Participant, person_id) is not None
    unknown = runner.invoke(args=["participant", "erase", "NO-SUCH", "--organisation", "Нет такой", "--yes"])
    assert unknown.exit_code == 2 and "Нет такой" in unknown.output
    done = runner.invoke(args=["participant", "erase", CODE, "--organisation", str(organisation)], input="y\n")
    assert done.exit_code == 0, done.output
    assert f"Участник {CODE} удалён" in done.output and "ответы: " in done.output
    with app.app_context():
        assert traces_in_database(person_id, CODE, NAME) == []


@pytest.mark.parametrize("role", ["curator", "viewer"])
def test_curators_and_viewers_cannot_erase(app, runner, role):
    campaign_id, email, password = demo(app, runner)
    person_id = plant_person(app, campaign_id)
    client = sign_in(app, email, password, role)
    assert client.get(f"/staff/participants/{person_id}/erase").status_code == 403
    assert client.post(f"/staff/participants/{person_id}/erase", data={"code": CODE}).status_code in (400, 403)
    assert client.get(f"/staff/participants/erase?code={CODE}").status_code == 403
    if role == "curator":
        assert f"/staff/participants/{person_id}/erase" not in client.get("/staff/participants").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Participant, person_id) is not None


@pytest.mark.parametrize("role", ["admin", "psychologist"])
def test_admins_and_psychologists_erase_after_typing_the_code(app, runner, role):
    campaign_id, email, password = demo(app, runner)
    person_id = plant_person(app, campaign_id)
    client = sign_in(app, email, password, role)
    url = f"/staff/participants/{person_id}/erase"
    if role == "admin":
        assert url in client.get("/staff/participants").get_data(as_text=True)
    else:  # the psychologist has no participants list: the menu leads to finding one by code
        assert 'href="/staff/participants/erase">' in client.get("/staff/instruments").get_data(as_text=True)
    missing = client.get("/staff/participants/erase?code=NO-SUCH").get_data(as_text=True)
    assert "нет участника с кодом NO-SUCH" in missing
    assert client.get(f"/staff/participants/erase?code={CODE}").headers["Location"].endswith(url)
    page = client.get(url).get_data(as_text=True)
    assert CODE in page and "Удалить навсегда" in page
    wrong = post_form(client, url, {"code": "ERASE-ME"})
    assert wrong.status_code == 200 and "ничего не удалено" in wrong.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Participant, person_id) is not None
    done = post_form(client, url, {"code": CODE})
    assert done.status_code == 302
    with app.app_context():
        assert traces_in_database(person_id, CODE, NAME) == []
        event = db.session.execute(db.select(AuditEvent).filter_by(action=AUDIT_ACTION)).scalar_one()
        assert event.user_id is not None and event.details["via"] == "web"
    assert client.get(url).status_code == 404
