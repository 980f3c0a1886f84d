"""Rate limits kept in the database, so every app server behind a balancer sees the same counts.

A fixed window per key: ``hit`` counts one event and returns the new count, ``exceeded`` tells
whether the key has used up its allowance, ``undo`` takes one event back. Keys name what is
counted, e.g. ``bad-token:<client address>``. ``stamp`` keeps the moment of a key's last event
instead of a count (the sign-in delays of ``surveys.sign_in``).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import bindparam, delete, update
from sqlalchemy.exc import IntegrityError

from surveys.core.log_models import Throttle
from surveys.core.models import utcnow
from surveys.extensions import db

_TABLE = Throttle.__table__


def _window(now: dt.datetime, seconds: int) -> dt.datetime:
    epoch = int(now.timestamp())
    return dt.datetime.fromtimestamp(epoch - epoch % seconds, dt.UTC).replace(tzinfo=None)


def remaining(seconds: int, now: dt.datetime | None = None) -> int:
    """Whole seconds until the current window of ``seconds`` ends (at least 1)."""
    now = now or utcnow()
    end = _window(now, seconds) + dt.timedelta(seconds=seconds)
    return max(1, int((end - now).total_seconds() + 0.999))


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
    """Count one event for ``key`` and commit; returns the count this event made.

    Atomic: each of N concurrent hits gets its own count, 1 to N (an UPDATE … RETURNING, or an
    INSERT that loses a race and retries), so a limit checked on the returned count holds exactly.
    """
    start = _window(now or utcnow(), seconds)
    for _attempt in range(5):
        this_window = _TABLE.c.key == key
        counted = db.session.execute(
            update(_TABLE)
            .where(this_window, _TABLE.c.window_start == start)
            .values(count=_TABLE.c.count + 1)
            .returning(_TABLE.c.count)
        ).scalar_one_or_none()
        if counted is None:  # a row left from an earlier window starts again at 1
            counted = db.session.execute(
                update(_TABLE)
                .where(this_window, _TABLE.c.window_start != start)
                .values(window_start=start, count=1)
                .returning(_TABLE.c.count)
            ).scalar_one_or_none()
        if counted is not None:
            db.session.commit()
            return counted
        db.session.add(Throttle(key=key, window_start=start, count=1))
        try:
            db.session.commit()
            return 1
        except IntegrityError:  # another request created the row first: count again
            db.session.rollback()
    raise RuntimeError(f"could not count {key!r}")


def undo(key: str, seconds: int, now: dt.datetime | None = None) -> None:
    """Take back one event counted for ``key`` in the current window, and commit."""
    start = _window(now or utcnow(), seconds)
    db.session.execute(
        update(_TABLE)
        .where(_TABLE.c.key == key, _TABLE.c.window_start == start, _TABLE.c.count > 0)
        .values(count=_TABLE.c.count - 1)
    )
    db.session.commit()


def stamp(key: str, now: dt.datetime | None = None) -> None:
    """Keep ``now`` as the moment of ``key``'s last event, and commit."""
    now = now or utcnow()
    for _attempt in range(5):
        if db.session.execute(update(_TABLE).where(_TABLE.c.key == key).values(window_start=now, count=0)).rowcount:
            db.session.commit()
            return
        db.session.add(Throttle(key=key, window_start=now, count=0))
        try:
            db.session.commit()
            return
        except IntegrityError:
            db.session.rollback()


def stamped(key: str) -> dt.datetime | None:
    """The moment ``stamp`` last kept for ``key``, if any."""
    return db.session.execute(db.select(Throttle.window_start).where(Throttle.key == key)).scalar_one_or_none()


def forget(key: str) -> None:
    """Drop ``key``'s counter or stamp, and commit."""
    db.session.execute(delete(_TABLE).where(_TABLE.c.key == key))
    db.session.commit()
