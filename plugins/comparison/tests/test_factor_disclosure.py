"""The rank tests of a categorical factor under the disclosure policy: a category left out for being
small must not be given back by subtraction (the scale's pairs minus the test's n)."""

from __future__ import annotations

from plugins.comparison.disclosed import disclosed
from plugins.comparison.report import build_report
from plugins.comparison.tests.test_comparison_report import IN, INSTRUMENTS, OUT, tables


def people(sizes: dict[str, int]) -> dict[str, tuple]:
    """Everyone in both waves, in forms of the given sizes, with changes that vary."""
    out, number = {}, 0
    for form, size in sizes.items():
        for _ in range(size):
            number += 1
            a, w = number % 4, number % 3
            out[f"q{number:02d}"] = (form, "7А", [3, 3, 2, a], [1, 2, a, w], [2, 3, w + 1], [4, w + 2, a % 3 + 2])
    return out


def shown(report: dict, sizes: dict[str, int]) -> list[tuple[int | None, dict]]:
    """(the scale's pairs as shown, the form's test as shown) per scale, after the policy."""
    out = disclosed(report, 5)
    rows = {r["scale"]: r for r in out["scales"] if r["group"] is None}
    tests = [c for c in out["correlations"] if c["factor"] == "form"]
    assert tests and all("people" not in c and "people_by_category" not in c for c in tests)
    return [(rows[c["scale"]]["n_pairs"], c) for c in tests]


def test_a_small_category_left_out_cannot_be_worked_out_from_the_pairs_and_the_test():
    sizes = {"очная": 8, "онлайн": 6, "выездная": 2}
    report = build_report(tables(people(sizes)), INSTRUMENTS, IN.id, OUT.id, with_people=True)
    test = next(c for c in report["correlations"] if c["factor"] == "form")
    assert test["test"] == "mann_whitney" and test["left_out"] == ["выездная"] and test["n"] == 14
    assert test["people_left_out"] and len(test["people_left_out"]) == 2
    for n_pairs, entry in shown(report, sizes):
        # 16 pairs and a test over 14 would say the left-out form has 2: one of them is hidden
        assert n_pairs is None or entry["n"] is None, (n_pairs, entry["n"])
        assert entry["left_out"] == ["выездная"]  # the name stays: names are not personal, its count goes
        if entry["n"] is None:
            assert entry["hidden"] and entry["marks"]["n"] and entry["u"] is entry["p"] is None
            assert all(c["n"] is None for c in entry["categories"])


def test_without_a_small_category_the_test_and_its_categories_are_shown():
    sizes = {"очная": 8, "онлайн": 6, "выездная": 5}
    report = build_report(tables(people(sizes)), INSTRUMENTS, IN.id, OUT.id, with_people=True)
    for n_pairs, entry in shown(report, sizes):
        assert entry["test"] == "kruskal_wallis" and entry["left_out"] == [] and entry["n"] == n_pairs == 19
        assert {c["name"]: c["n"] for c in entry["categories"]} == sizes and entry["h"] is not None
        assert "hidden" not in entry


def test_the_workbook_method_sheet_says_which_test_for_which_factor(russian):
    from plugins.comparison.export import comparison_sheets

    sizes = {"очная": 8, "онлайн": 6, "выездная": 2}
    sheets = comparison_sheets(tables(people(sizes)), INSTRUMENTS, IN.id, OUT.id)
    method = " ".join(str(text) for text, _figures in sheets[1].rows)
    assert "критерий Манна–Уитни" in method and "Краскела–Уоллиса" in method
    assert "ранговая корреляция Спирмена" in method and "индекс удовлетворённости" in method
    assert "Не включены в критерий для фактора «форма наставничества»" in method and "«выездная»" in method
    assert "по алфавиту" not in method
