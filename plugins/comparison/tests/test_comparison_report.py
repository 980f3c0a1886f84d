"""The whole comparison report on a small campaign built by hand; numbers checked against scipy in the test."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import stats

from plugins.comparison.report import build_report
from surveys.core.contracts import CampaignTables, ScoreRow, WaveInfo
from surveys.core.definitions import Band, Instrument, Scale
from surveys.core.text import Text

IN, OUT = WaveInfo(1, "Входной срез", "input", 0), WaveInfo(2, "Выходной срез", "output", 1)

ANXIETY = Scale(
    "anxiety",
    Text("Тревожность"),
    ("a1", "a2", "a3", "a4"),
    higher_is="worse",
    bands=(
        Band("norm", 0, 4, Text("Норма")),
        Band("raised", 5, 8, Text("Повышенная")),
        Band("high", 9, 12, Text("Высокая")),
    ),
)
WELLBEING = Scale(
    "wellbeing",
    Text("Благополучие"),
    ("w1", "w2", "w3"),
    higher_is="better",
    bands=(Band("low", 3, 8, Text("Низкое")), Band("ok", 9, 15, Text("Нормальное"))),
)
RANGES = {**{f"a{i}": (0, 3) for i in range(1, 5)}, **{f"w{i}": (1, 5) for i in range(1, 4)}}
CHECK = Instrument("check", "1", Text("Срез"), None, ("mentee",), (), (WELLBEING, ANXIETY), item_ranges=RANGES)
SAT = Instrument(
    "sat", "1", Text("Удовлетворённость"), None, ("mentee",), (), (Scale("satisfaction", Text("И"), ("s",)),)
)
INSTRUMENTS = {"check": CHECK, "sat": SAT}

# code: (form, class, anxiety items before, after, wellbeing items before, after); None: not answered.
PEOPLE = {
    "p01": ("ученик–ученик", "7А", [3, 2, 3, 2], [1, 1, 2, 1], [2, 2, 3], [3, 4, 4]),
    "p02": ("ученик–ученик", "7А", [2, 2, 2, 1], [1, 1, 1, 1], [3, 3, 3], [4, 3, 4]),
    "p03": ("ученик–ученик", "7А", [3, 3, 2, 3], [2, 2, 2, 2], [1, 2, 1], [2, 2, 3]),
    "p04": ("ученик–ученик", "7А", [1, 1, 1, 0], [1, 1, 1, 0], [4, 4, 5], [4, 5, 5]),
    "p05": ("ученик–ученик", "7А", [2, 1, 2, 2], [1, 0, 1, 1], [2, 3, 2], [3, 3, 3]),
    "p06": ("ученик–ученик", "7А", [3, 3, 3, 3], [2, 3, 2, 2], [1, 1, 2], [2, 2, 2]),
    "p07": ("ученик–ученик", "7Б", [2, 2, 1, 1], [2, 1, 1, 1], [3, 3, 4], [3, 3, 4]),
    "p08": ("ученик–ученик", "7Б", [1, 2, 1, 1], [1, 2, 1, 1], [4, 4, 4], [4, 5, 4]),
    "p09": ("учитель–ученик", "7Б", [2, 3, 2, 2], [1, 1, 2, 1], [2, 2, 2], [3, 3, 3]),
    "p10": ("учитель–ученик", "7Б", [0, 1, 0, 1], [1, 1, 1, 0], [5, 4, 5], [4, 4, 4]),
    "p11": ("учитель–ученик", "7Б", [2, 2, 2, 2], [1, 1, 1, 1], [3, 2, 3], [4, 4, 3]),
    "p12": ("учитель–ученик", "7В", [3, 2, 2, 2], [2, 1, 1, 2], [2, 3, 3], [3, 3, 4]),
    "p13": ("учитель–ученик", "7В", [2, 2, 2, 3], None, [3, 3, 3], [4, 4, 4]),  # anxiety missing after
    "p14": ("ученик–ученик", "7А", [1, 1, 1, 1], None, [2, 2, 2], None),  # left after the input wave
    "p15": ("ученик–ученик", "7А", None, [2, 2, 2, 2], None, [3, 3, 3]),  # joined for the output wave
}
SATISFACTION = dict(zip([f"p{i:02d}" for i in range(1, 13)], [8, 7, 9, 5, 8, 9, 6, 5, 9, 3, 8, 7], strict=True))
PUBLISHED = {("check", "anxiety"): 0.85}


def score(code, wave, scale, items, instrument="check"):
    value = None if items is None else float(sum(items))
    band = scale.band_for(value) if value is not None else None
    reason = "no items answered" if value is None else None
    return ScoreRow(code, wave.id, wave.name, wave.kind, instrument, scale.id, value, band and band.id, reason)


def tables(people=PEOPLE, rename_after=None) -> CampaignTables:
    """One response per participant and wave (when any item was answered), scored by sums."""
    t = CampaignTables(campaign="Мониторинг 2025/26", waves=[IN, OUT])
    for code, (form, group, a_in, a_out, w_in, w_out) in people.items():
        for wave, anxiety, wellbeing in ((IN, a_in, w_in), (OUT, a_out, w_out)):
            if anxiety is None and wellbeing is None:
                continue
            who = rename_after(code) if rename_after and wave is OUT else code
            answers = {**dict(zip(ANXIETY.items, anxiety or [], strict=False))}
            answers.update(dict(zip(WELLBEING.items, wellbeing or [], strict=False)))
            base = {"participant": who, "role": "mentee", "form": form, "group": group}
            t.answers.append({**base, "wave": wave.name, "wave_id": wave.id, "instrument": "check", "answers": answers})
            t.scores.append(score(who, wave, WELLBEING, wellbeing))
            t.scores.append(score(who, wave, ANXIETY, anxiety))
    for code, value in SATISFACTION.items():
        code = rename_after(code) if rename_after else code
        t.scores.append(ScoreRow(code, OUT.id, OUT.name, OUT.kind, "sat", "satisfaction", float(value)))
    return t


def pairs_of(index_before, index_after, codes):
    b = np.array([sum(PEOPLE[c][index_before]) for c in codes], dtype=float)
    a = np.array([sum(PEOPLE[c][index_after]) for c in codes], dtype=float)
    return b, a


ANXIETY_CODES = [f"p{i:02d}" for i in range(1, 13)]  # p13 has no anxiety score after: dropped pairwise
WELLBEING_CODES = [f"p{i:02d}" for i in range(1, 14)]

ROW_KEYS = {
    "instrument", "scale", "title", "higher_is", "group", "n_pairs", "hidden", "reason", "before", "after",
    "difference", "wilcoxon", "t_test", "d_z", "rank_biserial", "p_holm", "rci", "bands", "independent",
}  # fmt: skip


def test_report_shape_is_json_ready():
    report = build_report(tables(), INSTRUMENTS, IN.id, OUT.id, published_reliability=PUBLISHED)
    json.dumps(report, allow_nan=False, ensure_ascii=False)
    assert list(report) == [
        "campaign", "before", "after", "group_by", "min_group", "min_pairs", "linked", "attrition",
        "scales", "correlations", "expectations", "method_note",
    ]  # fmt: skip
    assert report["campaign"] == "Мониторинг 2025/26"
    assert report["before"] == {"id": 1, "name": "Входной срез"} and report["after"] == {
        "id": 2,
        "name": "Выходной срез",
    }
    assert (report["group_by"], report["min_group"], report["min_pairs"], report["linked"]) == (None, 5, 10, True)
    assert report["attrition"] == {"both": 13, "before_only": 1, "after_only": 1}
    # The instrument's scale order: wellbeing, then anxiety; satisfaction was only measured once.
    assert [(r["scale"], r["group"]) for r in report["scales"]] == [("wellbeing", None), ("anxiety", None)]
    for row in report["scales"]:
        assert set(row) == ROW_KEYS | {"pairs"}
        assert set(row["before"]) == set(row["after"]) == {"mean", "median", "n"}
        assert set(row["difference"]) == {"mean", "ci_low", "ci_high"}
        assert set(row["wilcoxon"]) == {"statistic", "p", "method"} and set(row["t_test"]) == {"t", "df", "p"}
        assert set(row["rci"]) == {"reliability", "reliability_source", "reliability_citation"} | {
            "improved",
            "no_change",
            "deteriorated",
        }
        assert set(row["bands"]) == {"labels", "table", "test", "normalised"}
        assert set(row["bands"]["test"]) == {"name", "statistic", "df", "p"}
        assert row["independent"] is None
    common = {"instrument", "scale", "factor", "test", "p", "n", "small"}
    for row in report["correlations"]:
        if row["test"] == "spearman":  # the keys of a Spearman row are those it always had
            assert set(row) == common | {"rho", "codes"} and row["codes"] is None
        else:
            assert set(row) == common | {"categories", "left_out", "reason"} | FIGURES[row["test"]]


FIGURES = {"mann_whitney": {"u", "rank_biserial", "first", "second"}, "kruskal_wallis": {"h", "df", "epsilon_squared"}}


def test_paired_numbers_match_scipy():
    report = build_report(tables(), INSTRUMENTS, IN.id, OUT.id, published_reliability=PUBLISHED)
    anxiety = report["scales"][1]
    b, a = pairs_of(2, 3, ANXIETY_CODES)
    d = a - b
    assert anxiety["n_pairs"] == 12 and anxiety["title"] == "Тревожность" and anxiety["higher_is"] == "worse"
    assert anxiety["before"] == {"mean": pytest.approx(b.mean()), "median": pytest.approx(np.median(b)), "n": 12}
    low, high = stats.t.interval(0.95, 11, loc=d.mean(), scale=stats.sem(d))
    assert anxiety["difference"] == {
        "mean": pytest.approx(d.mean()),
        "ci_low": pytest.approx(low),
        "ci_high": pytest.approx(high),
    }
    expected_w = stats.wilcoxon(d, zero_method="pratt", method=stats.PermutationMethod(n_resamples=2**12 + 1))
    assert anxiety["wilcoxon"] == {
        "statistic": expected_w.statistic,
        "p": pytest.approx(expected_w.pvalue),
        "method": "exact",
    }
    expected_t = stats.ttest_rel(a, b)
    assert anxiety["t_test"] == {
        "t": pytest.approx(expected_t.statistic),
        "df": 11,
        "p": pytest.approx(expected_t.pvalue),
    }
    assert anxiety["d_z"] == pytest.approx(d.mean() / d.std(ddof=1))
    # Pairs are the distinct (before, after) changes with how many people made each.
    from collections import Counter

    expected_pairs = Counter((float(x), float(y)) for x, y in zip(b, a, strict=True))
    assert anxiety["pairs"] == [[x, y, n] for (x, y), n in sorted(expected_pairs.items())]
    # Holm over the two scales: the larger p is kept (×1, unless below the smaller ×2).
    wellbeing = report["scales"][0]
    p_w, p_a = wellbeing["wilcoxon"]["p"], anxiety["wilcoxon"]["p"]
    small, large = sorted([p_w, p_a])
    expected_holm = {small: min(1, 2 * small), large: max(min(1, 2 * small), large)}
    assert wellbeing["p_holm"] == pytest.approx(expected_holm[p_w]) and anxiety["p_holm"] == pytest.approx(
        expected_holm[p_a]
    )


def test_rci_uses_published_reliability_or_the_input_alpha():
    report = build_report(tables(), INSTRUMENTS, IN.id, OUT.id, published_reliability=PUBLISHED)
    wellbeing, anxiety = report["scales"]
    b, a = pairs_of(2, 3, ANXIETY_CODES)
    rci = (a - b) / (np.sqrt(2) * b.std(ddof=1) * np.sqrt(1 - 0.85))
    assert anxiety["rci"] == {
        "reliability": 0.85,
        "reliability_source": "published",
        "reliability_citation": None,
        "improved": int((rci < -1.96).sum()),  # higher is worse: a fall is an improvement
        "no_change": int((abs(rci) <= 1.96).sum()),
        "deteriorated": int((rci > 1.96).sum()),
    }
    # Wellbeing: alpha of the 14 complete input answers (p01–p14), by the textbook formula.
    x = np.array([PEOPLE[c][4] for c in PEOPLE if PEOPLE[c][4] is not None], dtype=float)
    alpha = 3 / 2 * (1 - x.var(axis=0, ddof=1).sum() / x.sum(axis=1).var(ddof=1))
    assert wellbeing["rci"]["reliability_source"] == "input alpha"
    assert wellbeing["rci"]["reliability"] == pytest.approx(alpha)
    assert wellbeing["rci"]["reliability_citation"] is None


def test_rci_takes_the_reliability_published_in_the_instrument_file(russian):
    from dataclasses import replace

    cited = replace(WELLBEING, reliability=0.9, reliability_source="Автор А. А. Журнал, 2001. С. 10.")
    check = replace(CHECK, scales=(cited, ANXIETY))
    report = build_report(tables(), {**INSTRUMENTS, "check": check}, IN.id, OUT.id, published_reliability=PUBLISHED)
    wellbeing, anxiety = report["scales"]
    assert wellbeing["rci"]["reliability"] == 0.9 and wellbeing["rci"]["reliability_source"] == "published"
    assert wellbeing["rci"]["reliability_citation"] == "Автор А. А. Журнал, 2001. С. 10."
    b, a = pairs_of(4, 5, WELLBEING_CODES)
    rci = (a - b) / (np.sqrt(2) * b.std(ddof=1) * np.sqrt(1 - 0.9))
    assert wellbeing["rci"]["improved"] == int((rci > 1.96).sum())  # higher is better
    assert "(Автор А. А. Журнал, 2001. С. 10.)" in report["method_note"]
    # The caller's value still comes first (anxiety), and no file value means the input alpha.
    assert anxiety["rci"]["reliability"] == 0.85
    plain = build_report(tables(), INSTRUMENTS, IN.id, OUT.id)
    assert {r["rci"]["reliability_source"] for r in plain["scales"] if r["group"] is None} == {"input alpha"}


def test_band_transitions_in_the_report():
    report = build_report(tables(), INSTRUMENTS, IN.id, OUT.id, published_reliability=PUBLISHED)
    wellbeing, anxiety = report["scales"]
    band = ANXIETY.band_for
    order = ["norm", "raised", "high"]
    expected = [[0] * 3 for _ in order]
    moved_in = 0
    for c in ANXIETY_CODES:
        before, after = band(sum(PEOPLE[c][2])).id, band(sum(PEOPLE[c][3])).id
        expected[order.index(before)][order.index(after)] += 1
        moved_in += before != "norm" and after == "norm"
    assert anxiety["bands"]["labels"] == ["Норма", "Повышенная", "Высокая"]
    assert anxiety["bands"]["table"] == expected and anxiety["bands"]["normalised"] == moved_in
    assert anxiety["bands"]["test"]["name"] == "Bowker"
    assert wellbeing["bands"]["test"]["name"] == "McNemar" and wellbeing["bands"]["labels"] == ["Низкое", "Нормальное"]
    table = wellbeing["bands"]["table"]
    assert wellbeing["bands"]["test"]["p"] == pytest.approx(
        stats.binomtest(min(table[0][1], table[1][0]), table[0][1] + table[1][0]).pvalue
    )
    assert wellbeing["bands"]["normalised"] == table[0][1]  # better: the last band is normal


def test_subgroups_hide_small_groups_and_their_complements():
    report = build_report(tables(), INSTRUMENTS, IN.id, OUT.id, group_by="group", published_reliability=PUBLISHED)
    rows = {(r["scale"], r["group"]): r for r in report["scales"]}
    assert report["group_by"] == "group"
    assert [g for s, g in rows if s == "anxiety"] == [None, "7А", "7Б", "7В"]
    # 7В has one anxiety pair (p12; p13's after score is missing): hidden. Its complement would give it
    # away (total minus 7А minus 7Б), so the smallest shown group, 7Б (5 pairs), is hidden too.
    assert rows[("anxiety", "7В")]["hidden"] and rows[("anxiety", "7В")]["reason"] == "fewer than 5 pairs"
    assert rows[("anxiety", "7В")]["n_pairs"] == 1 and "pairs" not in rows[("anxiety", "7В")]
    seven_b = rows[("anxiety", "7Б")]
    assert seven_b["hidden"] and seven_b["n_pairs"] == 5 and seven_b["before"]["mean"] is None
    assert seven_b["reason"].startswith("hidden so that")
    seven_a = rows[("anxiety", "7А")]
    assert not seven_a["hidden"] and seven_a["n_pairs"] == 6 and seven_a["reason"] == "fewer than 10 pairs"
    assert seven_a["wilcoxon"] is None and seven_a["bands"]["test"] is None and seven_a["p_holm"] is None
    b, a = pairs_of(2, 3, ANXIETY_CODES[:6])
    assert seven_a["difference"]["mean"] == pytest.approx((a - b).mean())
    assert not rows[("anxiety", None)]["hidden"]


def test_grouping_by_a_key_the_rows_lack_is_skipped():
    report = build_report(tables(), INSTRUMENTS, IN.id, OUT.id, group_by="variant")
    assert report["group_by"] is None and all(r["group"] is None for r in report["scales"])
    with pytest.raises(ValueError):
        build_report(tables(), INSTRUMENTS, IN.id, OUT.id, group_by="age")
    with pytest.raises(ValueError):
        build_report(tables(), INSTRUMENTS, IN.id, IN.id)
    with pytest.raises(ValueError):
        build_report(tables(), INSTRUMENTS, IN.id, 99)


def test_form_and_satisfaction_correlations():
    report = build_report(tables(), INSTRUMENTS, IN.id, OUT.id)
    found = {(c["scale"], c["factor"]): c for c in report["correlations"]}
    assert set(found) == {
        ("wellbeing", "form"),
        ("wellbeing", "satisfaction"),
        ("anxiety", "form"),
        ("anxiety", "satisfaction"),
    }
    b, a = pairs_of(2, 3, ANXIETY_CODES)
    expected = stats.spearmanr(a - b, [SATISFACTION[c] for c in ANXIETY_CODES])
    row = found[("anxiety", "satisfaction")]
    assert row["rho"] == pytest.approx(expected.statistic) and row["p"] == pytest.approx(expected.pvalue)
    assert row["n"] == 12 and row["small"] is False and row["codes"] is None and row["test"] == "spearman"
    # The form has no order: Mann–Whitney between the two forms (8 and 5 wellbeing changes; p13's counts).
    b, a = pairs_of(4, 5, WELLBEING_CODES)
    change = dict(zip(WELLBEING_CODES, a - b, strict=True))
    pupils = [change[c] for c in WELLBEING_CODES if PEOPLE[c][0] == "ученик–ученик"]
    teachers = [change[c] for c in WELLBEING_CODES if PEOPLE[c][0] == "учитель–ученик"]
    row = found[("wellbeing", "form")]
    assert row["test"] == "mann_whitney" and row["n"] == 13 and row["left_out"] == [] and row["reason"] is None
    assert row["categories"] == [{"name": "ученик–ученик", "n": 8}, {"name": "учитель–ученик", "n": 5}]
    first = pupils if row["first"] == "ученик–ученик" else teachers
    second = teachers if first is pupils else pupils
    expected = stats.mannwhitneyu(first, second, alternative="two-sided")
    assert row["u"] == pytest.approx(expected.statistic, abs=1e-12) and row["p"] == pytest.approx(expected.pvalue)
    assert row["rank_biserial"] == pytest.approx(2 * expected.statistic / 40 - 1) and row["rank_biserial"] >= 0
    # Anxiety: the 4 teacher–pupil changes are too few, so the form is left out, by name, and not tested.
    row = found[("anxiety", "form")]
    assert row["categories"] == [{"name": "ученик–ученик", "n": 8}] and row["left_out"] == ["учитель–ученик"]
    assert (row["u"], row["p"], row["rank_biserial"], row["first"]) == (None, None, None, None) and row["reason"]
    assert found[("wellbeing", "satisfaction")]["n"] == 12


MEETING_RECORD = {"comparison": {"meeting_record": True}}
DIARY = Instrument("diary", "1", Text("Дневник встречи"), None, ("mentee",), (), (), extensions=MEETING_RECORD)
NOT_A_DIARY = Instrument("notes", "1", Text("Заметки"), None, ("mentee",), (), ())
# Pair variants of the first 12 people, and how many meeting diaries each filled in per wave.
VARIANTS = dict(zip(ANXIETY_CODES, ["успевающий–неуспевающий", "лидер–пассивный"] * 6, strict=True))
DIARIES = dict(zip(ANXIETY_CODES, [3, 1, 4, 0, 2, 5, 1, 1, 3, 0, 2, 4], strict=True))


def test_pair_variant_and_number_of_meetings_correlations(russian):
    t = tables()
    for row in t.answers:
        row["variant"] = VARIANTS.get(row["participant"], "")
    # Diaries sit in their own waves between the input and the output wave; one after the output
    # wave and one to an instrument that is not a meeting record do not count.
    middle = [WaveInfo(10 + k, f"Встреча {k}", "other", 0) for k in range(1, 6)]
    late = WaveInfo(20, "После программы", "other", 2)
    t.waves = [IN, *middle, OUT, late]
    t.waves = [WaveInfo(w.id, w.name, w.kind, position) for position, w in enumerate(t.waves)]
    for code, count in DIARIES.items():
        for wave in t.waves[1 : 1 + count]:
            t.answers.append({"participant": code, "wave_id": wave.id, "instrument": "diary", "answers": {}})
        t.answers.append({"participant": code, "wave_id": late.id, "instrument": "diary", "answers": {}})
        t.answers.append({"participant": code, "wave_id": t.waves[1].id, "instrument": "notes", "answers": {}})
    # A diary in the output wave itself counts (waves from before to after, both included).
    t.answers.append({"participant": "p01", "wave_id": OUT.id, "instrument": "diary", "answers": {}})
    instruments = {**INSTRUMENTS, "diary": DIARY, "notes": NOT_A_DIARY}
    report = build_report(t, instruments, IN.id, OUT.id)
    found = {(c["scale"], c["factor"]): c for c in report["correlations"]}
    assert {f for _, f in found} == {"form", "variant", "satisfaction", "meetings"}

    b, a = pairs_of(2, 3, ANXIETY_CODES)
    # People without a single diary have no recorded meetings and are left out, not counted as 0.
    recorded = [i for i, c in enumerate(ANXIETY_CODES) if DIARIES[c]]
    counts = [DIARIES[ANXIETY_CODES[i]] + (ANXIETY_CODES[i] == "p01") for i in recorded]
    expected = stats.spearmanr((a - b)[recorded], counts)
    row = found[("anxiety", "meetings")]
    assert row["n"] == 10 and row["codes"] is None
    assert row["rho"] == pytest.approx(expected.statistic) and row["p"] == pytest.approx(expected.pvalue)

    change = dict(zip(ANXIETY_CODES, a - b, strict=True))
    row = found[("anxiety", "variant")]  # two variants of 6: Mann–Whitney, not a ρ of codes
    groups = {v: [change[c] for c in ANXIETY_CODES if VARIANTS[c] == v] for v in set(VARIANTS.values())}
    expected = stats.mannwhitneyu(groups[row["first"]], groups[row["second"]], alternative="two-sided")
    assert row["test"] == "mann_whitney" and row["n"] == 12 and {row["first"], row["second"]} == set(groups)
    assert row["u"] == pytest.approx(expected.statistic, abs=1e-12) and row["p"] == pytest.approx(expected.pvalue)
    assert "число встреч" in report["method_note"] and "Манна–Уитни" in report["method_note"]

    # Without any meeting record instrument there is no meetings factor.
    plain = build_report(t, {**INSTRUMENTS, "diary": NOT_A_DIARY, "notes": NOT_A_DIARY}, IN.id, OUT.id)
    assert "meetings" not in {c["factor"] for c in plain["correlations"]}


def test_unlinked_waves_fall_back_to_independent_groups():
    report = build_report(tables(rename_after=lambda code: "x" + code), INSTRUMENTS, IN.id, OUT.id)
    assert report["linked"] is False and report["correlations"] == []
    assert report["attrition"] == {"both": 0, "before_only": 14, "after_only": 14}
    wellbeing, anxiety = report["scales"]
    b = np.array([sum(p[2]) for p in PEOPLE.values() if p[2] is not None], dtype=float)
    a = np.array([sum(p[3]) for p in PEOPLE.values() if p[3] is not None], dtype=float)
    expected = stats.mannwhitneyu(a, b, alternative="two-sided")
    assert anxiety["n_pairs"] == 0 and "pairs" not in anxiety
    assert anxiety["before"]["n"] == 14 and anxiety["after"]["n"] == 13
    assert anxiety["independent"]["mann_whitney_u"] == expected.statistic
    assert anxiety["independent"]["p"] == pytest.approx(expected.pvalue)
    greater, less = (a[:, None] > b).sum(), (a[:, None] < b).sum()
    assert anxiety["independent"]["cliffs_delta"] == pytest.approx((greater - less) / (len(a) * len(b)))
    assert anxiety["wilcoxon"] is anxiety["t_test"] is anxiety["rci"] is anxiety["bands"] is None
    assert anxiety["difference"] == {"mean": pytest.approx(a.mean() - b.mean()), "ci_low": None, "ci_high": None}
    assert anxiety["p_holm"] is not None and wellbeing["p_holm"] is not None


def test_small_campaign_is_hidden_and_says_why():
    few = {code: PEOPLE[code] for code in ("p01", "p02", "p03")}
    report = build_report(tables(few), INSTRUMENTS, IN.id, OUT.id)
    for row in report["scales"]:
        assert row["hidden"] and row["n_pairs"] == 3 and row["reason"] == "fewer than 5 pairs"
        assert row["before"] == {"mean": None, "median": None, "n": 3} and "pairs" not in row
        assert row["rci"] is row["bands"] is row["p_holm"] is None
    assert report["correlations"] == []


def test_an_explicit_normal_band_and_a_grouped_report_are_json_ready():
    normal = {("check", "anxiety"): "raised"}
    report = build_report(tables(), INSTRUMENTS, IN.id, OUT.id, group_by="form", normal_bands=normal)
    json.dumps(report, allow_nan=False, ensure_ascii=False)
    anxiety = next(r for r in report["scales"] if r["scale"] == "anxiety" and r["group"] is None)
    band = ANXIETY.band_for
    moved = [(band(sum(PEOPLE[c][2])).id, band(sum(PEOPLE[c][3])).id) for c in ANXIETY_CODES]
    assert anxiety["bands"]["normalised"] == sum(b != "raised" and a == "raised" for b, a in moved)
    # By form: учитель–ученик has 4 anxiety pairs (hidden), so ученик–ученик (8) is hidden as well.
    by_form = {r["group"]: r for r in report["scales"] if r["scale"] == "anxiety"}
    assert by_form["учитель–ученик"]["n_pairs"] == 4 and by_form["учитель–ученик"]["hidden"]
    assert by_form["ученик–ученик"]["hidden"] and by_form["ученик–ученик"]["n_pairs"] == 8
    # Wellbeing: 8 and 5 pairs, both shown (descriptives only).
    by_form = {r["group"]: r for r in report["scales"] if r["scale"] == "wellbeing"}
    assert not by_form["учитель–ученик"]["hidden"] and by_form["учитель–ученик"]["n_pairs"] == 5
    assert not by_form["ученик–ученик"]["hidden"] and by_form["ученик–ученик"]["n_pairs"] == 8
