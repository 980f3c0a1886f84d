"""Helpers for the API tests: two schools built through the real code, tokens, authorised calls."""

from __future__ import annotations

from typing import Any

from flask import Flask

from plugins.swot.models import SwotDocument
from surveys.api.tokens import SCOPES, create_token
from surveys.core.models import Invitation, Organisation, Participant, PersonalData
from surveys.extensions import db
from surveys.instruments.uploads import store_upload
from surveys.participation.links import generate_links
from surveys.participation.responses import save_answers, start_response, submit
from surveys.state import get_state
from surveys.workspace.campaigns import add_wave, create_campaign
from tests.conftest import FIXTURES

PLUGINS = str(FIXTURES / "plugins")
ALL_SCOPES = tuple(SCOPES)
CODES = ("P1", "P2", "P3", "P4", "P5", "P6")
# GAD-7 items 0–3; the total is their sum (0–21), banded 0–4 / 5–9 / 10–14 / 15–21.
GAD7 = {"P1": [0, 1, 0, 1, 0, 1, 0], "P2": [2, 2, 1, 2, 3, 1, 2]}
UPLOAD = """id: own_check
version: 1
title: {ru: Своя анкета, en: Own questionnaire}
audience: [mentee]
pages:
  - id: p1
    questions:
      - {id: own_rating, type: rating, text: Оцените, min: 1, max: 5}
""".encode()


def gad7(values: list[int]) -> dict[str, int]:
    """GAD-7 answers from the seven item values."""
    return {f"gad7_{number}": value for number, value in enumerate(values, start=1)}


def auth(secret: str, **headers: str) -> dict[str, str]:
    """The headers of an authorised API call."""
    return {"Authorization": f"Bearer {secret}", **headers}


def submit_answers(wave_id: int, code: str, organisation_id: int, instrument_id: str, answers: dict) -> int:
    """Answer and submit as the participant would through their link; returns the response id."""
    participant = db.session.execute(
        db.select(Participant).filter_by(organisation_id=organisation_id, code=code)
    ).scalar_one()
    invitation = db.session.execute(
        db.select(Invitation).filter_by(wave_id=wave_id, participant_id=participant.id)
    ).scalar_one()
    instrument = get_state().registry.instruments[instrument_id]
    response = start_response(invitation, instrument)
    save_answers(response, answers, 0)
    assert submit(response, instrument)
    return response.id


def build_school(app: Flask, name: str, upload: bool = False) -> dict[str, Any]:
    """A school with six mentees (P1 with a name and an ОВЗ tag in PersonalData/tags), a campaign of
    gad7 and wellbeing_check with an input and an output wave, P1's and P2's GAD-7 submitted in the
    input wave, and a SWOT draft; optionally its own uploaded questionnaire. Returns ids."""
    with app.test_request_context():
        organisation = Organisation(name=name)
        db.session.add(organisation)
        db.session.flush()
        for code in CODES:
            db.session.add(Participant(organisation_id=organisation.id, code=code, role="mentee", tags=[]))
        db.session.flush()
        first = db.session.execute(db.select(Participant).filter_by(organisation_id=organisation.id, code="P1"))
        person = first.scalar_one()
        person.tags = ["ОВЗ"]
        db.session.add(PersonalData(participant_id=person.id, full_name=f"Иванова Анна ({name})", birth_year=2011))
        db.session.commit()
        campaign = create_campaign(organisation, f"Мониторинг {name}", ["gad7", "wellbeing_check"], "Вход")
        output = add_wave(campaign, "output", "Выход")
        wave = campaign.waves[0]
        generate_links(wave)
        generate_links(output)
        responses = [submit_answers(wave.id, code, organisation.id, "gad7", gad7(v)) for code, v in GAD7.items()]
        document = SwotDocument(organisation_id=organisation.id, campaign_id=campaign.id, wave_id=wave.id, form="")
        db.session.add(document)
        db.session.commit()
        if upload:
            assert store_upload(organisation, "own.yaml", UPLOAD, None).instrument is not None
        return {
            "organisation": organisation.id,
            "campaign_id": campaign.id,
            "wave_id": wave.id,
            "output_wave_id": output.id,
            "responses": responses,
            "document_id": document.id,
            "instrument_id": "own_check",
        }


def token_for(app: Flask, organisation_id: int, scopes: tuple[str, ...] = ALL_SCOPES, name: str = "test") -> str:
    """A token of the organisation made by the real code; returns its secret."""
    with app.app_context():
        return create_token(organisation_id, name, scopes, None)[1]


def error_of(response) -> dict[str, Any]:
    """The error of an API answer, after checking it has the one error shape."""
    assert response.mimetype == "application/json", response.get_data(as_text=True)[:200]
    body = response.get_json()
    assert set(body) == {"error"}
    error = body["error"]
    assert error["status"] == response.status_code
    assert set(error) <= {"status", "code", "message", "fields"} and error["code"] and error["message"]
    return error
