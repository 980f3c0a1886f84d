"""Plugins: entry points, folders, conflicts, failures, and one test per hook."""

from __future__ import annotations

import inspect
import io
import json
import re
import sys
from pathlib import Path

import openpyxl
import pytest

from surveys import create_app, hookspecs
from surveys.core.errors import ConflictError, DefinitionError
from surveys.core.models import Participant, Response, Score
from surveys.extensions import db
from tests.conftest import FIXTURES, csrf_token, post_form, submit_in_wave

HOOKS = FIXTURES / "hookplugins"
BUILT_IN = {"swot", "anxiety_scale", "burnout", "satisfaction", "comparison"}
ROOT = Path(__file__).resolve().parents[1]


def hook_names() -> list[str]:
    return [name for name, _ in inspect.getmembers(hookspecs, inspect.isfunction) if name.startswith("surveys_")]


# ---- loading ---------------------------------------------------------------------------------
def test_built_in_plugins_load_through_the_entry_point_group(runner):
    result = runner.invoke(args=["plugins", "--json"])
    assert result.exit_code == 0
    rows = {row["name"]: row for row in json.loads(result.output)}
    assert BUILT_IN | {"core"} <= set(rows)
    assert all(rows[name]["version"] == "0.1.0" for name in BUILT_IN)
    assert "analysis comparison" in rows["comparison"]["registers"]
    text = runner.invoke(args=["plugins"]).output
    for name in BUILT_IN:
        assert re.search(rf"^{name} 0\.1\.0$", text, re.M)


def test_a_third_party_entry_point_plugin_is_loaded(tmp_path, monkeypatch):
    (tmp_path / "thirdparty_surveys.py").write_text(
        "from surveys import hookimpl\n"
        "from pathlib import Path\n"
        "@hookimpl\n"
        "def surveys_register_instruments():\n"
        "    return [Path(__file__).with_name('tp.yaml')]\n",
        encoding="utf-8",
    )
    (tmp_path / "tp.yaml").write_text(
        "id: third_party\nversion: 3\ntitle: Сторонняя\naudience: [mentor]\n"
        "pages:\n  - id: p\n    questions:\n      - {id: q, type: yes_no, text: 'Да?'}\n",
        encoding="utf-8",
    )
    dist = tmp_path / "thirdparty_surveys-3.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: thirdparty-surveys\nVersion: 3.0\n")
    (dist / "entry_points.txt").write_text("[surveys]\nthirdparty = thirdparty_surveys\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    app = create_app({"SURVEYS_SECRET_KEY": "x"}, instance_path=str(tmp_path / "instance"))
    state = app.extensions["surveys"]
    assert state.registry.instrument_owner["third_party"] == "thirdparty"
    assert state.registry.instruments["third_party"].version == "3"
    from surveys.plugins import describe_plugins

    rows = {r["name"]: r for r in describe_plugins(state.pm, state.registry)}
    assert rows["thirdparty"]["version"] == "3.0"
    sys.modules.pop("thirdparty_surveys", None)


def test_folder_plugin_from_plugins_path_adds_a_usable_instrument(make_app, tmp_path):
    import shutil

    outside = tmp_path / "methods" / "wellbeing"  # a folder outside the repository
    shutil.copytree(FIXTURES / "plugins" / "wellbeing", outside)
    app = make_app(SURVEYS_PLUGINS_PATH=str(outside))
    registry = app.extensions["surveys"].registry
    assert registry.instrument_owner["wellbeing_check"] == "wellbeing"
    with app.app_context():
        from surveys.core.models import Organisation
        from surveys.workspace.campaigns import create_campaign

        organisation = Organisation(name="Школа")
        db.session.add(organisation)
        db.session.commit()
        campaign = create_campaign(organisation, "С папкой", ["wellbeing_check"], "Вход")
        assert campaign.assignments[0].audience == ["mentee", "mentor"]


def test_plugins_path_accepts_a_folder_of_plugin_folders(make_app):
    app = make_app(SURVEYS_PLUGINS_PATH=str(HOOKS))
    owners = app.extensions["surveys"].registry.instrument_owner
    assert owners["kitchen_check"] == "kitchen" and owners["raising_check"] == "raising"


def test_missing_plugin_folder_stops_start_up(tmp_path):
    from surveys.core.errors import PluginError

    with pytest.raises(PluginError, match="does not exist"):
        create_app({"SURVEYS_PLUGINS_PATH": str(tmp_path / "nowhere")}, instance_path=str(tmp_path))


def test_two_plugins_with_the_same_instrument_id_stop_start_up_naming_both(tmp_path):
    folders = [str(FIXTURES / "conflict" / "a"), str(FIXTURES / "conflict" / "b")]
    with pytest.raises(ConflictError) as caught:
        create_app({"SURVEYS_PLUGINS_PATH": folders}, instance_path=str(tmp_path))
    message = str(caught.value)
    assert "instrument 'same_id' is registered twice" in message
    assert "plugin 'a'" in message and "plugin 'b'" in message
    assert str(FIXTURES / "conflict" / "a" / "same.yaml") in message
    assert str(FIXTURES / "conflict" / "b" / "same.yaml") in message


def test_a_broken_instrument_file_stops_start_up_with_file_and_line(tmp_path):
    plugin = tmp_path / "broken_plugin"
    plugin.mkdir()
    (plugin / "b.yaml").write_text("id: b\nversion: 1\ntitle: Б\naudience: [mentee]\npages: 3\n", encoding="utf-8")
    with pytest.raises(DefinitionError, match=re.escape(f"{plugin / 'b.yaml'}:5: pages: Not a valid list.")):
        create_app({"SURVEYS_PLUGINS_PATH": str(plugin)}, instance_path=str(tmp_path))


# ---- one test per hook -----------------------------------------------------------------------
@pytest.fixture
def kitchen(make_app):
    return make_app(SURVEYS_PLUGINS_PATH=str(HOOKS))


def _answer(app, instrument_id, answers):
    """Store a submitted response for a new participant through the real submit path."""
    from surveys.core.models import Organisation

    with app.test_request_context():
        organisation = Organisation(name="Школа")
        db.session.add(organisation)
        db.session.commit()
        from surveys.workspace.campaigns import create_campaign

        campaign = create_campaign(organisation, "К", [instrument_id], "В")
        participant = Participant(organisation_id=organisation.id, code="X1", role="mentee", tags=[])
        db.session.add(participant)
        db.session.commit()
        submit_in_wave(app, campaign.waves[0].id, participant.id, instrument_id, answers)
        return campaign.id


def test_hook_surveys_register_question_types(kitchen):
    registry = kitchen.extensions["surveys"].registry
    assert "slider" in registry.question_types
    assert registry.instruments["kitchen_check"].item_ranges == {"k1": (0, 5)}


def test_hook_surveys_register_instruments(kitchen):
    assert kitchen.extensions["surveys"].registry.instrument_owner["kitchen_check"] == "kitchen"


def test_hook_surveys_score_response(kitchen, caplog):
    _answer(kitchen, "kitchen_check", {"k1": 4})
    with kitchen.app_context():
        score = db.session.execute(db.select(Score)).scalar_one()
        assert (score.scale, score.value, score.scored_by) == ("doubled", 8, "kitchen")
    # The 'raising' plugin's scorer failed on an instrument it does not own: logged and skipped.
    assert "broken scorer on kitchen_check" in caplog.text


def test_a_failing_scorer_marks_scores_missing_and_keeps_the_response(kitchen, caplog):
    _answer(kitchen, "raising_check", {"r1": 3})
    with kitchen.app_context():
        response = db.session.execute(db.select(Response)).scalar_one()
        assert response.status == "submitted" and response.answers == {"r1": 3}
        score = response.scores[0]
        assert (score.scale, score.value, score.missing_reason) == ("total", None, "scorer failed")
    assert "ZeroDivisionError" in caplog.text and "raising" in caplog.text


def test_hook_surveys_register_analyses(kitchen):
    from surveys.core.contracts import CampaignTables

    analysis = kitchen.extensions["surveys"].registry.analyses["kitchen_count"]
    assert analysis.run(CampaignTables(campaign="x", answers=[{}, {}])) == 2


def test_hook_surveys_export_sheets(kitchen, caplog):
    campaign_id = _answer(kitchen, "kitchen_check", {"k1": 1})
    with kitchen.test_request_context():
        from surveys.core.models import Campaign
        from surveys.exports import ExportRequest
        from surveys.exports.files import campaign_workbook

        campaign = db.session.get(Campaign, campaign_id)
        individual = campaign_workbook(campaign)  # the psychologist's: every value as it is
        aggregated = campaign_workbook(campaign, ExportRequest(individual=False))
    book = openpyxl.load_workbook(io.BytesIO(individual))
    assert list(book["kitchen"].iter_rows(values_only=True)) == [("campaign", "responses"), ("К", 1)]
    assert list(book["kitchen raw"].iter_rows(values_only=True)) == [("campaign", "responses"), ("К", 1)]
    # aggregated: the Counted value from one person shows the threshold; the sheet with a bare number is
    # left out, with the error logged, since the policy cannot check it
    book = openpyxl.load_workbook(io.BytesIO(aggregated))
    assert list(book["kitchen"].iter_rows(values_only=True)) == [("campaign", "responses"), ("К", "<5")]
    assert "kitchen raw" not in book.sheetnames
    assert "'kitchen raw' of plugin kitchen left out" in caplog.text and "'responses'" in caplog.text
    readme = {row[0]: row[1] for row in book["О файле"].iter_rows(values_only=True)}
    keys = {row[0]: row[2] for row in book["О файле"].iter_rows(values_only=True)}
    assert keys["kitchen"] == "kitchen"  # a sheet without a key is listed by its name
    assert "«<5»" in readme["kitchen"]


def test_hook_surveys_register_blueprints(kitchen):
    response = kitchen.test_client().get("/plugins/kitchen/hello")
    assert response.status_code == 200 and response.data == b"hello from kitchen"


def test_hook_surveys_register_commands(kitchen):
    result = kitchen.test_cli_runner().invoke(args=["kitchen-hello"])
    assert result.exit_code == 0 and result.output == "hello from the kitchen command\n"


def test_hook_surveys_response_submitted(kitchen, caplog):
    module = kitchen.extensions["surveys"].pm.get_plugin("kitchen").module
    module.SUBMITTED.clear()
    _answer(kitchen, "kitchen_check", {"k1": 2})
    assert module.SUBMITTED == [("kitchen_check", "submitted")]
    assert "failed after response" in caplog.text
    with kitchen.app_context():
        assert db.session.execute(db.select(Response)).scalar_one().status == "submitted"


def test_hook_surveys_dashboard_panels(kitchen, caplog):
    from surveys.core.models import Campaign, Membership, Organisation, User
    from surveys.reporting.dashboard import collect_panels, programme_view
    from surveys.workspace.programmes import create_programme

    campaign_id = _answer(kitchen, "kitchen_check", {"k1": 1})
    with kitchen.test_request_context():
        campaign = db.session.get(Campaign, campaign_id)
        programme = create_programme(db.session.get(Organisation, campaign.organisation_id), "2025/26")
        campaign.programme_id = programme.id
        user = User(email="viewer@example.org")
        user.set_password("correct horse")
        db.session.add(user)
        db.session.flush()
        db.session.add(Membership(user_id=user.id, organisation_id=campaign.organisation_id, role="viewer"))
        db.session.commit()
        panels = collect_panels(programme_view(programme))
        programme_id = programme.id
    mine = next(p for p in panels if p.name == "kitchen")
    assert mine.data == {"campaigns": 1} and [(h.key, h.value) for h in mine.headlines] == [("kitchen_campaigns", "1")]
    # One respondent: the core passed the panel's Counted through the policy, in its data and its headline.
    people = next(p for p in panels if p.name == "kitchen-people")
    assert people.data == {"people": "<5"} and [h.value for h in people.headlines] == ["<5"]
    # A bare number of people: the panel is left out, and the error says where the number is.
    assert "kitchen-raw" not in {p.name for p in panels}
    assert "panel 'kitchen-raw': the number at data['people'] is not wrapped in Counted" in caplog.text
    # The 'raising' plugin's panels failed: logged, and every other panel is still there.
    assert "broken panel for 2025/26" in caplog.text and "raising" in caplog.text
    assert [p.order for p in panels] == sorted(p.order for p in panels)
    client = kitchen.test_client()
    assert post_form(client, "/login", {"email": "viewer@example.org", "password": "correct horse"}).status_code == 302
    page = client.get(f"/staff/dashboard?programme={programme_id}").get_data(as_text=True)
    assert '<p class="kitchen">1 campaigns in the dashboard</p>' in page and "Kitchen panel" in page
    assert '<p class="kitchen-people">respondents: &lt;5</p>' in page and "Kitchen raw" not in page
    printed = client.get(f"/staff/programmes/{programme_id}/report").get_data(as_text=True)
    assert '<p class="kitchen">1 campaigns in print</p>' in printed


# ---- documentation stays honest ----------------------------------------------------------------
def test_every_hook_is_documented_and_tested():
    docs = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
    tests = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "tests").glob("test_*.py"))
    for name in hook_names():
        assert f"`{name}" in docs, f"{name} is not documented in docs/plugins.md"
        assert f"def test_hook_{name}(" in tests, f"{name} has no test_hook_{name}"
    assert len(hook_names()) >= 8


def test_every_hook_has_a_docstring_and_the_prefix():
    for name, function in inspect.getmembers(hookspecs, inspect.isfunction):
        if function.__module__ == hookspecs.__name__:
            assert name.startswith("surveys_") and (function.__doc__ or "").strip()


def test_plugin_manager_lives_on_the_app_not_in_a_module(make_app):
    first, second = make_app(), make_app(SURVEYS_PLUGINS_PATH=str(HOOKS))
    assert first.extensions["surveys"].pm is not second.extensions["surveys"].pm
    assert "kitchen_check" not in first.extensions["surveys"].registry.instruments


def test_csrf_is_required_on_staff_forms(logged_in):
    page = logged_in.get("/staff/participants").get_data(as_text=True)
    assert csrf_token(page)
    refused = logged_in.post("/staff/participants", data={"code": "NOCSRF", "role": "mentee"})
    assert refused.status_code == 400
    accepted = post_form(logged_in, "/staff/participants", {"code": "WITHCSRF", "role": "mentee"})
    assert accepted.status_code == 302


def test_start_up_problems_are_reported_without_a_traceback(tmp_path):
    import os
    import shutil
    import subprocess

    env = {**os.environ, "SURVEYS_INSTANCE_PATH": str(tmp_path), "SURVEYS_PLUGINS_PATH": str(tmp_path / "gone")}
    surveys = shutil.which("surveys") or str(Path(sys.executable).with_name("surveys"))
    result = subprocess.run([surveys, "instrument", "list"], env=env, capture_output=True, text=True)
    assert result.returncode != 0
    assert "does not exist" in result.stderr and "Traceback" not in result.stderr
