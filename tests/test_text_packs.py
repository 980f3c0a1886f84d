"""Key-only instruments and the schools' text packs; rescoring stored responses."""

from __future__ import annotations

import io
import re

import pytest

from surveys.core.errors import DefinitionError
from surveys.core.instrument_models import InstrumentTexts
from surveys.core.log_models import AuditEvent
from surveys.core.models import Membership, Organisation, Participant, Response, Score
from surveys.extensions import db
from surveys.instruments.text_packs import instrument_for, needs_texts, read_pack, text_ids
from surveys.participation.links import generate_links
from surveys.participation.responses import save_answers, start_response, submit
from surveys.state import get_state
from surveys.workspace.campaigns import create_campaign
from tests.conftest import FIXTURES, csrf_token, post_form

PLUGINS = [str(FIXTURES / "plugins"), str(FIXTURES / "methods")]
IDS = ["ratings", "r1", "r2", "r3", "r4", "y1", "y2", "y3", "c1", "m1"]


def pack(texts: dict[str, str], instrument="methods_demo", extra="") -> str:
    lines = [f"instrument: {instrument}", extra, "texts:"] + [f"  {k}: {v}" for k, v in texts.items()]
    return "\n".join(line for line in lines if line) + "\n"


FULL = {item: f"Текст {item}" for item in IDS}


@pytest.fixture
def app(make_app):
    return make_app(SURVEYS_PLUGINS_PATH=PLUGINS)


def test_a_pack_must_name_every_item_and_only_those(app):
    with app.app_context():
        instrument = get_state().instrument("methods_demo")
        assert instrument.key_only and text_ids(instrument) == IDS
        assert instrument.question("y1").text.ru == "[y1]"  # a placeholder until texts come
        texts = read_pack("pack.yaml", instrument, pack(FULL))
        assert texts["r3"] == {"ru": "Текст r3", "en": None}
        broken = {**{k: v for k, v in FULL.items() if k not in ("r2", "c1")}, "zz": "лишний"}
        with pytest.raises(DefinitionError) as caught:
            read_pack("pack.yaml", instrument, pack(broken, extra="version: 7"))
    problems = [str(p) for p in caught.value.problems]
    assert "pack.yaml:2: файл с текстами для версии 7, а загружена версия 1" in problems
    assert any(p.startswith("pack.yaml:") and "«zz» не является пунктом methods_demo" in p for p in problems)
    assert any("нет текста для: r2, c1" in p for p in problems)


def test_texts_added_on_the_command_line_reach_participants(app, runner, tmp_path, staff):
    email, _password, organisation_id = staff
    file = tmp_path / "pack.yaml"
    file.write_text(pack({**FULL, "r1": "{ru: Мне спокойно, en: I feel calm}"}), encoding="utf-8")
    with app.test_request_context():
        organisation = db.session.get(Organisation, organisation_id)
        assert needs_texts(organisation.id, get_state().instrument("methods_demo"))
    result = runner.invoke(args=["instrument", "add-texts", "methods_demo", str(file)])
    assert result.exit_code == 0, result.output
    again = runner.invoke(args=["instrument", "add-texts", "gad7", str(file)])
    assert again.exit_code == 2  # GAD-7 ships its own texts
    with app.test_request_context():
        assert not needs_texts(organisation_id, get_state().instrument("methods_demo"))
        shown = instrument_for(organisation_id, "methods_demo")
        row = next(i for i in shown.question("ratings").options["items"] if i["id"] == "r1")
        assert row["text"].ru == "Мне спокойно" and row["text"].en == "I feel calm"
        db.session.add(Participant(organisation_id=organisation_id, code="K1", role="mentee", tags=[]))
        db.session.commit()
        campaign = create_campaign(db.session.get(Organisation, organisation_id), "К", ["methods_demo"], "Вход")
        [(_, token)] = generate_links(campaign.waves[0])
        assert db.session.execute(db.select(AuditEvent).filter_by(action="instrument.texts")).scalar_one()
    participant = app.test_client()
    participant.post(f"/s/{token}/consent", data={"decision": "agree"})
    page = participant.get(f"/s/{token}").get_data(as_text=True)
    assert "Мне спокойно" in page and "[r1]" not in page


def test_a_key_only_instrument_needs_texts_before_a_campaign(app, logged_in, staff):
    _email, _password, organisation_id = staff
    with app.app_context():
        db.session.execute(db.update(Membership).values(role="admin"))
        db.session.commit()
    form = logged_in.get("/staff/campaigns/new").get_data(as_text=True)
    assert re.search(
        r'<input disabled id="instruments-\d+" name="instruments" required type="checkbox" value="methods_demo">', form
    )
    refused = post_form(
        logged_in, "/staff/campaigns/new", {"name": "К", "instruments": ["methods_demo"], "wave_name": "В"}
    )
    assert refused.status_code == 200 and "methods_demo" in refused.get_data(as_text=True)
    page = logged_in.get("/staff/instruments/methods_demo/texts").get_data(as_text=True)
    # the source is named in the page's language; the file's licence note (a record in English) is not shown
    assert "Источник: Test fixture" in page and "all rights reserved" not in page
    bad = logged_in.post(
        "/staff/instruments/methods_demo/texts",
        data={"csrf_token": csrf_token(page), "file": (io.BytesIO(pack({"r1": "x"}).encode()), "pack.yaml")},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 200 and "pack.yaml:2: нет текста для: ratings, r2" in bad.get_data(as_text=True)
    good = logged_in.post(
        "/staff/instruments/methods_demo/texts",
        data={"csrf_token": csrf_token(page), "file": (io.BytesIO(pack(FULL).encode()), "pack.yaml")},
        content_type="multipart/form-data",
    )
    assert good.status_code == 302
    created = post_form(
        logged_in, "/staff/campaigns/new", {"name": "К", "instruments": ["methods_demo"], "wave_name": "В"}
    )
    assert created.status_code == 302
    assert logged_in.get("/staff/instruments/gad7/texts").status_code == 404
    with app.app_context():
        db.session.execute(db.update(Membership).values(role="curator"))
        db.session.commit()
        assert db.session.execute(db.select(InstrumentTexts)).scalar_one().organisation_id == organisation_id
    assert logged_in.get("/staff/instruments/methods_demo/texts").status_code == 403


def test_recompute_applies_a_new_scoring_version(app, runner, staff):
    with app.test_request_context():
        organisation = db.session.get(Organisation, staff[2])
        db.session.add(Participant(organisation_id=organisation.id, code="S1", role="mentee", tags=[]))
        db.session.commit()
        campaign = create_campaign(organisation, "К", ["wellbeing_check"], "Вход")
        campaign_id = campaign.id
        generate_links(campaign.waves[0])
        from surveys.core.models import Invitation

        invitation = db.session.execute(db.select(Invitation)).scalar_one()
        instrument = get_state().instrument("wellbeing_check")
        response = start_response(invitation, instrument)
        save_answers(response, {"wb_calm": 3, "wb_tense": 2, "wb_happy": 4}, 0)
        submit(response, instrument)
        score = db.session.execute(db.select(Score)).scalar_one()
        assert score.scoring_version == "2+2" and score.value == 3 + (5 - 2) + 4
        score.scoring_version, score.value = "1+1", 99.0  # as stored by an older key
        db.session.commit()
    dry = runner.invoke(args=["scores", "recompute", "--dry-run"])
    assert "wellbeing_check: будет пересчитано 1, уже по текущей версии 0" in dry.output
    done = runner.invoke(args=["scores", "recompute", "--campaign", str(campaign_id)])
    assert "wellbeing_check: пересчитано 1, уже по текущей версии 0" in done.output
    again = runner.invoke(args=["scores", "recompute"])
    assert "wellbeing_check: пересчитано 0, уже по текущей версии 1" in again.output
    with app.app_context():
        score = db.session.execute(db.select(Score)).scalar_one()
        assert (score.scoring_version, score.value) == ("2+2", 10.0)
        assert db.session.execute(db.select(Response)).scalar_one().status == "submitted"
        assert db.session.execute(db.select(AuditEvent).filter_by(action="scores.recompute")).scalar_one()
