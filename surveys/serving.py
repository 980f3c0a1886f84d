"""Gunicorn settings for serving the app:

    gunicorn -c python:surveys.serving -w 4 -b 0.0.0.0:8000 'surveys:create_app()'

The app is built once, in the master, before the workers are forked (``preload_app``): a worker
started after a crash serves at once, instead of spending two seconds of CPU importing and
building the app while the others carry its load. Connections the master may have opened while
building the app are left to it: each worker starts with an empty pool, because a connection
shared by two processes mixes their conversations with the database.
"""

from __future__ import annotations

preload_app = True


def post_fork(server, worker) -> None:
    """In each new worker: forget the master's pooled connections (without closing them)."""
    from .extensions import db

    app = server.app.wsgi()
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose(close=False)
