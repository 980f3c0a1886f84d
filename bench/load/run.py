"""Load and fault runs of the participant path: gunicorn + the database, driven by Locust.

    python bench/load/run.py [--database postgresql|sqlite] [--users 50] [--participants 1500]
                             [--workers 4] [--baseline-seconds 30]
                             [--fault none|kill-worker|kill-master|restart-postgres]

In one run:
1. a fresh database (PostgreSQL: ``surveys_load`` on 127.0.0.1, dropped and created; SQLite: a
   temp file) with a campaign of ``--participants`` personal links (bench/load/seed.py);
2. the **baseline**: bare Flask inserting one row per request (baseline_app.py), same gunicorn,
   same database, same users, for ``--baseline-seconds``;
3. **ours**: every participant walks the real path (locustfile.py) until the links run out;
   with ``--fault``, a gunicorn worker or the master is killed with SIGKILL (the master is then
   started again), or PostgreSQL is restarted, a third of the way in;
4. the **check**: the completed responses in the database must equal the completions Locust
   counted, no one may have two responses to one questionnaire, and every answer the server
   confirmed (a redirect after the page was sent) must be stored.

It prints throughput (requests/s) as a ratio to the baseline, p50/p95/p99 latency, errors and the
check, and exits 1 when the check fails. docs/reliability.md has the figures.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PG = "postgresql://postgres@127.0.0.1:5432/surveys_load"


def start_gunicorn(app: str, port: int, workers: int, env: dict[str, str]) -> subprocess.Popen:
    command = [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}", "--timeout", "60"]
    if app.startswith("surveys:"):  # the settings docs/reliability.md gives for production
        command += ["-c", "python:surveys.serving"]
    server = subprocess.Popen([*command, "--log-level", "warning", app], cwd=ROOT, env={**os.environ, **env})
    for _ in range(100):
        try:
            import urllib.request

            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)
            return server
        except Exception as err:
            if getattr(err, "code", None):  # the server answered (404 is fine)
                return server
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not start on port {port}")


def stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()


def run_locust(user: str, port: int, users: int, seconds: int, prefix: Path, env: dict[str, str]) -> dict:
    command = [sys.executable, "-m", "locust", "-f", str(ROOT / "bench/load/locustfile.py"), user, "--headless"]
    command += [
        "-u",
        str(users),
        "-r",
        str(users),  # all users at once: a ramp would count as slow throughput in a short run
        "-t",
        f"{seconds}s",
        "--host",
        f"http://127.0.0.1:{port}",
    ]
    command += ["--csv", str(prefix), "--only-summary", "--loglevel", "ERROR", "--stop-timeout", "5"]
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env={**os.environ, **env}, check=False, stdout=subprocess.DEVNULL)
    elapsed = time.perf_counter() - started
    with open(f"{prefix}_stats.csv", newline="") as handle:
        total = next(row for row in csv.DictReader(handle) if row["Name"] == "Aggregated")
    return {
        "requests": int(total["Request Count"]),
        "failures": int(total["Failure Count"]),
        "rps": float(total["Requests/s"]),
        "p50": float(total["50%"]),
        "p95": float(total["95%"]),
        "p99": float(total["99%"]),
        "elapsed": elapsed,
    }


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def inject(fault: str, server: dict, delay: float, port: int, workers: int, env: dict[str, str]) -> None:
    """After ``delay`` seconds: kill a worker, or the master (and start it again), or restart PostgreSQL."""
    time.sleep(delay)
    master = server["process"]
    if fault == "kill-worker":
        children = subprocess.run(["pgrep", "-P", str(master.pid)], capture_output=True, text=True).stdout.split()
        os.kill(int(children[0]), signal.SIGKILL)
        print(f"  fault: killed worker {children[0]} with SIGKILL")
    elif fault == "kill-master":
        children = [
            int(p)
            for p in subprocess.run(["pgrep", "-P", str(master.pid)], capture_output=True, text=True).stdout.split()
        ]
        os.kill(master.pid, signal.SIGKILL)
        print(f"  fault: killed the master {master.pid} with SIGKILL")
        master.wait()
        for _ in range(300):  # the orphaned workers notice the master is gone, finish and exit
            alive = [pid for pid in children if _alive(pid)]
            if not alive:
                break
            time.sleep(0.1)
        server["process"] = start_gunicorn("surveys:create_app()", port, workers, env)
        print("  fault: gunicorn started again")
    elif fault == "restart-postgres":
        version = sorted(os.listdir("/etc/postgresql"))[-1]
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"], check=True)
        print("  fault: PostgreSQL restarted")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--participants", type=int, default=1500)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--baseline-seconds", type=int, default=30)
    parser.add_argument("--max-seconds", type=int, default=600)
    parser.add_argument("--fault", choices=("none", "kill-worker", "kill-master", "restart-postgres"), default="none")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="load-"))
    url = PG if args.database == "postgresql" else f"sqlite:///{work / 'load.db'}"
    tokens = work / "tokens.txt"
    env = {"SURVEYS_DATABASE_URL": url, "SURVEYS_SECRET_KEY": "load-bench", "BASELINE_DATABASE_URL": url}
    env |= {"LOAD_TOKENS": str(tokens), "LOAD_RESULTS": str(work / "results.json"), "PYTHONPATH": str(ROOT)}
    sys.path.insert(0, str(ROOT))
    from bench.load.baseline_app import prepare
    from bench.load.check import check
    from bench.load.seed import fresh_database, seed

    fresh_database(url)
    wave_id = seed(url, args.participants, tokens)
    prepare(url)

    baseline_server = start_gunicorn("bench.load.baseline_app:create()", 8766, args.workers, env)
    try:
        base = run_locust("Baseline", 8766, args.users, args.baseline_seconds, work / "baseline", env)
    finally:
        stop(baseline_server)

    server = {"process": start_gunicorn("surveys:create_app()", 8765, args.workers, env)}
    fault = None
    if args.fault != "none":
        delay = max(base["elapsed"] / 3, 5)
        fault = threading.Thread(target=inject, args=(args.fault, server, delay, 8765, args.workers, env))
        fault.start()
    try:
        ours = run_locust("Participant", 8765, args.users, args.max_seconds, work / "ours", env)
    finally:
        if fault is not None:
            fault.join()
        stop(server["process"])

    results = json.loads((work / "results.json").read_text(encoding="utf-8"))
    verdict = check(url, wave_id, results)
    print(f"database: {args.database}; users: {args.users}; gunicorn workers: {args.workers}; fault: {args.fault}")
    print(f"baseline (bare Flask insert): {base['rps']:.0f} req/s, p50 {base['p50']:.0f} ms, p95 {base['p95']:.0f} ms")
    print(
        f"ours (participant path): {ours['rps']:.0f} req/s = {ours['rps'] / base['rps']:.2f}x the baseline; "
        f"p50 {ours['p50']:.0f} ms, p95 {ours['p95']:.0f} ms, p99 {ours['p99']:.0f} ms; "
        f"{ours['requests']} requests, {ours['failures']} failed (retried: {results['retries']}, "
        f"hard errors: {len(results['hard_errors'])}, gave up: {results['gave_up']})"
    )
    for line in verdict["lines"]:
        print("  " + line)
    print(json.dumps({"baseline": base, "ours": ours, "check": verdict["figures"]}))
    sys.exit(0 if verdict["ok"] else 1)


if __name__ == "__main__":
    main()
