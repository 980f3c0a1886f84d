"""Hostile input, property-based: participant files, paper answers and campaign bundles.

Whatever the cells or fields hold, an import never fails with an exception or a 500; every problem
names its row, cell or path; and a rejected file writes nothing (row counts before and after).
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import io
import json
import re

import openpyxl
import pytest
from flask_babel import force_locale
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter

from surveys.core.models import (
    Campaign,
    Enrolment,
    Organisation,
    Pair,
    Participant,
    PersonalData,
    Programme,
    Response,
    Score,
    Wave,
)
from surveys.extensions import db
from surveys.state import get_state
from surveys.transfer.bundle import export_bundle
from surveys.transfer.bundle_checks import BundleError
from surveys.transfer.bundle_import import import_bundle
from surveys.transfer.bundle_schema import SECTIONS
from surveys.transfer.paper import import_paper
from surveys.transfer.paper_reading import PaperError, read_filled
from surveys.transfer.paper_template import entry_template
from surveys.workspace.campaigns import create_campaign
from surveys.workspace.people_columns import COLUMNS
from surveys.workspace.people_import import MODES, run_import
from surveys.workspace.programmes import create_programme
from tests.conftest import FIXTURES, csrf_token
from tests.mutations import mutate
from tests.test_bundle import build_school
from tests.test_hostile_input import HUGE, INSTRUMENT, SETTINGS, VALID_TEXT, acceptable, text_values

TABLES = (Participant, Enrolment, PersonalData, Programme, Campaign, Wave, Pair, Response, Score, Organisation)
FORMULAS = ["=cmd|' /C calc'!A0", "=1+1", "+SUM(A1:A9)", "-2+3", '@HYPERLINK("x")', '=HYPERLINK("http://x")']
cells = st.one_of(
    text_values,
    st.sampled_from(FORMULAS),
    st.sampled_from(["P-1", "P-2", "наставник", "mentee", "Ученик–ученик", "ж", "m", "2009", "1899", "7Б"]),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.dates(),
    st.none(),
    st.sampled_from(["я" * 301, "😀" * 101, "x" * HUGE]),
)


def counts(app) -> dict[str, int]:
    with app.app_context():
        return {t.__name__: db.session.execute(db.select(db.func.count()).select_from(t)).scalar() for t in TABLES}


@pytest.fixture
def app(make_app, tmp_path):
    folder = tmp_path / "hostile_plugin"
    folder.mkdir()
    (folder / "hostile.json").write_text(VALID_TEXT, encoding="utf-8")
    return make_app(SURVEYS_PLUGINS_PATH=[str(FIXTURES / "plugins"), str(folder)])


# Participants files -----------------------------------------------------------------------------------


def as_csv(rows: list[list], delimiter: str, encoding: str) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows([["" if c is None else c for c in row] for row in rows])
    return buffer.getvalue().encode(encoding, errors="replace")


def legal(value):
    """What a workbook can hold: XML has no place for control characters, so no real file has them."""
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def as_xlsx(rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append([legal(c) for c in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


printable = st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=30)
GOOD = {
    "code": st.from_regex(r"[A-Za-zА-Яа-я0-9_-]{1,40}", fullmatch=True),
    "role": st.sampled_from(["mentor", "Наставляемый", "учитель", "Работодатель или партнёр"]),
    "form": st.sampled_from(["", "ученик-ученик", "Учитель – ученик"]),
    "group": printable,
    "tags": st.lists(printable, max_size=3).map(", ".join),
    "full_name": printable,
    "birth_year": st.integers(1900, 2024),
    "sex": st.sampled_from(["", "F", "ж", "муж"]),
}


@st.composite
def people_files(draw) -> tuple[str, bytes, int]:
    """A participants file: the header (sometimes mangled), then good rows with some cells replaced by
    anything, as CSV or XLSX."""
    header = list(draw(st.permutations(COLUMNS)))
    rows = [[draw(GOOD[c]) for c in header] for _ in range(draw(st.integers(0, 5)))]
    for _ in range(draw(st.integers(0, 4))):
        row = draw(st.sampled_from([header, *rows]))
        row[draw(st.integers(0, 7))] = draw(cells)  # a column lost, doubled or unknown; a bad cell
    if rows and draw(st.booleans()):
        rows.append(copy.copy(rows[0]))  # a repeated code
    if draw(st.booleans()):
        rows.insert(draw(st.integers(0, len(rows))), draw(st.lists(cells, max_size=9)))  # a row of anything
    rows = [header, *rows]
    kind = draw(st.sampled_from(["csv", "csv1251", "xlsx"]))
    if kind == "xlsx":
        return "people.xlsx", as_xlsx(rows), len(rows)
    encoding = "cp1251" if kind == "csv1251" else draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]))
    return draw(st.sampled_from(["people.csv", "people.txt"])), as_csv(rows, ";", encoding), len(rows)


@pytest.fixture
def programme(app, staff, logged_in):
    with app.app_context():
        found = create_programme(db.session.get(Organisation, staff[2]), "2025/26")
        return found.id


@settings(max_examples=250, **SETTINGS)
@given(upload=people_files(), mode=st.sampled_from(MODES), page=st.booleans())
def test_participant_files_never_fail_and_problems_name_their_rows(app, logged_in, programme, upload, mode, page):
    filename, data, lines = upload
    before = counts(app)
    with app.test_request_context(), force_locale("en"):
        report = run_import(db.session.get(Programme, programme), filename, data, None, mode)
        problems = [(p.row, p.column, str(p)) for p in report.problems]
    for row, column, text in problems:
        assert row is None or (1 <= row <= lines and text.startswith(f"row {row}")), text
        assert column in ("", *COLUMNS) and text.strip()
    after = counts(app)
    if not report.imported:
        assert after == before, "a rejected file wrote something"
    else:
        assert mode == "valid_rows" or not problems
        assert after["Participant"] - before["Participant"] == report.created
    if page and not filename.endswith(".txt"):  # the same file through the upload page: the same rows named
        url = f"/staff/programmes/{programme}/import"
        form = {"csrf_token": csrf_token(logged_in.get(url).get_data(as_text=True)), "mode": mode}
        file = (io.BytesIO(data), filename)
        shown = logged_in.post(url, data={**form, "file": file}, content_type="multipart/form-data")
        html = shown.get_data(as_text=True)
        assert shown.status_code == 200 and all(f"<td>{row}</td>" in html for row, _, _ in problems if row)
        assert counts(app)["Participant"] == after["Participant"]


# Paper answers -----------------------------------------------------------------------------------------

PAPER_GOOD = {
    "participant": st.sampled_from(["P1", "P2", "P3", " P2 ", "P3", "T1", "NOPE", "X1"]),
    "nick": printable,
    "grade": st.sampled_from([5, "six", "other"]),
    "grade__other": printable,
    "first_time": st.sampled_from([1, 0, "1", "0"]),
    "mood_calm": st.integers(1, 4),
    "mood_friends": st.sampled_from([1.0, 2, "3", 4]),
    "stars": st.integers(1, 5),
    "met_before": st.sampled_from([1, 2]),
    "interests": st.sampled_from(["sport", "sport; code", " music ;; ", "code;sport"]),
    "hours": st.integers(0, 40),
    "weight": st.floats(0.5, 1e6),
    "ratio": st.floats(-1e9, 1e9) | st.sampled_from(["2.5", "-0"]),
    "met": st.dates(dt.date(2025, 9, 1), dt.date(2026, 12, 31)) | st.just("2025-10-03"),
    "wishes": printable,
}
paper_cells = cells | st.sampled_from([float("nan"), float("inf"), 10**400 // 10**390, dt.datetime(2025, 10, 3, 12)])


@pytest.fixture
def wave(app, staff):
    """A wave of the hostile questionnaire for mentees P1–P3 and a teacher T1; X1 is another school's."""
    with app.app_context():
        organisation = db.session.get(Organisation, staff[2])
        other = Organisation(name="Другая школа")
        db.session.add(other)
        db.session.flush()
        people = [(organisation, "P1", "mentee"), (organisation, "P2", "mentee"), (organisation, "P3", "mentee")]
        for owner, code, role in [*people, (organisation, "T1", "teacher"), (other, "X1", "mentee")]:
            db.session.add(Participant(organisation_id=owner.id, code=code, role=role, tags=[]))
        db.session.commit()
        return create_campaign(organisation, "Бумага", ["hostile"], "Вход").waves[0].id


@st.composite
def filled_templates(draw, template: bytes) -> bytes:
    """The entry template with rows typed in: good answers, some replaced by anything; sometimes a mangled
    header or meta sheet."""
    book = openpyxl.load_workbook(io.BytesIO(template))
    sheet = book["answers"]
    keys = [cell.value for cell in sheet[1]]
    for row in range(3, 3 + draw(st.integers(1, 5))):
        values = {key: draw(PAPER_GOOD[key]) for key in keys if draw(st.integers(0, 9))}
        if row < 6 and draw(st.integers(0, 3)):
            values["participant"] = f"P{row - 2}"
        for key in draw(st.lists(st.sampled_from(keys), max_size=2)) if draw(st.booleans()) else ():
            values[key] = draw(paper_cells)
        for key, value in values.items():
            value = legal(value)
            cell = sheet.cell(row=row, column=keys.index(key) + 1, value=value)
            if isinstance(value, str) and value.startswith("=") and draw(st.booleans()):
                cell.data_type = "s"  # typed text; otherwise a formula that was never calculated
    if draw(st.integers(0, 5)) == 0:
        sheet.cell(row=1, column=draw(st.integers(1, len(keys) + 1)), value=draw(st.sampled_from(["", "nick", "x"])))
    if draw(st.integers(0, 9)) == 0:
        book["meta"].cell(row=draw(st.integers(1, 3)), column=2, value=legal(draw(cells)))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@settings(max_examples=100, **SETTINGS)
@given(data=st.data(), mode=st.sampled_from(["all_or_nothing", "valid_rows"]), page=st.booleans())
def test_paper_answers_never_fail_problems_name_their_cell_and_rejected_files_write_nothing(
    app, logged_in, wave, data, mode, page
):
    with app.test_request_context(), force_locale("en"):
        template = entry_template(INSTRUMENT, get_state().registry, "ru", ["P1", "P2", "P3"])
    filled = data.draw(filled_templates(template))
    before = counts(app)
    with app.test_request_context(), force_locale("en"):
        instrument, registry = get_state().registry.instruments["hostile"], get_state().registry
        try:
            rows, problems = read_filled(instrument, registry, filled)
            result = import_paper(db.session.get(Wave, wave), instrument, rows, mode, problems)
        except PaperError as error:
            assert str(error) and counts(app) == before
            named = []
        else:
            named = [problem.cell for problem in result.problems]
            for problem in result.problems:
                found = re.fullmatch(r"answers!(?:[A-Z]+(\d+)|1:1)", problem.cell)
                assert found and problem.row == int(found.group(1) or 1) and problem.message, str(problem)
            if not result.written:
                assert counts(app)["Response"] == before["Response"]
            if mode == "all_or_nothing" and result.problems:
                assert counts(app) == before and result.written == 0, "a rejected file wrote something"
        stored = db.session.execute(db.select(Response)).scalars().all()
        assert all(acceptable(key, value) for r in stored for key, value in r.answers.items())
    if page:  # the same file through the upload page: a page (never a 500) naming the same cells
        written, url = counts(app)["Response"], f"/staff/waves/{wave}/paper"
        form = {"csrf_token": csrf_token(logged_in.get(url).get_data(as_text=True)), "mode": mode}
        file = (io.BytesIO(filled), "filled.xlsx")
        shown = logged_in.post(url, data={**form, "instrument": "hostile", "file": file})
        assert shown.status_code == 200 and all(cell in shown.get_data(as_text=True) for cell in named)
        assert counts(app)["Response"] == written  # a second import of the same file adds nothing


def test_regression_a_signalling_nan_in_a_number_cell_is_a_problem_of_that_cell(app, wave):
    """Was a ValueError from the range check (the participant pages had the same 500)."""
    with app.test_request_context(), force_locale("en"):
        registry = get_state().registry
        book = openpyxl.load_workbook(io.BytesIO(entry_template(INSTRUMENT, registry, "en", ["P1"])))
        keys = [cell.value for cell in book["answers"][1]]
        for key, value in {"nick": "Аня", "mood_calm": 1, "mood_friends": 2, "weight": "sNaN", "ratio": "NaN"}.items():
            book["answers"].cell(row=3, column=keys.index(key) + 1, value=value)
        out = io.BytesIO()
        book.save(out)
        rows, problems = read_filled(registry.instruments["hostile"], registry, out.getvalue())
    cells = {f"answers!{get_column_letter(keys.index(key) + 1)}3" for key in ("weight", "ratio")}
    assert {p.cell for p in problems} == cells and {p.message for p in problems} == {"Enter a number."}


# Campaign bundles --------------------------------------------------------------------------------------

bundle_values = st.recursive(
    cells.filter(lambda v: not isinstance(v, dt.date))
    | st.sampled_from([10**30, -(2**63), 2**31, float("nan"), float("inf"), "2025-13-01", "0001-01-01T00:00+05:00"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=5,
)


@st.composite
def mutated_bundles(draw, bundle: dict) -> dict:
    """An exported bundle with one to four keys deleted, values replaced, items duplicated or keys added."""
    kinds = ["replace", "replace", "delete", "duplicate", "add key"]
    return mutate(draw, st, bundle, kinds, bundle_values, text_values)


@pytest.fixture
def bundle(app):
    campaign_id = build_school(app)
    with app.app_context():
        exported = export_bundle(db.session.get(Campaign, campaign_id), with_personal_data=True)
        return json.loads(json.dumps(exported, default=str)), db.session.get(Campaign, campaign_id).organisation_id


@settings(max_examples=300, **SETTINGS)
@given(data=st.data(), into_school=st.booleans())
def test_a_mutated_bundle_imports_or_every_problem_names_its_path(app, bundle, data, into_school):
    exported, organisation_id = bundle
    if not into_school:  # a new organisation: pseudonym hashes are unique across the database
        people = [{**p, "pseudonymous": False, "pseudonym_hash": None} for p in exported["participants"]]
        exported = {**exported, "participants": people}
    mutated = data.draw(mutated_bundles(exported))
    before = counts(app)
    with app.app_context():
        organisation = db.session.get(Organisation, organisation_id) if into_school else None
        try:
            import_bundle(mutated, organisation)
        except BundleError as error:
            assert error.problems
            roots = [*SECTIONS, *map(str, mutated)]  # the format's sections, or a field the bundle should not have
            for problem in error.problems:
                path = problem.path
                assert problem.message.strip() and any(path.startswith((f"{k}.", f"{k}[")) or path == k for k in roots)
            assert counts(app) == before, "a rejected bundle wrote something"


@pytest.mark.parametrize(
    ("section", "index", "key", "value", "path"),
    [
        ("participants", 0, "²", 1, "participants[0].²"),  # was a ValueError while sorting the problems
        ("waves", 0, "position", 10**30, "waves[0].position"),  # was an OverflowError from SQLite
        ("personal_data", 0, "birth_year", 2**31, "personal_data[0].birth_year"),  # too large for PostgreSQL
        ("waves", 0, "opens_at", "0001-01-01T00:00:00+05:00", "waves[0].opens_at"),  # was an OverflowError
        ("responses", 0, "answers", {"wb_calm": float("nan")}, "responses[0].answers"),  # NaN is not JSON
        ("participants", 0, "group", "7\x00Б", "participants[0].group"),  # PostgreSQL text cannot hold NUL
    ],
    ids=["digit-like key", "huge position", "huge year", "date overflow", "NaN answer", "NUL"],
)
def test_regression_bundle_values_the_database_cannot_hold_are_problems_with_a_path(
    app, bundle, section, index, key, value, path
):
    exported, organisation_id = bundle
    broken = copy.deepcopy(exported)
    broken[section][index][key] = value
    before = counts(app)
    with app.app_context(), pytest.raises(BundleError) as caught:
        import_bundle(broken, db.session.get(Organisation, organisation_id))
    assert path in [p.path for p in caught.value.problems] and counts(app) == before


def test_regression_a_deeply_nested_bundle_file_is_refused_without_a_traceback(app, tmp_path):
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["campaign", "import", str(path)])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert "слишком глубокая вложенность" in result.output  # "nested too deeply", in the default Russian
