"""The retention rule (docs/privacy.md, "Retention"): ``surveys retention run`` removes the personal data
of people whose programmes were all archived more than SURVEYS_RETENTION_DAYS days ago, keeps their
code, answers and scores, does nothing on a dry run or before the day, and says what it did."""

from __future__ import annotations

import datetime as dt

import pytest

from surveys import create_app
from surveys.core.log_models import AuditEvent
from surveys.core.models import (
    Invitation,
    Organisation,
    Participant,
    PersonalData,
    Programme,
    Response,
    utcnow,
)
from surveys.extensions import db
from surveys.workspace.people import enrol
from surveys.workspace.programmes import create_programme
from surveys.workspace.retention import AUDIT_ACTION
from tests.erasure_support import traces_in_database, workbook_cells
from tests.test_erasure import workbook
from tests.test_exports import demo

NAMES = {"D-003": "Бортникова Ульяна Сергеевна", "D-005": "Пересветов Гордей Ильич"}
STAYS = "D-007"  # also in this year's programme, which is not archived
LONER = ("SOLO-1", "Одиночкин Фрол Ильич")  # in no programme at all


@pytest.fixture
def app(make_app):
    return make_app(SURVEYS_RETENTION_DAYS="30")


def archive_demo(app, runner, days_ago: int) -> int:
    """The demo, its programme archived ``days_ago`` days ago; named people as above. Returns the campaign id."""
    campaign_id, _email, _password = demo(app, runner)
    with app.app_context():
        programme = db.session.execute(db.select(Programme)).scalar_one()
        programme.archived_at = utcnow() - dt.timedelta(days=days_ago)
        people = {p.code: p for p in db.session.execute(db.select(Participant)).scalars()}
        for code, name in {**NAMES, STAYS: "Оставленный Пётр"}.items():
            db.session.add(PersonalData(participant_id=people[code].id, full_name=name, birth_year=1987))
        organisation = db.session.get(Organisation, programme.organisation_id)
        enrol(people[STAYS], create_programme(organisation, "2026/27").id, "mentor")
        loner = Participant(organisation_id=organisation.id, code=LONER[0], role="mentee")
        db.session.add(loner)
        db.session.flush()
        db.session.add(PersonalData(participant_id=loner.id, full_name=LONER[1], birth_year=1987))
        db.session.commit()
    return campaign_id


def snapshot(app) -> dict:
    with app.app_context():
        return {
            "personal": sorted(db.session.execute(db.select(PersonalData.participant_id)).scalars()),
            "open": db.session.execute(db.select(db.func.count()).where(Invitation.revoked_at.is_(None))).scalar_one(),
            "responses": db.session.execute(db.select(db.func.count()).select_from(Response)).scalar_one(),
            "anonymised": db.session.execute(
                db.select(db.func.count()).where(Participant.anonymised_at.is_not(None))
            ).scalar_one(),
            "audit": db.session.execute(db.select(db.func.count()).select_from(AuditEvent)).scalar_one(),
        }


def test_a_dry_run_lists_who_is_due_and_changes_nothing(app):
    runner = app.test_cli_runner()
    archive_demo(app, runner, days_ago=31)
    before = snapshot(app)
    result = runner.invoke(args=["retention", "run", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "подлежат обезличиванию" in result.output and "D-003" in result.output
    assert STAYS not in result.output and LONER[0] not in result.output
    assert snapshot(app) == before


def test_a_run_removes_names_keeps_codes_and_answers_and_a_second_run_finds_nobody(app):
    runner = app.test_cli_runner()
    campaign_id = archive_demo(app, runner, days_ago=31)
    before = snapshot(app)
    result = runner.invoke(args=["retention", "run"])
    assert result.exit_code == 0, result.output
    after = snapshot(app)
    with app.app_context():
        people = {p.code: p for p in db.session.execute(db.select(Participant)).scalars()}
        in_archive_only = [p for code, p in people.items() if code not in (STAYS, LONER[0])]
        assert f"обезличено участников — {len(in_archive_only)}" in result.output
        for code, name in NAMES.items():
            assert traces_in_database(-1, name) == [], code
            assert people[code].anonymised_at is not None
            assert db.session.execute(db.select(Response).filter_by(participant_id=people[code].id)).first()
        still_open = db.session.execute(db.select(Invitation.participant_id).where(Invitation.revoked_at.is_(None)))
        assert set(still_open.scalars()) <= {people[STAYS].id}
        assert sorted(after["personal"]) == sorted([people[STAYS].id, people[LONER[0]].id])
        assert people[STAYS].anonymised_at is None and people[LONER[0]].anonymised_at is None
        event = db.session.execute(db.select(AuditEvent).filter_by(action=AUDIT_ACTION)).scalar_one()
        assert event.details["anonymised"] == len(in_archive_only) and event.details["personal_data"] == len(NAMES)
        assert not any(name in str(event.details) for name in NAMES.values())
    assert after["responses"] == before["responses"] and after["open"] < before["open"]
    cells = workbook_cells(workbook(app, campaign_id))
    assert "D-003" in cells and not [c for c in cells if any(name in c for name in NAMES.values())]
    again = runner.invoke(args=["retention", "run"])
    assert again.exit_code == 0 and "Обезличивать некого" in again.output
    assert snapshot(app) == after


def run_changes_nothing(app, days_ago: int) -> str:
    """Archive the demo ``days_ago`` days ago, run the rule, check nothing changed; returns its output."""
    runner = app.test_cli_runner()
    archive_demo(app, runner, days_ago=days_ago)
    before = snapshot(app)
    result = runner.invoke(args=["retention", "run"])
    assert result.exit_code == 0, result.output
    assert snapshot(app) == before
    return result.output


def test_people_of_a_programme_archived_for_less_than_the_period_are_untouched(app):
    assert "Обезличивать некого" in run_changes_nothing(app, days_ago=29)


def test_without_a_retention_period_nothing_is_removed(make_app):
    assert "SURVEYS_RETENTION_DAYS не задан" in run_changes_nothing(make_app(), days_ago=400)


@pytest.mark.parametrize("value", ["0", "-5", "тридцать", "1.5"])
def test_a_bad_retention_period_stops_the_start_with_the_setting_named(tmp_path, value):
    with pytest.raises(ValueError, match="SURVEYS_RETENTION_DAYS"):
        create_app({"SURVEYS_RETENTION_DAYS": value, "SURVEYS_DATABASE_URL": f"sqlite:///{tmp_path}/x.db"})
