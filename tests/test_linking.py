"""Linking waves: the attrition table, unmatched codes, and merging two codes of one person."""

from __future__ import annotations

import pytest
from flask_babel import force_locale

from surveys.core.log_models import AuditEvent
from surveys.core.models import Enrolment, Invitation, Organisation, Participant, PersonalData, Response
from surveys.extensions import db
from surveys.participation.links import generate_links
from surveys.participation.responses import save_answers, start_response, submit
from surveys.state import get_state
from surveys.workspace.campaigns import add_wave, create_campaign
from surveys.workspace.linking import MergeError, attrition, merge_participants
from surveys.workspace.people import enrol
from surveys.workspace.programmes import create_programme
from tests.conftest import FIXTURES, post_form

PLUGINS = str(FIXTURES / "plugins")


@pytest.fixture
def app(make_app):
    return make_app(SURVEYS_PLUGINS_PATH=PLUGINS)


def answer(invitation: Invitation, calm: int) -> None:
    instrument = get_state().instrument("wellbeing_check")
    response = start_response(invitation, instrument)
    save_answers(response, {"wb_calm": calm, "wb_tense": 2, "wb_happy": 3}, 0)
    submit(response, instrument)


def school(app, organisation_id):
    """Codes A, B, C answer the input wave; A and B2 (B under a mistyped second code) the output."""
    with app.test_request_context():
        organisation = db.session.get(Organisation, organisation_id)
        programme = create_programme(organisation, "2025/26")
        people = {}
        for code in ("A", "B", "C", "B2"):
            people[code] = Participant(organisation_id=organisation.id, code=code, role="mentee", tags=[code])
            db.session.add(people[code])
            db.session.flush()
            enrol(people[code], programme.id, "mentee", "ученик–ученик", "7А")
        db.session.add(PersonalData(participant_id=people["B2"].id, full_name="Борис"))
        db.session.commit()
        campaign = create_campaign(organisation, "Срез", ["wellbeing_check"], "Вход")
        campaign.programme_id = programme.id
        db.session.commit()
        output = add_wave(campaign, "output", "Выход")
        for wave in campaign.waves:
            generate_links(wave)
        invitation = {(i.wave_id, i.participant_id): i for i in db.session.execute(db.select(Invitation)).scalars()}
        first = campaign.waves[0]
        for code in ("A", "B", "C"):
            answer(invitation[(first.id, people[code].id)], 3)
        for code in ("A", "B2"):
            answer(invitation[(output.id, people[code].id)], 4)
        return campaign.id, first.id, output.id, {code: p.id for code, p in people.items()}


def test_attrition_counts_who_answered_which_wave(app, staff):
    campaign_id, first, output, ids = school(app, staff[2])
    with app.app_context():
        found = attrition(first, output)
        assert [p.code for p in found.both] == ["A"]
        assert [p.code for p in found.before_only] == ["B", "C"]
        assert [p.code for p in found.after_only] == ["B2"]


def test_merging_two_codes_links_the_waves_and_is_logged(app, logged_in, staff):
    campaign_id, first, output, ids = school(app, staff[2])
    url = f"/staff/campaigns/{campaign_id}/linking"
    logged_in.get("/lang/en")
    page = logged_in.get(url).get_data(as_text=True)
    assert '<th scope="row">both waves</th><td>1</td>' in page and "B2" in page
    prefix = f"w{output}"
    merged = post_form(
        logged_in, f"{url}/{output}/merge", {f"{prefix}-keep": ids["B"], f"{prefix}-drop": ids["B2"]}, page_url=url
    )
    assert merged.status_code == 302
    with app.app_context():
        assert db.session.get(Participant, ids["B2"]) is None
        kept = db.session.get(Participant, ids["B"])
        assert kept.tags == ["B", "B2"] and db.session.get(PersonalData, ids["B"]).full_name == "Борис"
        waves = sorted(
            r.wave_id for r in db.session.execute(db.select(Response).filter_by(participant_id=ids["B"])).scalars()
        )
        assert waves == [first, output]
        invitations = db.session.execute(db.select(Invitation).filter_by(participant_id=ids["B"])).scalars().all()
        assert sorted(i.wave_id for i in invitations) == [first, output]
        assert (
            db.session.execute(db.select(db.func.count(Enrolment.id)).filter_by(participant_id=ids["B"])).scalar_one()
            == 1
        )
        found = attrition(first, output)
        assert [p.code for p in found.both] == ["A", "B"] and [p.code for p in found.after_only] == []
        event = db.session.execute(db.select(AuditEvent).filter_by(action="participants.merge")).scalar_one()
        assert (
            event.details["keep"] == "B"
            and event.details["merged"] == "B2"
            and event.details["moved"]["responses"] == 1
        )


def test_two_codes_that_both_answered_a_wave_are_not_merged(app, staff):
    campaign_id, first, output, ids = school(app, staff[2])
    with app.test_request_context(), force_locale("en"):
        keep, drop = db.session.get(Participant, ids["A"]), db.session.get(Participant, ids["B"])
        with pytest.raises(MergeError, match="both answered wellbeing_check in the wave «Вход»"):
            merge_participants(keep, drop)
        db.session.rollback()
        assert db.session.get(Participant, ids["B"]) is not None
