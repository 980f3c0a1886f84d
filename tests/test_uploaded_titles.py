"""An uploaded questionnaire is shown by its title, not its id, wherever staff see it: the campaign
page, the comparison page and the workbook (issue 23, part 6)."""

from __future__ import annotations

import io

import openpyxl

from surveys.core.models import Organisation, Participant
from surveys.extensions import db
from surveys.workspace.campaigns import add_wave, create_campaign
from tests.conftest import set_role, submit_in_wave
from tests.export_support import keyed_rows
from tests.test_instrument_upload import climate, psychologist, upload

TITLE = "Климат в классе"  # climate()'s Russian title; its id is class_climate


def campaign_with_answers(app, organisation_id: int) -> int:
    """Two waves of the uploaded questionnaire, six mentees answering both (enough to be shown)."""
    with app.app_context():
        organisation = db.session.get(Organisation, organisation_id)
        people = [Participant(organisation_id=organisation.id, code=f"K{n}", role="mentee") for n in range(6)]
        db.session.add_all(people)
        db.session.commit()
        campaign = create_campaign(organisation, "Климат", ["class_climate"], "Вход")
        add_wave(campaign, "output", "Выход")
        for position, wave in enumerate(campaign.waves):
            for n, person in enumerate(people):
                answers = {"cc_safe": 1 + (n + position) % 4, "cc_help": 3, "cc_mock": 2, "cc_voice": 1 + n % 4}
                assert submit_in_wave(app, wave.id, person.id, "class_climate", answers)
        return campaign.id


def test_an_uploaded_questionnaire_is_shown_by_its_title_on_the_campaign_and_comparison_pages(app, client, staff):
    psychologist(app, client, staff)
    assert upload(client, climate()).status_code == 302
    campaign_id = campaign_with_answers(app, staff[2])
    for role in ("psychologist", "curator"):
        set_role(app, staff[0], role)
        page = client.get(f"/staff/campaigns/{campaign_id}").get_data(as_text=True)
        assert page.count(TITLE) >= 2 and "class_climate —" not in page, role
    comparison = client.get(f"/plugins/comparison/campaigns/{campaign_id}")
    assert comparison.status_code == 200
    rows = comparison.get_data(as_text=True)
    assert f"<td>{TITLE}</td>" in rows and "<td>class_climate</td>" not in rows


def test_the_workbook_names_an_uploaded_questionnaire_by_its_title(app, client, staff):
    psychologist(app, client, staff)
    assert upload(client, climate()).status_code == 302
    campaign_id = campaign_with_answers(app, staff[2])
    workbook = client.get(f"/staff/campaigns/{campaign_id}/export.xlsx?individual=1")
    assert workbook.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(workbook.data))
    assert any(TITLE in name for name in book.sheetnames), book.sheetnames
    for key in ("scores", "reliability"):
        rows = keyed_rows(app, book, key)
        assert rows and {row["instrument"] for row in rows} == {TITLE}, (key, rows[0])
