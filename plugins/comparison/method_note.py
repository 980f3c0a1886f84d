"""A plain-language note in Russian on how a comparison report was computed.

:func:`method_note` reads only the report dict (:func:`.report.build_report`) and says what was
actually done: which waves, whether they were linked, the thresholds, the tests used with their n,
the corrections, the reliability behind the RCI, what was hidden and why. The same report always
gives the same text.

:func:`note_table` gives the same note as the rows of the workbook's ``comparison method`` sheet:
explanations as plain text, and each figure computed from a group of people (the attrition counts,
each scale's line) wrapped in ``counted`` with those people's codes, so that the export's
disclosure policy can hide it (surveys/core/published.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from surveys.core.published import counted

GROUP_NAMES = {
    "form": "форме наставничества",
    "role": "роли участника",
    "group": "классу (группе)",
    "variant": "варианту пары",
    "mentor": "наставнику",
}
FACTOR_NAMES = {
    "form": "форма наставничества",
    "variant": "вариант пары",
    "satisfaction": "индекс удовлетворённости",
    "meetings": "число встреч",
}
NO_SCALES = "Ни одна шкала не измерялась в обеих волнах."
CODED = {"form": "Формы наставничества", "variant": "Варианты пар"}
REASONS = {
    "no pairs": "нет ни одной пары",
    "hidden so that a smaller hidden group cannot be worked out from the total": (
        "скрыто, чтобы по общему итогу нельзя было вычислить данные меньшей скрытой группы"
    ),
    "differences do not vary: t-test and d_z undefined": "все разности одинаковы: t-критерий и d_z не определены",
    "all differences are zero: Wilcoxon test undefined": "все разности равны нулю: критерий Уилкоксона не определён",
    "one pair: t-test and d_z undefined": "одна пара: t-критерий и d_z не определены",
    "the scale has no direction (higher_is): no reliable change classes": (
        "у шкалы не указано направление (higher_is): RCI не классифицируется"
    ),
    "no reliability for the RCI (no published value, input alpha unavailable)": (
        "нет надёжности для RCI (нет опубликованного значения, альфа входной волны недоступна)"
    ),
    "before scores do not vary: RCI undefined": "баллы входной волны не различаются: RCI не определён",
}
ATTRITION = (
    ("both", "Участники в обеих волнах"),
    ("before_only", "только в первой"),
    ("after_only", "только во второй"),
)
ATTRITION_ROWS = {
    "both": "Участники в обеих волнах",
    "before_only": "Участники только в первой волне",
    "after_only": "Участники только во второй волне",
}


def _num(x: float, digits: int = 2) -> str:
    return f"{x:.{digits}f}".replace(".", ",").replace("-", "−")


def _reason(reason: str, min_group: int, min_pairs: int) -> str:
    parts = []
    for part in reason.split("; "):
        if part == f"fewer than {min_group} pairs":
            parts.append(f"меньше {min_group} пар: скрыто")
        elif part == f"fewer than {min_pairs} pairs":
            parts.append(f"меньше {min_pairs} пар: только описательные статистики")
        elif part == f"fewer than {min_group} participants in a wave":
            parts.append(f"в одной из волн меньше {min_group} участников: скрыто")
        elif part == f"fewer than {min_pairs} participants in a wave":
            parts.append(f"в одной из волн меньше {min_pairs} участников: только описательные статистики")
        else:
            parts.append(REASONS.get(part, part))
    return "; ".join(parts)


def _pairs_word(n: int) -> str:
    if n % 10 == 1 and n % 100 != 11:
        return "пара"
    if n % 10 in (2, 3, 4) and n % 100 not in (12, 13, 14):
        return "пары"
    return "пар"


def _row_subject(row: Mapping[str, Any]) -> str:
    who = "все участники" if row["group"] is None else f"группа «{row['group']}»"
    return f"— «{row['title']}» ({row['instrument']}), {who}"


def _row_counts(row: Mapping[str, Any], linked: bool) -> str:
    marks = row.get("marks") or {}  # a disclosed report: a hidden count says why instead
    if linked:
        n = row["n_pairs"]
        return f"n = {marks['n']}" if n is None and "n" in marks else f"n = {n} {_pairs_word(n)}"
    before = marks.get("before", row["before"]["n"]) if row["before"]["n"] is None else row["before"]["n"]
    after = marks.get("after", row["after"]["n"]) if row["after"]["n"] is None else row["after"]["n"]
    return f"n = {before} до и {after} после"


def _row_tail(row: Mapping[str, Any], min_group: int, min_pairs: int) -> str:
    """What was computed for the row and why something was not: "; критерий … (причина)", or ""."""
    done = []
    if row["wilcoxon"]:
        exact = "точное p" if row["wilcoxon"]["method"] == "exact" else "нормальное приближение"
        done.append(f"критерий Уилкоксона ({exact})")
    if row["t_test"]:
        done.append(f"парный t-критерий (df = {row['t_test']['df']})")
    if row["independent"]:
        done.append("критерий Манна–Уитни и дельта Клиффа")
    if row["rci"]:
        source = "опубликованная" if row["rci"]["reliability_source"] == "published" else "альфа входной волны"
        done.append(f"RCI (надёжность {_num(row['rci']['reliability'])}, {source})")
    if row["bands"] and row["bands"]["test"]:
        done.append(f"критерий {'Мак-Немара' if row['bands']['test']['name'] == 'McNemar' else 'Боукера'}")
    text = "; " + ", ".join(done) if done else ""
    if row["reason"]:
        text += f" ({_reason(row['reason'], min_group, min_pairs)})"
    return text


def _row_line(row: Mapping[str, Any], linked: bool, min_group: int, min_pairs: int) -> str:
    return f"{_row_subject(row)}: {_row_counts(row, linked)}{_row_tail(row, min_group, min_pairs)}."


def _opening(report: Mapping[str, Any]) -> str:
    return (
        f"Сравнение волн «{report['before']['name']}» (до) и «{report['after']['name']}» (после) "
        f"кампании «{report['campaign']}»."
    )


def _paragraphs(report: Mapping[str, Any]) -> list[str]:
    att = {**report["attrition"], **(report.get("attrition_marks") or {})}
    out = [_opening(report) + " " + ", ".join(f"{label}: {att[key]}" for key, label in ATTRITION) + "."]
    out += _explanations(report)
    rows: Sequence[Mapping[str, Any]] = report["scales"]
    if rows:
        lines = [_row_line(r, report["linked"], report["min_group"], report["min_pairs"]) for r in rows]
        out.append("По шкалам:\n" + "\n".join(lines))
    else:
        out.append(NO_SCALES)
    return out


def _explanations(report: Mapping[str, Any]) -> list[str]:
    """The paragraphs between the opening and the scales: how it was done, no group's figures."""
    rows: Sequence[Mapping[str, Any]] = report["scales"]
    min_group, min_pairs, linked = report["min_group"], report["min_pairs"], report["linked"]
    out = []
    if linked:
        out.append(
            "Волны связаны по кодам участников: сравниваются результаты одних и тех же людей "
            "(парное сравнение, разность «после − до»). Участник без балла по шкале в одной из волн "
            "не входит в сравнение по этой шкале."
        )
    else:
        out.append(
            "Ни один код участника не встречается в обеих волнах, поэтому сравнивались две независимые "
            "группы: критерий Манна–Уитни U (двусторонний) и дельта Клиффа. Это более слабое доказательство, "
            "чем парное сравнение: различие может объясняться тем, что волны прошли разные люди."
        )
    if report["group_by"]:
        out.append(f"Результаты приведены для всех участников и отдельно по {GROUP_NAMES[report['group_by']]}.")
    unit = "пар" if linked else "участников в волне"
    count = "число пар" if linked else "число участников в каждой волне"
    text = (
        f"Строки, где меньше {min_group} {unit}, скрыты (показано только число), чтобы нельзя было узнать "
        "результаты отдельных людей."
    )
    if min_pairs > min_group:
        text += (
            f" Если {count} от {min_group} до {min_pairs - 1}, показаны только описательные статистики "
            "(среднее, медиана, средняя разность), без статистических критериев."
        )
    out.append(text)
    if any(r["wilcoxon"] or r["t_test"] for r in rows):
        out.append(
            "Статистические критерии: критерий знаковых рангов Уилкоксона (нулевые разности учитываются "
            "по Пратту; точное p при n ≤ 20, иначе нормальное приближение с поправками на совпадения и нули); "
            "парный t-критерий Стьюдента; 95-процентный доверительный интервал средней разности "
            "(по t-распределению); размеры эффекта: d_z (средняя разность / стандартное отклонение разностей) "
            "и ранговая бисериальная корреляция Кёрби (совпавшие баллы входят в сумму рангов). "
            "Все критерии двусторонние, уровень значимости 0,05."
        )
    families: dict[Any, int] = {}
    for r in rows:
        if r["p_holm"] is not None:
            families[r["group"]] = families.get(r["group"], 0) + 1
    if families:
        test = "Уилкоксона" if linked else "Манна–Уитни"
        sizes = ", ".join(
            f"{'все участники' if g is None else f'«{g}»'} — {m}" for g, m in sorted(families.items(), key=_group_key)
        )
        out.append(
            f"Поправка на множественные сравнения: p критерия {test} скорректированы методом Холма "
            f"по шкалам внутри каждой группы (p_holm); число шкал: {sizes}."
        )
    rci = [r for r in rows if r["rci"]]
    if rci:
        published = sorted(
            {
                f"«{r['title']}»"
                + (f" ({r['rci']['reliability_citation']})" if r["rci"].get("reliability_citation") else "")
                for r in rci
                if r["rci"]["reliability_source"] == "published"
            }
        )
        alpha = sorted({f"«{r['title']}»" for r in rci if r["rci"]["reliability_source"] != "published"})
        sources = []
        if published:
            sources.append("опубликованная надёжность — для шкал " + ", ".join(published))
        if alpha:
            sources.append("альфа Кронбаха (или KR-20) ответов входной волны — для шкал " + ", ".join(alpha))
        out.append(
            "Индивидуальные изменения: индекс надёжного изменения Якобсона–Труакса, RCI = (после − до) / "
            "(√2 · SD_до · √(1 − r)), где SD_до — стандартное отклонение баллов «до» у сравниваемых участников; "
            "изменение надёжно при |RCI| > 1,96, его знак переводится в «улучшение» "
            "или «ухудшение» по направлению шкалы. Надёжность r: " + "; ".join(sources) + "."
        )
    if any(r["bands"] for r in rows):
        out.append(
            "Переходы между уровнями шкалы (таблица «до → после»): критерий Мак-Немара для двух уровней "
            "(точный биномиальный при менее чем 25 изменивших уровень, иначе χ² с поправкой на непрерывность) "
            "или критерий симметрии Боукера для трёх и более уровней. «Нормализация» — переход в уровень "
            "нормы (если он не задан явно: первый уровень шкалы, где больше — хуже, последний, где больше — лучше)."
        )
    if report["correlations"]:
        factors = sorted({c["factor"] for c in report["correlations"]})
        text = (
            "Связь изменений с факторами программы (" + ", ".join(FACTOR_NAMES.get(f, f) for f in factors) + "): "
            f"ранговая корреляция Спирмена ρ, без поправки на множественность; при n < {min_pairs} "
            "результат отмечен как ненадёжный (малая выборка)."
        )
        for factor in factors:
            codes = next((c["codes"] for c in report["correlations"] if c["factor"] == factor and c.get("codes")), None)
            if codes:
                listed = ", ".join(f"{name} = {code}" for name, code in sorted(codes.items(), key=lambda kv: kv[1]))
                text += f" {CODED.get(factor, factor)} закодированы числами по алфавиту: {listed}."
        if "meetings" in factors:
            text += (
                " Число встреч — сколько дневников встреч участник заполнил в волнах от входной до выходной; "
                "участники без единого дневника в этот расчёт не входят."
            )
        out.append(text)
    return out


def _group_key(item: tuple[Any, int]) -> tuple[int, str]:
    return (0, "") if item[0] is None else (1, str(item[0]))


def method_note(report: Mapping[str, Any]) -> str:
    """The method note of a comparison report, paragraphs separated by blank lines."""
    return "\n\n".join(_paragraphs(report))


def note_table(report: Mapping[str, Any]) -> list[list[Any]]:
    """The method note as ``[text, figures]`` rows, from a report built with ``with_people=True``.

    The attrition counts and each scale's line (n, the tests run, the reliability, the reason) are
    ``counted`` with the codes of the people they come from; a scale's line when the waves are not
    linked is split by wave (each wave's n from its own participants). The rest is plain text.
    """
    people, att = report["people"], report["attrition"]
    table: list[list[Any]] = [[_opening(report), None]]
    table += [[label, counted(att[key], people[key])] for key, label in ATTRITION_ROWS.items()]
    table += [[paragraph, None] for paragraph in _explanations(report)]
    if not report["scales"]:
        return [*table, [NO_SCALES, None]]
    table.append(["По шкалам:", None])
    for row in report["scales"]:
        subject, codes = _row_subject(row), row["people"]
        about = (row["instrument"], row["scale"])  # decided with that scale's aggregates in an export
        tail = _row_tail(row, report["min_group"], report["min_pairs"])
        if report["linked"]:
            table.append([subject, counted(f"{_row_counts(row, True)}{tail}.", codes["row"], about)])
            continue
        table.append([f"{subject}, до", counted(f"n = {row['before']['n']}", codes["before"], about)])
        table.append([f"{subject}, после", counted(f"n = {row['after']['n']}", codes["after"], about)])
        if tail:
            table.append([subject, counted(tail.removeprefix("; ").strip() + ".", codes["row"], about)])
    return table


def note_blocks(note: str) -> list[dict[str, Any]]:
    """The method note as blocks to render: ``{"text": paragraph}``, or ``{"text": heading, "list":
    lines}`` for a paragraph whose lines after the first are a list (the scales' «— …» lines)."""
    blocks: list[dict[str, Any]] = []
    for paragraph in note.split("\n\n"):
        first, *rest = paragraph.split("\n")
        if rest:
            blocks.append({"text": first, "list": [line.removeprefix("— ") for line in rest]})
        elif first:
            blocks.append({"text": first})
    return blocks
