"""Scoring from the command line: score one set of answers by hand, and rescore stored responses.

``surveys instrument score ID ANSWERS.json`` lets a psychologist check a new method against
hand-computed results; ``surveys scores recompute`` applies a new scoring version (of an
instrument or of the engine) to the responses already stored.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import click
from flask.cli import AppGroup, with_appcontext
from flask_babel import gettext as _

from surveys.audit import record
from surveys.core.answers import check_answers
from surveys.core.definitions import Profile
from surveys.core.models import Response, Score, Wave
from surveys.core.scoring import ScoreResult, version_of
from surveys.extensions import db
from surveys.instruments import score_answers
from surveys.participation.responses import store_scores
from surveys.state import get_state


def result_json(instrument, result: ScoreResult) -> dict[str, Any]:
    """One scale's score as printed by ``instrument score`` (see docs/format.md)."""
    scale = instrument.scale(result.scale)
    band = next((b for b in scale.bands if b.id == result.band), None) if scale and result.band else None
    return {
        "scale": result.scale,
        "raw": result.raw,
        "score": result.value,
        "band": result.band,
        "band_label": {"ru": band.label.ru, "en": band.label.en or band.label.ru} if band else None,
        "n_answered": result.n_answered,
        "missing_reason": result.missing_reason,
        "norm": result.norm,
        "norm_kind": result.norm_kind,
    }


@click.command("score")
@click.argument("instrument_id")
@click.argument("answers_file", type=click.File("r", encoding="utf-8"))
@click.option("--age", type=click.IntRange(0, 120), help="Age in years, for norm tables.")
@click.option("--sex", type=click.Choice(["f", "m"]), help="Sex, for norm tables.")
@click.option("--partial", is_flag=True, help="Score an unfinished response: required questions may be unanswered.")
@with_appcontext
def score(instrument_id: str, answers_file, age: int | None, sex: str | None, partial: bool) -> None:
    """Print the scores of one set of answers (a JSON object: answer key → value) as JSON.

    The answers are checked first by the same rules as a participant's pages and every import:
    a value outside its question's choices or range, of the wrong kind, or (without --partial) a
    required question left unanswered prints ``FILE: key: message`` and exits 1, scoring nothing."""
    state = get_state()
    instrument = state.instrument(instrument_id)
    if instrument is None:
        click.echo(_("unknown instrument '%(id)s'; see 'surveys instrument list'", id=instrument_id), err=True)
        sys.exit(2)
    try:
        answers = json.load(answers_file)
    except json.JSONDecodeError as err:
        where = f"{answers_file.name}:{err.lineno}:{err.colno}"
        click.echo(_("%(where)s: not valid JSON: %(error)s", where=where, error=err.msg), err=True)
        sys.exit(1)
    if not isinstance(answers, dict):
        click.echo(_("%(file)s: expected a JSON object of answer key → value", file=answers_file.name), err=True)
        sys.exit(1)
    check = check_answers(state.registry.question_types, instrument, answers, final=not partial)
    if not check.ok:
        for line in check.lines():
            click.echo(f"{answers_file.name}: {line}", err=True)
        sys.exit(1)
    owner = state.registry.instrument_owner.get(instrument.id, "")
    plugin, results = score_answers(state.pm, instrument, answers, owner, Profile(age=age, sex=sex))
    output = {
        "instrument": instrument.id,
        "version": instrument.version,
        "scoring_version": version_of(instrument),
        "scored_by": plugin,
        "scales": [result_json(instrument, r) for r in results],
    }
    click.echo(json.dumps(output, ensure_ascii=False, indent=2))


scores = AppGroup("scores", help="Stored scores.")


@scores.command("recompute")
@click.option("--instrument", "instrument_id", help="Only this instrument.")
@click.option("--campaign", "campaign_id", type=int, help="Only this campaign.")
@click.option("--all", "everything", is_flag=True, help="Also responses already scored with the current version.")
@click.option("--dry-run", is_flag=True, help="Count what would be rescored; change nothing.")
@with_appcontext
def recompute(instrument_id: str | None, campaign_id: int | None, everything: bool, dry_run: bool) -> None:
    """Rescore submitted responses whose scores are older than the current scoring version."""
    state = get_state()
    query = db.select(Response).where(Response.status == "submitted").order_by(Response.id)
    if instrument_id:
        query = query.where(Response.instrument_id == instrument_id)
    if campaign_id:
        query = query.join(Wave, Wave.id == Response.wave_id).where(Wave.campaign_id == campaign_id)
    counts: dict[str, list[int]] = {}
    for response in db.session.execute(query).scalars():
        instrument = state.instrument(response.instrument_id)
        if instrument is None:
            continue
        current = version_of(instrument)
        stored = {
            s.scoring_version for s in db.session.execute(db.select(Score).filter_by(response_id=response.id)).scalars()
        }
        tally = counts.setdefault(instrument.id, [0, 0])
        if not everything and stored == {current}:
            tally[1] += 1
            continue
        tally[0] += 1
        if not dry_run:
            store_scores(response, instrument)
            db.session.commit()
    for name, (done, current) in sorted(counts.items()):
        if dry_run:
            line = _("%(id)s: would rescore %(done)s, already current %(current)s", id=name, done=done, current=current)
        else:
            line = _("%(id)s: rescored %(done)s, already current %(current)s", id=name, done=done, current=current)
        click.echo(line)
    if not dry_run and any(done for done, _ in counts.values()):
        details = {name: done for name, (done, _) in counts.items() if done}
        record("scores.recompute", f"campaign:{campaign_id or '*'}", **details)  # no organisation: it may span several
    if not counts:
        click.echo(_("no submitted responses matched"))
