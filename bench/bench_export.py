"""The campaign export at municipal size: time and memory, against bare XlsxWriter in the same run.

    python bench/bench_export.py [--n 100000] [--database-url URL] [--repeats 2]

A wave of ``n`` responses to a 60-item questionnaire (six 10-item scales) is written straight
into a fresh database (SQLite in a temp folder by default; ``--database-url`` for PostgreSQL,
whose tables are dropped and re-created). Then, each in a fresh process so that peak memory is
its own:

- **ours**: ``surveys.exports.files.write_export`` of the whole campaign with individual data, to
  XLSX: README, codebook, raw answers, scores, aggregates, reliability, from the database;
- **baseline**: the same cells, read beforehand into Python lists, written by bare XlsxWriter
  (constant-memory mode, one ``write_row`` per row). Only the writing is timed.

Reports the time ratio ours / baseline (target ≤ 1.3) and ours' peak memory (target ≤ 300 MB).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SCALES, PER_SCALE = 6, 10
ITEMS = SCALES * PER_SCALE
FORMS = ("ученик–ученик", "учитель–ученик", "работодатель–ученик")


def instrument_yaml() -> str:
    lines = ["id: bench60", "version: 1", "title: {ru: Шестьдесят вопросов, en: Sixty items}", "audience: [mentee]"]
    lines += ["pages:", "  - id: all", "    questions:"]
    for i in range(ITEMS):
        lines.append(f"      - {{id: q{i:02d}, type: rating, text: Вопрос {i}, min: 1, max: 5}}")
    lines.append("scales:")
    for s in range(SCALES):
        items = ", ".join(f"q{s * PER_SCALE + i:02d}" for i in range(PER_SCALE))
        lines += [f"  - id: scale{s}", f"    title: Шкала {s}", f"    items: [{items}]", "    reverse: []"]
        lines += ["    bands:", "      - {id: low, min: 10, max: 25, label: низкий}"]
        lines += [
            "      - {id: mid, min: 26, max: 37, label: средний}",
            "      - {id: high, min: 38, max: 50, label: высокий}",
        ]
    return "\n".join(lines) + "\n"


def make_app(workdir: Path, url: str):
    os.environ["SURVEYS_PLUGINS_PATH"] = str(workdir / "plugins")
    from surveys import create_app

    return create_app({"SURVEYS_DATABASE_URL": url, "SURVEYS_SECRET_KEY": "bench"}, instance_path=str(workdir))


def fill(workdir: Path, url: str, n: int) -> int:
    """The campaign, its wave and n submitted responses with their scores; returns the campaign id."""
    from surveys.core.models import Campaign, Organisation, Participant, Response, Score, Wave
    from surveys.extensions import db

    app = make_app(workdir, url)
    rng = np.random.default_rng(1)
    trait = rng.normal(3, 0.8, size=(n, SCALES, 1))
    items = np.clip(np.rint(trait + rng.normal(0, 0.8, size=(n, SCALES, PER_SCALE))), 1, 5).astype(int)
    missing = rng.random(size=(n, SCALES, PER_SCALE)) < 0.01  # a few unanswered items
    keys = [f"q{i:02d}" for i in range(ITEMS)]
    now = dt.datetime(2026, 10, 1, 12, 0)
    with app.app_context():
        db.drop_all()
        db.create_all()
        organisation = Organisation(name="Муниципалитет")
        db.session.add(organisation)
        db.session.flush()
        campaign = Campaign(organisation_id=organisation.id, name="Входной срез муниципалитета")
        campaign.waves.append(Wave(kind="input", name="Вход", position=0, closed=True))
        db.session.add(campaign)
        db.session.commit()
        wave_id = campaign.waves[0].id
        db.session.execute(
            db.insert(Participant),
            [
                {"organisation_id": organisation.id, "code": f"M{i:06d}", "role": "mentee", "form": FORMS[i % 3],
                 "group_name": f"{5 + i % 7}{'АБВ'[i % 3]}", "tags": []}
                for i in range(n)
            ],
        )  # fmt: skip
        ids = dict(db.session.execute(db.select(Participant.code, Participant.id)).all())
        flat = items.reshape(n, ITEMS).tolist()
        holes = missing.reshape(n, ITEMS)
        rows = []
        for i in range(n):
            answers = {k: v for k, v, gap in zip(keys, flat[i], holes[i], strict=True) if not gap}
            rows.append(
                {"wave_id": wave_id, "participant_id": ids[f"M{i:06d}"], "instrument_id": "bench60",
                 "instrument_version": "1", "status": "submitted", "answers": answers, "submitted_at": now}
            )  # fmt: skip
        for start in range(0, n, 20_000):
            db.session.execute(db.insert(Response), rows[start : start + 20_000])
        db.session.commit()
        response_ids = dict(db.session.execute(db.select(Response.participant_id, Response.id)).all())
        totals = np.where(missing, 0, items).sum(axis=2) * PER_SCALE / np.maximum((~missing).sum(axis=2), 1)
        scores = []
        for i in range(n):
            for s in range(SCALES):
                value = round(float(totals[i, s]), 6)
                band = "low" if value <= 25 else "mid" if value <= 37 else "high"
                scores.append({"response_id": response_ids[ids[f"M{i:06d}"]], "scale": f"scale{s}", "raw": value,
                               "value": value, "band": band, "n_answered": PER_SCALE, "scored_by": "core",
                               "scoring_version": "1"})  # fmt: skip
        for start in range(0, len(scores), 100_000):
            db.session.execute(db.insert(Score), scores[start : start + 100_000])
        db.session.commit()
        return campaign.id


def run_ours(workdir: Path, url: str, campaign_id: int) -> dict:
    from surveys.core.models import Campaign
    from surveys.exports import ExportRequest, write_export
    from surveys.extensions import db

    app = make_app(workdir, url)
    target = workdir / "ours.xlsx"
    with app.app_context():
        start = time.perf_counter()
        report = write_export(db.session.get(Campaign, campaign_id), ExportRequest(individual=True), "xlsx", target)
        elapsed = time.perf_counter() - start
    cells = sum(report.rows.values())
    return {"seconds": elapsed, "peak_mb": peak_mb(), "rows": cells, "bytes": target.stat().st_size}


def peak_mb() -> float:
    """This process's peak resident memory. VmHWM starts afresh at exec; ru_maxrss on Linux would
    also count the parent's memory at fork, so it is only the fallback."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_baseline(workdir: Path, url: str, campaign_id: int) -> dict:
    """Read every sheet's rows into lists first (not timed), then time bare XlsxWriter writing them."""
    import xlsxwriter

    from surveys.core.export import sheet_names
    from surveys.core.models import Campaign
    from surveys.exports import ExportRequest, export_sheets, plan_export
    from surveys.extensions import db

    app = make_app(workdir, url)
    with app.app_context():
        sheets = export_sheets(plan_export(db.session.get(Campaign, campaign_id), ExportRequest(individual=True)))
        prepared = [(s.columns, [list(r) for r in s.rows]) for s in sheets]
        names = sheet_names(s.name for s in sheets)
    target = workdir / "baseline.xlsx"
    start = time.perf_counter()
    workbook = xlsxwriter.Workbook(str(target), {"constant_memory": True, "strings_to_formulas": False,
                                                 "strings_to_urls": False, "strings_to_numbers": False})  # fmt: skip
    for name, (columns, rows) in zip(names, prepared, strict=True):
        ws = workbook.add_worksheet(name)
        ws.write_row(0, 0, columns)
        for index, row in enumerate(rows, start=1):
            ws.write_row(index, 0, row)
    workbook.close()
    elapsed = time.perf_counter() - start
    return {"seconds": elapsed, "rows": sum(len(rows) for _c, rows in prepared), "bytes": target.stat().st_size}


def child(kind: str, workdir: str, url: str, campaign_id: int) -> dict:
    """Run one measurement in a fresh Python process and return what it printed."""
    here = str(Path(__file__).parent)
    code = (
        f"import json, sys; sys.path.insert(0, {here!r}); from pathlib import Path; import bench_export as b; "
        f"print(json.dumps(b.run_{kind}(Path({workdir!r}), {url!r}, {campaign_id})))"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-export-"))
    (workdir / "plugins" / "bench60").mkdir(parents=True)
    (workdir / "plugins" / "bench60" / "bench60.yaml").write_text(instrument_yaml(), encoding="utf-8")
    url = args.database_url or f"sqlite:///{workdir / 'bench.db'}"
    start = time.perf_counter()
    campaign_id = fill(workdir, url, args.n)
    print(f"filled {args.n} responses × {ITEMS} items in {time.perf_counter() - start:.1f} s ({url.split(':')[0]})")
    ours, base = [], []
    for _ in range(args.repeats):
        ours.append(child("ours", str(workdir), url, campaign_id))
        base.append(child("baseline", str(workdir), url, campaign_id))
    best = min(ours, key=lambda r: r["seconds"])
    fastest = min(base, key=lambda r: r["seconds"])
    assert best["rows"] == fastest["rows"], (best["rows"], fastest["rows"])
    print(
        f"export n={args.n}: ours {best['seconds']:.1f} s ({best['rows']} rows, {best['bytes'] / 1e6:.0f} MB), "
        f"bare XlsxWriter {fastest['seconds']:.1f} s, ratio {best['seconds'] / fastest['seconds']:.2f}x; "
        f"peak memory {max(r['peak_mb'] for r in ours):.0f} MB"
    )


if __name__ == "__main__":
    main()
