"""XLSForm import at scale (issue 24, item 4): what the linear-time bookkeeping must keep, and guards that
count the work done (never the time taken). The figures are in docs/performance.md (bench/bench_xlsform.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from surveys.instruments import xlsform_sheets
from surveys.instruments.xlsform import convert
from surveys.instruments.xlsform_pages import PageBuilder
from surveys.instruments.xlsform_results import Item, Page, RowProblem
from surveys.instruments.xlsform_sheets import ChoiceLists, Ids, Row, Sheet, Texts
from tests.xlsform_books import form, run_import, workbook

YES_NO = [["list_name", "name", "label"], ["yes_no", "yes", "Да"], ["yes_no", "no", "Нет"]]


@pytest.fixture
def runner(make_app):
    """The command's report in English, as these tests read it."""
    return make_app(SURVEYS_DEFAULT_LOCALE="en").test_cli_runner()


def messages(conversion) -> list[str]:
    return [str(problem).split(":", 1)[1] for problem in conversion.problems]


def ids_of(definition) -> list[list[str]]:
    return [[question["id"] for question in page["questions"]] for page in definition["pages"]]


class CountingDict(dict):
    """A dict that counts the membership tests made on it."""

    probes = 0

    def __contains__(self, key) -> bool:
        CountingDict.probes += 1
        return super().__contains__(key)


def test_repeated_names_get_suffixes_in_order_each_naming_the_first_row(tmp_path):
    rows = [["text", "same", "Один"], ["text", "same_2", "Два"], ["text", "same", "Три"], ["text", "same", "Четыре"]]
    rows += [["text", "same_4", "Пять"], ["text", "same", "Шесть"]]
    conversion = convert(form(tmp_path, rows))
    assert ids_of(conversion.definition) == [["same", "same_2", "same_3", "same_4", "same_4_2", "same_5"]]
    assert messages(conversion) == [
        "survey:4: name 'same' gives the id 'same', already used at row 2; imported as 'same_3'",
        "survey:5: name 'same' gives the id 'same', already used at row 2; imported as 'same_4'",
        "survey:6: name 'same_4' gives the id 'same_4', already used at row 5; imported as 'same_4_2'",
        "survey:7: name 'same' gives the id 'same', already used at row 2; imported as 'same_5'",
    ]


def test_ids_skip_suffixes_taken_after_the_last_repeat():
    ids = Ids()
    assert [ids.claim("a", 2), ids.claim("a", 3)] == [("a", None), ("a_2", 2)]
    assert ids.claim("a_3", 4) == ("a_3", None)  # taken by a name of its own between two repeats of "a"
    assert ids.claim("a_4", 5) == ("a_4", None)
    assert [ids.claim("a", 6), ids.claim("a", 7), ids.claim("b", 8)] == [("a_5", 2), ("a_6", 2), ("b", None)]


def smallest_free(taken: dict[str, int], wanted: str) -> str:
    """The rule the ids follow, done the slow way: ``wanted``, else its smallest free suffix from 2."""
    number = 2
    while wanted in taken and f"{wanted}_{number}" in taken:
        number += 1
    return wanted if wanted not in taken else f"{wanted}_{number}"


@given(st.lists(st.sampled_from(["a", "a_2", "a_3", "a_2_2", "b", "a_4"]), max_size=40))
def test_ids_are_the_smallest_free_suffix_whatever_the_order_of_names(names):
    ids, reference = Ids(), {}
    for row, wanted in enumerate(names, start=2):
        expected = smallest_free(reference, wanted)
        first = reference.get(wanted) if expected != wanted else None
        reference[expected] = row
        assert ids.claim(wanted, row) == (expected, first)


def test_many_repeats_of_one_name_cost_a_few_lookups_each(monkeypatch):
    ids = Ids()
    ids.taken = CountingDict()
    CountingDict.probes = 0
    claimed = [ids.claim("item", row)[0] for row in range(2, 2002)]
    assert claimed == ["item", *(f"item_{n}" for n in range(2, 2001))]
    assert CountingDict.probes <= 3 * len(claimed)  # counting suffixes from 2 each time made two million


def test_each_problem_is_reported_once_in_sheet_and_row_order(tmp_path):
    survey = [
        ["type", "name", "label", "relevant", "appearance"],
        ["begin group", "g", "Группа", "count(${a}) > 1"],  # one unsupported relevant, repeated in 3 questions
        ["text", "a", "А", None, "minimal"],
        ["text", "b", "Б", None, "minimal"],
        ["text", "c", "В"],
        ["end group"],
        ["end group"],
        ["end group"],
    ]
    settings = [["form_id", "style"], ["scale", "pages"]]
    conversion = convert(workbook(tmp_path / "form.xlsx", survey, YES_NO, settings))
    assert messages(conversion) == [
        "settings:2: note: settings not used here: style",
        "survey:2: relevant 'count(${a}) > 1' is not supported (a test must compare a ${question} with a value); "
        "the group's questions are imported without it",
        "survey:3: appearance 'minimal' is not supported; ignored",
        "survey:4: appearance 'minimal' is not supported; ignored",
        "survey:7: 'end group' without a 'begin group'; ignored",
        "survey:8: 'end group' without a 'begin group'; ignored",
    ]


def test_many_problems_are_kept_without_comparing_each_with_all_before(tmp_path, monkeypatch):
    rows = [["geopoint", f"place_{n}", f"Место {n}"] for n in range(600)] + [["text", "last", "Конец"]]
    compared = []
    equal = RowProblem.__eq__
    monkeypatch.setattr(RowProblem, "__eq__", lambda self, other: compared.append(1) or equal(self, other))
    conversion = convert(form(tmp_path, rows))
    assert len(conversion.problems) == 600
    assert str(conversion.problems[599]).endswith(":survey:601: type 'geopoint' is not supported; the row is skipped")
    assert len(compared) < 600  # a list scan compared each new problem with all before it: 180,000 times


def test_pages_split_where_a_condition_reads_the_page_and_only_there(tmp_path, runner):
    rows = [
        ["begin group", "intro", "Начало"],
        ["select_one yes_no", "a", "А"],
        ["select_one yes_no", "b", "Б"],
        ["text", "c", "В", "${a} = 'yes'"],  # reads a, on this page: split
        ["text", "d", "Г", "${b} = 'yes'"],  # b is on the page before now: no split
        ["text", "e", "Д", "${c} != ''"],  # c is on this page: split again
        ["text", "f", "Е", "${a} = 'no'"],
        ["end group"],
        ["text", "loose", "Вне группы", "${e} != ''"],  # a page of its own; e is on another page
    ]
    path = form(tmp_path, rows, YES_NO)
    conversion = convert(path)
    pages = conversion.definition["pages"]
    assert [page["id"] for page in pages] == ["intro", "intro_2", "intro_3", "page_2"]
    assert [page.get("title") for page in pages] == ["Начало", "Начало", "Начало", None]
    assert ids_of(conversion.definition) == [["a", "b"], ["c", "d"], ["e", "f"], ["loose"]]
    assert pages[1]["questions"][1]["show_if"] == {"question": "b", "equals": "yes"}
    assert messages(conversion) == [
        "survey:5: note: relevant uses an answer on the same page, so the page is split here",
        "survey:7: note: relevant uses an answer on the same page, so the page is split here",
    ]
    assert run_import(runner, path).exit_code == 0


def test_a_long_page_read_by_its_own_questions_splits_each_time(tmp_path):
    rows = [["integer", "q0", "Вопрос 0"]]
    rows += [["integer", f"q{n}", f"Вопрос {n}", f"${{q{n - 1}}} > 0"] for n in range(1, 300)]
    conversion = convert(form(tmp_path, rows))
    assert ids_of(conversion.definition) == [[f"q{n}"] for n in range(300)]
    assert [page["id"] for page in conversion.definition["pages"]][:3] == ["page_1", "page_1_2", "page_1_3"]
    assert len(conversion.problems) == 299


def test_choice_lists_still_skip_repeated_values_as_numbers_and_text(tmp_path):
    choices = [["list_name", "name", "label"], ["n", 1, "Один"], ["n", "1", "Один снова"], ["n", "01", "Ноль один"]]
    choices += [["n", "two", "Два"], ["n", "two", "Два снова"], ["n", 2.0, "Два числом"]]
    choices += [["long", f"v{n}", f"Значение {n}"] for n in range(2000)] + [["long", "v17", "Повтор"]]
    rows = [["select_one n", "n", "Число"], ["select_one long", "many", "Много"]]
    conversion = convert(form(tmp_path, rows, choices))
    values = {name: [c["value"] for c in listed] for name, listed in conversion.definition["choices"].items()}
    assert values["n"] == [1, "01", "two", 2]
    assert values["long"] == [f"v{n}" for n in range(2000)]
    assert messages(conversion) == [
        "choices:3: a choice of list 'n': '1' is listed twice; skipped",
        "choices:6: a choice of list 'n': 'two' is listed twice; skipped",
        "choices:2008: a choice of list 'long': 'v17' is listed twice; skipped",
    ]


class ReadCounting(dict):
    """A question whose every read of a key is counted."""

    reads = 0

    def __getitem__(self, key):
        ReadCounting.reads += 1
        return super().__getitem__(key)


def test_a_long_page_costs_a_few_reads_per_question():
    items = [Item(2, "q0", "integer", ReadCounting(id="q0", type="number", text="0"))]
    for n in range(1, 1000):
        question = ReadCounting(id=f"q{n}", type="number", text=str(n))
        items.append(Item(n + 2, f"q{n}", "integer", question, conditions=[(n + 2, "${q0} > 0", False)]))
    warned = []
    ReadCounting.reads = 0
    pages = PageBuilder(lambda *problem, **note: warned.append(problem)).finish([Page("long", None, items)])
    assert [len(page["questions"]) for page in pages] == [1, 999]  # split once: q0 is then on the page before
    assert pages[1]["questions"][0]["show_if"] == {"question": "q0", "min": 1}
    assert warned == [("survey", 3, "relevant uses an answer on the same page, so the page is split here")]
    assert ReadCounting.reads <= 5 * len(items)  # rebuilding the page's ids per question read 500,000 times


def test_a_long_choice_list_turns_each_value_to_text_a_few_times(monkeypatch):
    sheet = Sheet("choices", ["list_name", "name", "label"])
    sheet.rows = [Row(n + 2, {"list_name": "long", "name": f"v{n}", "label": f"Значение {n}"}) for n in range(2000)]
    texts = Texts(lambda *problem, **note: None, "ru")
    texts.learn(sheet)
    calls = []
    monkeypatch.setattr(xlsform_sheets, "str", lambda value: calls.append(1) or f"{value}", raising=False)
    built = ChoiceLists(sheet, texts, lambda *problem, **note: None).get("long")
    assert [choice["value"] for choice in built.choices] == [f"v{n}" for n in range(2000)]
    assert len(calls) <= 2 * 2000  # a set of the values rebuilt per choice turned two million to text
