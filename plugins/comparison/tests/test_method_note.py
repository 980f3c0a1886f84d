"""The method note says what was computed: waves, n, tests, corrections, reliability, what was hidden."""

from __future__ import annotations

import pytest

from plugins.comparison.method_note import method_note
from plugins.comparison.report import build_report
from surveys.core.contracts import CampaignTables, ScoreRow, WaveInfo
from surveys.core.definitions import Band, Instrument, Scale
from surveys.core.text import Text

pytestmark = pytest.mark.usefixtures("russian")  # the note's Russian (test_method_note_language.py: both)
IN, OUT = WaveInfo(5, "Вход", "input", 0), WaveInfo(6, "Выход", "output", 1)
TOTAL = Scale(
    "total",
    Text("Общий балл"),
    ("q1",),
    higher_is="worse",
    bands=(Band("minimal", 0, 4, Text("Минимальная")), Band("mild", 5, 21, Text("Выраженная"))),
)
UNSIGNED = Scale("extra", Text("Без направления"), ("q1",))
GAD = Instrument("gad", "1", Text("ГТР"), None, ("mentee",), (), (TOTAL, UNSIGNED))
BEFORE = [12, 9, 14, 7, 10, 11, 8, 13, 6, 15, 9, 10]
AFTER = [8, 9, 10, 4, 7, 12, 5, 9, 6, 11, 7, 6]


def campaign(before_codes, after_codes, forms=None) -> CampaignTables:
    tables = CampaignTables("Весна", [IN, OUT])
    for wave, codes, values in ((IN, before_codes, BEFORE), (OUT, after_codes, AFTER)):
        for code, value in zip(codes, values, strict=False):
            band = TOTAL.band_for(value).id
            tables.scores.append(ScoreRow(code, wave.id, wave.name, wave.kind, "gad", "total", value, band))
            tables.scores.append(ScoreRow(code, wave.id, wave.name, wave.kind, "gad", "extra", value))
            form = (forms or {}).get(code, "ученик–ученик")
            row = {"participant": code, "form": form, "role": "mentee", "group": "9А", "instrument": "gad"}
            tables.answers.append({**row, "wave": wave.name, "wave_id": wave.id, "answers": {"q1": value}})
    return tables


CODES = [f"s{i:02d}" for i in range(12)]


def test_linked_note_names_the_waves_n_tests_corrections_and_reliability():
    report = build_report(
        campaign(CODES, CODES), {"gad": GAD}, IN.id, OUT.id, published_reliability={("gad", "total"): 0.89}
    )
    note = report["method_note"]
    assert note == method_note(report)  # deterministic
    assert "«Вход» (до) и «Выход» (после)" in note and "Участники в обеих волнах: 12" in note
    assert "Волны связаны по кодам участников" in note
    assert "«Общий балл» (gad), все участники: n = 12 пар" in note
    for used in ("Уилкоксона", "Пратту", "точное p при n ≤ 20", "парный t-критерий (df = 11)", "d_z", "Кёрби"):
        assert used in note
    assert "методом Холма" in note and "все участники — 2" in note
    assert "Якобсона–Труакса" in note and "опубликованная надёжность — для шкал «Общий балл»" in note
    assert "критерий Мак-Немара" in note and "«Нормализация»" in note
    assert "Строки, где меньше 5 пар, скрыты" in note and "от 5 до 9" in note
    # The scale without a direction gets no RCI, and the note says why.
    assert "у шкалы не указано, лучше или хуже более высокий балл: надёжные изменения не делятся" in note


def test_hidden_groups_and_small_samples_are_explained():
    forms = {code: "учитель–ученик" for code in CODES[:3]}
    report = build_report(campaign(CODES, CODES, forms), {"gad": GAD}, IN.id, OUT.id, group_by="form")
    note = report["method_note"]
    assert "отдельно по форме наставничества" in note
    assert "группа «учитель–ученик»: n = 3 пары (меньше 5 пар: скрыто)" in note
    assert "скрыто, чтобы по общему итогу нельзя было вычислить данные меньшей скрытой группы" in note
    few = build_report(campaign(CODES[:7], CODES[:7]), {"gad": GAD}, IN.id, OUT.id)
    # One item: no input alpha and no published value, so no RCI either.
    assert (
        "n = 7 пар (меньше 10 пар: только описательные статистики, без критериев; нет надёжности для RCI"
        in (few["method_note"])
    )
    assert "Уилкоксона" not in few["method_note"].split("По шкалам:")[1]


def test_unlinked_note_says_the_comparison_is_weaker():
    others = [f"t{i:02d}" for i in range(12)]
    report = build_report(campaign(CODES, others), {"gad": GAD}, IN.id, OUT.id)
    note = report["method_note"]
    assert "Ни один код участника не встречается в обеих волнах" in note
    assert "Манна–Уитни" in note and "более слабое доказательство" in note
    assert "n = 12 до и 12 после" in note and "p критерия Манна–Уитни скорректированы методом Холма" in note
    assert "Волны связаны" not in note


def test_a_campaign_without_repeated_scales():
    report = build_report(CampaignTables("Пусто", [IN, OUT]), {"gad": GAD}, IN.id, OUT.id)
    assert report["scales"] == [] and "Ни одна шкала не измерялась в обеих волнах." in report["method_note"]
