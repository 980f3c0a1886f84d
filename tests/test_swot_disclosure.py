"""The workbook's ``swot`` sheet under the disclosure policy (issue 20, reproduction 4): a viewer's
aggregated workbook hides the points of groups under five, automatic or approved; the psychologist's
individual export shows them."""

from __future__ import annotations

import io
from statistics import mean

import openpyxl
import pytest

from plugins.swot.draft import draft_swot
from surveys.core.contracts import MIN_GROUP
from surveys.core.disclosure import SMALL, hidden_label
from tests.conftest import FIXTURES, set_role
from tests.test_swot import FIXED, quality_specs
from tests.test_swot_workspace import PUPILS, edit, make_campaign, make_draft, the_draft, workspace

RATED = {"q_time": 9, "q_place": 9, "q_support": 3, "q_valuable": "Поддержка наставника"}
# Six pupils rated the programme and said what was valuable; three of them wrote what was missing,
# two of them rated the clarity of goals (a weakness from two people).
GIVEN = [
    RATED | ({"q_missing": "Мало времени"} if i < 3 else {}) | ({"q_goals": [2, 3][i]} if i < 2 else {})
    for i in range(6)
]
SMALL_LABEL = hidden_label(SMALL, MIN_GROUP)


@pytest.fixture
def app(make_app):
    return make_app(SURVEYS_PLUGINS_PATH=str(FIXTURES / "swot"))


def answered(key: str) -> list[dict]:
    return [given for given in GIVEN if key in given]


def book(client, campaign_id: int, individual: bool = False) -> openpyxl.Workbook:
    response = client.get(f"/staff/campaigns/{campaign_id}/export.xlsx" + ("?individual=1" if individual else ""))
    assert response.status_code == 200
    return openpyxl.load_workbook(io.BytesIO(response.data))


def swot_rows(workbook: openpyxl.Workbook) -> list[tuple]:
    rows = list(workbook["SWOT"].iter_rows(values_only=True))
    assert rows[0][4:7] == ("Квадрант", "Пункт", "n")
    return rows[1:]


def readme_line(workbook: openpyxl.Workbook) -> str:
    [line] = [row[1] for row in workbook["О файле"].iter_rows(values_only=True) if row[0] == "SWOT"]
    return line


def texts(rows: list[tuple]) -> str:
    return " | ".join(str(value) for row in rows for value in row)


def test_draft_points_carry_the_participant_codes_they_come_from():
    draft = draft_swot(quality_specs(), FIXED)
    assert draft.dimensions["S"] and draft.dimensions["W"] and draft.quotes["W"] and draft.facts
    for point in [*draft.dimensions["S"], *draft.dimensions["W"], *draft.neutral]:
        items = next(d.items for spec in quality_specs().values() for d in spec.dimensions if d.id == point.id)
        expected = {r["participant"] for r in FIXED if any(isinstance(r["answers"].get(i), int) for i in items)}
        assert point.people == expected and point.n == len(expected)
    for quote in draft.quotes["W"]:
        assert quote.people == {r["participant"] for r in FIXED if r["answers"].get("q_missing")}
    for fact in draft.facts:
        assert fact.people and len(fact.people) == fact.n


def test_a_viewers_workbook_hides_the_automatic_points_of_small_groups(app, logged_in, staff):
    email, _password, organisation_id = staff
    campaign_id, _wave = make_campaign(app, organisation_id, groups={PUPILS: GIVEN})
    quote = f"Мало времени (×{len(answered('q_missing'))})"
    goals = f"Ясность целей: {mean(g['q_goals'] for g in answered('q_goals')):.2f}"
    support = f"Поддержка куратора: {mean(g['q_support'] for g in GIVEN):.2f}"

    set_role(app, email, "viewer")
    workbook = book(logged_in, campaign_id)
    rows = swot_rows(workbook)
    assert quote not in texts(rows) and "Мало времени" not in texts(rows) and "Ясность целей" not in texts(rows)
    hidden = [row for row in rows if row[5] == SMALL_LABEL]
    assert len(hidden) == 2 and all(row[4] == "Слабые стороны" and row[6] == SMALL_LABEL for row in hidden)
    # The group of six is shown, its n too.
    assert ("Слабые стороны", support, len(GIVEN)) in [row[4:7] for row in rows]
    assert ("Сильные стороны", f"Поддержка наставника (×{len(GIVEN)})", len(GIVEN)) in [row[4:7] for row in rows]
    assert f"<{MIN_GROUP}" in readme_line(workbook) and str(MIN_GROUP) in readme_line(workbook)

    set_role(app, email, "psychologist")
    shown = [row[4:7] for row in swot_rows(book(logged_in, campaign_id, individual=True))]
    assert ("Слабые стороны", quote, len(answered("q_missing"))) in shown
    assert ("Слабые стороны", goals, len(answered("q_goals"))) in shown
    assert ("Слабые стороны", support, len(GIVEN)) in shown


def test_a_viewers_workbook_hides_the_approved_points_of_small_groups(app, logged_in, staff):
    email, _password, organisation_id = staff
    campaign_id, wave_id = make_campaign(app, organisation_id, groups={PUPILS: GIVEN})
    make_draft(logged_in, campaign_id, wave_id)
    # A draft made by staff holds only what they may see; one made before the policy (or by hand) can hold
    # every automatic point, small ones too: the workbook must still withhold them.
    with app.app_context():
        from plugins.swot.documents import content_from
        from plugins.swot.models import SwotDocument
        from plugins.swot.spec import app_specs
        from surveys.core.models import Campaign
        from surveys.extensions import db
        from surveys.workspace import campaign_tables

        stored = db.session.get(SwotDocument, the_draft(app, campaign_id).id)
        specs = app_specs()
        answers = [
            r for r in campaign_tables(db.session.get(Campaign, campaign_id)).answers if r["instrument"] in specs
        ]
        stored.content = content_from(draft_swot(specs, answers, MIN_GROUP, wave_id=wave_id), "ru")
        db.session.commit()
    draft = the_draft(app, campaign_id)
    points = {q: draft.points(q) for q in "SW"}
    lines = {q: "\n".join(p["text"] for p in found) for q, found in points.items()}
    page = workspace(campaign_id, wave_id)
    approved = edit(
        logged_in, draft.id, page, "approve", S=lines["S"] + "\nСвоя мысль", W=lines["W"], conclusion="Вывод"
    )
    assert approved.status_code == 302
    by_n = {p["text"]: p["source"]["n"] for found in points.values() for p in found}
    small = sorted(text for text, n in by_n.items() if n < MIN_GROUP)
    large = sorted(text for text, n in by_n.items() if n >= MIN_GROUP)
    assert len(small) == 2 and large  # the quote from three and the mean from two; the rest from six

    set_role(app, email, "viewer")
    workbook = book(logged_in, campaign_id)
    rows = [row for row in swot_rows(workbook) if row[2] == "утверждён"]
    assert not any(text in texts(rows) for text in small)
    assert [row[5:7] for row in rows].count((SMALL_LABEL, SMALL_LABEL)) == len(small)
    assert sorted(row[5] for row in rows if row[5] in by_n) == large
    assert all(row[6] == by_n[row[5]] for row in rows if row[5] in by_n)
    assert ("Сильные стороны", "Своя мысль", None) in [row[4:7] for row in rows]  # the curator's own point
    assert ("Вывод", "Вывод", None) in [row[4:7] for row in rows]  # the quadrant, then the text typed
    assert {row[3] for row in rows} == {1}  # the version stays a plain number
    assert f"<{MIN_GROUP}" in readme_line(workbook)

    set_role(app, email, "psychologist")
    shown = {row[5]: row[6] for row in swot_rows(book(logged_in, campaign_id, individual=True))}
    assert all(shown[text] == by_n[text] for text in small + large)
