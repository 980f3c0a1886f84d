"""The database-backed rate limit counter: windows, limits and concurrent hits."""

from __future__ import annotations

import datetime as dt
import threading

from surveys import throttle


def test_hits_count_within_a_window_and_restart_in_the_next(app):
    start = dt.datetime(2026, 11, 24, 10, 0, 5)
    with app.app_context():
        assert [throttle.hit("k", 60, start + dt.timedelta(seconds=s)) for s in (0, 10, 50)] == [1, 2, 3]
        assert throttle.exceeded("k", 3, 60, start) and not throttle.exceeded("k", 4, 60, start)
        assert throttle.count("other", 60, start) == 0
        later = start + dt.timedelta(seconds=60)
        assert throttle.count("k", 60, later) == 0 and throttle.hit("k", 60, later) == 1


def test_concurrent_hits_are_all_counted(app):
    hits, workers = 10, 4
    barrier = threading.Barrier(workers)

    def work():
        with app.app_context():
            barrier.wait()
            for _ in range(hits):
                throttle.hit("busy", 3600)

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with app.app_context():
        assert throttle.count("busy", 3600) == hits * workers
