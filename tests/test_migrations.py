"""Alembic migrations build the schema, and they match the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from surveys.extensions import db


def test_migrations_match_the_models(app):
    with app.app_context(), db.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert diff == []


def test_db_upgrade_command_runs_on_a_fresh_sqlite_file(tmp_path):
    from surveys import create_app

    url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    app = create_app({"SURVEYS_DATABASE_URL": url, "SURVEYS_SECRET_KEY": "x"}, instance_path=str(tmp_path))
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        tables = set(db.inspect(db.engine).get_table_names())
    assert {"participant", "personal_data", "response", "score", "invitation", "alembic_version"} <= tables


def _database_at(backend: str, tmp_path, database_urls) -> str:
    """An empty database of ``backend`` for a migration test: a SQLite file, or a schema of its own in
    the PostgreSQL test database (dropped first), so the shared, already migrated one is left alone."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'steps.sqlite3'}"
    import sqlalchemy as sa

    from surveys.config import normalise_database_url

    engine = sa.create_engine(normalise_database_url(database_urls["postgresql"]))
    with engine.begin() as connection:
        connection.execute(sa.text("DROP SCHEMA IF EXISTS migration_steps CASCADE"))
        connection.execute(sa.text("CREATE SCHEMA migration_steps"))
    engine.dispose()
    return database_urls["postgresql"] + "?options=-csearch_path%3Dmigration_steps"


def test_migration_0015_keeps_one_pair_of_a_mentor_and_mentee_saved_twice(backend, database_urls, tmp_path):
    import datetime as dt

    import sqlalchemy as sa
    from flask_migrate import upgrade

    from surveys import create_app

    url = _database_at(backend, tmp_path, database_urls)
    app = create_app({"SURVEYS_DATABASE_URL": url, "SURVEYS_SECRET_KEY": "x"}, instance_path=str(tmp_path))
    now = dt.datetime(2025, 9, 1)
    with app.app_context():
        upgrade(revision="0014")
        with db.engine.begin() as connection:

            def insert(table: str, **values) -> int:
                names = ", ".join(values)
                marks = ", ".join(f":{name}" for name in values)
                sql = f"INSERT INTO {table} ({names}) VALUES ({marks}) RETURNING id"
                return connection.execute(sa.text(sql), values).scalar_one()

            school = insert("organisation", name="Школа", created_at=now)
            programme = insert("programme", organisation_id=school, name="2025/26", created_at=now)
            people = {
                code: insert(
                    "participant",
                    organisation_id=school,
                    code=code,
                    role=role,
                    form="",
                    group_name="",
                    tags="[]",
                    created_at=now,
                )
                for code, role in (("M1", "mentor"), ("E1", "mentee"), ("E2", "mentee"))
            }
            pairs = []
            for mentees in (["E1", "E2"], ["E1"]):  # E1 saved twice with M1; the second pair has nobody else
                pair = insert(
                    "pair", programme_id=programme, mentor_id=people["M1"], form="", variant="", created_at=now
                )
                pairs.append(pair)
                for code in mentees:
                    insert("pair_mentee", pair_id=pair, participant_id=people[code])
        upgrade()
        with db.engine.connect() as connection:
            rows = connection.execute(sa.text("SELECT pair_id, participant_id FROM pair_mentee ORDER BY id")).all()
            left = connection.execute(sa.text("SELECT id FROM pair")).scalars().all()
        db.engine.dispose()
    assert sorted(rows) == sorted([(pairs[0], people["E1"]), (pairs[0], people["E2"])])
    assert left == [pairs[0]]
