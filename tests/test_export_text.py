"""The CSV (ZIP of CSV files) and JSON writers: real files, read back with zipfile, csv and json."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import tracemalloc
import zipfile

import pytest

from surveys.core.contracts import Sheet
from surveys.core.export import WriteReport, sheet_names
from surveys.core.export_text import write_csv, write_json

LONG = "длинный текст " * 2857 + "конец"  # 40,003 characters: more than an Excel cell holds
assert len(LONG) > 40_000
HOSTILE = [
    "=SUM(A1)",
    "+1",
    "-2",
    "@x",
    "\tTAB",
    "\rCR",
    "\nLF",
    "<script>alert(1)</script>",
    "a\x00b\x07c",
    LONG,
    "Привет, мир; ёлка",
    'a,b;c "quoted"\nsecond line\r\nthird',
]
# What a spreadsheet must see: formulas inert behind an apostrophe, control characters replaced.
HOSTILE_IN_CSV = [
    "'=SUM(A1)",
    "'+1",
    "'-2",
    "'@x",
    "'\tTAB",
    "'\rCR",
    "'\nLF",
    "<script>alert(1)</script>",
    "a\ufffdb\ufffdc",
    LONG,
    "Привет, мир; ёлка",
    'a,b;c "quoted"\nsecond line\r\nthird',
]
WHEN = dt.datetime(2024, 5, 1, 9, 30, 15)
DAY = dt.date(2024, 5, 1)


def read_zip(path, delimiter=","):
    """{member name: rows} in archive order, each CSV parsed with the csv module."""
    with zipfile.ZipFile(path) as archive:
        result = {}
        for name in archive.namelist():
            with archive.open(name) as raw:
                text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
                result[name] = list(csv.reader(text, delimiter=delimiter))
        return result


def two_sheets():
    return [
        Sheet(
            "answers",
            ["participant", "score", "done", "note", "missing", "when", "day"],
            [
                ("p1", -2.5, True, "ok", None, WHEN, DAY),
                ("p2", 3, False, "Ответ", float("nan"), WHEN, DAY),
            ],
        ),
        Sheet("scores", ["scale", "value"], (row for row in [("anxiety", 0.1), ("burnout", float("inf"))])),
    ]


# --- CSV ------------------------------------------------------------------------------------


def test_csv_two_sheets_in_order_with_bom_header_and_converted_cells(tmp_path):
    target = tmp_path / "export.zip"
    report = WriteReport()
    write_csv(two_sheets(), target, report=report)

    with zipfile.ZipFile(target) as archive:
        assert archive.namelist() == ["01-answers.csv", "02-scores.csv"]
        for name in archive.namelist():
            raw = archive.read(name)
            assert raw.startswith(b"\xef\xbb\xbf")
            assert not raw[3:].startswith(b"\xef\xbb\xbf")  # one BOM, not two
            assert archive.getinfo(name).compress_type == zipfile.ZIP_DEFLATED
    tables = read_zip(target)
    assert tables["01-answers.csv"] == [
        ["participant", "score", "done", "note", "missing", "when", "day"],
        ["p1", "-2.5", "1", "ok", "", "2024-05-01 09:30:15", "2024-05-01"],
        ["p2", "3", "0", "Ответ", "", "2024-05-01 09:30:15", "2024-05-01"],
    ]
    assert tables["02-scores.csv"] == [["scale", "value"], ["anxiety", "0.1"], ["burnout", ""]]
    assert report.rows == {"answers": 2, "scores": 2}


def test_csv_single_sheet_is_still_a_zip(tmp_path):
    target = tmp_path / "one.zip"
    write_csv([Sheet("only", ["a"], [])], target)
    assert zipfile.is_zipfile(target)
    assert read_zip(target) == {"01-only.csv": [["a"]]}


def test_csv_hostile_strings_are_inert_and_whole(tmp_path):
    target = tmp_path / "hostile.zip"
    write_csv([Sheet("hostile", ["text"], [(text,) for text in HOSTILE])], target)

    rows = read_zip(target)["01-hostile.csv"]
    assert rows[0] == ["text"]
    assert [row[0] for row in rows[1:]] == HOSTILE_IN_CSV
    assert all(len(row) == 1 for row in rows)  # delimiters, quotes and newlines stayed inside their cell
    assert len(rows[1 + HOSTILE.index(LONG)][0]) == len(LONG)


def test_csv_formula_like_header_is_inert(tmp_path):
    target = tmp_path / "header.zip"
    write_csv([Sheet("t", ["=cmd|' /C calc'!A0", "fine"], [(1, 2)])], target)
    assert read_zip(target)["01-t.csv"] == [["'=cmd|' /C calc'!A0", "fine"], ["1", "2"]]


@pytest.mark.parametrize(
    ("delimiter", "expected"),
    [
        (",", ["-2.5", "-2", "1234567", "0.001", "'-2", "x;y", "x,y"]),
        (";", ["-2,5", "-2", "1234567", "0,001", "'-2", "x;y", "x,y"]),
    ],
)
def test_csv_numbers_stay_numbers_with_either_delimiter(tmp_path, delimiter, expected):
    target = tmp_path / "numbers.zip"
    columns = ["float", "int", "big", "small", "text", "semicolon", "comma"]
    write_csv([Sheet("n", columns, [(-2.5, -2, 1234567, 0.001, "-2", "x;y", "x,y")])], target, delimiter=delimiter)

    with zipfile.ZipFile(target) as archive:
        first_line = archive.read("01-n.csv").decode("utf-8-sig").splitlines()[0]
    assert first_line == delimiter.join(columns)
    assert read_zip(target, delimiter)["01-n.csv"][1] == expected


def test_csv_rejects_other_delimiters(tmp_path):
    target = tmp_path / "bad.zip"
    with pytest.raises(ValueError, match="delimiter"):
        write_csv(two_sheets(), target, delimiter="|")
    assert not target.exists()


def test_csv_member_names_are_safe_distinct_and_ordered(tmp_path):
    names = [
        "answers instrument_with_a_very_long_name_1",
        "answers instrument_with_a_very_long_name_2",
        "a/b",
        "A/B",
        "../../etc/passwd",
        "Ответы: анкета\x01",
        "...",
    ]
    target = tmp_path / "names.zip"
    report = WriteReport()
    write_csv([Sheet(name, ["n"], [(i,)]) for i, name in enumerate(names)], target, report=report)

    with zipfile.ZipFile(target) as archive:
        members = archive.namelist()
        contents = [archive.read(m).decode("utf-8-sig").splitlines()[1] for m in members]
    assert len(members) == len(names)
    assert len({m.lower() for m in members}) == len(names)
    assert [m[:3] for m in members] == [f"{i:02d}-" for i in range(1, len(names) + 1)]
    assert contents == [str(i) for i in range(len(names))]  # each file holds its own sheet, in order
    for member in members:
        assert re.fullmatch(r"\d{2}-[\w.-]+\.csv", member), member
        assert "/" not in member and "\\" not in member and ".." not in member
        assert len(member) > len("01-.csv")
    assert members[0] != members[1]
    assert "Ответы" in members[5]  # Cyrillic letters are kept
    # The report uses the tables' sheet names, as the XLSX writer does.
    assert list(report.rows) == sheet_names(names)
    assert all(count == 1 for count in report.rows.values())


# --- JSON -----------------------------------------------------------------------------------


def test_json_document_keeps_types_meta_and_text(tmp_path):
    target = tmp_path / "export.json"
    meta = {"campaign": "Осень", "exported_at": WHEN, "waves": ["pre", "post"], "individual": True}
    sheets = [
        Sheet(
            "answers",
            ["participant", "score", "done", "note", "missing", "when", "day", "count"],
            [
                ("p1", -2.5, True, "=SUM(A1)", None, WHEN, DAY, 3),
                ("p2", float("nan"), False, LONG, float("-inf"), WHEN, DAY, 0),
            ],
        ),
        Sheet("a/b", ["text"], (row for row in [(text,) for text in HOSTILE])),
    ]
    report = WriteReport()
    write_json(sheets, target, meta=meta, report=report)

    raw = target.read_bytes()
    assert raw.startswith(b"{")  # no BOM
    assert "Осень".encode() in raw  # UTF-8, not \u escapes
    with open(target, encoding="utf-8") as handle:
        doc = json.load(handle)
    assert doc["meta"] == {
        "campaign": "Осень",
        "exported_at": "2024-05-01T09:30:15",
        "waves": ["pre", "post"],
        "individual": True,
    }
    first, second = doc["tables"]
    assert first["name"] == "answers"
    assert first["columns"] == ["participant", "score", "done", "note", "missing", "when", "day", "count"]
    assert first["rows"] == [
        ["p1", -2.5, True, "=SUM(A1)", None, "2024-05-01T09:30:15", "2024-05-01", 3],
        ["p2", None, False, LONG, None, "2024-05-01T09:30:15", "2024-05-01", 0],
    ]
    assert first["rows"][0][2] is True and first["rows"][1][7] == 0 and first["rows"][1][7] is not False
    assert len(first["rows"][1][3]) == len(LONG)
    assert second["name"] == "a_b"
    assert [row[0] for row in second["rows"]] == HOSTILE  # text unchanged: no apostrophes, no replacements
    assert report.rows == {"answers": 2, "a_b": len(HOSTILE)}


def test_json_without_meta_or_rows_is_valid(tmp_path):
    target = tmp_path / "empty.json"
    write_json([Sheet("empty", ["a", "b"], [])], target)
    assert json.loads(target.read_text(encoding="utf-8")) == {
        "meta": {},
        "tables": [{"name": "empty", "key": "empty", "columns": ["a", "b"], "column_keys": ["a", "b"], "rows": []}],
    }
    # A sheet with ids for itself and its columns carries them beside its names.
    write_json([Sheet("Сводка", ["Среднее", "n"], [[1.23456789, 3]], key="aggregates", keys=["mean", "n"])], target)
    [table] = json.loads(target.read_text(encoding="utf-8"))["tables"]
    assert (table["name"], table["key"]) == ("Сводка", "aggregates")
    assert (table["columns"], table["column_keys"]) == (["Среднее", "n"], ["mean", "n"])
    assert table["rows"] == [[1.23456789, 3]]  # full precision: JSON is for machines


# --- Streaming ------------------------------------------------------------------------------

TOTAL = 200_000


class OnceRows:
    """Rows made on the fly that may be iterated only once; counts what was taken."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.iterations = 0
        self.yielded = 0

    def __iter__(self):
        self.iterations += 1
        if self.iterations > 1:
            raise AssertionError("rows iterated twice")
        for i in range(self.total):
            self.yielded += 1
            yield (i, f"participant-{i:06d}", i / 7, "=1+1" if i % 2 else None, WHEN)


def _stream(writer, target):
    rows = OnceRows(TOTAL)
    calls: list[int] = []
    report = WriteReport()
    tracemalloc.start()
    try:
        sheet = Sheet("big", ["n", "who", "ratio", "text", "when"], rows)
        writer([sheet], target, progress=calls.append, report=report)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert rows.iterations == 1 and rows.yielded == TOTAL
    assert peak < 20 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"
    assert calls == sorted(calls)
    assert calls[:-1] == list(range(1000, TOTAL + 1, 1000))  # every 1000 rows …
    assert calls[-1] == TOTAL  # … and once at the end
    assert report.rows == {"big": TOTAL}


def test_csv_streams_a_large_generator_in_constant_memory(tmp_path):
    target = tmp_path / "big.zip"
    _stream(write_csv, target)

    with zipfile.ZipFile(target) as archive, archive.open("01-big.csv") as raw:
        reader = csv.reader(io.TextIOWrapper(raw, encoding="utf-8-sig", newline=""))
        assert next(reader) == ["n", "who", "ratio", "text", "when"]
        count = 0
        for count, row in enumerate(reader, start=1):
            if count in (1, 2, TOTAL):
                i = count - 1
                assert row == [str(i), f"participant-{i:06d}", repr(i / 7), "'=1+1" if i % 2 else "", str(WHEN)]
    assert count == TOTAL


def test_json_streams_a_large_generator_in_constant_memory(tmp_path):
    target = tmp_path / "big.json"
    _stream(write_json, target)

    with open(target, encoding="utf-8") as handle:
        rows = json.load(handle)["tables"][0]["rows"]
    assert len(rows) == TOTAL
    assert rows[1] == [1, "participant-000001", 1 / 7, "=1+1", "2024-05-01T09:30:15"]
    assert rows[-1][0] == TOTAL - 1
