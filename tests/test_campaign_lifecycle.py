"""Renaming, archiving and deleting campaigns and programmes (issue 23, part A)."""

from __future__ import annotations

import pytest

from surveys.core.log_models import AuditEvent
from surveys.core.models import Campaign, Enrolment, Organisation, Pair, Participant, Programme, Wave
from surveys.extensions import db
from tests.conftest import post_form, set_role
from tests.school_year import CAMPAIGN_TABLES, PROGRAMME_TABLES, rows_of, school_year


@pytest.fixture
def year(app, staff):
    with app.app_context():
        return school_year(staff[2])


def events(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        query = db.select(AuditEvent).filter_by(action=action).order_by(AuditEvent.id)
        return list(db.session.execute(query).scalars())


def test_renaming_is_audited_with_both_names_and_an_empty_name_is_refused(app, logged_in, year):
    page = f"/staff/campaigns/{year.campaign_id}"
    post_form(logged_in, f"{page}/rename", {"name": "  Осень   2025 "}, page_url=page)
    refused = post_form(logged_in, f"{page}/rename", {"name": "   "}, page_url=page, follow_redirects=True)
    assert "Название: введите название" in refused.get_data(as_text=True)
    programme_page = f"/staff/programmes/{year.programme_id}"
    post_form(logged_in, f"{programme_page}/rename", {"name": "2025/2026"}, page_url=programme_page)
    with app.app_context():
        assert db.session.get(Campaign, year.campaign_id).name == "Осень 2025"
        assert db.session.get(Programme, year.programme_id).name == "2025/2026"
    (renamed,) = events(app, "campaign.rename")
    assert (renamed.target, renamed.details) == (
        f"campaign:{year.campaign_id}",
        {"before": "Мониторинг 2025/26", "after": "Осень 2025"},
    )
    assert events(app, "programme.rename")[0].details == {"before": "2025/26", "after": "2025/2026"}


def test_archiving_a_programme_closes_its_waves_and_puts_it_and_its_campaigns_away(app, logged_in, year, staff):
    with app.app_context():
        other = Campaign(organisation_id=staff[2], name="Текущая")
        db.session.add(other)
        db.session.commit()
    programme_page = f"/staff/programmes/{year.programme_id}"
    post_form(logged_in, f"{programme_page}/archive", {}, page_url=programme_page)
    with app.app_context():
        assert db.session.get(Programme, year.programme_id).archived_at is not None
        assert all(db.session.get(Wave, wave_id).closed for wave_id in year.wave_ids)
    (archived,) = events(app, "programme.archive")
    assert sorted(archived.details["waves_closed"]) == sorted(year.wave_ids)
    index = logged_in.get("/staff/").get_data(as_text=True)
    active, shelf = index.split('<details class="archive">')
    assert "Текущая" in active and "Мониторинг 2025/26" not in active
    assert "Мониторинг 2025/26" in shelf
    programmes = logged_in.get("/staff/programmes").get_data(as_text=True)
    assert "2025/26" in programmes.split('<details class="archive">')[1]
    campaign_page = logged_in.get(f"/staff/campaigns/{year.campaign_id}").get_data(as_text=True)
    assert "archived-banner" in campaign_page
    assert 'href="/staff/participants">' in campaign_page  # the menu is the same on an archived page
    assert "/assignments" not in campaign_page and "/rename" not in campaign_page
    assert f"/staff/campaigns/{year.campaign_id}/tracker" in campaign_page  # still read
    assert logged_in.get(f"/staff/campaigns/{year.campaign_id}/tracker").status_code == 200
    rename = f"/staff/campaigns/{year.campaign_id}/rename"
    refused = post_form(logged_in, rename, {"name": "x"}, page_url=programme_page)
    assert refused.status_code == 409
    post_form(logged_in, f"{programme_page}/unarchive", {}, page_url=programme_page)
    with app.app_context():
        assert db.session.get(Programme, year.programme_id).archived_at is None
    assert "/assignments" in logged_in.get(f"/staff/campaigns/{year.campaign_id}").get_data(as_text=True)


def test_a_campaign_is_archived_alone_and_its_programme_stays_editable(app, logged_in, year):
    page = f"/staff/campaigns/{year.campaign_id}"
    post_form(logged_in, f"{page}/archive", {}, page_url=page)
    with app.app_context():
        assert db.session.get(Campaign, year.campaign_id).archived_at is not None
        assert db.session.get(Programme, year.programme_id).archived_at is None
        assert db.session.get(Wave, year.wave_ids[0]).closed
    assert "archived-banner" not in logged_in.get(f"/staff/programmes/{year.programme_id}").get_data(as_text=True)


def delete(client, path: str, name: str, **extra):
    url = f"{path}/delete"
    return post_form(client, url, {"name": name, **extra})


def test_deleting_needs_the_exact_name_and_is_refused_while_answers_are_held(app, logged_in, year):
    path = f"/staff/campaigns/{year.campaign_id}"
    page = logged_in.get(f"{path}/delete").get_data(as_text=True)
    assert "1 ответ" in page and 'type="checkbox"' not in page  # a curator may not erase answers
    mismatch = delete(logged_in, path, "Мониторинг")
    assert mismatch.status_code == 200 and "введите точное название" in mismatch.get_data(as_text=True)
    held = delete(logged_in, path, "Мониторинг 2025/26", with_answers="y")
    assert "удалить её вместе с ответами может только администратор" in held.get_data(as_text=True).lower()
    with app.app_context():
        assert db.session.get(Campaign, year.campaign_id) is not None
        assert all(rows_of(model) for model in CAMPAIGN_TABLES)
    assert not events(app, "campaign.delete")


def test_an_empty_campaign_is_deleted_with_its_links_and_the_programme_stays(app, logged_in, staff):
    with app.app_context():
        year = school_year(staff[2], answered=False)
    deleted = delete(logged_in, f"/staff/campaigns/{year.campaign_id}", "Мониторинг 2025/26")
    assert deleted.status_code == 302 and deleted.location.endswith("/staff/")
    with app.app_context():
        assert db.session.get(Campaign, year.campaign_id) is None
        assert all(rows_of(model) == 0 for model in CAMPAIGN_TABLES)
        assert all(rows_of(model) for model in PROGRAMME_TABLES)
    (event,) = events(app, "campaign.delete")
    assert event.details["rows"]["invitation"] == 1 and event.details["with_answers"] is False


def test_an_admin_erases_a_programme_with_its_answers_and_its_people_stay(app, logged_in, staff):
    set_role(app, staff[0], "admin")
    every = CAMPAIGN_TABLES + PROGRAMME_TABLES
    with app.app_context():
        kept = school_year(staff[2], name="2026/27")
        before = {model.__name__: rows_of(model) for model in every}
        year = school_year(staff[2])
    path = f"/staff/programmes/{year.programme_id}"
    refused = delete(logged_in, path, "2025/26")
    assert "удалить нельзя" in refused.get_data(as_text=True)
    erased = delete(logged_in, path, "2025/26", with_answers="y")
    assert erased.status_code == 302
    with app.app_context():
        assert db.session.get(Programme, year.programme_id) is None
        assert db.session.get(Campaign, year.campaign_id) is None
        # Every dependent row of the erased year is gone; the other year keeps all of its own.
        assert {model.__name__: rows_of(model) for model in every} == before
        assert db.session.get(Programme, kept.programme_id) is not None
        people = db.session.execute(db.select(Participant)).scalars().all()
        assert {p.id for p in people} >= set(year.participant_ids)
        assert db.session.get(Participant, year.participant_ids[1]).programme_id is None
    (event,) = events(app, "programme.delete")
    assert event.details["rows"]["response"] == 1 and event.details["rows"]["campaign"] == 1
    assert "M-" not in str(event.details)  # no participant codes, only counts


@pytest.mark.parametrize("role", ["psychologist", "viewer"])
def test_only_curators_and_admins_rename_archive_or_delete(app, logged_in, staff, year, role):
    set_role(app, staff[0], role)
    path = f"/staff/campaigns/{year.campaign_id}"
    assert logged_in.get(f"{path}/delete").status_code == 403
    for action in ("rename", "archive", "delete"):
        assert post_form(logged_in, f"{path}/{action}", {"name": "x"}, page_url=path).status_code == 403
    with app.app_context():
        assert db.session.get(Campaign, year.campaign_id).archived_at is None


def test_another_organisations_campaign_and_programme_are_not_found(app, logged_in):
    with app.app_context():
        elsewhere = Organisation(name="Школа № 9")
        db.session.add(elsewhere)
        db.session.commit()
        theirs = school_year(elsewhere.id)
    for path in (f"/staff/campaigns/{theirs.campaign_id}", f"/staff/programmes/{theirs.programme_id}"):
        assert logged_in.get(f"{path}/delete").status_code == 404
        for action in ("rename", "archive", "unarchive", "delete"):
            assert post_form(logged_in, f"{path}/{action}", {"name": "x"}, page_url="/staff/").status_code == 404
    with app.app_context():
        assert db.session.get(Campaign, theirs.campaign_id).name == "Мониторинг 2025/26"


def test_a_form_in_use_is_not_removed_and_a_renamed_form_carries_its_people_along(app, logged_in, year):
    url = f"/staff/programmes/{year.programme_id}"
    with app.app_context():
        campaign = db.session.get(Campaign, year.campaign_id)
        campaign.assignments[0].forms = ["ученик–ученик"]
        db.session.commit()
    removed = post_form(logged_in, f"{url}/forms", {"forms": "учитель–ученик"}, page_url=url, follow_redirects=True)
    assert "участники программы — 2, пары — 1, анкеты кампаний — 1" in removed.get_data(as_text=True)
    with app.app_context():
        assert [f.name for f in db.session.get(Programme, year.programme_id).forms] == ["ученик–ученик"]
    text = "ученик–ученик -> школьник–школьник\n  успевающий – неуспевающий\nучитель–ученик"
    post_form(logged_in, f"{url}/forms", {"forms": text}, page_url=url)
    with app.app_context():
        programme = db.session.get(Programme, year.programme_id)
        assert [(f.name, f.variants) for f in programme.forms] == [
            ("школьник–школьник", ["успевающий – неуспевающий"]),
            ("учитель–ученик", []),
        ]
        enrolled = db.session.execute(db.select(Enrolment).filter_by(programme_id=programme.id)).scalars()
        assert {e.form for e in enrolled} == {"школьник–школьник"}
        assert db.session.get(Pair, year.pair_id).form == "школьник–школьник"
        assert db.session.get(Campaign, year.campaign_id).assignments[0].forms == ["школьник–школьник"]
    (saved,) = events(app, "programme.forms")
    assert saved.details["renamed"] == {"ученик–ученик": "школьник–школьник"}
    assert list(saved.details["before"]) == ["ученик–ученик"]
    assert list(saved.details["after"]) == ["школьник–школьник", "учитель–ученик"]


def test_a_pair_variant_in_use_is_not_removed_from_its_form(app, logged_in, year):
    url = f"/staff/programmes/{year.programme_id}"
    with app.app_context():
        db.session.get(Pair, year.pair_id).variant = "успевающий – неуспевающий"
        db.session.commit()
    kept_form = "ученик–ученик\n  равный – равному"  # the pair's variant left out
    refused = post_form(logged_in, f"{url}/forms", {"forms": kept_form}, page_url=url, follow_redirects=True)
    assert "Вариант пары «успевающий – неуспевающий» формы «ученик–ученик» указан у пар: 1" in refused.get_data(
        as_text=True
    )
    with app.app_context():
        assert [f.variants for f in db.session.get(Programme, year.programme_id).forms] == [
            ["успевающий – неуспевающий"]
        ]
    added = "ученик–ученик\n  успевающий – неуспевающий\n  равный – равному"
    post_form(logged_in, f"{url}/forms", {"forms": added}, page_url=url)
    with app.app_context():
        assert db.session.get(Programme, year.programme_id).forms[0].variants[-1] == "равный – равному"


def test_consent_texts_wave_dates_and_a_new_wave_are_audited_before_and_after(app, logged_in, year):
    campaign = f"/staff/campaigns/{year.campaign_id}"
    consent = {"mode": "guardian", "purpose": "Чтобы помочь наставникам", "support_contact": "Психолог, каб. 12"}
    post_form(logged_in, f"{campaign}/consent", consent)
    (settings,) = events(app, "campaign.consent_settings")
    assert settings.details["changed"] == {
        "mode": {"before": "self", "after": "guardian"},
        "text.purpose": {"before": "", "after": "Чтобы помочь наставникам"},
        "support_contact": {"before": "", "after": "Психолог, каб. 12"},
    }
    wave = f"/staff/waves/{year.wave_ids[1]}"
    post_form(logged_in, f"{wave}/schedule", {"closes_at": "2026-05-20T18:00", "closed": "y"}, page_url=wave)
    (dates,) = events(app, "wave.schedule")
    with app.app_context():
        closes_at = db.session.get(Wave, year.wave_ids[1]).closes_at
    assert dates.details["before"] == {"closed": False, "opens_at": None, "closes_at": None}
    assert dates.details["after"] == {"closed": True, "opens_at": None, "closes_at": closes_at.isoformat()}
    post_form(logged_in, f"{campaign}/waves", {"kind": "intermediate", "name": " Середина "}, page_url=campaign)
    (added,) = events(app, "wave.add")
    with app.app_context():
        last = db.session.get(Campaign, year.campaign_id).waves[-1]
    assert (added.details["wave"], added.details["after"]) == (last.id, {"kind": "intermediate", "name": "Середина"})
