"""``surveys demo``: a demo school with data on every screen, a login and a working link."""

from __future__ import annotations

import re

from surveys.core.models import Campaign, Invitation, Participant, Response, Score
from surveys.extensions import db
from tests.conftest import demo_login, post_form


def test_demo_builds_a_school_prints_a_login_and_a_link_of_someone_who_has_not_answered(app, runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    email, password, full_link = demo_login(result.output)
    assert full_link.startswith("http://localhost/s/")
    link = full_link.removeprefix("http://localhost")

    with app.app_context():
        participants = db.session.execute(db.select(Participant)).scalars().all()
        assert 55 <= len(participants) <= 65
        assert {p.role for p in participants} == {"mentor", "mentee", "curator"}
        assert len({p.form for p in participants if p.form}) == 3
        campaign = db.session.execute(db.select(Campaign)).scalar_one()
        first, second = campaign.waves
        assert (first.kind, second.kind, first.closed, second.closed) == ("input", "output", True, False)
        answered_first = {
            r.participant_id for r in db.session.execute(db.select(Response).filter_by(wave_id=first.id)).scalars()
        }
        answered_second = {
            r.participant_id for r in db.session.execute(db.select(Response).filter_by(wave_id=second.id)).scalars()
        }
        respondents = {p.id for p in participants if p.role != "curator"}
        assert answered_first == respondents
        assert 0 < len(answered_second) < len(respondents)
        assert db.session.execute(db.select(Score).filter(Score.value.is_not(None))).first() is not None

    client = app.test_client()
    first_visit = client.get(link)
    assert first_visit.status_code == 200 and "152-ФЗ" in first_visit.get_data(as_text=True)  # not answered yet
    assert post_form(client, "/login", {"email": email, "password": password}).status_code == 302
    campaign_page = client.get(f"/staff/campaigns/{campaign.id}")
    assert campaign_page.status_code == 200
    comparison = client.get(f"/plugins/comparison/campaigns/{campaign.id}").get_data(as_text=True)
    assert comparison.count("<tr>") > 3
    export = client.get(f"/staff/campaigns/{campaign.id}/export.xlsx")
    assert export.status_code == 200 and len(export.data) > 5000


def test_running_demo_again_keeps_the_data_and_gives_a_fresh_working_link(app, runner):
    first = runner.invoke(args=["demo"])
    with app.app_context():
        count = db.session.execute(db.select(db.func.count(Participant.id))).scalar_one()
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0, second.output
    old_link = re.search(r"http://localhost(/s/\S+)", first.output).group(1)
    new_link = re.search(r"http://localhost(/s/\S+)", second.output).group(1)
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(Participant.id))).scalar_one() == count
        assert db.session.execute(db.select(db.func.count(Invitation.id))).scalar_one() > 0
    client = app.test_client()
    assert new_link != old_link
    assert client.get(new_link).status_code == 200
    assert client.get(old_link).status_code == 404  # the same invitation got a new token


def test_a_swot_is_made_edited_approved_printed_and_exported_from_demo_data(app, runner):
    import io

    import openpyxl

    from plugins.swot.models import SwotDocument

    result = runner.invoke(args=["demo"])
    email, password, _link = demo_login(result.output)
    with app.app_context():
        campaign = db.session.execute(db.select(Campaign)).scalar_one()
        campaign_id, output_wave = campaign.id, campaign.waves[1].id
        answered = db.session.execute(
            db.select(db.func.count(Response.id)).filter_by(wave_id=output_wave, instrument_id="quality_mentee")
        ).scalar_one()
    assert answered >= 5  # the stage-1 questionnaire was answered in the output wave
    client = app.test_client()
    post_form(client, "/login", {"email": email, "password": password})
    workspace = f"/plugins/swot/campaigns/{campaign_id}?wave={output_wave}&form="
    made = post_form(
        client, f"/plugins/swot/campaigns/{campaign_id}/draft", {"wave": output_wave, "form": ""}, page_url=workspace
    )
    assert made.status_code == 302
    with app.app_context():
        draft = db.session.execute(
            db.select(SwotDocument).filter_by(campaign_id=campaign_id, status="draft")
        ).scalar_one()
        points = {quadrant: len(lines) for quadrant, lines in draft.content.items()}
        draft_id = draft.id
    assert sum(points.values()) >= 4 and points["S"] + points["W"] >= 1
    # Demo open answers repeat with small differences: the draft collapses them with a count.
    texts = [line["text"] for lines in draft.content.values() for line in lines]
    assert any(re.search(r"^поддержка наставника! \(×\d+\)$", text, re.I) for text in texts)
    form = {"S": "Поддержка наставника", "W": "Мало времени на встречи", "O": "", "T": "", "conclusion": "Продолжать."}
    approved = post_form(client, f"/plugins/swot/documents/{draft_id}/approve", form, page_url=workspace)
    assert approved.status_code == 302
    with app.app_context():
        version = db.session.execute(
            db.select(SwotDocument).filter_by(campaign_id=campaign_id, status="approved")
        ).scalar_one()
        version_id = version.id
    printed = client.get(f"/plugins/swot/documents/{version_id}/print")
    assert printed.status_code == 200 and "Поддержка наставника" in printed.get_data(as_text=True)
    book = openpyxl.load_workbook(io.BytesIO(client.get(f"/staff/campaigns/{campaign_id}/export.xlsx").data))
    rows = [[c for c in row] for row in book["SWOT"].iter_rows(values_only=True)]
    assert any("Поддержка наставника" in [str(c) for c in row] for row in rows)
