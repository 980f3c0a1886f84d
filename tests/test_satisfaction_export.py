"""The "satisfaction gap" sheet in real workbooks: aggregated for the curator, individual for the psychologist.

A campaign on the test database (SQLite) where six mentees and three mentors answer both
questionnaires; the workbooks are downloaded as staff do and reopened with openpyxl. The expected
numbers are computed here from the ratings the test submits.
"""

from __future__ import annotations

import io
from statistics import fmean

import openpyxl
import pytest

from plugins.satisfaction.gap import ITEMS
from surveys.core.contracts import MIN_GROUP
from surveys.extensions import db
from tests.conftest import post_form, set_role, submit_in_wave
from tests.export_support import keyed_rows, sheet_keys

# code: (expected ratings in the input wave, real ratings in the output wave), in the order of ITEMS.
MENTEES = {
    "E1": ([8, 7, 6, 9, 7, 8], [9, 8, 7, 9, 8, 9]),
    "E2": ([6, 6, 5, 7, 6, 6], [5, 7, 6, 6, 7, 5]),
    "E3": ([9, 9, 8, 9, 9, 9], [10, 9, 9, 10, 9, 8]),
    "E4": ([5, 6, 7, 5, 6, 7], [7, 7, 8, 6, 6, 8]),
    "E5": ([7, 8, 7, 8, 7, 8], [6, 8, 7, 9, 8, 8]),
    "E6": ([10, 9, 9, 8, 9, 10], [9, 10, 8, 8, 10, 9]),
}
MENTORS = {
    "T1": ([7, 7, 7, 7, 7, 7], [9, 8, 8, 9, 8, 9]),
    "T2": ([8, 6, 7, 8, 6, 7], [8, 7, 6, 8, 7, 7]),
    "T3": ([6, 8, 5, 6, 7, 6], [7, 9, 6, 7, 8, 6]),
}


def expected_row(people: dict, item: str) -> tuple[int, float, float, float]:
    """n, mean expected, mean real and mean gap of ``item`` ("index": the mean of the six ratings)."""

    def value(ratings: list[int]) -> float:
        return fmean(ratings) if item == "index" else ratings[ITEMS.index(item)]

    pairs = [(value(e), value(r)) for e, r in people.values()]
    return len(pairs), fmean(e for e, _ in pairs), fmean(r for _, r in pairs), fmean(r - e for e, r in pairs)


@pytest.fixture
def campaign_id(app, staff):
    """The campaign: the two questionnaires of each role, input and output wave, everyone answering both."""
    from surveys.core.models import Organisation, Participant
    from surveys.workspace.campaigns import add_wave, create_campaign

    _email, _password, organisation_id = staff
    ids = ["satisfaction_exp_mentee", "satisfaction_mentee", "satisfaction_exp_mentor", "satisfaction_mentor"]
    with app.test_request_context():
        organisation = db.session.get(Organisation, organisation_id)
        campaign = create_campaign(organisation, "Мониторинг", ids, "Вход")
        waves = [campaign.waves[0], add_wave(campaign, "output", "Выход")]
        for role, people in (("mentee", MENTEES), ("mentor", MENTORS)):
            for code, ratings in people.items():
                participant = Participant(organisation_id=organisation_id, code=code, role=role, tags=[])
                db.session.add(participant)
                db.session.flush()
                for wave, instrument_id, values in zip(
                    waves, [f"satisfaction_exp_{role}", f"satisfaction_{role}"], ratings, strict=True
                ):
                    answers = dict(zip(ITEMS, values, strict=True))
                    assert submit_in_wave(app, wave.id, participant.id, instrument_id, answers)
        return campaign.id


def download(app, staff, campaign_id, role: str, query: str = ""):
    """The XLSX export as a staff member with ``role`` downloads it, reopened."""
    email, password, _organisation = staff
    set_role(app, email, role)
    client = app.test_client()
    assert post_form(client, "/login", {"email": email, "password": password}).status_code == 302
    response = client.get(f"/staff/campaigns/{campaign_id}/export.xlsx{query}")
    assert response.status_code == 200
    return openpyxl.load_workbook(io.BytesIO(response.data))


ROLE_IDS = {"Наставляемый": "mentee", "Наставник": "mentor"}  # the roles as the Russian workbook names them


def gap_rows(app, book) -> dict[tuple[str, str], tuple]:
    """The sheet's numbers by (role, item id), the role read back from its Russian name."""
    name = sheet_keys(book)["satisfaction gap"]
    header = next(book[name].iter_rows(values_only=True))
    assert name == "Ожидания и реальность" and header[:3] == ("Роль", "Пункт", "id пункта")
    rows = keyed_rows(app, book, "satisfaction gap")
    assert all((row["wave_expected"], row["wave_real"]) == ("Вход", "Выход") for row in rows)
    numbers = ("n", "mean_expected", "mean_real", "mean_gap")
    return {(ROLE_IDS[row["role"]], row["item_id"]): tuple(row[key] for key in numbers) for row in rows}


def assert_numbers(cells: tuple, expected: tuple) -> None:
    assert cells[0] == expected[0]
    assert cells[1:] == pytest.approx(expected[1:])


def test_aggregated_workbook_hides_the_three_mentors_and_shows_the_six_mentees(app, staff, campaign_id):
    assert len(MENTORS) < MIN_GROUP <= len(MENTEES)
    book = download(app, staff, campaign_id, "curator")
    rows = gap_rows(app, book)
    assert list(rows) == [(role, item) for role in ("mentee", "mentor") for item in [*ITEMS, "index"]]
    for item in [*ITEMS, "index"]:
        assert_numbers(rows["mentee", item], expected_row(MENTEES, item))
        assert rows["mentor", item] == (f"<{MIN_GROUP}",) * 4  # n and the three means of three people
    readme = {row[0]: row[1] for row in book[sheet_keys(book)["readme"]].iter_rows(values_only=True)}
    assert f"«<{MIN_GROUP}»" in readme[sheet_keys(book)["satisfaction gap"]]  # the sheet's line names the threshold


def test_the_psychologists_individual_workbook_shows_every_value(app, staff, campaign_id):
    rows = gap_rows(app, download(app, staff, campaign_id, "psychologist", "?individual=1"))
    for role, people in (("mentee", MENTEES), ("mentor", MENTORS)):
        for item in [*ITEMS, "index"]:
            assert_numbers(rows[role, item], expected_row(people, item))
    assert rows["mentor", "sat_comfort"][0] == len(MENTORS)
