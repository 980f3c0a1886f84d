"""The load baseline: a bare Flask endpoint that inserts one row, on the same database and server.

    gunicorn -w 4 -b 127.0.0.1:8766 'bench.load.baseline_app:create()'

``BASELINE_DATABASE_URL`` names the database (the same one the app under test uses). Nothing of
the surveys app is imported: this is what one request costs with Flask, SQLAlchemy Core and the
driver alone.
"""

from __future__ import annotations

import os

import sqlalchemy as sa
from flask import Flask

METADATA = sa.MetaData()
ROWS = sa.Table(
    "load_baseline",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("payload", sa.String(200)),
)


def engine_for(url: str) -> sa.Engine:
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1), pool_pre_ping=True)
    if engine.dialect.name == "sqlite":

        @sa.event.listens_for(engine, "connect")
        def _pragmas(connection, _record):
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA busy_timeout=10000")

    return engine


def prepare(url: str) -> None:
    """Create the table once, before the workers start (two workers creating it would race)."""
    METADATA.create_all(engine_for(url))


def create() -> Flask:
    engine = engine_for(os.environ["BASELINE_DATABASE_URL"])
    app = Flask(__name__)

    @app.post("/insert")
    def insert():
        with engine.begin() as connection:
            connection.execute(ROWS.insert().values(payload="x" * 40))
        return "ok"

    return app
