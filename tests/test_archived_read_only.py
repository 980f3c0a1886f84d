"""An archived campaign or programme is read-only: every staff route that changes it, or what it
holds, answers 409 and changes nothing (issue 23, part A)."""

from __future__ import annotations

import pytest

from plugins.swot.models import SwotDocument
from surveys.core.models import Campaign, Programme, utcnow
from surveys.core.report_models import Indicator
from surveys.extensions import db
from tests.conftest import post_form
from tests.school_year import school_year

# (route, form data that would change something were the route not guarded)
CAMPAIGN_ROUTES = [
    ("/staff/campaigns/{campaign}/rename", {"name": "Другое название"}),
    ("/staff/campaigns/{campaign}/assignments", {"audience-{assignment}": ["mentor"], "waves-{assignment}": ["input"]}),
    ("/staff/campaigns/{campaign}/waves", {"kind": "output", "name": "Ещё волна"}),
    ("/staff/campaigns/{campaign}/consent", {"mode": "guardian", "support_contact": "каб. 12"}),
    ("/staff/campaigns/{campaign}/guardians", {"participants": []}),
    ("/staff/campaigns/{campaign}/linking/{wave}/merge", {"keep": "1", "drop": "2"}),
    ("/staff/waves/{wave}/schedule", {"opens_at": "", "closes_at": ""}),
    ("/staff/waves/{wave}/open-links", {"role": "mentee"}),
    ("/staff/waves/{wave}/links", {"scope": "missing"}),
    ("/staff/waves/{wave}/slips", {"participants": "all", "group": "all", "heading": "Слипы"}),
    ("/staff/waves/{wave}/paper", {"instrument": "wellbeing_check"}),
    ("/staff/open-links/{open_link}/revoke", {}),
    ("/staff/invitations/{invitation}/revoke", {}),
    ("/staff/invitations/{invitation}/reissue", {}),
    ("/staff/invitations/{invitation}/reset-decline", {}),
    ("/plugins/swot/campaigns/{campaign}/draft", {"wave": "{wave}", "form": ""}),
    ("/plugins/swot/documents/{swot}/save", {"S": "Сильная сторона", "conclusion": "Итог"}),
    ("/plugins/swot/documents/{swot}/approve", {"S": "Сильная сторона", "conclusion": "Итог"}),
]
PROGRAMME_ROUTES = [
    ("/staff/programmes/{programme}/rename", {"name": "2030/31"}),
    ("/staff/programmes/{programme}/forms", {"forms": "Новая форма"}),
    ("/staff/programmes/{programme}/pairs", {"mentor": "{mentor}", "mentees": ["{mentee}"]}),
    ("/staff/pairs/{pair}/delete", {}),
    ("/staff/programmes/{programme}/import", {"mode": "valid_rows"}),
    ("/staff/programmes/{programme}/indicators", {"add-name": "Проекты", "add-higher_is_better": "yes"}),
    ("/staff/indicators/{indicator}/values", {"period": "2025-10", "value": "5"}),
    ("/staff/programmes/{programme}/indicators/import", {}),
    ("/staff/programmes/{programme}/report/conclusions", {"text": "Новые выводы"}),
]


def snapshot() -> dict[str, list]:
    """Every row of every table but the audit log, to compare before and after a refused request."""
    return {
        table.name: sorted(map(repr, db.session.execute(table.select()).all()))
        for table in db.metadata.sorted_tables
        if table.name not in {"audit_event", "login_attempt"}
    }


def ids_of(year) -> dict[str, int]:
    campaign = db.session.get(Campaign, year.campaign_id)
    draft = db.session.execute(db.select(SwotDocument).filter_by(version=0)).scalar_one()
    indicator = db.session.execute(db.select(Indicator)).scalar_one()
    return {
        "campaign": year.campaign_id,
        "programme": year.programme_id,
        "wave": year.wave_ids[0],
        "assignment": campaign.assignments[0].id,
        "open_link": year.open_link_id,
        "invitation": year.invitation_id,
        "pair": year.pair_id,
        "mentor": year.participant_ids[0],
        "mentee": year.participant_ids[1],
        "swot": draft.id,
        "indicator": indicator.id,
    }


def fill(template, ids: dict[str, int]):
    if isinstance(template, list):
        return [fill(item, ids) for item in template]
    return template.format(**ids)


def refused_unchanged(app, client, organisation_id: int, archived: str, route: str, data: dict) -> None:
    with app.app_context():
        year = school_year(organisation_id)
    with app.app_context():
        ids = ids_of(year)
        model, key = (Programme, "programme") if archived == "programme" else (Campaign, "campaign")
        db.session.get(model, ids[key]).archived_at = utcnow()
        db.session.commit()
        before = snapshot()
    form = {fill(name, ids): fill(value, ids) for name, value in data.items()}
    answer = post_form(client, fill(route, ids), form, page_url="/staff/")
    assert answer.status_code == 409, (route, answer.status_code)
    assert "в архиве" in answer.get_data(as_text=True)
    with app.app_context():
        assert snapshot() == before, route


@pytest.mark.parametrize("archived", ["campaign", "programme"])
@pytest.mark.parametrize(("route", "data"), CAMPAIGN_ROUTES, ids=[r for r, _ in CAMPAIGN_ROUTES])
def test_routes_of_an_archived_campaign_refuse_changes(app, logged_in, staff, archived, route, data):
    refused_unchanged(app, logged_in, staff[2], archived, route, data)


@pytest.mark.parametrize(("route", "data"), PROGRAMME_ROUTES, ids=[r for r, _ in PROGRAMME_ROUTES])
def test_routes_of_an_archived_programme_refuse_changes(app, logged_in, staff, route, data):
    refused_unchanged(app, logged_in, staff[2], "programme", route, data)
