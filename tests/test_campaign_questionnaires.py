"""Changing a running campaign: a questionnaire added to a running wave goes to those who have not
finished it, one added before any wave opens goes to everyone; removing one without answers deletes
it, with answers retires it (nobody new is asked, its answers stay in the workbook and analyses)."""

from __future__ import annotations

import datetime as dt
import io
import random
import re

import openpyxl
import pytest

from surveys.core.log_models import AuditEvent
from surveys.core.models import Assignment, Campaign, Invitation, Organisation, Participant, Response, utcnow
from surveys.demo import fake_answers
from surveys.exports.files import campaign_workbook
from surveys.exports.plan import ExportRequest
from surveys.extensions import db
from surveys.participation.links import generate_links
from surveys.participation.questionnaire import next_step
from surveys.participation.responses import assignments_for, save_answers, start_response, submit
from surveys.state import get_state
from surveys.workspace.campaigns import campaign_tables, create_campaign, wave_status
from surveys.workspace.tracking import progress
from tests.conftest import FIXTURES, post_form
from tests.export_support import keyed_rows

PLUGINS = [str(FIXTURES / "plugins"), str(FIXTURES / "methods")]  # methods_demo: key-only, no texts
ADDED = "satisfaction_exp_mentee"  # mentees, input waves: added while the input wave runs


@pytest.fixture
def app(make_app):
    return make_app(SURVEYS_PLUGINS_PATH=PLUGINS)


def answer(invitation: Invitation, instrument_id: str, finish: bool = True) -> None:
    """The participant answers the questionnaire (and submits it unless ``finish`` is false)."""
    instrument = get_state().instrument(instrument_id)
    response = start_response(invitation, instrument)
    save_answers(response, fake_answers(instrument, random.Random(instrument_id), 0.5), 0)
    if finish:
        assert submit(response, instrument)


def running_campaign(app, organisation_id: int, opens_at: dt.datetime | None = None) -> tuple[int, dict[str, int]]:
    """Mentees DONE (submitted everything), HALF (started) and NONE (not started) in the input wave of
    a campaign with wellbeing_check; returns the campaign id and the invitation ids by code."""
    with app.test_request_context():
        organisation = db.session.get(Organisation, organisation_id)
        for code in ("DONE", "HALF", "NONE"):
            db.session.add(Participant(organisation_id=organisation.id, code=code, role="mentee", tags=[]))
        db.session.commit()
        campaign = create_campaign(organisation, "Срез", ["wellbeing_check"], "Вход")
        wave = campaign.waves[0]
        wave.opens_at = opens_at
        db.session.commit()
        generate_links(wave)
        rows = db.session.execute(db.select(Invitation).filter_by(wave_id=wave.id)).scalars()
        invitations = {i.participant.code: i for i in rows}
        if opens_at is None:
            answer(invitations["DONE"], "wellbeing_check")
            answer(invitations["HALF"], "wellbeing_check", finish=False)
        return campaign.id, {code: i.id for code, i in invitations.items()}


def asked_of(invitation_id: int) -> list[str]:
    return [a.instrument_id for a in assignments_for(db.session.get(Invitation, invitation_id))]


def add(client, campaign_id: int, instrument_id: str):
    url = f"/staff/campaigns/{campaign_id}"
    return post_form(client, f"{url}/questionnaires", {"instrument": instrument_id}, page_url=url)


def test_a_questionnaire_added_to_a_running_wave_goes_to_those_who_have_not_finished(app, logged_in, staff):
    campaign_id, invitations = running_campaign(app, staff[2])
    assert add(logged_in, campaign_id, ADDED).status_code == 302
    with app.test_request_context():
        campaign = db.session.get(Campaign, campaign_id)
        added = next(a for a in campaign.assignments if a.instrument_id == ADDED)
        assert added.added_at is not None and added.retired_at is None
        assert asked_of(invitations["DONE"]) == ["wellbeing_check"]
        assert asked_of(invitations["HALF"]) == asked_of(invitations["NONE"]) == ["wellbeing_check", ADDED]
        assert next_step(db.session.get(Invitation, invitations["DONE"])) is None  # the done page, as before
        statuses = {row.participant.code: row for row in wave_status(campaign.waves[0])}
        assert {code: row.label for code, row in statuses.items()} == {
            "DONE": "done",
            "HALF": "in_progress",
            "NONE": "invited",
        }
        assert [statuses[code].expected for code in ("DONE", "HALF", "NONE")] == [1, 2, 2]
        overall = progress(list(statuses.values())).overall
        assert (overall.total, overall.completed, overall.started) == (3, 1, 1)
        event = db.session.execute(db.select(AuditEvent).filter_by(action="campaign.questionnaire.add")).scalar_one()
        assert event.details["instrument"] == ADDED and event.details["running"] is True
        # HALF finishes both: done now; NONE answered one only: not done
        answer(db.session.get(Invitation, invitations["HALF"]), "wellbeing_check")  # the started one, submitted
        answer(db.session.get(Invitation, invitations["HALF"]), ADDED)
        answer(db.session.get(Invitation, invitations["NONE"]), "wellbeing_check")
        labels = {row.participant.code: row.label for row in wave_status(campaign.waves[0])}
        assert labels == {"DONE": "done", "HALF": "done", "NONE": "in_progress"}


def test_a_questionnaire_added_before_any_wave_opens_goes_to_everyone(app, logged_in, staff):
    later = utcnow() + dt.timedelta(days=7)
    campaign_id, invitations = running_campaign(app, staff[2], opens_at=later)
    add(logged_in, campaign_id, ADDED)
    with app.test_request_context():
        campaign = db.session.get(Campaign, campaign_id)
        added = next(a for a in campaign.assignments if a.instrument_id == ADDED)
        assert added.added_at is None
        for invitation_id in invitations.values():
            assert asked_of(invitation_id) == ["wellbeing_check", ADDED]
        assert {row.expected for row in wave_status(campaign.waves[0])} == {2}


def test_an_instrument_already_in_the_campaign_or_without_texts_is_refused(app, logged_in, staff):
    campaign_id, _invitations = running_campaign(app, staff[2])
    logged_in.get("/lang/en")
    page = add(logged_in, campaign_id, "wellbeing_check")
    shown = logged_in.get(page.headers["Location"]).get_data(as_text=True)
    assert "The campaign already has the questionnaire «wellbeing_check»." in shown
    assert re.search(r'<option value="methods_demo" disabled>', shown)  # offered, but cannot be chosen
    refused = logged_in.get(add(logged_in, campaign_id, "methods_demo").headers["Location"]).get_data(as_text=True)
    assert "Add the item texts of methods_demo on the Questionnaires page first." in refused
    with app.app_context():
        count = db.session.execute(db.select(db.func.count(Assignment.id)).filter_by(campaign_id=campaign_id))
        assert count.scalar_one() == 1


def remove(client, campaign_id: int, instrument_id: str):
    """Open the confirmation page, then confirm."""
    url = f"/staff/campaigns/{campaign_id}/questionnaires/{instrument_id}/remove"
    confirm = client.get(url)
    assert confirm.status_code == 200 and f'action="{url}"' in confirm.get_data(as_text=True)
    return post_form(client, url, {})


def test_removing_a_questionnaire_nobody_answered_deletes_it(app, logged_in, staff):
    campaign_id, invitations = running_campaign(app, staff[2])
    add(logged_in, campaign_id, ADDED)
    assert remove(logged_in, campaign_id, ADDED).status_code == 302
    with app.app_context():
        ids = db.session.execute(db.select(Assignment.instrument_id).filter_by(campaign_id=campaign_id)).scalars()
        assert list(ids) == ["wellbeing_check"]
        event = db.session.execute(db.select(AuditEvent).filter_by(action="campaign.questionnaire.remove")).scalar_one()
        assert event.details["outcome"] == "deleted"


def test_removing_a_questionnaire_with_answers_retires_it_and_keeps_its_data(app, logged_in, staff):
    campaign_id, invitations = running_campaign(app, staff[2])
    add(logged_in, campaign_id, ADDED)
    with app.test_request_context():
        answer(db.session.get(Invitation, invitations["NONE"]), ADDED, finish=False)  # started, not submitted
    assert remove(logged_in, campaign_id, "wellbeing_check").status_code == 302
    with app.test_request_context():
        campaign = db.session.get(Campaign, campaign_id)
        retired = next(a for a in campaign.assignments if a.instrument_id == "wellbeing_check")
        assert retired.retired_at is not None
        # DONE submitted it: still done; HALF had only started it: no longer asked; NONE never had it
        assert asked_of(invitations["DONE"]) == ["wellbeing_check"]
        assert asked_of(invitations["HALF"]) == asked_of(invitations["NONE"]) == [ADDED]
        statuses = {row.participant.code: row.label for row in wave_status(campaign.waves[0])}
        assert statuses == {"DONE": "done", "HALF": "invited", "NONE": "in_progress"}
        kept = db.session.execute(db.select(Response).filter_by(instrument_id="wellbeing_check")).scalars().all()
        assert len(kept) == 2  # the in-progress response stays stored
        tables = campaign_tables(campaign)  # what the comparison and the other analyses read
        assert [row["participant"] for row in tables.answers if row["instrument"] == "wellbeing_check"] == ["DONE"]
        assert any(score.instrument == "wellbeing_check" for score in tables.scores)
        book = openpyxl.load_workbook(io.BytesIO(campaign_workbook(campaign, ExportRequest(individual=True))))
        title = get_state().instrument("wellbeing_check").title.get("ru")
    answered = keyed_rows(app, book, "answers wellbeing_check")
    assert [row["participant"] for row in answered] == ["DONE"]
    assert {row["instrument"] for row in keyed_rows(app, book, "scores")} == {title}  # nobody submitted the other
    page = logged_in.get(f"/staff/campaigns/{campaign_id}").get_data(as_text=True)
    assert "restore" in page  # the retired one can be asked again


def test_a_retired_questionnaire_can_be_asked_again(app, logged_in, staff):
    campaign_id, invitations = running_campaign(app, staff[2])
    remove(logged_in, campaign_id, "wellbeing_check")
    url = f"/staff/campaigns/{campaign_id}"
    post_form(logged_in, f"{url}/questionnaires/wellbeing_check/restore", {}, page_url=url)
    with app.test_request_context():
        retired = db.session.execute(db.select(Assignment.retired_at).filter_by(campaign_id=campaign_id))
        assert retired.scalar_one() is None
        assert asked_of(invitations["HALF"]) == ["wellbeing_check"]
