"""Server CPU per request, one request at a time: the participant path against the bare insert.

    python bench/load/server_cpu.py [--database sqlite|postgresql] [--participants 300]

The load run (run.py) measures throughput with Locust on the same two cores, so its ratio mixes
the client's CPU with the server's. This script takes the client out: one gunicorn worker,
one request at a time from a plain HTTP client, and the worker's own CPU time (user + system,
from /proc) divided by the requests it served. It measures, in the same run:

- the baseline: ``bench.load.baseline_app`` inserting one row;
- the participant path: open link, consent, every page, submit (as in locustfile.py);
- two pages of the app with no questionnaire: ``/healthz`` (one ``SELECT 1``) and the
  sign-in page (a small form), to show what Flask, the templates and the session cost alone.

CPU time is much steadier than throughput on a shared machine; the ratios are what to compare.
"""

from __future__ import annotations

import argparse
import http.client
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LOAD_TARGET", "baseline")  # the locustfile reads no token file when imported here

from bench.load.baseline_app import prepare  # noqa: E402
from bench.load.locustfile import walk  # noqa: E402
from bench.load.run import PG, start_gunicorn, stop  # noqa: E402
from bench.load.seed import fresh_database, seed  # noqa: E402


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def the_worker(master: subprocess.Popen) -> int:
    found = subprocess.run(["pgrep", "-P", str(master.pid)], capture_output=True, text=True, check=True)
    return int(found.stdout.split()[0])


def send(port: int, method: str, path: str, data: dict | None = None) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    body = urlencode(data) if data is not None else None
    headers = {"Content-Type": "application/x-www-form-urlencoded"} if body is not None else {}
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    text = response.read().decode()
    connection.close()
    return response.status, text


def take_the_survey(port: int, token: str) -> int:
    """One participant from link to "Thank you" (the load run's walk); returns the number of requests sent."""
    here, sent = f"/s/{token}", 1
    _status, page = send(port, "GET", here)
    steps = walk(here, page)
    try:
        step = next(steps)
        while True:
            status, _ = send(port, "POST", step.url, step.data)
            if status != 302:
                raise RuntimeError(f"{step.name} answered {status}")
            _status, page = send(port, "GET", here)
            sent += 2
            step = steps.send(page)
    except StopIteration as end:
        if end.value != "completed":
            raise RuntimeError(f"the walk stopped on an unexpected page for {token}") from None
    return sent


def per_request(worker: int, run) -> float:
    """Milliseconds of the worker's CPU per request over ``run()`` (which returns its request count)."""
    before = cpu_seconds(worker)
    count = run()
    return 1000 * (cpu_seconds(worker) - before) / count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="sqlite")
    parser.add_argument("--participants", type=int, default=300)
    parser.add_argument("--requests", type=int, default=2000, help="for the baseline and the two plain pages")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="server-cpu-"))
    url = PG if args.database == "postgresql" else f"sqlite:///{work / 'load.db'}"
    tokens_file = work / "tokens.txt"
    fresh_database(url)
    seed(url, args.participants, tokens_file)
    prepare(url)
    tokens = tokens_file.read_text().split()
    env = {"SURVEYS_DATABASE_URL": url, "SURVEYS_SECRET_KEY": "load-bench", "BASELINE_DATABASE_URL": url}
    env["PYTHONPATH"] = str(ROOT)
    warm = min(20, len(tokens) // 5)

    def repeat(port: int, method: str, path: str):
        return lambda: sum(send(port, method, path)[0] < 500 for _ in range(args.requests))

    server = start_gunicorn("bench.load.baseline_app:create()", 8766, 1, env)
    try:
        worker = the_worker(server)
        repeat(8766, "POST", "/insert")()
        baseline = per_request(worker, repeat(8766, "POST", "/insert"))
    finally:
        stop(server)
    server = start_gunicorn("surveys:create_app()", 8765, 1, env)
    try:
        worker = the_worker(server)
        for token in tokens[:warm]:
            take_the_survey(8765, token)
        ours = per_request(worker, lambda: sum(take_the_survey(8765, token) for token in tokens[warm:]))
        plain = {}
        for path in ("/healthz", "/login"):
            repeat(8765, "GET", path)()
            plain[path] = per_request(worker, repeat(8765, "GET", path))
    finally:
        stop(server)
    print(f"database: {args.database}; one gunicorn worker, one request at a time")
    print(f"baseline (bare Flask insert): {baseline:.2f} ms of server CPU per request")
    print(f"participant path: {ours:.2f} ms per request = {baseline / ours:.2f}x the baseline's rate")
    for path, cost in plain.items():
        print(f"{path}: {cost:.2f} ms per request = {baseline / cost:.2f}x the baseline's rate")


if __name__ == "__main__":
    main()
