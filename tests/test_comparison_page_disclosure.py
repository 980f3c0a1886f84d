"""Issue 20, reproduction 2: the comparison page (and its JSON) showed band cross-tables with cells of 1
while the dashboard hid the same data. On the demo campaign: the psychologist's report has such cells;
the curator's page and JSON show none, and an attacker who subtracts the shown cells (and the reliable
change classes) from the row's n recovers no hidden one."""

from __future__ import annotations

import re

import pytest

from surveys.core.models import Campaign
from surveys.extensions import db
from tests.conftest import demo_login, post_form, set_role

K = 5
LABELS = {"<5", "скрыто для защиты малой группы"}


@pytest.fixture
def demo(app, runner):
    """The demo campaign's id and a client signed in as its curator (with the curator's e-mail)."""
    output = runner.invoke(args=["demo"]).output
    email, password, _link = demo_login(output)
    with app.app_context():
        campaign_id = db.session.execute(db.select(Campaign.id)).scalar_one()
    client = app.test_client()
    assert post_form(client, "/login", {"email": email, "password": password}).status_code == 302
    return campaign_id, client, email


def reports(app, demo, by: str) -> tuple[dict, dict, str]:
    """The curator's report, the psychologist's and the curator's page, grouped ``by``."""
    campaign_id, client, email = demo
    url = f"/plugins/comparison/campaigns/{campaign_id}"
    shown = client.get(f"{url}/report.json?by={by}").get_json()
    page = client.get(f"{url}?by={by}").get_data(as_text=True)
    set_role(app, email, "psychologist")
    whole = client.get(f"{url}/report.json?by={by}").get_json()
    set_role(app, email, "curator")
    return shown, whole, page


def recoverable(total: int | None, cells: list[int | None]) -> bool:
    """The attacker: with the row's n shown, one hidden cell of a partition is n minus the shown ones."""
    return total is not None and sum(cell is None for cell in cells) == 1


@pytest.mark.parametrize("by", ["form", "role"])
def test_no_band_cell_or_reliable_change_class_under_5_is_shown_or_recoverable(app, demo, by):
    shown, whole, page = reports(app, demo, by)
    small_cells = [
        cell
        for row in whole["scales"]
        if row.get("bands")
        for line in row["bands"]["table"]
        for cell in line
        if 0 < cell < K
    ]
    assert small_cells, "the demo data must have small band cells for this test to mean anything"
    assert shown["disclosure"]["min_group"] == K and "disclosure" not in whole
    checked = 0
    for row, truth in zip(shown["scales"], whole["scales"], strict=True):
        assert "pairs" not in row and "people" not in row
        if row["n_pairs"] is not None:
            assert row["n_pairs"] == 0 or row["n_pairs"] >= K
        if not row.get("bands") or row["hidden"]:
            continue
        cells = [cell for line in row["bands"]["table"] for cell in line]
        true_cells = [cell for line in truth["bands"]["table"] for cell in line]
        marks = [mark for line in (row.get("marks") or {}).get("bands") or [] for mark in line]
        assert all(cell is None or cell == 0 or cell >= K for cell in cells), cells
        assert all((mark in LABELS) == (cell is None) for cell, mark in zip(cells, marks, strict=True)) or not marks
        assert all(cell is None or cell == true for cell, true in zip(cells, true_cells, strict=True))
        if sum(true_cells) == truth["n_pairs"]:  # every pair has a band: the cells partition the row's n
            assert not recoverable(row["n_pairs"], [c if c is not None else None for c in cells]), row
        classes = [row["rci"][name] for name in ("improved", "no_change", "deteriorated")] if row.get("rci") else []
        if classes:
            assert all(c is None or c == 0 or c >= K for c in classes) and not recoverable(row["n_pairs"], classes)
        checked += 1
    assert checked, "no shown row with a cross-table was checked"
    tables = re.findall(r'<table class="bands">(.*?)</table>', page, re.S)
    assert tables and 'id="threshold"' in page
    for table in tables:
        for value in re.findall(r"<td>([^<]*)</td>", table):
            assert not value.strip().isdigit() or int(value) == 0 or int(value) >= K, value


def test_unlinked_waves_a_small_wave_takes_the_difference_and_the_test_with_it(app):
    """Nobody in both waves: 7 before (shown), 6 after, 3 of them in form B. With the after wave's mean of
    form B hidden, the difference (after − before) and its test must go too, or before's mean gives it back."""
    from plugins.comparison.disclosed import disclosed
    from plugins.comparison.report import build_report
    from surveys.core.contracts import CampaignTables, ScoreRow, WaveInfo
    from surveys.core.definitions import Instrument, Scale
    from surveys.core.text import Text

    before, after = WaveInfo(1, "Вход", "input", 0), WaveInfo(2, "Выход", "output", 1)
    scale = Scale("total", Text("Тревога"), ("q1",), higher_is="worse")
    gad = Instrument("gad", "1", Text("ГТР"), None, ("mentee",), (), (scale,))
    tables = CampaignTables("Весна", [before, after])
    people = [(f"a{i}", before, "A" if i < 4 else "B", 10 + i) for i in range(7)]
    people += [(f"b{i}", after, "A" if i < 3 else "B", 5 + 2 * i) for i in range(6)]
    for code, wave, form, value in people:
        tables.scores.append(ScoreRow(code, wave.id, wave.name, wave.kind, "gad", "total", float(value)))
        row = {"participant": code, "form": form, "role": "mentee", "instrument": "gad", "answers": {"q1": value}}
        tables.answers.append({**row, "wave": wave.name, "wave_id": wave.id})
    with app.test_request_context():
        whole = build_report(tables, {"gad": gad}, 1, 2, group_by="form", min_group=1, with_people=True)
        shown = disclosed(whole, K)
    assert shown["linked"] is False
    rows = {row["group"]: row for row in shown["scales"]}
    for group, row in rows.items():
        for wave in ("before", "after"):
            n = row[wave]["n"]
            assert n is None or n >= K, (group, wave, n)
            if n is None:  # a wave hidden: nothing computed from both waves is left to subtract from
                assert row["difference"]["mean"] is None and row["independent"] is None and row["hidden"]
    assert any(row[wave]["n"] is None for row in rows.values() for wave in ("before", "after"))
