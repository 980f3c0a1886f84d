"""The report on columns equals today's report, number for number, on random campaigns (issue 25).

``reference_report.py`` is the report as it was before it ran on columns (dict loops per person);
each seed builds a campaign with several scales, missing and non-numeric values, repeated scores (the
later one wins), subgroups with gaps, bands, an input alpha, satisfaction, meeting records, people
in one wave only, and sometimes waves that nobody took part in both of. Both reports must be equal
as Python values: every n, p, interval, count and participant list.
"""

from __future__ import annotations

import math
import random
from collections import Counter

import numpy as np
import pytest
from reference_report import build_report as reference

from plugins.comparison.report import build_report
from plugins.comparison.report_rows import pair_counts
from plugins.comparison.stats_individual import INPUT_ALPHA, PUBLISHED
from surveys.core.analysis_tables import from_tables
from surveys.core.contracts import CampaignTables, ScoreRow, WaveInfo
from surveys.core.definitions import Band, Instrument, Scale
from surveys.core.disclosure import Indexed
from surveys.core.text import Text

WAVES = [WaveInfo(1, "Вход", "input", 0), WaveInfo(2, "Середина", "intermediate", 1), WaveInfo(3, "Выход", "output", 2)]
MOOD = Scale(
    "mood",
    Text("Настроение"),
    ("m1", "m2", "m3"),
    higher_is="better",
    bands=(Band("low", 3, 7, Text("Низкое")), Band("mid", 8, 11, Text("Среднее")), Band("high", 12, 15, Text("В"))),
)
WORRY = Scale(
    "worry",
    Text("Тревога"),
    ("w1", "w2"),
    higher_is="worse",
    bands=(Band("ok", 0, 2, Text("Норма")), Band("raised", 3, 6, Text("Повышенная"))),
)
CALM = Scale("calm", Text("Спокойствие"), ("c1", "c2"), higher_is="better", reliability=0.8, reliability_source="А")
RANGES = {"m1": (1, 5), "m2": (1, 5), "m3": (1, 5), "w1": (0, 3), "w2": (0, 3), "c1": (1, 4), "c2": (1, 4)}
CHECK = Instrument("check", "1", Text("Срез"), None, ("mentee",), (), (MOOD, WORRY, CALM), item_ranges=RANGES)
SAT = Instrument("sat", "1", Text("У"), None, ("mentee",), (), (Scale("satisfaction", Text("И"), ("s",)),))
MEET = Instrument(
    "meet", "1", Text("Встреча"), None, ("mentee",), (), extensions={"comparison": {"meeting_record": True}}
)
INSTRUMENTS = {"check": CHECK, "sat": SAT, "meet": MEET}
FORMS = ("ученик–ученик", "учитель–ученик", "студент–ученик")
ITEMS = ("sat_comfort", "sat_individual", "sat_group", "sat_support", "sat_goals", "sat_organisation")


def _value(rng: random.Random, items: list[int]) -> float | None | str:
    """A sum of items, sometimes missing, NaN or not a number at all."""
    roll = rng.random()
    if roll < 0.05:
        return None
    if roll < 0.07:
        return math.nan
    if roll < 0.08:
        return "n/a"
    return float(sum(items))


def _row(code: str, wave: WaveInfo, keys: dict, instrument: str, answers: dict) -> dict:
    return {
        "participant": code,
        "wave": wave.name,
        "wave_id": wave.id,
        **keys,
        "instrument": instrument,
        "answers": answers,
    }


def _score(code: str, wave: WaveInfo, instrument: str, scale: str, value, band: str | None = None) -> ScoreRow:
    return ScoreRow(code, wave.id, wave.name, wave.kind, instrument, scale, value, band)


def campaign(seed: int) -> CampaignTables:
    """A random campaign of the three instruments, the satisfaction questionnaires and meeting records."""
    rng = random.Random(seed)
    t = CampaignTables(campaign=f"Случайная {seed}", waves=list(WAVES))
    people = [f"p{i:03d}" for i in rng.sample(range(1000), rng.randint(3, 70))]
    unlinked = seed % 5 == 4  # waves nobody took part in both of: the unpaired comparison
    for k, code in enumerate(people):
        keys = {
            "role": rng.choice(["mentee", "mentee", "mentor"]),
            "form": rng.choice([*FORMS, "", None]),
            "group": rng.choice(["7А", "7Б", "8А", ""]),
            "variant": rng.choice(["пара", "группа", ""]),
            "mentor": rng.choice(["Иванова", "Петров", None]),
        }
        in_waves = [w for w in (WAVES[0], WAVES[2]) if rng.random() < 0.9]
        if unlinked:
            in_waves = [WAVES[0] if k % 2 else WAVES[2]]
        for wave in in_waves:
            answers = {item: rng.randint(*RANGES[item]) for item in RANGES if rng.random() < 0.95}
            row_keys = keys if rng.random() < 0.8 else {name: "" for name in keys}
            t.answers.append(_row(code, wave, row_keys, "check", answers))
            for scale in (MOOD, WORRY, CALM):
                for _ in range(1 if rng.random() < 0.9 else 2):  # a repeated score: the later one wins
                    items = [answers.get(i, 0) for i in scale.items]
                    value = _value(rng, [i + rng.choice([0, 0, 1]) for i in items])
                    band = scale.band_for(value if isinstance(value, float) and value == value else None)
                    t.scores.append(_score(code, wave, "check", scale.id, value, band and band.id))
            if rng.random() < 0.6:
                for _ in range(rng.choice([1, 1, 2, 3])):
                    t.scores.append(_score(code, wave, "sat", "satisfaction", float(rng.randint(1, 10))))
            if keys["role"] == "mentee" and rng.random() < 0.7:
                name = "satisfaction_exp_mentee" if wave is WAVES[0] else "satisfaction_mentee"
                sat = {item: rng.randint(1, 5) for item in ITEMS if rng.random() < 0.9}
                t.answers.append(_row(code, wave, keys, name, sat))
                scale = "expectations" if wave is WAVES[0] else "satisfaction"
                t.scores.append(_score(code, wave, name, scale, float(np.mean(list(sat.values()) or [0]))))
        for _ in range(rng.choice([0, 0, 1, 2, 4])):
            wave = rng.choice([WAVES[1], *in_waves] if unlinked else WAVES)
            t.answers.append(_row(code, wave, keys, "meet", {}))
    rng.shuffle(t.scores)  # stored order is not code order: the unpaired means keep the order of first appearance
    return t


@pytest.mark.parametrize("seed", range(40))
def test_the_report_on_columns_equals_todays_report(seed):
    tables = campaign(seed)
    rng = random.Random(seed)
    group_by = rng.choice([None, "form", "role", "group", "variant", "mentor"])
    min_group = rng.choice([2, 5])
    normal = {("check", "worry"): "ok"} if rng.random() < 0.5 else None
    for with_people in (False, True):
        options = {"group_by": group_by, "min_group": min_group, "normal_bands": normal, "with_people": with_people}
        expected = reference(tables, INSTRUMENTS, 1, 3, **options)
        assert _codes(build_report(tables, INSTRUMENTS, 1, 3, **options)) == expected


def _codes(value):
    """The report with each group of people as its codes (the report hands them over as positions)."""
    if isinstance(value, Indexed):
        return value.ids()
    if isinstance(value, dict):
        return {key: _codes(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_codes(item) for item in value]
    return value


def test_the_campaigns_cover_what_the_equivalence_is_about():
    """The random campaigns do reach the cases the report treats apart (else the equivalence proves little)."""
    reports = [reference(campaign(seed), INSTRUMENTS, 1, 3, min_group=2) for seed in range(40)]
    assert any(not r["linked"] for r in reports) and any(r["linked"] for r in reports)
    rows = [row for r in reports for row in r["scales"]]
    assert any(row["wilcoxon"] and row["wilcoxon"]["method"] == "exact" for row in rows)
    assert any(row["wilcoxon"] and row["wilcoxon"]["method"] == "normal" for row in rows)
    sources = {row["rci"]["reliability_source"] for row in rows if row["rci"]}
    assert sources == {INPUT_ALPHA, PUBLISHED}
    assert any(row["bands"] and row["bands"]["test"] for row in rows)
    assert any(row["independent"] for row in rows)
    found = {(c["factor"], c["test"]) for r in reports for c in r["correlations"]}
    assert {("meetings", "spearman"), ("satisfaction", "spearman"), ("form", "kruskal_wallis")} <= found
    assert any(r["expectations"] for r in reports)


def test_from_tables_reads_people_keys_waves_and_values():
    t = CampaignTables(campaign="c", waves=[WaveInfo(1, "A", "input", 0), WaveInfo(2, "B", "output", 1)])
    t.answers += [
        {"participant": "b", "wave": "A", "instrument": "x", "form": "", "answers": {}},
        {"participant": "b", "wave": "B", "wave_id": 2, "instrument": "y", "form": "пара", "answers": {"q": 1}},
    ]
    t.scores += [
        ScoreRow("c", 2, "B", "output", "x", "s", True, "low"),
        ScoreRow("a", 1, "A", "input", "x", "s", 3, None),
    ]
    columns = from_tables(t)
    assert columns.codes.tolist() == ["a", "b", "c"]
    assert columns.keys["form"].tolist() == ["", "пара", ""] and "group" not in columns.keys
    assert columns.response_person.tolist() == [1, 1] and columns.response_wave.tolist() == [1, 2]
    assert [columns.instruments[i] for i in columns.response_instrument] == ["x", "y"]
    assert columns.score_person.tolist() == [2, 0] and columns.score_wave.tolist() == [2, 1]
    assert np.isnan(columns.score_value[0]) and columns.score_value[1] == 3.0  # a bool is not a number
    assert [columns.bands[b] if b >= 0 else None for b in columns.score_band] == ["low", None]
    assert [row["participant"] for row in columns.answers_of(["y"])] == ["b"]


def test_pair_counts_are_a_counter_of_the_pairs_signed_zeros_and_all():
    """The cross-table of scores counts as today's ``Counter`` did: 0.0 and -0.0 are one pair, written
    as it first appears (repr tells them apart, == does not)."""
    rng = np.random.default_rng(3)
    for _ in range(200):
        n = int(rng.integers(0, 60))
        b, a = rng.integers(0, 5, n) * 0.5, rng.integers(0, 5, n) * 0.5
        b[rng.random(n) < 0.2] *= -1
        a[rng.random(n) < 0.2] *= -1
        counted = Counter(zip(b.tolist(), a.tolist(), strict=True))
        expected = [[x, y, count] for (x, y), count in sorted(counted.items())]
        assert [list(map(repr, r)) for r in pair_counts(b, a)] == [list(map(repr, r)) for r in expected]
