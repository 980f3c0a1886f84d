"""Benchmarks of the pure core, each reported as a ratio to a baseline measured in the same run.

    python bench/bench_core.py [--n 20000]

- scoring: the declarative engine scoring GAD-7 answer sets, against a hand-written sum of the
  same seven items (the least work any scorer must do);
- workbook: the export writer writing answer rows to XLSX, against the csv module writing the
  same rows (the least work any export must do);
- alias bomb: refusing a 1 KB questionnaire whose YAML aliases would write out 850,000 values
  (tests/test_upload_budget.py), against loading GAD-7 (an ordinary questionnaire file).
The machines are shared and noisy, so absolute times mean little; the ratios are what to compare.
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import statistics
import sys
import time
from pathlib import Path

from surveys.core.contracts import Sheet
from surveys.core.errors import DefinitionError
from surveys.core.export import write_workbook
from surveys.core.loader import load_instrument
from surveys.core.question_types import built_in_types
from surveys.core.scoring import score_instrument

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the alias bomb is the one the tests refuse
from tests.test_upload_budget import alias_bomb  # noqa: E402


def best_of(repeats: int, function) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=20000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    rng = random.Random(1)
    gad7 = load_instrument(ROOT / "plugins" / "anxiety_scale" / "gad7.yaml", built_in_types())
    items = [f"gad7_{i}" for i in range(1, 8)]
    answer_sets = [{item: rng.randint(0, 3) for item in items} for _ in range(args.n)]

    engine = best_of(args.repeats, lambda: [score_instrument(gad7, a) for a in answer_sets])
    baseline = best_of(args.repeats, lambda: [sum(a[i] for i in items) for a in answer_sets])
    print(
        f"scoring  n={args.n}: engine {engine * 1e3:.1f} ms, baseline {baseline * 1e3:.1f} ms, "
        f"ratio {engine / baseline:.1f}x, {engine / args.n * 1e6:.1f} µs per response"
    )

    rows = [
        [f"P{n}", "mentee", "ученик–ученик", "8Б", "Вход", "1", *a.values(), "текст ответа"]
        for n, a in enumerate(answer_sets)
    ]
    columns = ["participant", "role", "form", "group", "wave", "version", *items, "comment"]

    def to_csv():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(columns)
        writer.writerows(rows)
        return buffer.getvalue()

    xlsx = best_of(max(1, args.repeats // 2), lambda: write_workbook([Sheet("answers", columns, rows)]))
    plain = best_of(max(1, args.repeats // 2), to_csv)
    print(
        f"workbook rows={len(rows)}: xlsx {xlsx * 1e3:.0f} ms, csv {plain * 1e3:.0f} ms, "
        f"ratio {xlsx / plain:.1f}x, {statistics.mean([xlsx / len(rows) * 1e6]):.1f} µs per row"
    )

    bomb, gad7_path = alias_bomb(5), ROOT / "plugins" / "anxiety_scale" / "gad7.yaml"

    def refuse():
        try:
            load_instrument("bomb.yaml", built_in_types(), text=bomb)
        except DefinitionError:
            return
        raise AssertionError("the alias bomb loaded")

    refused = best_of(args.repeats, refuse)
    ordinary = best_of(args.repeats, lambda: load_instrument(gad7_path, built_in_types()))
    print(
        f"alias bomb ({len(bomb.encode())} bytes): refused in {refused * 1e3:.2f} ms, "
        f"GAD-7 loaded in {ordinary * 1e3:.2f} ms, ratio {refused / ordinary:.2f}x"
    )


if __name__ == "__main__":
    main()
