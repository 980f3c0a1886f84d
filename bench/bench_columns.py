"""How long reading a large campaign for the analyses takes: rows against columns.

    python bench/bench_columns.py [--n 100000] [--database-url URL] [--repeats 3] [--reuse]

Fills a database as bench/bench_comparison.py does (``n`` participants × 10 scales × 2 waves: 2n
responses, 20n scores; SQLite in a temp folder by default, ``--database-url`` for PostgreSQL, whose
tables are dropped and re-created), then times, each with a cold session and the best of ``repeats``:

- **fetchall**: ``read_columns``' score query through the bare DB-API cursor, a tuple per row;
- **rows**: ``campaign_tables`` (SQLAlchemy rows → ``ScoreRow`` tuples and answers dicts with the
  parsed JSON of every response), what the analyses read before issue 25;
- **columns**: ``read_columns`` (``AnalysisColumns``: scores and responses as numpy columns, the keys
  per participant, no answers);
- **columns + answers**: ``read_columns`` then ``answers_of`` the questionnaire (the JSON of every
  response parsed, as an analysis with item data needs);
- on SQLite, **adbc**: the same score query fetched by ``adbc-driver-sqlite`` into Arrow, which the
  app does not use (two SQLite libraries in one process, surveys/workspace/arrow_fetch.py); run last,
  as it leaves the database file's write-ahead log deleted.
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy.engine import make_url  # noqa: E402

from bench.bench_comparison import fill_database, generate  # noqa: E402


def best_of(repeats: int, app, read) -> tuple[float, object]:
    """The least time of ``read(campaign)`` over ``repeats`` runs, each with a cold session."""
    from surveys.core.models import Campaign
    from surveys.extensions import db

    times, result = [], None
    for _ in range(repeats):
        with app.app_context():
            campaign = db.session.execute(db.select(Campaign)).scalar_one()
            db.session.expire_all()
            result = None
            gc.collect()
            start = time.perf_counter()
            result = read(campaign)
            times.append(time.perf_counter() - start)
            summary = summarise(result)
    return min(times), summary


def summarise(result) -> str:
    if hasattr(result, "score_value"):
        return f"{len(result.score_value)} scores, {len(result.response_person)} responses, {len(result.codes)} people"
    if hasattr(result, "scores"):
        return f"{len(result.scores)} scores, {len(result.answers)} answers rows"
    return f"{len(result)} rows"


def score_sql(campaign) -> str:
    """``read_columns``' score query for the campaign's waves, as SQL text for the app's database."""
    from surveys.extensions import db
    from surveys.workspace import analysis_reader

    statement = analysis_reader.score_query([w.id for w in campaign.waves])
    return str(statement.compile(dialect=db.engine.dialect, compile_kwargs={"literal_binds": True}))


def fetchall_scores(campaign) -> list:
    """The same score query through the bare DB-API cursor (``fetchall``: a tuple per row)."""
    from surveys.extensions import db

    cursor = db.session.connection().connection.dbapi_connection.cursor()
    cursor.execute(score_sql(campaign))
    return cursor.fetchall()


def adbc_sqlite(app, path: str) -> float:
    """The score query of ``read_columns`` fetched into Arrow by ADBC's SQLite driver."""
    from surveys.core.models import Campaign
    from surveys.extensions import db
    from surveys.workspace import arrow_fetch

    with app.app_context():
        sql = score_sql(db.session.execute(db.select(Campaign)).scalar_one())
    gc.collect()
    start = time.perf_counter()
    (table,) = arrow_fetch.adbc_fetch(("sqlite", path), sql)
    elapsed = time.perf_counter() - start
    assert table.num_rows > 0
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--reuse", action="store_true", help="read the campaign already in --database-url")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-columns-"))
    url = args.database_url or f"sqlite:///{workdir / 'bench.db'}"

    from surveys import create_app
    from surveys.extensions import db
    from surveys.workspace import campaign_tables, read_columns

    app = create_app({"SURVEYS_DATABASE_URL": url, "SURVEYS_SECRET_KEY": "bench"}, instance_path=str(workdir))
    if not args.reuse:
        with app.app_context():
            db.drop_all()
            db.create_all()
        start = time.perf_counter()
        fill_database(app, generate(args.n))
        took = time.perf_counter() - start
        print(f"filled {args.n} participants × 2 waves × 10 scales in {took:.1f} s ({url.split(':')[0]})")

    readers = {
        "fetchall of the scores": fetchall_scores,
        "rows (campaign_tables)": campaign_tables,
        "columns (read_columns)": read_columns,
        "columns + answers_of": lambda campaign: read_columns(campaign).answers_of(["bench10"]),
    }
    for name, read in readers.items():
        elapsed, summary = best_of(args.repeats, app, read)
        print(f"{name:24} {elapsed:6.2f} s  ({summary})")
    if url.startswith("sqlite"):
        path = make_url(url).database
        print(f"{'adbc sqlite of the scores':24} {min(adbc_sqlite(app, path) for _ in range(args.repeats)):6.2f} s")


if __name__ == "__main__":
    main()
