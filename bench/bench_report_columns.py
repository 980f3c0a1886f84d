"""The comparison report in memory, without the database: tables → columns → report (issue 25).

    python bench/bench_report_columns.py [--n 10000] [--repeats 3] [--reference] [--profile]

Builds ``CampaignTables`` for ``n`` participants as bench_comparison.py's campaign does (10 scales of
4 rating items with bands, two waves, three forms, the items as answers so that the input alpha is
computed) and times

- ``build_report(tables, …)``, what every caller runs, split into ``from_tables`` (tables → columns:
  work the database reader does instead) and ``build_report_columns`` (the statistics on columns);
- with ``--reference``, the report as it was before issue 25 (dict loops per participant;
  plugins/comparison/tests/reference_report.py), checked to give the same report;
- with ``--profile``, the cProfile of ``build_report_columns`` (the top 25 by cumulative time).

The machines are shared and noisy: compare times taken in the same run.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "plugins" / "comparison" / "tests"))  # the reference implementation
sys.path.insert(0, str(ROOT / "bench"))

from bench_comparison import FORMS, ITEMS, SCALES, band_of, generate, instrument_yaml  # noqa: E402

from surveys.core.analysis_tables import from_tables  # noqa: E402
from surveys.core.contracts import CampaignTables, ScoreRow, WaveInfo  # noqa: E402
from surveys.core.loader import load_instrument  # noqa: E402
from surveys.core.question_types import built_in_types  # noqa: E402

BANDS = ("low", "mid", "high")
IN, OUT = WaveInfo(1, "Вход", "input", 0), WaveInfo(2, "Выход", "output", 1)


def tables_of(data: dict[str, np.ndarray]) -> CampaignTables:
    """The campaign as plain tables: one answers row and SCALES score rows per participant and wave."""
    n = data["form"].size
    t = CampaignTables(campaign="bench", waves=[IN, OUT])
    names = [[f"s{s}_{i}" for i in range(ITEMS)] for s in range(SCALES)]
    for wave, items in ((IN, data["before"]), (OUT, data["after"])):
        totals = items.sum(axis=2)
        bands = band_of(totals)
        for p in range(n):
            code = f"P{p:06d}"
            answers = {
                name: int(v) for s in range(SCALES) for name, v in zip(names[s], items[p, s].tolist(), strict=True)
            }
            form = FORMS[int(data["form"][p])]
            row = {"participant": code, "role": "mentee", "form": form, "group": "", "variant": "", "mentor": ""}
            t.answers.append(
                {**row, "wave": wave.name, "wave_id": wave.id, "instrument": "bench10", "answers": answers}
            )
            for s in range(SCALES):
                value, band = float(totals[p, s]), BANDS[int(bands[p, s])]
                t.scores.append(ScoreRow(code, wave.id, wave.name, wave.kind, "bench10", f"scale{s}", value, band))
    return t


def best(repeats: int, run) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--reference", action="store_true")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()

    from plugins.comparison.report import build_report
    from plugins.comparison.report_columns import build_report_columns

    instrument = load_instrument("bench10.yaml", built_in_types(), text=instrument_yaml())
    instruments = {"bench10": instrument}
    tables = tables_of(generate(args.n))
    total, report = best(args.repeats, lambda: build_report(tables, instruments, IN.id, OUT.id))
    convert, columns = best(args.repeats, lambda: from_tables(tables, key_waves=(IN.id, OUT.id)))
    stats, _ = best(args.repeats, lambda: build_report_columns(columns, instruments, IN.id, OUT.id))
    print(f"n={args.n}: build_report {total:.3f} s = from_tables {convert:.3f} s + build_report_columns {stats:.3f} s")
    if args.reference:
        from reference_report import build_report as reference

        old, expected = best(args.repeats, lambda: reference(tables, instruments, IN.id, OUT.id))
        assert expected == report, "the report on columns differs from the reference"
        print(f"n={args.n}: the reference (dict loops) {old:.3f} s, the same report; {old / total:.1f}x slower")
    if args.profile:
        profile = cProfile.Profile()
        profile.runcall(build_report_columns, columns, instruments, IN.id, OUT.id)
        pstats.Stats(profile).sort_stats("cumulative").print_stats(25)


if __name__ == "__main__":
    main()
