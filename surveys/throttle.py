"""Rate limits kept in the database, so every app server behind a balancer sees the same counts.

A fixed window per key: ``hit`` counts one event, ``exceeded`` tells whether the key has
used up its allowance. Keys name what is counted, e.g. ``bad-token:<client address>``.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import bindparam, update
from sqlalchemy.exc import IntegrityError

from .core.models import Throttle, utcnow
from .extensions import db


def _window(now: dt.datetime, seconds: int) -> dt.datetime:
    epoch = int(now.timestamp())
    return dt.datetime.fromtimestamp(epoch - epoch % seconds, dt.UTC).replace(tzinfo=None)


def count(key: str, seconds: int, now: dt.datetime | None = None) -> int:
    """Events counted for ``key`` in the current window."""
    start = _window(now or utcnow(), seconds)
    found = db.session.execute(
        db.select(Throttle.count).where(Throttle.key == key, Throttle.window_start == start)
    ).scalar_one_or_none()
    return found or 0


def count_column():
    """``count`` (0 when nothing is counted) as a scalar subquery to read inside another
    statement, over the bound parameters that ``count_params`` gives."""
    counted = db.select(Throttle.count).where(
        Throttle.key == bindparam("throttle_key"), Throttle.window_start == bindparam("throttle_window")
    )
    return db.func.coalesce(counted.scalar_subquery(), 0)


def count_params(key: str, seconds: int, now: dt.datetime | None = None) -> dict:
    """The parameters of ``count_column`` for ``key`` in the current window."""
    return {"throttle_key": key, "throttle_window": _window(now or utcnow(), seconds)}


def exceeded(key: str, limit: int, seconds: int, now: dt.datetime | None = None) -> bool:
    return count(key, seconds, now) >= limit


def hit(key: str, seconds: int, now: dt.datetime | None = None) -> int:
    """Count one event for ``key`` and commit; returns the count in the current window.

    Safe under concurrency: an atomic UPDATE, or an INSERT that loses a race and retries.
    """
    start = _window(now or utcnow(), seconds)
    for _attempt in range(3):
        same = db.session.execute(
            update(Throttle).where(Throttle.key == key, Throttle.window_start == start).values(count=Throttle.count + 1)
        ).rowcount
        if not same:
            same = db.session.execute(
                update(Throttle)
                .where(Throttle.key == key, Throttle.window_start != start)
                .values(window_start=start, count=1)
            ).rowcount
        if same:
            db.session.commit()
            return count(key, seconds, now)
        db.session.add(Throttle(key=key, window_start=start, count=1))
        try:
            db.session.commit()
            return 1
        except IntegrityError:  # another request created the row first: count again
            db.session.rollback()
    return count(key, seconds, now)
