"""The export in the interface language: Russian by default, English when the locale is en.

Workbooks are reopened with openpyxl. A Russian workbook has no English word outside the columns that
hold ids (headed «id …») and the answer columns (headed by the items' ids, holding answer codes); an
English one has no Cyrillic sheet name or header. Instruments and scales show by title next to their
ids; statistics carry a 2-decimal number format and keep their full value.
"""

from __future__ import annotations

import io
import re
import zipfile

import openpyxl
import pytest

from surveys.core.export_models import ExportJob
from surveys.extensions import db
from tests.export_support import keyed_rows, sheet_keys
from tests.test_exports import demo, sign_in, wait_for

LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_]{2,}")
CYRILLIC = re.compile(r"[А-Яа-яЁё]")
# Names, abbreviations and symbols that are the same in Russian texts.
ALLOWED = {"SWOT", "GAD", "CBI", "MBI", "XLSX", "CSV", "JSON", "SD", "RCI", "KR", "id", "n", "d_z", "p_holm"}
ALLOWED |= {"UTC", "Excel", "Spitzer", "et", "al", "Kristensen", "df"}  # citations in the comparison's method note


def english_words(book) -> list[str]:
    """Latin words of three letters or more in a workbook's sheet names, headers and values, where each
    is found; not in id columns (headed «id …»), answer columns (headed by an item id) or allowed names."""
    found = []
    codebook = list(book.worksheets[1].iter_rows(values_only=True))  # where the ids (and answer codes) stay
    ids = {str(v) for row in codebook[1:] for i, v in enumerate(row) if codebook[0][i] in ("id", "Код", "Code")}
    method_note = sheet_keys(book).get("comparison method")
    for ws in book.worksheets:
        rows = list(ws.iter_rows(values_only=True))
        header = rows[0]
        machine = {i for i, title in enumerate(header) if re.fullmatch(r"id|id .+|[a-z0-9_]+", str(title))}
        machine -= {i for i, title in enumerate(header) if title == "n"}
        for word in LATIN_WORD.findall(ws.title):
            if word not in ALLOWED:
                found.append(f"sheet name {ws.title!r}: {word}")
        for i, title in enumerate(header):
            for word in LATIN_WORD.findall(str(title)) if i not in machine else ():
                if word not in ALLOWED:
                    found.append(f"{ws.title!r} header {title!r}")
        for number, row in enumerate(rows[1:], start=2):
            for i, value in enumerate(row):
                if i in machine or not isinstance(value, str):
                    continue
                for word in LATIN_WORD.findall(re.sub(r"\bid \S+", "", value)):  # «(id gad7)» names an id
                    if word in ids and ws.title in (book.worksheets[1].title, method_note):
                        continue  # the codebook keeps the ids; the comparison's note names them beside titles
                    if word.strip("_") not in ALLOWED and word.upper() not in ALLOWED:
                        found.append(f"{ws.title!r} row {number} column {header[i]!r}: {word} in {value[:60]!r}")
    return found


def test_a_russian_workbook_has_no_english_sheet_name_header_or_word(app, runner, tmp_path):
    campaign_id, _email, _password = demo(app, runner)
    path = tmp_path / "ru.xlsx"
    assert runner.invoke(args=["export", str(campaign_id), "-o", str(path), "--individual"]).exit_code == 0
    book = openpyxl.load_workbook(path)
    found = english_words(book)
    assert not found, "\n".join(found[:40])
    assert all(len(name) <= 31 for name in book.sheetnames)
    assert len({name.lower() for name in book.sheetnames}) == len(book.sheetnames)
    # Values in words: roles, wave kinds, the SWOT's status and quadrants, hidden small groups.
    aggregates = keyed_rows(app, book, "aggregates")
    assert {r["role"] for r in aggregates} == {"все", "Наставник", "Наставляемый"}
    assert "<5" in {r["n"] for r in aggregates}
    swot = keyed_rows(app, book, "swot")
    assert {r["status"] for r in swot} == {"автоматический черновик"}
    assert {r["quadrant"] for r in swot} <= {"Сильные стороны", "Слабые стороны", "Возможности", "Угрозы"}
    reliability = keyed_rows(app, book, "reliability")
    assert "меньше 5 полных ответов" in {r["reason"] for r in reliability}
    assert {r["method"] for r in reliability} <= {"альфа Кронбаха", "KR-20"}
    # A checker that finds nothing is no checker: an English header and value are caught.
    sheet = book[sheet_keys(book)["aggregates"]]
    sheet["J1"], sheet["A2"] = "Mean", "fewer than 5 complete answers"
    assert len(english_words(book)) >= 2


def test_instruments_and_scales_show_by_title_with_their_ids_beside(app, runner, tmp_path):
    campaign_id, _email, _password = demo(app, runner)
    path = tmp_path / "agg.xlsx"
    assert runner.invoke(args=["export", str(campaign_id), "-o", str(path)]).exit_code == 0
    book = openpyxl.load_workbook(path)
    from surveys.state import get_state

    with app.app_context():
        instruments = get_state().registry.instruments
        cbi = instruments["cbi"]
        titles = {i: instrument.title.get("ru") for i, instrument in instruments.items()}
    for key in ("aggregates", "reliability", "comparison"):
        rows = keyed_rows(app, book, key)
        assert rows, key
        for row in rows:
            assert row["instrument"] == titles[row["instrument_id"]], key
            if row["instrument_id"] == "cbi":
                assert row["scale"] == cbi.scale(row["scale_id"]).title.get("ru"), key
    readme = {r[0]: r[1] for r in book[sheet_keys(book)["readme"]].iter_rows(values_only=True) if r[0]}
    assert cbi.title.get("ru") in readme["Анкеты"] and "cbi" not in readme["Анкеты"].split("; ")


def test_statistics_show_two_decimals_and_keep_their_full_value(app, runner, tmp_path):
    campaign_id, _email, _password = demo(app, runner)
    path = tmp_path / "ind.xlsx"
    assert runner.invoke(args=["export", str(campaign_id), "-o", str(path), "--individual"]).exit_code == 0
    book = openpyxl.load_workbook(path)
    keys = sheet_keys(book)
    checked = 0
    for key, columns in {
        "aggregates": ("mean", "sd", "median"),
        "satisfaction gap": ("mean_expected", "mean_real", "mean_gap"),
        "comparison": ("mean_before", "mean_after", "mean_difference", "d_z"),
        "scores": ("value",),
    }.items():
        sheet = book[keys[key]]
        rows = keyed_rows(app, book, key)
        header = [cell.value for cell in sheet[1]]
        for column in columns:
            index = list(rows[0]).index(column)
            for number in range(2, len(rows) + 2):
                cell = sheet.cell(row=number, column=index + 1)
                if isinstance(cell.value, float):
                    assert cell.number_format == "0.00", (key, header[index])
                    checked += 1
    # Full precision: a mean of 26 scores is not cut to two decimals in the cell.
    means = [r["mean"] for r in keyed_rows(app, book, "aggregates") if isinstance(r["mean"], float)]
    assert any(round(mean, 2) != mean for mean in means)
    comparison = keyed_rows(app, book, "comparison")
    wilcoxon = list(comparison[0]).index("wilcoxon_p") + 1
    assert book[keys["comparison"]].cell(row=2, column=wilcoxon).number_format == "0.000"  # p-values: 3 decimals
    assert checked > 100


def test_an_english_workbook_has_no_cyrillic_sheet_name_or_header(make_app, tmp_path):
    app = make_app(SURVEYS_DEFAULT_LOCALE="en")
    runner = app.test_cli_runner()
    campaign_id, _email, _password = demo(app, runner)
    path = tmp_path / "en.xlsx"
    assert runner.invoke(args=["export", str(campaign_id), "-o", str(path), "--individual"]).exit_code == 0
    book = openpyxl.load_workbook(path)
    assert not [name for name in book.sheetnames if CYRILLIC.search(name)]
    headers = [(ws.title, cell.value) for ws in book.worksheets for cell in ws[1] if cell.value]
    assert not [h for h in headers if CYRILLIC.search(str(h[1]))]
    assert book.sheetnames[:2] == ["About this file", "Codebook"]
    aggregates = keyed_rows(app, book, "aggregates", "en")
    assert {r["role"] for r in aggregates} == {"everyone", "Mentor", "Mentee"}
    scores = keyed_rows(app, book, "scores", "en")
    assert {r["wave_kind"] for r in scores} == {"Input wave", "Output wave"}
    assert "no items answered" in {r["missing_reason"] for r in scores}
    swot = keyed_rows(app, book, "swot", "en")
    assert {r["status"] for r in swot} == {"automatic draft"}
    assert all(len(name) <= 31 for name in book.sheetnames)


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_a_background_export_follows_the_staff_members_language(app, runner, lang):
    from tests.conftest import csrf_token

    campaign_id, email, password = demo(app, runner)
    client = sign_in(app, email, password, "curator")
    client.get(f"/lang/{lang}")
    page = client.get(f"/staff/campaigns/{campaign_id}/export").get_data(as_text=True)
    data = {"csrf_token": csrf_token(page), "fmt": "xlsx", "delimiter": ","}
    started = client.post(f"/staff/campaigns/{campaign_id}/export", data=data)
    job_id = int(started.headers["Location"].rstrip("/").split("/")[-1])
    assert wait_for(app, job_id).status == "done"  # built in a thread, with no request to ask
    with app.app_context():
        assert db.session.get(ExportJob, job_id).options["locale"] == lang
    book = openpyxl.load_workbook(io.BytesIO(client.get(f"/staff/exports/{job_id}/download").data))
    expected = {"en": ["About this file", "Codebook", "Aggregates"], "ru": ["О файле", "Кодовая книга", "Сводка"]}
    assert book.sheetnames[:3] == expected[lang]


def test_csv_numbers_are_unrounded_and_the_readme_says_so(app, runner, tmp_path):
    campaign_id, _email, _password = demo(app, runner)
    path = tmp_path / "x.zip"
    assert runner.invoke(args=["export", str(campaign_id), "--format", "csv", "-o", str(path)]).exit_code == 0
    archive = zipfile.ZipFile(path)
    readme = archive.read(archive.namelist()[0]).decode("utf-8-sig")
    assert "полное значение, в файлах CSV и JSON тоже" in readme
    aggregates = next(n for n in archive.namelist() if n.endswith("Сводка.csv"))
    text = archive.read(aggregates).decode("utf-8-sig")
    decimals = [len(x.split(".")[1]) for x in re.findall(r"(?<=,)-?\d+\.\d+(?=,|\r?\n)", text)]
    assert decimals and max(decimals) > 3  # full precision, as documented
