"""Run a read-only query of the app's database and get its result as an Arrow table.

The analyses of a large campaign read millions of score rows; fetched through SQLAlchemy or a plain
DB-API cursor, each row becomes a Python tuple and each value a Python object, which costs more
than the statistics. The ADBC driver for PostgreSQL (``adbc-driver-postgresql``) hands the result
over as Arrow columns instead, built in C: :func:`fetch_arrow` opens a connection of its own from
the app engine's URL (same user, password, host and database; SQLAlchemy's ``+psycopg`` left out),
so it sees what is committed, not what the caller's session has only flushed.

SQLite is read through the session's own connection and its DB-API cursor, and the rows are turned
into Arrow columns (the driver's tuple per row is made: about twice the time of ADBC's read, see
docs/performance.md). ``adbc-driver-sqlite`` would be faster, but it carries its own copy of the
SQLite library, and two copies in one process break SQLite's locking (POSIX locks belong to the
process, so closing the ADBC connection drops the locks the app's connections hold, and it deletes
the write-ahead log they still use: "How To Corrupt An SQLite Database File", section 2.2.1). The
tests saw exactly that: the app's next write failed with "disk I/O error". :func:`adbc_fetch` can
still read a SQLite file for a measurement in a process of its own (bench/bench_columns.py).

The queries are SQLAlchemy Core statements compiled for the engine's dialect with their
parameters written in (they carry only ids and fixed words that the reader puts there), so the
table and column names come from the models, never from hand-written SQL.
"""

from __future__ import annotations

import gc
from collections.abc import Sequence

import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy.engine import URL

from surveys.extensions import db

MEMORY = ("", ":memory:")
ISOLATION = "adbc.connection.transaction.isolation_level"  # ADBC's standard option and value
REPEATABLE_READ = "adbc.connection.transaction.isolation.repeatable_read"
CHUNK = 100_000  # rows per fetch on the session's cursor


def adbc_target(url: URL) -> tuple[str, str] | None:
    """The ADBC driver that reads this database in the app's process, and what it opens:
    ``("postgresql", libpq URI)``, or None (SQLite and any other database: the session's cursor)."""
    if url.get_backend_name() == "postgresql":
        return "postgresql", url.set(drivername="postgresql").render_as_string(hide_password=False)
    return None


def sqlite_file(url: URL) -> str | None:
    """The file of a SQLite URL, None for an in-memory database (for :func:`adbc_fetch` in a bench)."""
    path = url.database or ""
    if url.get_backend_name() != "sqlite" or path in MEMORY or url.query.get("mode") == "memory":
        return None
    return path


def _compiled(statement: sa.Select) -> str:
    return str(statement.compile(dialect=db.engine.dialect, compile_kwargs={"literal_binds": True}))


def adbc_fetch(target: tuple[str, str], *queries: str) -> list[pa.Table]:
    """Run the queries on a connection of its own of ``target``'s driver (``"postgresql"`` or
    ``"sqlite"``, see the module docstring for why the app never uses the latter) into Arrow, in one
    transaction; on PostgreSQL a repeatable-read one, so that they all see the same snapshot (the
    scores of a response submitted meanwhile are not read without the response)."""
    kind, where = target
    if kind == "sqlite":
        from adbc_driver_sqlite import dbapi
    else:
        from adbc_driver_postgresql import dbapi
    with dbapi.connect(where) as connection, connection.cursor() as cursor:
        if kind == "postgresql":
            connection.adbc_connection.set_options(**{ISOLATION: REPEATABLE_READ})
        tables = []
        for sql in queries:
            cursor.execute(sql)
            tables.append(cursor.fetch_arrow_table())
        return tables


def _through_session(sql: str, names: Sequence[str], types: Sequence[pa.DataType]) -> pa.Table:
    """The same query on the session's connection (which sees its flushed rows), rows → columns a
    chunk of rows at a time, each column cast to its type (SQLite gives its flags as 0 and 1). The
    garbage collector is paused meanwhile: scanning the millions of row tuples again and again costs
    about as much as making them."""
    cursor = db.session.connection().connection.dbapi_connection.cursor()
    chunks: list[list[pa.Array]] = [[] for _ in names]
    collecting = gc.isenabled()
    gc.disable()
    try:
        cursor.execute(sql)
        while rows := cursor.fetchmany(CHUNK):
            for chunk, column, kind in zip(chunks, zip(*rows, strict=True), types, strict=True):
                chunk.append(pa.array(column).cast(kind))
    finally:
        cursor.close()
        if collecting:
            gc.enable()
    columns = [pa.chunked_array(chunk, type=kind) for chunk, kind in zip(chunks, types, strict=True)]
    return pa.table(columns, names=list(names))


Query = tuple[sa.Select, Sequence[pa.DataType]]


def fetch_arrow(*queries: Query) -> list[pa.Table]:
    """Each statement's result as an Arrow table whose columns have the types given with it (one per
    selected column, in order; named after the statement's column labels), read together.

    ADBC's SQLite driver infers a column's type from its first rows and fails when a later row
    differs (a NULL-only start reads as integers), so a statement should select no NULLs: the reader
    uses ``COALESCE`` and an ``IS NULL`` column instead.
    """
    target = adbc_target(db.engine.url)
    compiled = [_compiled(statement) for statement, _types in queries]
    if target:
        fetched = adbc_fetch(target, *compiled)
    else:
        fetched = [
            _through_session(sql, _names(statement), types)
            for sql, (statement, types) in zip(compiled, queries, strict=True)
        ]
    return [_typed(table, _names(statement), types) for table, (statement, types) in zip(fetched, queries, strict=True)]


def _names(statement: sa.Select) -> list[str]:
    return [column.name for column in statement.selected_columns]


def _typed(table: pa.Table, names: list[str], types: Sequence[pa.DataType]) -> pa.Table:
    if table.num_rows == 0:  # an empty result has no rows to infer the types from
        return pa.table([pa.array([], type=kind) for kind in types], names=names)
    return pa.table([table.column(i).cast(kind) for i, kind in enumerate(types)], names=names)
