"""The method note and the numbers of the comparison in the interface language (issue 21): the same
figures in English and in Russian, with the decimal separator of each."""

from __future__ import annotations

import re

from plugins.comparison.disclosed import disclosed
from plugins.comparison.method_note import note_table
from plugins.comparison.numbers import decimal, p_value
from plugins.comparison.report import build_report
from surveys.core.contracts import CampaignTables, ScoreRow, Sheet, WaveInfo
from surveys.core.definitions import Instrument, Scale
from surveys.core.published import reveal
from surveys.core.text import Text

IN, OUT = WaveInfo(1, "Вход", "input", 0), WaveInfo(2, "Выход", "output", 1)
TOTAL = Scale("total", Text("Тревога"), ("q1",), higher_is="worse", reliability=0.9, reliability_source="опубл.")
GAD = Instrument("gad", "1", Text("ГТР"), None, ("mentee",), (), (TOTAL,))
FORMS = {  # form: (before, after) per person
    "ученик–ученик": ([3, 7, 11, 15, 19, 9], [2, 6, 11, 13, 18, 8]),
    "учитель–ученик": ([4, 10, 16, 8, 12], [3, 9, 15, 8, 10]),
    "студент–ученик": ([5, 13, 17], [4, 12, 15]),
}
NUMBER = re.compile(r"(?<![\w])\d+(?:[.,]\d+)?")
DATA = re.compile(r"«[^»]*»|\([a-z]+\)|[а-яё]+–[а-яё]+ = \d|опубл\.")  # names, ids, codes: the school's data
CYRILLIC = re.compile("[А-Яа-яЁё]")


def campaign() -> CampaignTables:
    tables = CampaignTables("Весна", [IN, OUT])
    number = 0
    for form, (before, after) in FORMS.items():
        for b, a in zip(before, after, strict=True):
            code = f"p{number:02d}"
            number += 1
            for wave, value in ((IN, b), (OUT, a)):
                tables.scores.append(ScoreRow(code, wave.id, wave.name, wave.kind, "gad", "total", float(value)))
                row = {"participant": code, "form": form, "role": "mentee", "instrument": "gad", "answers": {}}
                tables.answers.append({**row, "wave": wave.name, "wave_id": wave.id})
    tables.scores.append(ScoreRow("left", IN.id, IN.name, IN.kind, "gad", "total", 6.0))
    return tables


def figures(text: str) -> list[str]:
    """Every number of a text in order, with a decimal point."""
    return [n.replace(",", ".") for n in NUMBER.findall(text)]


def report(language, in_language, **options):
    with in_language(language):
        return build_report(campaign(), {"gad": GAD}, IN.id, OUT.id, group_by="form", **options)


def test_the_note_is_english_in_english_and_russian_in_russian_with_the_same_figures(in_language):
    english, russian = report("en", in_language), report("ru", in_language)
    # The same numbers; the words are the note and the group of those without a form (the one who left).
    assert "not specified" in {r["group"] for r in english["scales"]}
    assert "не указано" in {r["group"] for r in russian["scales"]}
    for row in english["scales"]:
        row["group"] = "не указано" if row["group"] == "not specified" else row["group"]
    assert {k: v for k, v in english.items() if k != "method_note"} == {
        k: v for k, v in russian.items() if k != "method_note"
    }
    en, ru = english["method_note"], russian["method_note"]
    assert en.startswith("Comparison of the waves «Вход» (before) and «Выход» (after) of the campaign «Весна».")
    assert ru.startswith("Сравнение волн «Вход» (до) и «Выход» (после) кампании «Весна».")
    assert "\n\nBy scale:\n— «Тревога» (gad), all participants: n = 14 pairs; Wilcoxon test (exact p)" in en
    assert "\n\nПо шкалам:\n— «Тревога» (gad), все участники: n = 14 пар; критерий Уилкоксона (точное p)" in ru
    assert "group «студент–ученик»: n = 3 pairs (fewer than 5 pairs: hidden)." in en
    assert "группа «студент–ученик»: n = 3 пары (меньше 5 пар: скрыто)." in ru
    assert "RCI (reliability 0.90, published)" in en and "RCI (надёжность 0,90, опубликованная)" in ru
    assert "|RCI| > 1.96" in en and "|RCI| > 1,96" in ru
    # The English note has no Russian but the school's names; the Russian one no English sentence.
    assert not CYRILLIC.search(DATA.sub("", en)), DATA.sub("", en)
    assert not re.search(r"\b(the|pairs|test|of)\b", ru)
    # Paragraph by paragraph and line by line, the same figures in the same order.
    assert en.count("\n") == ru.count("\n") and figures(en) == figures(ru) and len(figures(en)) > 20


def test_the_note_of_a_disclosed_report_follows_the_language_too(in_language):
    built = report("en", in_language, with_people=True)
    with in_language("en"):
        en = disclosed(built, 5)["method_note"]
    with in_language("ru"):
        ru = disclosed(built, 5)["method_note"]
    assert "Participants in both waves: 14, in the first only: " in en and "Участники в обеих волнах: 14" in ru
    assert figures(en) == figures(ru) and "By scale:" in en and "По шкалам:" in ru


def test_the_workbooks_note_rows_are_the_note_in_each_language(in_language):
    built = report("ru", in_language, with_people=True)
    rows = {}
    for language in ("en", "ru"):
        with in_language(language):
            rows[language] = reveal([Sheet("note", ["text", "figures"], note_table(built))])[0].rows
    assert len(rows["en"]) == len(rows["ru"])
    assert [figures(str(figure)) for _text, figure in rows["en"]] == [figures(str(f)) for _t, f in rows["ru"]]
    en, ru = dict(rows["en"]), dict(rows["ru"])
    assert en["Participants in the first wave only"] == ru["Участники только в первой волне"] == 1
    assert en["— «Тревога» (gad), all participants"].startswith("n = 14 pairs; Wilcoxon test")
    assert ru["— «Тревога» (gad), все участники"].startswith("n = 14 пар; критерий Уилкоксона")
    assert "By scale:" in en and "По шкалам:" in ru


def test_decimals_take_the_separator_of_the_interface_language(in_language):
    with in_language("ru"):
        assert (decimal(44.44, 1), decimal(-0.125), decimal(0.5, 2, sign=True)) == ("44,4", "-0,12", "+0,50")
        assert (p_value(0.0004), p_value(0.0123), p_value(None), decimal(None)) == ("<0,001", "0,012", "—", "—")
    with in_language("en"):
        assert (decimal(44.44, 1), decimal(-0.125), decimal(0.5, 2, sign=True)) == ("44.4", "-0.12", "+0.50")
        assert (p_value(0.0004), p_value(0.001), p_value(1.0)) == ("<0.001", "0.001", "1.000")
    assert decimal(38.25, 1) == f"{38.25:.1f}" == "38.2"  # Python's rounding, as before; a point outside a request
