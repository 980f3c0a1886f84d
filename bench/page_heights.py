"""How tall each questionnaire page is on a 360 × 740 phone, and how many pages the demo's people get.

    python bench/page_heights.py [--only ID ...] [--shots FOLDER]

Starts the app on a fresh SQLite database, serves every page of every instrument the app loads to a
participant (tests/phone_pages.py) in Debian's Chromium at 360 × 740, and prints a Markdown table: the
instrument's pages, its tallest page in px and in screens of 740 px, and the tallest options list of
its ratings of six points or more (a 1–10 rating). Then it builds the demo (``surveys demo``) in the
same database and prints how many pages a mentee and a mentor who answered the demo's output wave went
through. Nothing here is timed: the figures are sizes, the same on every machine with this Chromium.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.phone_pages import SCREEN, measure_all  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def serve(folder: str):
    import logging

    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from surveys import create_app

    url = f"sqlite:///{folder}/bench.sqlite3"
    app = create_app({"SURVEYS_DATABASE_URL": url, "SURVEYS_SECRET_KEY": "bench"}, instance_path=f"{folder}/i")
    with app.app_context():
        upgrade()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_port}"
    app.config["SURVEYS_BASE_URL"] = base
    return app, base, httpd


def instrument_table(sizes, demo_ids: set[str]) -> list[str]:
    rows = [
        "| instrument | in demo | pages | tallest page, px | screens | rating of 6+ points, px |",
        "|---|---|---|---|---|---|",
    ]
    by_instrument: dict[str, list] = {}
    for size in sizes:
        by_instrument.setdefault(size.instrument, []).append(size)
    for instrument_id, pages in by_instrument.items():
        tallest = max(pages, key=lambda s: s.height)
        scales = [h for s in pages for h in s.scales.values()]
        scale = f"{max(scales):.0f}" if scales else "–"
        rows.append(
            f"| {instrument_id} | {'yes' if instrument_id in demo_ids else ''} | {len(pages)} | "
            f"{tallest.height:.0f} (p. {tallest.number}) | {tallest.height / SCREEN:.1f} | {scale} |"
        )
    return rows


def demo_pages(app, sizes) -> list[str]:
    """Pages that the first mentee and mentor (by code) who answered the demo's output wave went through,
    and how far they scrolled: the measured heights of those pages, added up, in screens."""
    from surveys.core.models import Participant, Response, Wave
    from surveys.demo import build_demo
    from surveys.extensions import db
    from surveys.participation.questionnaire import visible_pages

    height = {(s.instrument, s.number): s.height for s in sizes}
    with app.app_context():
        build_demo()
        wave = db.session.execute(db.select(Wave).filter_by(kind="output")).scalars().first()
        rows = ["| role | form | questionnaires (pages) | pages | scrolled, screens |", "|---|---|---|---|---|"]
        for role in ("mentee", "mentor"):
            person = (
                db.session.execute(
                    db.select(Participant)
                    .join(Response, Response.participant_id == Participant.id)
                    .where(Response.wave_id == wave.id, Participant.role == role)
                    .order_by(Participant.code)
                )
                .scalars()
                .first()
            )
            responses = db.session.execute(
                db.select(Response).filter_by(wave_id=wave.id, participant_id=person.id).order_by(Response.id)
            ).scalars()
            instrument = app.extensions["surveys"].instrument
            shown = {r.instrument_id: visible_pages(instrument(r.instrument_id), r.answers) for r in responses}
            listed = ", ".join(f"{i} {len(pages)}" for i, pages in shown.items())
            total = sum(height.get((i, n + 1), 0) for i, pages in shown.items() for n in pages)
            count = sum(len(pages) for pages in shown.values())
            rows.append(f"| {role} | {person.form} | {listed} | {count} | {total / SCREEN:.1f} |")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="instrument ids (default: every instrument the app loads)")
    parser.add_argument("--pages", action="store_true", help="also print each page's height")
    parser.add_argument("--shots", type=Path, help="a folder for a full-page screenshot of each page")
    args = parser.parse_args()
    if args.shots:
        args.shots.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright

    from surveys.demo import INSTRUMENTS

    with tempfile.TemporaryDirectory() as folder:
        app, base, httpd = serve(folder)
        ids = args.only or sorted(app.extensions["surveys"].registry.instruments)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            sizes = measure_all(app, base, browser, ids, args.shots)
            browser.close()
        print("\n".join(instrument_table(sizes, set(INSTRUMENTS))))
        if args.pages:
            print()
            print("\n".join(f"{s.instrument} p. {s.number} ({s.page_id}): {s.height:.0f} px" for s in sizes))
        print()
        print("\n".join(demo_pages(app, sizes)))
        httpd.shutdown()


if __name__ == "__main__":
    main()
