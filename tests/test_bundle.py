"""The campaign bundle: export → wipe → import → export gives the same file, re-imports change nothing,
bad bundles are reported by path and write nothing, personal data only on request, the CLI."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from surveys.core.log_models import AuditEvent
from surveys.core.models import (
    Campaign,
    Invitation,
    Organisation,
    Pair,
    PairMentee,
    Participant,
    PersonalData,
    Programme,
    Response,
    Score,
    Wave,
    utcnow,
)
from surveys.extensions import db
from surveys.participation.links import CodeParts, create_open_link, generate_links, join_open_link
from surveys.participation.responses import save_answers, start_editing, start_response, submit
from surveys.state import get_state
from surveys.transfer.bundle import dumps, export_bundle
from surveys.transfer.bundle_checks import BundleError
from surveys.transfer.bundle_import import import_bundle
from surveys.workspace.campaigns import add_wave, create_campaign
from surveys.workspace.people import enrol
from surveys.workspace.programmes import create_programme
from tests.conftest import FIXTURES

PLUGINS = str(FIXTURES / "plugins")
FORM = "ученик–ученик"
# code, standing role in the programme, group (their own role is "other": the standing must win)
PEOPLE = [
    ("C1", "curator", ""),
    ("M1", "mentor", "10А"),
    ("M2", "mentor", "10Б"),
    ("S1", "mentee", "8Б"),
    ("S2", "mentee", "8Б"),
    ("S3", "mentee", "7В"),
]


@pytest.fixture
def app(make_app):
    """These tests read the reports in English; test_messages_ru.py reads them in Russian."""
    return make_app(SURVEYS_PLUGINS_PATH=PLUGINS, SURVEYS_DEFAULT_LOCALE="en")


def answers(calm: int, tense: int, happy: int) -> dict:
    return {"wb_calm": calm, "wb_tense": tense, "wb_happy": happy, "school_rating": 7, "club": "sport"}


def answer(invitation: Invitation, values: dict, finish: bool = True) -> Response:
    """Answer the wellbeing questionnaire through the same functions the participant pages use."""
    instrument = get_state().instrument("wellbeing_check")
    response = start_response(invitation, instrument)
    save_answers(response, values, page_index=1)
    if finish:
        assert submit(response, instrument)
    return response


def build_school(app) -> int:
    """A school with a programme, people, pairs, personal data, two waves, an open-link participant,
    submitted, edited and unfinished responses. Returns the campaign's id."""
    with app.app_context():
        organisation = Organisation(name="Школа № 7")
        db.session.add(organisation)
        db.session.commit()
        programme = create_programme(organisation, "Наставничество 2025/26")
        people = {}
        for code, role, group in PEOPLE:
            person = Participant(organisation_id=organisation.id, code=code, role="other", tags=["пилот"])
            db.session.add(person)
            db.session.flush()
            enrol(person, programme.id, role, FORM if role != "curator" else "", group)
            people[code] = person
        outsider = Participant(organisation_id=organisation.id, code="X9", role="mentee")  # not in the programme
        db.session.add(outsider)
        for mentor, mentees, variant in (("M1", ["S2", "S1"], "равный – равному"), ("M2", ["S3"], "лидер – пассивный")):
            pair = Pair(programme_id=programme.id, mentor_id=people[mentor].id, form=FORM, variant=variant)
            pair.mentees.extend(PairMentee(participant_id=people[code].id) for code in mentees)
            db.session.add(pair)
        db.session.add(PersonalData(participant_id=people["S1"].id, full_name="Иванова Анна", birth_year=2011, sex="f"))
        db.session.add(PersonalData(participant_id=people["M1"].id, full_name="Петров Олег", birth_year=2008, sex="m"))
        db.session.commit()

        campaign = create_campaign(organisation, "Мониторинг 2025/26", ["wellbeing_check"], "Вход")
        campaign.programme_id = programme.id
        campaign.consent_mode = "guardian"
        campaign.consent_texts = {"purpose": "Узнать, как помогает наставничество."}
        campaign.allow_editing = True
        db.session.commit()
        output = add_wave(campaign, "output", "Выход")
        output.opens_at = dt.datetime(2099, 5, 1, 6, 0)
        output.closes_at = dt.datetime(2099, 5, 31, 18, 0)
        first = campaign.waves[0]
        db.session.commit()
        generate_links(first)
        generate_links(output)

        def invitation(wave, code):
            return db.session.execute(
                db.select(Invitation).filter_by(wave_id=wave.id, participant_id=people[code].id)
            ).scalar_one()

        for code, values in (("M1", (3, 2, 3)), ("M2", (2, 3, 2)), ("S1", (1, 4, 1)), ("S2", (4, 1, 4))):
            answer(invitation(first, code), answers(*values))
        link, _token = create_open_link(first, "mentee")
        answer(join_open_link(link, CodeParts("Ма", "И", 5, 3)), answers(3, 3, 3))
        edited = answer(invitation(output, "S1"), answers(2, 3, 2))
        assert start_editing(edited)
        save_answers(edited, {"wb_calm": 3}, page_index=None)
        assert submit(edited, get_state().instrument("wellbeing_check"))
        answer(invitation(output, "M1"), answers(4, 1, 4))
        answer(invitation(output, "S3"), {"wb_calm": 2}, finish=False)
        first.closed = True
        db.session.commit()
        return campaign.id


def wipe() -> None:
    """Delete every row of every table, as the make_app fixture does after a test."""
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()


def without_date(bundle: dict) -> str:
    return dumps({key: value for key, value in bundle.items() if key != "exported_at"})


def row_counts() -> dict[str, int]:
    return {
        table.name: db.session.execute(db.select(db.func.count()).select_from(table)).scalar_one()
        for table in db.metadata.sorted_tables
    }


def scores() -> list[tuple]:
    """Every stored score with its participant's code and wave's name, sorted."""
    query = (
        db.select(Participant.code, Wave.name, Score)
        .join(Response, Response.id == Score.response_id)
        .join(Participant, Participant.id == Response.participant_id)
        .join(Wave, Wave.id == Response.wave_id)
    )
    return sorted(
        (code, wave, s.scale, s.raw, s.value, s.band, s.n_answered, s.missing_reason, s.scored_by, s.scoring_version)
        for code, wave, s in db.session.execute(query)
    )


def campaign_of(campaign_id: int) -> Campaign:
    return db.session.get(Campaign, campaign_id)


def exported(campaign_id: int, with_personal_data: bool = False) -> tuple[dict, Organisation]:
    """The campaign's bundle as read back from its JSON, and the campaign's organisation."""
    campaign = campaign_of(campaign_id)
    bundle = json.loads(dumps(export_bundle(campaign, with_personal_data=with_personal_data)))
    return bundle, db.session.get(Organisation, campaign.organisation_id)


def test_export_wipe_import_export_gives_the_same_bundle_and_the_same_scores(app):
    campaign_id = build_school(app)
    with app.app_context():
        first = export_bundle(campaign_of(campaign_id), with_personal_data=True)
        again = export_bundle(campaign_of(campaign_id), with_personal_data=True)
        assert without_date(again) == without_date(first)  # deterministic
        assert [p["code"] for p in first["participants"]] == sorted(p["code"] for p in first["participants"])
        assert "X9" not in {p["code"] for p in first["participants"]}  # not in the campaign's programme
        s1 = next(p for p in first["participants"] if p["code"] == "S1")
        assert (s1["role"], s1["form"], s1["group"]) == ("mentee", FORM, "8Б")  # the standing, not "other"
        open_link = [p for p in first["participants"] if p["pseudonymous"]]
        assert len(open_link) == 1 and len(open_link[0]["pseudonym_hash"]) == 64
        assert [(r["wave"], r["participant"], r["status"]) for r in first["responses"]][-3:] == [
            ("Выход", "M1", "submitted"),
            ("Выход", "S1", "submitted"),
            ("Выход", "S3", "in_progress"),
        ]
        assert next(r for r in first["responses"] if r["wave"] == "Выход" and r["participant"] == "S1")["edited_at"]
        assert "scores" not in dumps(first)
        before = scores()
        assert len(before) == 7

        wipe()
        assert sum(row_counts().values()) == 0
        result = import_bundle(json.loads(dumps(first)), None)
        assert result.organisation_created
        assert all(c["updated"] == 0 and c["unchanged"] == 0 for c in result.counts.values()), str(result.counts)
        assert result.counts["participants"]["created"] == 7 and result.counts["responses"]["created"] == 8
        assert result.scores_recomputed == 7
        assert db.session.get(Organisation, result.organisation_id).name == "Школа № 7"

        second = export_bundle(campaign_of(result.campaign_id), with_personal_data=True)
        assert without_date(second) == without_date(first)
        assert scores() == before


def test_someone_outside_the_programme_who_answered_is_carried_with_their_own_standing(app):
    campaign_id = build_school(app)
    with app.app_context():
        outsider = db.session.execute(db.select(Participant).filter_by(code="X9")).scalar_one()
        invitation = Invitation(wave_id=campaign_of(campaign_id).waves[0].id, participant_id=outsider.id)
        invitation.issue_token()
        db.session.add(invitation)
        db.session.commit()
        answer(invitation, answers(2, 2, 3))
        first = export_bundle(campaign_of(campaign_id))
        x9 = next(p for p in first["participants"] if p["code"] == "X9")
        assert (x9["role"], x9["form"], x9["group"]) == ("mentee", "", "")
        wipe()
        result = import_bundle(first, None)
        assert without_date(export_bundle(campaign_of(result.campaign_id))) == without_date(first)


def test_a_campaign_without_a_programme_round_trips_with_the_participants_own_standing(app):
    with app.app_context():
        organisation = Organisation(name="Колледж")
        db.session.add(organisation)
        db.session.commit()
        for code, role in (("K1", "mentor"), ("K2", "mentee"), ("K3", "parent")):
            db.session.add(Participant(organisation_id=organisation.id, code=code, role=role, group_name="1к"))
        db.session.commit()
        campaign = create_campaign(organisation, "Опрос", ["wellbeing_check"], "Вход")
        generate_links(campaign.waves[0])
        k2 = db.session.execute(db.select(Invitation).join(Participant).filter(Participant.code == "K2")).scalar_one()
        answer(k2, answers(2, 2, 2))
        first = export_bundle(campaign)
        assert first["programme"] is None and first["pairs"] == []
        assert [(p["code"], p["role"], p["group"]) for p in first["participants"]] == [
            ("K1", "mentor", "1к"),
            ("K2", "mentee", "1к"),
            ("K3", "parent", "1к"),
        ]
        before = scores()
        wipe()
        result = import_bundle(first, None)
        assert result.counts["enrolments"] == {"created": 0, "updated": 0, "unchanged": 0}
        assert without_date(export_bundle(campaign_of(result.campaign_id))) == without_date(first)
        assert scores() == before


def test_importing_the_same_bundle_again_changes_nothing(app):
    campaign_id = build_school(app)
    with app.app_context():
        bundle, organisation = exported(campaign_id, with_personal_data=True)
        counts = row_counts()
        for _ in range(2):
            result = import_bundle(bundle, organisation)
            assert result.campaign_id == campaign_id
            assert all(c["created"] == 0 and c["updated"] == 0 for c in result.counts.values()), str(result.counts)
            assert result.counts["responses"]["unchanged"] == 8 and result.counts["pairs"]["unchanged"] == 2
            assert result.scores_recomputed == 0
        after = row_counts()
        assert after.pop("audit_event") == counts.pop("audit_event") + 2
        assert after == counts


def test_a_newer_response_replaces_the_stored_one_and_an_older_one_does_not(app):
    campaign_id = build_school(app)
    with app.app_context():
        bundle, organisation = exported(campaign_id)
        m2 = next(i for i, r in enumerate(bundle["responses"]) if r["participant"] == "M2")
        s2 = next(i for i, r in enumerate(bundle["responses"]) if r["participant"] == "S2")
        bundle["responses"][m2].update(answers=answers(4, 1, 4), edited_at="2099-01-01T00:00:00Z")
        bundle["responses"][s2].update(answers=answers(1, 4, 1), submitted_at="2000-01-01T00:00:00+03:00")
        result = import_bundle(bundle, organisation)
        assert result.counts["responses"] == {"created": 0, "updated": 1, "unchanged": 7}
        assert result.scores_recomputed == 1
        by_code = {code: value for code, wave, _scale, _raw, value, *_ in scores() if wave == "Вход"}
        assert by_code["M2"] == 4 + (5 - 1) + 4  # recomputed from the newer answers
        assert by_code["S2"] == 4 + (5 - 1) + 4  # the older bundle response left the stored one alone


def test_a_bad_bundle_is_reported_by_path_and_nothing_is_written(app):
    campaign_id = build_school(app)
    with app.app_context():
        bundle, organisation = exported(campaign_id)
        bundle["participants"][1]["role"] = "wizard"
        bundle["responses"][0]["wave"] = "Промежуточный"
        bundle["pairs"][0]["mentees"].append("NOBODY")
        bundle["instruments"].append({"id": "no_such_test", "version": "1", "audience": ["mentee"], "position": 1})
        bundle["waves"][1]["closed"] = "yes"
        bundle["campaign"]["name"] = "Мониторинг (копия)"
        counts = row_counts()
        with pytest.raises(BundleError) as raised:
            import_bundle(bundle, organisation)
        lines = [str(problem) for problem in raised.value.problems]
        assert lines == [
            "instruments[1].id: unknown instrument 'no_such_test': not loaded here",
            "participants[1].role: Must be one of: mentor, mentee, curator, teacher, parent, employer, other.",
            "pairs[0].mentees[2]: unknown participant 'NOBODY'",
            "waves[1].closed: must be true or false",
            "responses[0].wave: unknown wave 'Промежуточный'",
        ]
        assert row_counts() == counts


def test_schema_problems_have_paths_down_to_the_field(app):
    with app.app_context():
        with pytest.raises(BundleError) as raised:
            import_bundle({"format": "other", "format_version": 2, "participants": [{"code": ""}], "extra": 1}, None)
        lines = {str(problem) for problem in raised.value.problems}
        assert "format: must be 'surveys-bundle'" in lines
        assert "extra: Unknown field." in lines
        assert "campaign: Missing data for required field." in lines
        assert "participants[0].code: Length must be between 1 and 40." in lines
        assert "participants[0].role: Missing data for required field." in lines
        with pytest.raises(BundleError) as raised:
            import_bundle([], None)
        assert [str(p) for p in raised.value.problems] == ["bundle: must be a JSON object"]
        assert sum(row_counts().values()) == 0


def test_personal_data_only_on_request(app):
    campaign_id = build_school(app)
    with app.app_context():
        plain = dumps(export_bundle(campaign_of(campaign_id)))
        assert "personal_data" not in json.loads(plain)
        assert "Иванова" not in plain and "2011" not in plain
        full = export_bundle(campaign_of(campaign_id), with_personal_data=True)
        assert full["personal_data"] == [
            {"code": "M1", "full_name": "Петров Олег", "birth_year": 2008, "sex": "m"},
            {"code": "S1", "full_name": "Иванова Анна", "birth_year": 2011, "sex": "f"},
        ]
        events = db.session.execute(db.select(AuditEvent).filter_by(action="bundle.export")).scalars().all()
        assert [e.details["personal_data"] for e in events] == [False, True]
        assert all(e.user_id is None and e.target == f"campaign:{campaign_id}" for e in events)


def test_cli_list_export_import_and_the_choice_of_organisation(app, runner, tmp_path):
    campaign_id = build_school(app)
    listed = runner.invoke(args=["campaign", "list"])
    assert listed.exit_code == 0, listed.output
    assert f"campaign {campaign_id}\tМониторинг 2025/26\torganisation" in listed.output and "Школа № 7" in listed.output
    assert "\tВход\tinput\tclosed\t5 responses (5 submitted)" in listed.output
    assert "\tВыход\toutput\tnot_open\t3 responses (2 submitted)" in listed.output

    plain, full = tmp_path / "plain.json", tmp_path / "full.json"
    assert runner.invoke(args=["campaign", "export", str(campaign_id), str(plain)]).exit_code == 0
    exported = runner.invoke(args=["campaign", "export", str(campaign_id), str(full), "--with-personal-data"])
    assert exported.exit_code == 0 and "with personal data" in exported.output
    assert "personal_data" not in json.loads(plain.read_text(encoding="utf-8"))
    assert "Иванова Анна" in full.read_text(encoding="utf-8")
    missing = runner.invoke(args=["campaign", "export", "999", str(tmp_path / "x.json")])
    assert missing.exit_code == 1 and "campaign 999: no such campaign" in missing.output

    with app.app_context():
        home = campaign_of(campaign_id).organisation_id
        other = Organisation(name="Школа № 8")
        db.session.add(other)
        db.session.commit()
        other_id = other.id
    several = runner.invoke(args=["campaign", "import", str(plain)])
    assert (
        several.exit_code == 2
        and "several organisations exist" in several.output
        and "--organisation" in several.output
    )
    again = runner.invoke(args=["campaign", "import", str(full), "--organisation", str(home)])
    assert again.exit_code == 0, again.output
    assert f"imported campaign {campaign_id}" in again.output
    assert "responses             0        0          8" in again.output
    # Open-link hashes are unique in the whole database: the campaign cannot be copied to another school here.
    copied = runner.invoke(args=["campaign", "import", str(plain), "--organisation", str(other_id)])
    assert copied.exit_code == 1 and isinstance(copied.exception, SystemExit)
    assert "pseudonym_hash: this hash belongs to another participant in this database" in copied.output
    assert "Traceback" not in copied.output

    bad = tmp_path / "bad.json"
    broken = json.loads(plain.read_text(encoding="utf-8"))
    broken["participants"][1]["role"] = "wizard"
    bad.write_text(json.dumps(broken), encoding="utf-8")
    refused = runner.invoke(args=["campaign", "import", str(bad), "--organisation", str(home)])
    assert refused.exit_code == 1
    assert "participants[1].role: Must be one of:" in refused.output and "nothing was imported" in refused.output
    (tmp_path / "junk.json").write_text("{oops", encoding="utf-8")
    junk = runner.invoke(args=["campaign", "import", str(tmp_path / "junk.json"), "--organisation", str(home)])
    assert junk.exit_code == 1 and "junk.json:1:2: not valid JSON" in junk.output

    with app.app_context():
        wipe()
    restored = runner.invoke(args=["campaign", "import", str(full)])
    assert restored.exit_code == 0, restored.output
    assert "into the new organisation" in restored.output and "(Школа № 7)\n" in restored.output
    with app.app_context():
        events = db.session.execute(db.select(AuditEvent).order_by(AuditEvent.id)).scalars().all()
        assert [e.action for e in events] == ["bundle.import"]
        event = events[0]
        assert event.user_id is None and event.target.startswith("campaign:")
        assert event.details["personal_data"] is True and event.details["counts"]["participants"]["created"] == 7
        assert db.session.get(PersonalData, db.session.execute(db.select(Participant.id).filter_by(code="S1")).scalar())


def test_export_and_import_write_audit_events(app, runner, tmp_path):
    campaign_id = build_school(app)
    path = tmp_path / "bundle.json"
    assert runner.invoke(args=["campaign", "export", str(campaign_id), str(path)]).exit_code == 0
    with app.app_context():
        home = campaign_of(campaign_id).organisation_id
    assert runner.invoke(args=["campaign", "import", str(path)]).exit_code == 0
    with app.app_context():
        events = db.session.execute(db.select(AuditEvent).order_by(AuditEvent.id)).scalars().all()
        assert [(e.action, e.organisation_id, e.user_id, e.target) for e in events] == [
            ("bundle.export", home, None, f"campaign:{campaign_id}"),
            ("bundle.import", home, None, f"campaign:{campaign_id}"),
        ]
        assert events[0].details == {"personal_data": False, "participants": 7, "responses": 8}
        assert events[1].details["personal_data"] is False
        assert events[1].details["counts"]["responses"] == {"created": 0, "updated": 0, "unchanged": 8}


def test_another_instrument_version_is_a_warning_and_scores_use_this_servers_version(app, runner, tmp_path):
    campaign_id = build_school(app)
    with app.app_context():
        bundle = json.loads(dumps(export_bundle(campaign_of(campaign_id))))
    bundle["instruments"][0]["version"] = "1"
    path = tmp_path / "old.json"
    path.write_text(json.dumps(bundle, ensure_ascii=False), encoding="utf-8")
    imported = runner.invoke(args=["campaign", "import", str(path)])
    assert imported.exit_code == 0, imported.output
    assert "instruments[0].version: warning: the bundle has version 1, this server 2" in imported.output


def test_a_mentee_in_two_different_pairs_of_one_mentor_is_a_problem_not_a_database_error(app):
    campaign_id = build_school(app)
    with app.app_context():
        bundle, _organisation = exported(campaign_id)
        first = next(i for i, p in enumerate(bundle["pairs"]) if p["mentor"] == "M1")
        mentees = bundle["pairs"][first]["mentees"]
        bundle["pairs"].append({**bundle["pairs"][first], "mentees": [mentees[0]]})
        wipe()
        with pytest.raises(BundleError) as raised:
            import_bundle(bundle, None)
        lines = [str(problem) for problem in raised.value.problems]
        assert lines == [
            f"pairs[{len(bundle['pairs']) - 1}].mentees[0]: 'M1' and '{mentees[0]}' are already paired "
            f"(pairs[{first}]): one pair per mentor and mentee in a programme"
        ]
        assert row_counts()["pair"] == 0 and row_counts()["organisation"] == 0


def test_a_bundle_pair_that_splits_a_pair_already_here_is_a_problem(app):
    campaign_id = build_school(app)
    with app.app_context():
        bundle, organisation = exported(campaign_id)
        first = next(i for i, p in enumerate(bundle["pairs"]) if p["mentor"] == "M1")
        kept = bundle["pairs"][first]["mentees"][0]
        bundle["pairs"][first]["mentees"] = [kept]  # the programme here pairs M1 with two mentees
        counts = row_counts()
        with pytest.raises(BundleError) as raised:
            import_bundle(bundle, organisation)
        [problem] = raised.value.problems
        assert problem.path == f"pairs[{first}].mentees[0]"
        assert f"'M1' and '{kept}'" in str(problem) and "Наставничество 2025/26" in str(problem)
        assert row_counts() == counts


def test_a_bundle_does_not_write_into_an_archived_programme_or_campaign(app):
    campaign_id = build_school(app)
    with app.app_context():
        bundle, organisation = exported(campaign_id)
        campaign = campaign_of(campaign_id)
        db.session.get(Programme, campaign.programme_id).archived_at = utcnow()
        db.session.commit()
        counts = row_counts()
        with pytest.raises(BundleError) as refused:
            import_bundle(bundle, organisation)
        assert sorted(p.path for p in refused.value.problems) == ["campaign.name", "programme.name"]
        assert all("Мониторинг 2025/26" in p.message or "2025/26" in p.message for p in refused.value.problems)
        assert row_counts() == counts


def test_a_questionnaire_added_mid_campaign_or_retired_keeps_its_dates_through_a_bundle(app):
    campaign_id = build_school(app)
    added, retired = dt.datetime(2025, 11, 3, 9, 30), dt.datetime(2026, 1, 20, 15, 0)
    with app.app_context():
        assignment = campaign_of(campaign_id).assignments[0]
        assignment.added_at, assignment.retired_at = added, retired
        db.session.commit()
        bundle, _organisation = exported(campaign_id)
        spec = next(i for i in bundle["instruments"] if i["id"] == assignment.instrument_id)
        assert (spec["added_at"], spec["retired_at"]) == ("2025-11-03T09:30:00Z", "2026-01-20T15:00:00Z")
        wipe()
        result = import_bundle(json.loads(dumps(bundle)), None)
        restored = campaign_of(result.campaign_id).assignments[0]
        assert (restored.added_at, restored.retired_at) == (added, retired)
        others = [a for a in campaign_of(result.campaign_id).assignments[1:]]
        assert all(a.added_at is None and a.retired_at is None for a in others)
