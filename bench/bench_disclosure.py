"""The cost of deciding an aggregated export as one publication (issue 20), against deciding it scale by scale.

    python bench/bench_disclosure.py [--n 10000] [--database-url URL]

Two waves of a 60-item questionnaire with six scales (bench_export's instrument): ``n`` people in the
input wave, nine in ten of them again in the output wave, with three forms and 21 classes. In one
process, from one reading of the scores (not timed):

- **baseline**: the aggregates sheet's rows with each scale in each wave decided on its own (what the
  psychologist's export does, and what aggregated exports did before);
- **ours**: the same rows decided as :class:`surveys.exports.joint.JointDisclosure` decides them: each
  scale over both waves, with the comparison plugin's sheets (built beforehand, not timed).

Reports both times, the ratio ours / baseline, and how many cells each hides. With ``--all-scales
SECONDS`` it also tries what joint.py does not: one decision over every scale's rows and band counts at
once (the people's combinations of bands become the smallest groups), given at most that many seconds.
"""

from __future__ import annotations

import argparse
import copy
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).parent))

import bench_export  # noqa: E402  (beside this file)


def second_wave(app, campaign_id: int) -> None:
    """An output wave: nine in ten of the input wave's people, each score moved by a little noise."""
    from surveys.core.models import Campaign, Response, Score, Wave
    from surveys.extensions import db

    rng = np.random.default_rng(2)
    with app.app_context():
        campaign = db.session.get(Campaign, campaign_id)
        first = campaign.waves[0]
        wave = Wave(kind="output", name="Выход", position=1, closed=True)
        campaign.waves.append(wave)
        db.session.commit()
        responses = db.session.execute(db.select(Response).where(Response.wave_id == first.id)).scalars().all()
        kept = [r for r in responses if rng.random() < 0.9]
        db.session.execute(
            db.insert(Response),
            [{"wave_id": wave.id, "participant_id": r.participant_id, "instrument_id": r.instrument_id,
              "instrument_version": r.instrument_version, "status": "submitted", "answers": r.answers,
              "submitted_at": r.submitted_at} for r in kept],
        )  # fmt: skip
        db.session.commit()
        new_ids = dict(
            db.session.execute(db.select(Response.participant_id, Response.id).where(Response.wave_id == wave.id)).all()
        )
        old = db.session.execute(
            db.select(Response.participant_id, Score.scale, Score.value)
            .join(Response, Response.id == Score.response_id)
            .where(Response.wave_id == first.id)
        ).all()
        scores = []
        for participant_id, scale, value in old:
            if participant_id not in new_ids:
                continue
            moved = float(min(50, max(10, round(value + rng.normal(-2, 4), 6))))
            band = "low" if moved <= 25 else "mid" if moved <= 37 else "high"
            scores.append({"response_id": new_ids[participant_id], "scale": scale, "raw": moved, "value": moved,
                           "band": band, "n_answered": 10, "scored_by": "core", "scoring_version": "1"})  # fmt: skip
        for start in range(0, len(scores), 100_000):
            db.session.execute(db.insert(Score), scores[start : start + 100_000])
        db.session.commit()


def measure(app, campaign_id: int) -> dict:
    from surveys.core.models import Campaign
    from surveys.core.threshold import min_group
    from surveys.exports.aggregates import AggregateCollector, _aggregate_rows, collect_scores
    from surveys.exports.joint import JointDisclosure
    from surveys.exports.tables import LazyTables, _band_ids, _codes, _People, plugin_sheets
    from surveys.extensions import db
    from surveys.instruments import catalogue

    with app.test_request_context():
        campaign = db.session.get(Campaign, campaign_id)
        waves = {w.id: w for w in campaign.waves}
        instruments = ["bench60"]
        people = _People(campaign, [])
        available = catalogue(campaign.organisation_id)
        read = AggregateCollector(people.of, units=True)
        collect_scores(read, waves, instruments, people.kept)
        start = time.perf_counter()
        alone = list(_aggregate_rows(copy.deepcopy(read), waves, instruments, people.kept, available))
        baseline = time.perf_counter() - start
        collector = copy.deepcopy(read)
        joint = JointDisclosure(
            collector, lambda: None, lambda: _codes(campaign), lambda i, s: _band_ids(available, i, s), min_group()
        )
        tables = LazyTables(campaign, list(waves), instruments)
        shown = plugin_sheets(campaign, tables, joint)  # the comparison's sheets, decided lazily below
        start = time.perf_counter()
        together = list(_aggregate_rows(collector, waves, instruments, people.kept, available, joint))
        for sheet in shown:
            list(sheet.rows)
        ours = time.perf_counter() - start

    def hidden(rows):
        return sum(1 for row in rows for value in row if isinstance(value, str) and ("<" in value or "скрыт" in value))

    return {
        "baseline": baseline,
        "ours": ours,
        "rows": len(together),
        "hidden_alone": hidden(alone),
        "hidden_joint": hidden(together),
    }


def every_scale_at_once(app, campaign_id: int, limit: int) -> str:
    """One decision over every scale of both waves (not what exports do): its time, or that it ran out."""
    import signal
    from collections import Counter

    from surveys.core.disclosure import decide
    from surveys.core.models import Campaign
    from surveys.core.threshold import min_group
    from surveys.exports.aggregates import AggregateCollector, cell_of, collect_scores, merged_levels, nested_order
    from surveys.exports.tables import _People
    from surveys.extensions import db

    with app.test_request_context():
        campaign = db.session.get(Campaign, campaign_id)
        waves = {w.id: w for w in campaign.waves}
        people = _People(campaign, [])
        collector = AggregateCollector(people.of, units=True)
        collect_scores(collector, waves, ["bench60"], people.kept)
        records: dict[int, dict[str, str]] = {}
        cells: list[dict[str, str]] = []
        for (wave_id, _instrument, scale), units in collector.units.items():
            tag = f"{wave_id}:{scale}"
            for participant_id, band in units.items():
                role, form, group = collector.key_of(participant_id)
                record = records.setdefault(participant_id, {"role": role, "form": form, "group": group})
                record[f"w{tag}"], record[f"b{tag}"] = "1", band
            values, _bands = collector.collected[(wave_id, _instrument, scale)]
            for lk in nested_order(merged_levels(values)):
                cells.append({f"w{tag}": "1", **cell_of(*lk)})
                cells += [{f"w{tag}": "1", **cell_of(*lk), f"b{tag}": b} for b in ("low", "mid", "high")]
        names = sorted({name for cell in cells for name in cell})
        tally = Counter(tuple(r.get(n) for n in names) for r in records.values())

        def out_of_time(*_args):
            raise TimeoutError

        signal.signal(signal.SIGALRM, out_of_time)
        signal.alarm(limit)
        start = time.perf_counter()
        try:
            decide([dict(zip(names, key, strict=True)) for key in tally], cells, min_group(), list(tally.values()))
        except TimeoutError:
            return f"{len(cells)} cells over {len(tally)} smallest groups: not decided within {limit} s"
        finally:
            signal.alarm(0)
        return f"{len(cells)} cells over {len(tally)} smallest groups: {time.perf_counter() - start:.1f} s"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--all-scales", type=int, default=0, metavar="SECONDS")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-disclosure-"))
    (workdir / "plugins" / "bench60").mkdir(parents=True)
    (workdir / "plugins" / "bench60" / "bench60.yaml").write_text(bench_export.instrument_yaml(), encoding="utf-8")
    url = args.database_url or f"sqlite:///{workdir / 'bench.db'}"
    campaign_id = bench_export.fill(workdir, url, args.n)
    app = bench_export.make_app(workdir, url)
    second_wave(app, campaign_id)
    found = measure(app, campaign_id)
    print(
        f"aggregated export decisions, n={args.n}, two waves, six scales: scale by scale {found['baseline']:.2f} s, "
        f"joint with the comparison {found['ours']:.2f} s, ratio {found['ours'] / found['baseline']:.1f}x; "
        f"{found['rows']} aggregates rows; hidden cells {found['hidden_alone']} alone, {found['hidden_joint']} joint"
    )
    if args.all_scales:
        print("every scale at once:", every_scale_at_once(app, campaign_id, args.all_scales))


if __name__ == "__main__":
    main()
