"""The input/output comparison of a large campaign, from the database to the JSON text.

    python bench/bench_comparison.py [--n 100000] [--database-url URL] [--repeats 3]

A campaign of ``n`` participants, each answering a 10-scale questionnaire (4 rating items per
scale) in an input and an output wave, is written straight into a fresh database (SQLite in a temp
folder by default; ``--database-url`` for PostgreSQL, whose tables are dropped and re-created).
Then, in the same run:

- **ours**: ``plugins.comparison.service.campaign_report`` for the campaign and ``json.dumps`` of
  the result, with a cold session: reading the scores and answers, pairing, every statistic,
  the method note and the JSON text;
- **columns**: ``surveys.workspace.read_columns`` alone, the columnar read the analyses start from
  (issue 25), printed next to the bare fetch of the score rows (``read_floor``);
- **baseline**: scipy and numpy running the same tests on arrays prepared in memory (no database):
  means and medians, the paired t-test and its interval, Wilcoxon (Pratt), d_z, the rank-biserial
  correlation, Cronbach's alpha of the input items, the RCI counts, the band cross-table with
  Bowker's test, Holm across the scales and the Kruskal–Wallis test of each change between the forms
  of mentoring (a factor without an order, issue 25).

The ratio ours / baseline is what to compare across machines (docs/performance.md).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from scipy import stats

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SCALES = 10
ITEMS = 4
FORMS = ("ученик–ученик", "учитель–ученик", "работодатель–ученик")
BANDS = (("low", 4, 9), ("mid", 10, 14), ("high", 15, 20))


def instrument_yaml() -> str:
    """A questionnaire with SCALES scales of ITEMS rating items (1–5) each; odd scales: higher is worse."""
    lines = [
        "id: bench10",
        "version: 1",
        "title: {ru: Десять шкал, en: Ten scales}",
        "audience: [mentee]",
        "pages:",
        "  - id: all",
        "    questions:",
    ]
    for s in range(SCALES):
        for i in range(ITEMS):
            lines.append(f"      - {{id: s{s}_{i}, type: rating, text: S{s} {i}, min: 1, max: 5, required: true}}")
    lines.append("scales:")
    for s in range(SCALES):
        items = ", ".join(f"s{s}_{i}" for i in range(ITEMS))
        lines += [
            f"  - id: scale{s}",
            f"    title: Шкала {s}",
            f"    items: [{items}]",
            f"    higher_is: {'worse' if s % 2 else 'better'}",
            "    bands:",
        ]
        lines += [f"      - {{id: {b}, min: {lo}, max: {hi}, label: {b}}}" for b, lo, hi in BANDS]
    return "\n".join(lines) + "\n"


def generate(n: int, seed: int = 1) -> dict[str, np.ndarray]:
    """Item answers (n × scales × items) for both waves; the output wave moves each scale a little."""
    rng = np.random.default_rng(seed)
    trait = rng.normal(3, 0.8, size=(n, SCALES, 1))
    shift = np.linspace(-0.3, 0.3, SCALES).reshape(1, SCALES, 1)
    before = np.clip(np.rint(trait + rng.normal(0, 0.7, size=(n, SCALES, ITEMS))), 1, 5).astype(int)
    after = np.clip(np.rint(trait + shift + rng.normal(0, 0.7, size=(n, SCALES, ITEMS))), 1, 5).astype(int)
    form = rng.integers(0, len(FORMS), size=n)
    return {"before": before, "after": after, "form": form}


def band_of(totals: np.ndarray) -> np.ndarray:
    return np.select([totals <= 9, totals <= 14], [0, 1], 2)


def fill_database(app, data: dict[str, np.ndarray]) -> int:
    """Write the campaign with plain bulk inserts; returns the campaign id."""
    from surveys.core.models import Campaign, Organisation, Participant, Response, Score, Wave
    from surveys.extensions import db

    n = len(data["form"])
    now = dt.datetime(2026, 11, 1)
    with app.app_context():
        organisation = Organisation(name="Bench school")
        db.session.add(organisation)
        db.session.flush()
        campaign = Campaign(organisation_id=organisation.id, name="Bench campaign")
        campaign.waves.append(Wave(kind="input", name="Вход", position=0, closed=True))
        campaign.waves.append(Wave(kind="output", name="Выход", position=1))
        db.session.add(campaign)
        db.session.commit()
        campaign_id, waves = campaign.id, [w.id for w in campaign.waves]
        db.session.execute(
            db.insert(Participant),
            [
                {
                    "organisation_id": organisation.id,
                    "code": f"P{i:06d}",
                    "role": "mentee",
                    "form": FORMS[data["form"][i]],
                    "group_name": "",
                    "tags": [],
                }
                for i in range(n)
            ],
        )
        ids = dict(db.session.execute(db.select(Participant.code, Participant.id)).all())
        participant_ids = [ids[f"P{i:06d}"] for i in range(n)]
        keys = [f"s{s}_{i}" for s in range(SCALES) for i in range(ITEMS)]
        for wave_id, items in zip(waves, (data["before"], data["after"]), strict=True):
            flat = items.reshape(n, SCALES * ITEMS).tolist()
            db.session.execute(
                db.insert(Response),
                [
                    {
                        "wave_id": wave_id,
                        "participant_id": participant_ids[i],
                        "instrument_id": "bench10",
                        "instrument_version": "1",
                        "status": "submitted",
                        "answers": dict(zip(keys, flat[i], strict=True)),
                        "submitted_at": now,
                    }
                    for i in range(n)
                ],
            )
            response_ids = dict(
                db.session.execute(
                    db.select(Response.participant_id, Response.id).where(Response.wave_id == wave_id)
                ).all()
            )
            totals = items.sum(axis=2)
            bands = band_of(totals)
            rows = []
            for i in range(n):
                response_id = response_ids[participant_ids[i]]
                for s in range(SCALES):
                    value = float(totals[i, s])
                    rows.append(
                        {
                            "response_id": response_id,
                            "scale": f"scale{s}",
                            "raw": value,
                            "value": value,
                            "band": BANDS[bands[i, s]][0],
                            "n_answered": ITEMS,
                            "scored_by": "core",
                            "scoring_version": "1",
                        }
                    )
            for start in range(0, len(rows), 200_000):
                db.session.execute(db.insert(Score), rows[start : start + 200_000])
            db.session.commit()
    return campaign_id


def ours(app, campaign_id: int) -> tuple[float, dict]:
    from plugins.comparison.service import campaign_report
    from surveys.core.models import Campaign
    from surveys.extensions import db

    with app.app_context():
        db.session.expire_all()
        gc.collect()
        start = time.perf_counter()
        report = campaign_report(db.session.get(Campaign, campaign_id))
        text = json.dumps(report, ensure_ascii=False)
        elapsed = time.perf_counter() - start
    return elapsed, {"report": report, "bytes": len(text)}


def full_report(app, campaign_id: int) -> dict:
    """The report as built, before the disclosure policy (the psychologist's): the agreement check reads it,
    as the policy hides band cells under 5 and with them the band test of the aggregated report."""
    from plugins.comparison.service import campaign_report
    from surveys.core.models import Campaign
    from surveys.extensions import db

    with app.app_context():
        return campaign_report(db.session.get(Campaign, campaign_id), individual=True)


def read_floor(app) -> float:
    """The least any comparison from the database must do: fetch the score rows of the two waves
    through the bare DB-API cursor (no SQLAlchemy rows, no Python objects beyond the driver's tuples)."""
    from surveys.extensions import db

    with app.app_context():
        connection = db.engine.raw_connection()
        try:
            gc.collect()
            start = time.perf_counter()
            cursor = connection.cursor()
            cursor.execute(
                "SELECT r.participant_id, r.wave_id, s.scale, s.value, s.band FROM score s "
                "JOIN response r ON r.id = s.response_id WHERE r.status = 'submitted'"
            )
            rows = cursor.fetchall()
            elapsed = time.perf_counter() - start
        finally:
            connection.close()
    assert len(rows) == 2 * SCALES * len({r[0] for r in rows})
    return elapsed


def columns(app, campaign_id: int) -> float:
    """The columnar read the analyses start from (issue 25): ``read_columns`` of the two waves, the
    scores and responses as numpy columns and the keys per participant, no answers."""
    from surveys.core.models import Campaign
    from surveys.extensions import db
    from surveys.workspace import read_columns

    with app.app_context():
        campaign = db.session.get(Campaign, campaign_id)
        db.session.expire_all()
        gc.collect()
        start = time.perf_counter()
        read = read_columns(campaign)
        elapsed = time.perf_counter() - start
    assert len(read.score_value) == 2 * SCALES * len(read.codes)
    return elapsed


def holm(p: list[float]) -> np.ndarray:
    order = np.argsort(p)
    m = len(p)
    adjusted = np.maximum.accumulate([(m - k) * p[i] for k, i in enumerate(order)])
    out = np.empty(m)
    out[order] = np.minimum(adjusted, 1)
    return out


def baseline(data: dict[str, np.ndarray]) -> tuple[float, list[dict]]:
    """The same tests by scipy and numpy on arrays in memory."""
    gc.collect()
    start = time.perf_counter()
    before_totals = data["before"].sum(axis=2).astype(float)
    after_totals = data["after"].sum(axis=2).astype(float)
    rows = []
    for s in range(SCALES):
        b, a = before_totals[:, s], after_totals[:, s]
        d = a - b
        n = d.size
        t = stats.ttest_rel(a, b)
        ci = t.confidence_interval(0.95)
        w = stats.wilcoxon(d, zero_method="pratt")
        ranks = stats.rankdata(np.abs(d))  # Pratt: the zeros are ranked, then left out of T+ and T−
        r_rb = (ranks[d > 0].sum() - ranks[d < 0].sum()) / ranks.sum()
        items = data["before"][:, s, :].astype(float)
        alpha = ITEMS / (ITEMS - 1) * (1 - items.var(axis=0, ddof=1).sum() / items.sum(axis=1).var(ddof=1))
        rci = d / (np.sqrt(2) * b.std(ddof=1) * np.sqrt(1 - alpha))
        table = np.zeros((3, 3), dtype=int)
        np.add.at(table, (band_of(b), band_of(a)), 1)
        upper = np.triu_indices(3, 1)
        num, den = table[upper], table.T[upper]
        keep = (num + den) > 0
        chi2 = float((((num - den) ** 2)[keep] / (num + den)[keep]).sum())
        kruskal = stats.kruskal(*(d[data["form"] == f] for f in range(len(FORMS))))
        rows.append(
            {
                "means": (b.mean(), a.mean(), np.median(b), np.median(a)),
                "t": (t.statistic, t.pvalue, ci.low, ci.high),
                "wilcoxon_p": w.pvalue,
                "d_z": d.mean() / d.std(ddof=1),
                "r_rb": r_rb,
                "rci": (int((rci > 1.96).sum()), int((rci < -1.96).sum())),
                "bowker": (chi2, stats.chi2.sf(chi2, int(keep.sum()))),
                "kruskal": (kruskal.statistic, kruskal.pvalue),
                "n": n,
            }
        )
    for row, adjusted in zip(rows, holm([r["wilcoxon_p"] for r in rows]), strict=True):
        row["p_holm"] = adjusted
    return time.perf_counter() - start, rows


def check(report: dict, expected: list[dict]) -> None:
    """The two computations agree (so the baseline did the same work)."""
    overall = [r for r in report["scales"] if r["group"] is None]
    assert len(overall) == SCALES, len(overall)
    for row, want in zip(overall, expected, strict=True):
        assert row["n_pairs"] == want["n"]
        assert abs(row["t_test"]["p"] - want["t"][1]) < 1e-9 + 1e-6 * want["t"][1]
        assert abs(row["d_z"] - want["d_z"]) < 1e-9 and abs(row["rank_biserial"] - want["r_rb"]) < 1e-9
        assert abs(row["difference"]["ci_low"] - want["t"][2]) < 1e-9
        assert abs(row["wilcoxon"]["p"] - want["wilcoxon_p"]) < 1e-9 + 1e-6 * want["wilcoxon_p"]
        assert row["rci"]["improved"] + row["rci"]["deteriorated"] == sum(want["rci"])
        assert abs(row["bands"]["test"]["statistic"] - want["bowker"][0]) < 1e-6
    by_form = {r["scale"]: r for r in report["correlations"] if r["factor"] == "form"}
    for row, want in zip(overall, expected, strict=True):
        found = by_form[row["scale"]]
        assert found["test"] == "kruskal_wallis" and abs(found["h"] - want["kruskal"][0]) < 1e-6, found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-comparison-"))
    plugin = workdir / "plugins" / "bench10"
    plugin.mkdir(parents=True)
    (plugin / "bench10.yaml").write_text(instrument_yaml(), encoding="utf-8")
    os.environ["SURVEYS_PLUGINS_PATH"] = str(workdir / "plugins")
    url = args.database_url or f"sqlite:///{workdir / 'bench.db'}"

    from surveys import create_app
    from surveys.extensions import db

    app = create_app({"SURVEYS_DATABASE_URL": url, "SURVEYS_SECRET_KEY": "bench"}, instance_path=str(workdir))
    with app.app_context():
        db.drop_all()
        db.create_all()
    data = generate(args.n)
    start = time.perf_counter()
    campaign_id = fill_database(app, data)
    took = time.perf_counter() - start
    print(f"filled {args.n} participants × 2 waves × {SCALES} scales in {took:.1f} s ({url.split(':')[0]})")

    ours_times, base_times, floor_times, column_times = [], [], [], []
    for _ in range(args.repeats):
        elapsed, result = ours(app, campaign_id)
        ours_times.append(elapsed)
        base_elapsed, expected = baseline(data)
        base_times.append(base_elapsed)
        floor_times.append(read_floor(app))
        column_times.append(columns(app, campaign_id))
    check(full_report(app, campaign_id), expected)
    best, base, floor = min(ours_times), min(base_times), min(floor_times)
    print(
        f"comparison n={args.n}: ours {best:.2f} s (DB → JSON, {result['bytes'] / 1e6:.2f} MB), "
        f"baseline {base:.2f} s (scipy on arrays), ratio {best / base:.1f}x; "
        f"bare fetch of the score rows alone {floor:.2f} s = {floor / base:.1f}x the baseline"
    )
    best_columns = min(column_times)
    print(f"columns: read_columns {best_columns:.2f} s = {best_columns / base:.1f}x the baseline (floor {floor:.2f} s)")


if __name__ == "__main__":
    main()
