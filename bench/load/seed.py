"""A fresh database with one campaign of ``n`` participants and their personal links.

    python -m bench.load.seed --database-url URL --n 5000 --tokens tokens.txt

PostgreSQL: the database named in the URL is dropped and created again first (so never point it
at a database you need). SQLite: the file is deleted first. The schema comes from the migrations,
as in production. The tokens are written one per line (the only time they exist in clear).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

INSTRUMENTS = ["gad7", "satisfaction_exp_mentee"]  # 7 rating items, then 6 ratings and an open question


def fresh_database(url: str) -> None:
    if url.startswith("sqlite:///"):
        for suffix in ("", "-wal", "-shm"):
            Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
        return
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def seed(url: str, n: int, tokens: Path) -> int:
    """Create the school and the campaign; returns the wave id."""
    from flask_migrate import upgrade

    from surveys import create_app
    from surveys.core.models import Organisation, Participant
    from surveys.extensions import db
    from surveys.participation import generate_links
    from surveys.workspace import create_campaign

    app = create_app({"SURVEYS_DATABASE_URL": url, "SURVEYS_SECRET_KEY": os.environ.get("SURVEYS_SECRET_KEY", "bench")})
    with app.app_context():
        upgrade()
    with app.test_request_context():
        organisation = Organisation(name="Нагрузочная школа")
        db.session.add(organisation)
        db.session.commit()
        campaign = create_campaign(organisation, "Нагрузка", INSTRUMENTS, "Вход")
        for assignment in campaign.assignments:
            assignment.audience = ["mentee"]
        db.session.execute(
            db.insert(Participant),
            [{"organisation_id": organisation.id, "code": f"L{i:06d}", "role": "mentee", "tags": []} for i in range(n)],
        )
        db.session.commit()
        issued = generate_links(campaign.waves[0])
        tokens.write_text("\n".join(token for _participant, token in issued) + "\n", encoding="utf-8")
        return campaign.waves[0].id


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--tokens", type=Path, required=True)
    args = parser.parse_args()
    fresh_database(args.database_url)
    print(seed(args.database_url, args.n, args.tokens))


if __name__ == "__main__":
    main()
