"""The columnar read of a campaign (surveys.workspace.analysis_reader) gives, column by column, what
``campaign_tables`` gives as rows, on SQLite and PostgreSQL, through ADBC and through the fallback."""

from __future__ import annotations

import datetime as dt
import math
import subprocess
import sys

import numpy as np
import pytest
from sqlalchemy.engine import make_url

from surveys.core.analysis_columns import KEYS
from surveys.core.analysis_tables import from_tables
from surveys.core.models import (
    Campaign,
    Enrolment,
    Organisation,
    Pair,
    PairMentee,
    Participant,
    Programme,
    Response,
    Score,
    Wave,
)
from surveys.extensions import db
from surveys.workspace import arrow_fetch, campaign_tables, read_columns

SUBMITTED = dt.datetime(2026, 11, 2, 10, 30)


def _participant(organisation_id: int, code: str, role: str, form: str = "", group: str = "") -> Participant:
    person = Participant(organisation_id=organisation_id, code=code, role=role, form=form, group_name=group, tags=[])
    db.session.add(person)
    db.session.flush()
    return person


def _response(wave: Wave, person: Participant, instrument: str, answers: dict, status: str = "submitted") -> Response:
    response = Response(
        wave_id=wave.id,
        participant_id=person.id,
        instrument_id=instrument,
        instrument_version="2",
        status=status,
        answers=answers,
        submitted_at=SUBMITTED if status == "submitted" else None,
    )
    db.session.add(response)
    db.session.flush()
    return response


@pytest.fixture
def stored(app):
    """A programme's campaign with three waves (the third is never chosen), two instruments, a pair with
    a variant, a group pair member enrolled in another group, a respondent who is not enrolled (their
    own standing counts), a draft with scores, a repeated score, and scores without a value or a band.
    Participants are made out of code order and scores out of response order. Returns the campaign id
    and the ids of the waves."""
    with app.app_context():
        organisation = Organisation(name="Школа")
        db.session.add(organisation)
        db.session.flush()
        programme = Programme(organisation_id=organisation.id, name="Наставничество")
        db.session.add(programme)
        db.session.flush()
        campaign = Campaign(organisation_id=organisation.id, name="Осень", programme_id=programme.id)
        for position, (kind, name) in enumerate([("input", "Вход"), ("output", "Выход"), ("output", "Потом")]):
            campaign.waves.append(Wave(kind=kind, name=name, position=position))
        db.session.add(campaign)
        db.session.flush()
        first, second, later = campaign.waves
        zed = _participant(organisation.id, "Z9", "mentee", "own form", "own group")  # not enrolled
        mentor = _participant(organisation.id, "M1", "mentor")
        anna = _participant(organisation.id, "A2", "mentee")
        boris = _participant(organisation.id, "B1", "mentee")
        drafter = _participant(organisation.id, "D4", "mentee")
        for person, role, form, group in [
            (mentor, "mentor", "учитель–ученик", ""),
            (anna, "mentee", "учитель–ученик", "7А"),
            (boris, "mentee", "учитель–ученик", "7Б"),
            (drafter, "mentee", "учитель–ученик", "7Б"),
        ]:
            db.session.add(
                Enrolment(participant_id=person.id, programme_id=programme.id, role=role, form=form, group_name=group)
            )
        pair = Pair(programme_id=programme.id, mentor_id=mentor.id, form="учитель–ученик", variant="проект")
        db.session.add(pair)
        db.session.flush()
        for mentee in (anna, boris):
            db.session.add(
                PairMentee(pair_id=pair.id, participant_id=mentee.id, programme_id=programme.id, mentor_id=mentor.id)
            )
        a_x = _response(first, anna, "x", {"q1": 3, "q2": [1, 2]})
        z_y = _response(second, zed, "y", {"t": "текст"})
        b_x1 = _response(first, boris, "x", {"q1": 1})
        a_y = _response(first, anna, "y", {})
        b_x2 = _response(second, boris, "x", {"q1": 5})
        m_x = _response(first, mentor, "x", {"q1": 2})
        m_later = _response(later, mentor, "x", {"q1": 4})  # a wave not chosen
        draft = _response(first, drafter, "x", {"q1": 4}, status="in_progress")
        scores = [
            (b_x1, "s1", 2.0, "low"),
            (a_x, "s1", 3.0, "low"),
            (draft, "s1", 4.0, "mid"),
            (a_x, "s2", None, "high"),
            (z_y, "t1", 7.5, None),
            (m_later, "s1", 1.0, "low"),
            (a_x, "s1", 4.0, None),  # the same scale again: the later must come later
            (b_x2, "s2", 12.0, "mid"),
            (a_y, "t1", None, None),
            (m_x, "s2", 0.0, "low"),
            (b_x2, "s1", 5.0, "high"),
        ]
        for response, scale, value, band in scores:
            db.session.add(Score(response_id=response.id, scale=scale, value=value, raw=value, band=band))
            db.session.flush()
        db.session.commit()
        return campaign.id, [first.id, second.id, later.id]


def expected_columns(tables) -> dict:
    """The columns, built from campaign_tables' rows in plain Python."""
    codes = sorted({row["participant"] for row in tables.answers})
    instruments = sorted({row["instrument"] for row in tables.answers})
    scales = sorted({row.scale for row in tables.scores})
    bands = sorted({row.band for row in tables.scores if row.band is not None})
    first_row = {}
    for row in tables.answers:
        first_row.setdefault(row["participant"], row)
    return {
        "codes": codes,
        "keys": {key: [first_row[code][key] for code in codes] for key in KEYS},
        "responses": [
            (codes.index(r["participant"]), r["wave_id"], instruments.index(r["instrument"])) for r in tables.answers
        ],
        "scores": [
            (
                codes.index(s.participant),
                s.wave_id,
                instruments.index(s.instrument),
                scales.index(s.scale),
                s.value,
                -1 if s.band is None else bands.index(s.band),
            )
            for s in tables.scores
        ],
        "instruments": tuple(instruments),
        "scales": tuple(scales),
        "bands": tuple(bands),
    }


def got_columns(columns) -> dict:
    for name in ("response_person", "response_wave", "response_instrument", "score_person", "score_wave"):
        assert getattr(columns, name).dtype == np.int64, name
    assert columns.score_scale.dtype == columns.score_band.dtype == np.int64
    assert columns.score_value.dtype == np.float64 and columns.codes.dtype == object
    values = [None if math.isnan(v) else v for v in columns.score_value.tolist()]
    return {
        "codes": columns.codes.tolist(),
        "keys": {key: column.tolist() for key, column in columns.keys.items()},
        "responses": list(
            zip(
                columns.response_person.tolist(),
                columns.response_wave.tolist(),
                columns.response_instrument.tolist(),
                strict=True,
            )
        ),
        "scores": list(
            zip(
                columns.score_person.tolist(),
                columns.score_wave.tolist(),
                columns.score_instrument.tolist(),
                columns.score_scale.tolist(),
                values,
                columns.score_band.tolist(),
                strict=True,
            )
        ),
        "instruments": columns.instruments,
        "scales": columns.scales,
        "bands": columns.bands,
    }


@pytest.mark.parametrize("way", ["default", "cursor"])
def test_every_column_equals_what_campaign_tables_gives(app, backend, stored, way, monkeypatch):
    """ADBC on PostgreSQL by default; the session's DB-API cursor on SQLite, and on PostgreSQL when asked."""
    through_adbc = []
    fetch = arrow_fetch.adbc_fetch
    monkeypatch.setattr(arrow_fetch, "adbc_fetch", lambda *args: through_adbc.append(args[0][0]) or fetch(*args))
    if way == "cursor":
        monkeypatch.setattr(arrow_fetch, "adbc_target", lambda url: None)
    campaign_id, (first, second, _later) = stored
    with app.app_context():
        campaign = db.session.get(Campaign, campaign_id)
        tables = campaign_tables(campaign, [first, second])
        columns = read_columns(campaign, [first, second])
        assert (columns.campaign, columns.waves, columns.organisation_id) == (
            tables.campaign,
            tables.waves,
            tables.organisation_id,
        )
        got, expected = got_columns(columns), expected_columns(tables)
    assert got == expected
    assert through_adbc == (["postgresql"] if (backend, way) == ("postgresql", "default") else [])
    # The fixture's cases are there: the draft and the third wave left out, the repeated score in order,
    # the pair's variant and mentor, the own standing of a respondent who is not enrolled.
    assert got["codes"] == ["A2", "B1", "M1", "Z9"] and got["bands"] == ("high", "low", "mid")
    anna_s1 = [s[4] for s in got["scores"] if s[0] == 0 and s[3] == got["scales"].index("s1")]
    assert anna_s1 == [3.0, 4.0] and len(got["scores"]) == 9
    assert got["keys"]["variant"] == ["проект", "проект", "проект", ""]
    assert got["keys"]["mentor"] == ["M1", "M1", "M1", ""]
    assert got["keys"]["group"] == ["7А", "7Б", "", "own group"]
    with app.app_context():  # the read left the database writable (a second SQLite library in the process did not)
        db.session.add(Organisation(name="После чтения"))
        db.session.commit()


def test_all_waves_by_default_and_none_when_no_wave_is_chosen(app, stored):
    campaign_id, (_first, _second, later) = stored
    with app.app_context():
        campaign = db.session.get(Campaign, campaign_id)
        every = read_columns(campaign)
        assert got_columns(every) == expected_columns(campaign_tables(campaign))
        assert later in every.score_wave.tolist()
        nothing = read_columns(campaign, [])
        assert len(nothing.waves) == 3 and nothing.codes.tolist() == [] and nothing.answers_of(["x", "y"]) == []
        assert nothing.score_value.tolist() == [] and nothing.score_band.tolist() == []
        assert (nothing.instruments, nothing.scales, nothing.bands) == ((), (), ())
        assert all(column.tolist() == [] for column in nothing.keys.values())


def test_answers_of_gives_campaign_tables_rows_of_those_instruments(app, stored):
    campaign_id, (first, second, later) = stored
    with app.app_context():
        campaign = db.session.get(Campaign, campaign_id)
        tables = campaign_tables(campaign, [first, second])
        columns = read_columns(campaign, [first, second])
        only_x = columns.answers_of(["x"])
        assert only_x == [row for row in tables.answers if row["instrument"] == "x"]
        assert columns.answers_of({"y", "x"}) == tables.answers and columns.answers_of(["nope"]) == []
        in_second = columns.answers_of(["x", "y"], [second])  # one wave: the input alpha reads no more
        assert in_second == [row for row in tables.answers if row["wave_id"] == second] and in_second
        assert columns.answers_of(["x"], [later]) == []  # a wave not read is not read now either
        tables_columns = from_tables(tables)
        assert tables_columns.answers_of(["x", "y"], [second]) == in_second
    assert len(only_x) == 4 and only_x[0]["answers"] == {"q1": 3, "q2": [1, 2]}


def test_the_adbc_target_comes_from_the_engine_url():
    """PostgreSQL through ADBC with the URL's credentials and options; SQLite never (one SQLite library)."""
    assert arrow_fetch.adbc_target(make_url("sqlite:////tmp/x/test.sqlite3")) is None
    assert arrow_fetch.sqlite_file(make_url("sqlite:////tmp/x/test.sqlite3")) == "/tmp/x/test.sqlite3"
    assert arrow_fetch.sqlite_file(make_url("sqlite://")) is arrow_fetch.sqlite_file(make_url("sqlite:///:memory:"))
    assert arrow_fetch.sqlite_file(make_url("sqlite://")) is None
    postgresql = make_url("postgresql+psycopg://ann:s%40cret@db.local:5433/surveys?sslmode=require")
    assert arrow_fetch.adbc_target(postgresql) == (
        "postgresql",
        "postgresql://ann:s%40cret@db.local:5433/surveys?sslmode=require",
    )
    assert arrow_fetch.adbc_target(make_url("mysql://u@h/db")) is None


def test_the_app_starts_without_the_columnar_libraries():
    """pyarrow and the ADBC drivers (about 37 MB per process) load when a comparison runs, not in every
    app process that only serves participants."""
    code = (
        "import sys; from surveys import create_app; "
        "create_app({'SURVEYS_DATABASE_URL': 'sqlite://', 'SURVEYS_SECRET_KEY': 'x'}); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pyarrow', 'adbc_driver_manager')))"
    )
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "[]", found.stdout
