"""The comparison sheets under the export's disclosure policy (surveys/core/published.py): every
figure is ``counted`` with the codes of the people it comes from, so that an aggregated workbook
hides small groups («<5») and the figures that would let them be worked out by subtraction, while the
psychologist's individual export shows everything. Workbooks are written and reopened with openpyxl."""

from __future__ import annotations

import io
import re
import zipfile
from statistics import mean

import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from plugins.comparison.export import COLUMNS, HEADERS, comparison_sheets
from plugins.comparison.method_note import note_table
from plugins.comparison.report import build_report
from surveys.core.contracts import MIN_GROUP, CampaignTables, ScoreRow, Sheet, WaveInfo
from surveys.core.definitions import Instrument, Scale
from surveys.core.disclosure import PROTECTING, SMALL, hidden_label
from surveys.core.export import write_workbook
from surveys.core.published import Counted, bare_numbers, counted, disclose, reveal
from surveys.core.text import Text
from tests.conftest import set_role
from tests.export_support import header_keys, sheet_keys

IN, OUT = WaveInfo(1, "Вход", "input", 0), WaveInfo(2, "Выход", "output", 1)
TOTAL = Scale("total", Text("Тревога"), ("q1",), higher_is="worse", reliability=0.9, reliability_source="опубл.")
GAD = Instrument("gad", "1", Text("ГТР"), None, ("mentee",), (), (TOTAL,))
BIG, MEDIUM, SMALL_FORM = "ученик–ученик", "учитель–ученик", "студент–ученик"
# form: (before, after) totals per person; every change is small against the spread: no reliable change.
FORMS = {
    BIG: ([3, 7, 11, 15, 19, 9], [2, 6, 11, 13, 18, 8]),
    MEDIUM: ([4, 10, 16, 8, 12], [3, 9, 15, 8, 10]),
    SMALL_FORM: ([5, 13, 17], [4, 12, 15]),
}
LEFT = "z-left"  # answered the input wave only


@pytest.fixture
def russian(app):
    """A request in the default interface language, Russian: the method note's rows are written in the
    language of the request (English outside any app context)."""
    with app.test_request_context():
        yield


def forms_campaign() -> tuple[CampaignTables, dict[str, list[str]]]:
    """Pairs in three forms (6, 5 and 3) and one person who left after the input wave."""
    tables = CampaignTables("Весна", [IN, OUT])
    codes: dict[str, list[str]] = {}

    def add(code, form, wave, value):
        tables.scores.append(ScoreRow(code, wave.id, wave.name, wave.kind, "gad", "total", float(value)))
        row = {"participant": code, "form": form, "role": "mentee", "instrument": "gad", "answers": {"q1": value}}
        tables.answers.append({**row, "wave": wave.name, "wave_id": wave.id})

    for number, (form, (before, after)) in enumerate(FORMS.items()):
        codes[form] = [f"f{number}-{i}" for i in range(len(before))]
        for code, b, a in zip(codes[form], before, after, strict=True):
            add(code, form, IN, b)
            add(code, form, OUT, a)
    add(LEFT, BIG, IN, 10)
    return tables, codes


def reopened(sheets: list[Sheet]) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(write_workbook(sheets)))


def sheet_of(book: openpyxl.Workbook, key: str):
    """A sheet by its key: a downloaded workbook's README lists them; the comparison's own sheets written
    alone come in their order (comparison, then its method)."""
    if book.sheetnames[0] == "О файле":
        return book[sheet_keys(book)[key]]
    return book.worksheets[("comparison", "comparison method").index(key)]


def table(book: openpyxl.Workbook, key: str, app=None) -> list[dict]:
    """A sheet's rows by column key (headers in Russian for a workbook the ``app`` made, else as written
    without a locale: English)."""
    rows = list(sheet_of(book, key).iter_rows(values_only=True))
    names = header_keys(app, key) if app is not None else {str(title): name for name, title in HEADERS.items()}
    return [dict(zip([names[h] for h in rows[0]], row, strict=True)) for row in rows[1:]]


def figures(row: dict) -> list:
    return [row[name] for name in COLUMNS[COLUMNS.index("n_pairs") : COLUMNS.index("normalised") + 1]]


def test_every_figure_carries_the_people_it_comes_from():
    tables, codes = forms_campaign()
    sheets = comparison_sheets(tables, {"gad": GAD}, IN.id, OUT.id, group_by="form")
    assert all(not bare_numbers(sheet) for sheet in sheets)
    everyone = frozenset(code for form in codes.values() for code in form)
    group, n_pairs, before = (COLUMNS.index(key) for key in ("group", "n_pairs", "mean_before"))
    rows = {row[group]: row for row in sheets[0].rows}
    about = ("gad", "total")  # each figure says which scale it is about: an export decides it with its aggregates
    assert rows[None][n_pairs] == Counted(len(everyone), everyone, about)
    assert rows[BIG][before] == Counted(mean(FORMS[BIG][0]), frozenset(codes[BIG]), about)
    assert rows[SMALL_FORM][n_pairs] == Counted(len(codes[SMALL_FORM]), frozenset(codes[SMALL_FORM]), about)
    # The report's JSON keeps no codes; only the workbook's report asks for them.
    plain = build_report(tables, {"gad": GAD}, IN.id, OUT.id, group_by="form")
    assert "people" not in plain and all("people" not in row for row in plain["scales"])


def test_a_small_form_is_hidden_and_so_is_the_form_that_would_give_it_away(russian):
    tables, codes = forms_campaign()
    sheets = disclose(comparison_sheets(tables, {"gad": GAD}, IN.id, OUT.id, group_by="form"), MIN_GROUP)
    assert all(f"<{MIN_GROUP}" in sheet.description for sheet in sheets)  # the README names the threshold
    book = reopened(sheets)
    rows = {row["group"]: row for row in table(book, "comparison")}
    small, protecting = hidden_label(SMALL, MIN_GROUP), hidden_label(PROTECTING, MIN_GROUP)
    # Three pairs: «<5» and nothing else of theirs.
    assert rows[SMALL_FORM]["n_pairs"] == small and rows[SMALL_FORM]["chart_label"] == small
    assert all(value is None for value in figures(rows[SMALL_FORM])[1:])
    # Everyone minus the two other forms would give the three away: the smaller of them is hidden.
    assert rows[MEDIUM]["n_pairs"] == protecting and rows[MEDIUM]["chart_label"] == protecting
    # Everyone and the form of six are shown, as computed from the data.
    everyone_before = [v for before, _after in FORMS.values() for v in before]
    everyone_after = [v for _before, after in FORMS.values() for v in after]
    assert rows[None]["n_pairs"] == len(everyone_before)
    assert rows[None]["mean_before"] == pytest.approx(mean(everyone_before))
    assert rows[None]["mean_difference"] == pytest.approx(mean(everyone_after) - mean(everyone_before))
    assert rows[None]["no_reliable_change"] == len(everyone_before) and rows[None]["improved"] == 0
    assert rows[BIG]["n_pairs"] == len(FORMS[BIG][0]) and rows[BIG]["mean_after"] == pytest.approx(mean(FORMS[BIG][1]))
    assert rows[BIG]["chart_label"] == rows[BIG]["label"] == f"ГТР: Тревога ({BIG})"  # titles, not ids

    note = list(sheet_of(book, "comparison method").iter_rows(values_only=True))[1:]
    lines = {text: value for text, value in note}
    assert lines[f"— «Тревога» (gad), группа «{SMALL_FORM}»"] == small
    assert lines[f"— «Тревога» (gad), группа «{MEDIUM}»"] == protecting
    assert lines[f"— «Тревога» (gad), группа «{BIG}»"].startswith(f"n = {len(codes[BIG])} пар")
    assert lines["— «Тревога» (gad), все участники"].startswith(f"n = {len(everyone_before)} пар")
    assert lines["Участники в обеих волнах"] == len(everyone_before)
    assert lines["Участники только в первой волне"] == small  # the one who left
    assert lines["Участники только во второй волне"] == 0


def test_the_individual_export_shows_every_figure(russian):
    tables, codes = forms_campaign()
    book = reopened(reveal(comparison_sheets(tables, {"gad": GAD}, IN.id, OUT.id, group_by="form")))
    rows = {row["group"]: row for row in table(book, "comparison")}
    assert rows[SMALL_FORM]["n_pairs"] == len(codes[SMALL_FORM]) and rows[MEDIUM]["n_pairs"] == len(codes[MEDIUM])
    assert rows[SMALL_FORM]["chart_label"] == rows[SMALL_FORM]["label"]
    lines = dict(list(sheet_of(book, "comparison method").iter_rows(values_only=True))[1:])
    assert lines["Участники только в первой волне"] == 1
    assert lines[f"— «Тревога» (gad), группа «{SMALL_FORM}»"].startswith("n = 3 пары (меньше 5 пар: скрыто)")


def test_a_row_the_policy_hides_is_no_zero_bar_in_the_chart():
    tables, codes = forms_campaign()
    sheets = comparison_sheets(tables, {"gad": GAD}, IN.id, OUT.id, group_by="form")
    # Another sheet of the workbook shows the form of six and the form of three together, in more values than
    # the form of six's row has: the row is the cheaper to hide, and must be, or the three would be that
    # total minus it.
    together = counted(9, [*codes[BIG], *codes[SMALL_FORM]])
    other = Sheet("other", ["n"] * 40, [[together] * 40])
    data = write_workbook(disclose([*sheets, other], MIN_GROUP))
    book = openpyxl.load_workbook(io.BytesIO(data))
    big = next(row for row in table(book, "comparison") if row["group"] == BIG)
    protecting = hidden_label(PROTECTING, MIN_GROUP)
    assert big["mean_before"] == big["mean_after"] == big["n_pairs"] == protecting
    assert big["chart_label"] == protecting  # the category says so instead of drawing means of 0
    # One chart: the means, with the chart label column as its categories.
    charts = [n for n in zipfile.ZipFile(io.BytesIO(data)).namelist() if n.startswith("xl/charts/chart")]
    assert len(charts) == 1
    xml = zipfile.ZipFile(io.BytesIO(data)).read(charts[0]).decode("utf-8")
    refs = re.findall(r"<c:f>'?Comparison of waves'?!\$([A-Z]+)\$2:\$\1\$\d+</c:f>", xml)
    letter = {name: get_column_letter(i + 1) for i, name in enumerate(COLUMNS)}
    assert letter["chart_label"] in refs and letter["mean_before"] in refs and letter["mean_after"] in refs
    assert not {letter[name] for name in ("improved", "no_reliable_change", "deteriorated")} & set(refs)


def test_the_note_table_has_the_same_lines_as_the_note():
    tables, _codes = forms_campaign()
    report = build_report(tables, {"gad": GAD}, IN.id, OUT.id, group_by="form", with_people=True)
    rows = reveal([Sheet("n", ["a", "b"], note_table(report))])[0].rows
    text = report["method_note"]
    for line, value in rows:
        if isinstance(value, str) and line.startswith("—"):
            assert f"{line}: {value}" in text
        elif value is None:
            assert line in text
    assert all(isinstance(v, Counted) for _line, v in note_table(report) if v is not None)


def test_unlinked_waves_count_each_wave_from_its_own_people(russian):
    tables = CampaignTables("Весна", [IN, OUT])
    for wave, codes in ((IN, [f"a{i}" for i in range(7)]), (OUT, [f"b{i}" for i in range(3)])):
        for i, code in enumerate(codes):
            tables.scores.append(ScoreRow(code, wave.id, wave.name, wave.kind, "gad", "total", float(2 * i)))
    sheets = disclose(comparison_sheets(tables, {"gad": GAD}, IN.id, OUT.id), MIN_GROUP)
    lines = dict(sheets[1].rows)
    # Seven before, three after: the three are «<5» although the ten together are not; what the row
    # says of the ten is shown, so the seven would give the three away and are hidden too.
    assert lines["— «Тревога» (gad), все участники, после"] == hidden_label(SMALL, MIN_GROUP)
    assert lines["— «Тревога» (gad), все участники, до"] == hidden_label(PROTECTING, MIN_GROUP)
    assert lines["— «Тревога» (gad), все участники"] == "(в одной из волн меньше 5 участников: скрыто)."
    assert (
        dict(reveal(comparison_sheets(tables, {"gad": GAD}, IN.id, OUT.id))[1].rows)[
            "— «Тревога» (gad), все участники, до"
        ]
        == "n = 7"
    )
    # The same seven people, the same decision; nobody in both waves: 0, shown.
    assert lines["Участники только в первой волне"] == hidden_label(PROTECTING, MIN_GROUP)
    assert lines["Участники в обеих волнах"] == 0
    [row] = sheets[0].rows
    n_pairs = COLUMNS.index("n_pairs")
    assert row[n_pairs] == 0 and all(
        value is None for value in row[n_pairs + 1 : n_pairs + 15]
    )  # the report hid the rest


# The workbook of a stored campaign, as the curator and the psychologist download it.

# GAD-7 totals (published reliability 0.92): three people improve reliably, eleven change by a point or two.
BEFORE = [6, 8, 10, 12, 14, 16, 18, 7, 9, 11, 13, 15, 17, 19]
AFTER = [5, 8, 8, 13, 9, 10, 12, 8, 8, 11, 12, 15, 15, 20]


def gad7_answers(total: int) -> dict[str, int]:
    items = [3] * (total // 3) + [total % 3]
    return {f"gad7_{i + 1}": v for i, v in enumerate((items + [0] * 7)[:7])}


def stored_campaign(app, organisation_id: int) -> int:
    from surveys.core.models import Invitation, Organisation, Participant
    from surveys.extensions import db
    from surveys.participation.links import generate_links
    from surveys.participation.responses import save_answers, start_response, submit
    from surveys.state import get_state
    from surveys.workspace.campaigns import add_wave, create_campaign

    with app.test_request_context():
        organisation = db.session.get(Organisation, organisation_id)
        for n in range(len(BEFORE) + 1):
            db.session.add(Participant(organisation_id=organisation_id, code=f"P{n:02d}", role="mentee", tags=[]))
        db.session.commit()
        campaign = create_campaign(organisation, "Мониторинг", ["gad7"], "Вход")
        output = add_wave(campaign, "output", "Выход")
        gad7 = get_state().registry.instruments["gad7"]
        for wave in (campaign.waves[0], output):
            generate_links(wave)

        def answer(wave, code, total):
            participant = db.session.execute(db.select(Participant).filter_by(code=code)).scalar_one()
            invitation = db.session.execute(
                db.select(Invitation).filter_by(wave_id=wave.id, participant_id=participant.id)
            ).scalar_one()
            response = start_response(invitation, gad7)
            save_answers(response, gad7_answers(total), 0)
            assert submit(response, gad7)

        for n, (before, after) in enumerate(zip(BEFORE, AFTER, strict=True)):
            answer(campaign.waves[0], f"P{n:02d}", before)
            answer(output, f"P{n:02d}", after)
        answer(campaign.waves[0], f"P{len(BEFORE):02d}", 10)  # left after the input wave
        return campaign.id


def classes() -> dict[str, int]:
    """The reliable change classes, worked out here: |after − before| > 1.96 · √2 · SD_before · √(1 − 0.92)."""
    sd = (sum((b - mean(BEFORE)) ** 2 for b in BEFORE) / (len(BEFORE) - 1)) ** 0.5
    limit = 1.96 * 2**0.5 * sd * (1 - 0.92) ** 0.5
    changes = [a - b for b, a in zip(BEFORE, AFTER, strict=True)]
    return {
        "improved": sum(d < -limit for d in changes),
        "no_reliable_change": sum(abs(d) <= limit for d in changes),
        "deteriorated": sum(d > limit for d in changes),
    }


def test_the_curators_workbook_hides_a_small_change_class_and_its_complement(app, staff, logged_in):
    email, _password, organisation_id = staff
    campaign_id = stored_campaign(app, organisation_id)
    expected = classes()
    assert 0 < expected["improved"] < MIN_GROUP and expected["deteriorated"] == 0  # the data make the case
    with app.test_request_context():
        small, protecting = hidden_label(SMALL, MIN_GROUP), hidden_label(PROTECTING, MIN_GROUP)

    response = logged_in.get(f"/staff/campaigns/{campaign_id}/export.xlsx")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert {"comparison", "comparison method"} <= set(sheet_keys(book))  # no longer left out
    rows = table(book, "comparison", app)
    [row] = [r for r in rows if (r["instrument_id"], r["scale_id"]) == ("gad7", "total")]
    assert row["n_pairs"] == len(BEFORE) and row["mean_before"] == pytest.approx(mean(BEFORE))
    assert row["mean_after"] == pytest.approx(mean(AFTER)) and isinstance(row["wilcoxon_p"], float)
    assert row["improved"] == small
    # n_pairs − no change − deteriorated would be the people who improved: no change is hidden.
    assert row["no_reliable_change"] == protecting and row["deteriorated"] == 0
    assert row["chart_label"] == row["label"]
    note = dict(list(sheet_of(book, "comparison method").iter_rows(values_only=True))[1:])
    assert note["Участники в обеих волнах"] == len(BEFORE) and note["Участники только в первой волне"] == small
    readme = " ".join(str(v) for line in sheet_of(book, "readme").iter_rows(values_only=True) for v in line if v)
    assert f"<{MIN_GROUP}" in readme

    set_role(app, email, "psychologist")
    response = logged_in.get(f"/staff/campaigns/{campaign_id}/export.xlsx?individual=1")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    rows = table(book, "comparison", app)
    [row] = [r for r in rows if (r["instrument_id"], r["scale_id"]) == ("gad7", "total")]
    assert {name: row[name] for name in expected} == expected
    note = dict(list(sheet_of(book, "comparison method").iter_rows(values_only=True))[1:])
    assert note["Участники только в первой волне"] == 1
