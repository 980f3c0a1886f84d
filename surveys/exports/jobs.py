"""Exports made in the background, so that no web request waits for a large file (docs/exports.md).

A job is a row in ``export_job``. :func:`start` hands it to the queue chosen by
``SURVEYS_EXPORT_QUEUE``:

- ``thread`` (the embedded default): a thread of the app server that took the request;
- ``rq``: an RQ queue on Redis (``SURVEYS_REDIS_URL``), for deployments with several app
  servers; run ``rq worker surveys-exports --url REDIS_URL`` with the app's environment;
- ``inline``: in the calling process (the command line and tests).

:func:`run_job` writes the file to a ``.part`` file, then stores it in 1 MB ``export_chunk``
rows in one transaction, so every app server can send it and a crash leaves nothing half
stored. Progress and a heartbeat are written on a connection of their own while the export
reads; a running job whose heartbeat is older than ``STALE`` was interrupted.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, current_app
from flask_babel import force_locale

from surveys.core.export_labels import locale
from surveys.core.export_models import ExportChunk, ExportJob
from surveys.core.models import Campaign, utcnow
from surveys.exports.files import FORMATS, download_name, write_export
from surveys.exports.plan import ExportRequest
from surveys.extensions import db

log = logging.getLogger(__name__)

QUEUE_NAME = "surveys-exports"
CHUNK = 1 << 20
STALE = dt.timedelta(minutes=5)
KEEP = dt.timedelta(days=1)  # finished exports hold individual data: they are not kept for long
QUEUED, RUNNING, DONE, FAILED, INTERRUPTED = "queued", "running", "done", "failed", "interrupted"


def create_job(
    campaign: Campaign, user_id: int | None, fmt: str, request: ExportRequest, delimiter: str = ","
) -> ExportJob:
    """A queued job for the campaign (the caller checks access and audits); old jobs are removed.

    The job keeps the locale it was ordered in (the staff member's interface language), so that the
    worker, which has no request to ask, writes the file in that language."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    forget_old_jobs()
    job = ExportJob(
        organisation_id=campaign.organisation_id,
        campaign_id=campaign.id,
        user_id=user_id,
        format=fmt,
        options={**request.as_dict(), "delimiter": delimiter, "locale": locale()},
        filename=download_name(campaign, fmt),
    )
    db.session.add(job)
    db.session.commit()
    return job


def expired(job: ExportJob, now: dt.datetime | None = None) -> bool:
    """Past its retention (``KEEP``): the job and its file are gone for everyone, even before they are purged."""
    return job.created_at < (now or utcnow()) - KEEP


def state(job: ExportJob, now: dt.datetime | None = None) -> str:
    """queued, running, done, failed or interrupted (a queued or running job that stopped moving)."""
    now = now or utcnow()
    if job.status in (QUEUED, RUNNING) and now - (job.heartbeat or job.created_at) > STALE:
        return INTERRUPTED
    return job.status


def start(job_id: int, app: Flask | None = None) -> None:
    """Hand the job to the configured queue."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    mode = str(app.config.get("SURVEYS_EXPORT_QUEUE") or "thread").lower()
    if mode == "inline":
        run_job(job_id)
    elif mode == "rq":
        from redis import Redis
        from rq import Queue

        queue = Queue(QUEUE_NAME, connection=Redis.from_url(app.config["SURVEYS_REDIS_URL"]))
        queue.enqueue("surveys.worker.run_export_job", job_id, job_timeout=3600, result_ttl=0)
    elif mode == "thread":
        threading.Thread(target=run_in_app, args=(app, job_id), name=f"export-{job_id}", daemon=True).start()
    else:
        raise ValueError(f"SURVEYS_EXPORT_QUEUE must be thread, rq or inline, not {mode!r}")


def run_in_app(app: Flask, job_id: int) -> None:
    """Run an export job inside ``app`` (a thread of the web process, or the RQ worker's own app)."""
    with app.app_context():
        try:
            run_job(job_id)
        finally:
            db.session.remove()


def _update(job_id: int, **values) -> None:
    """Write job fields on a connection of their own (the export's reads stay open meanwhile)."""
    with db.engine.begin() as connection:
        connection.execute(sa.update(ExportJob.__table__).where(ExportJob.__table__.c.id == job_id).values(**values))


def run_job(job_id: int) -> None:
    """Make the job's file and store it; failures are recorded on the job, never raised."""
    job = db.session.get(ExportJob, job_id)
    if job is None or job.status != QUEUED:
        return
    _update(job_id, status=RUNNING, heartbeat=utcnow(), progress=0)
    campaign = db.session.get(Campaign, job.campaign_id)
    options = dict(job.options or {})
    folder = Path(current_app.instance_path) / "exports"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)  # files being written hold individual data
    sweep(folder)
    handle, name = tempfile.mkstemp(dir=folder, prefix=f"job-{job_id}-", suffix=FORMATS[job.format][0])
    os.close(handle)
    target = Path(name)
    last = {"percent": -1}

    def progress(percent: int) -> None:
        if percent != last["percent"]:
            last["percent"] = percent
            _update(job_id, progress=percent, heartbeat=utcnow())

    language = options.get("locale") or current_app.config["SURVEYS_DEFAULT_LOCALE"]
    try:
        with force_locale(language):  # sheet names, headers and words in the language it was ordered in
            write_export(
                campaign,
                ExportRequest.from_dict(options),
                job.format,
                target,
                delimiter=options.get("delimiter") or ",",
                progress=progress,
            )
        _store(job_id, target)
    except Exception as err:  # a failed export is reported on its page, not lost in a log
        log.exception("export job %s failed", job_id)
        db.session.rollback()
        _update(job_id, status=FAILED, message=str(err)[:1000] or type(err).__name__, finished_at=utcnow())
    finally:
        target.unlink(missing_ok=True)


def sweep(folder: Path, now: float | None = None) -> int:
    """Remove files left in the export folder by workers that died more than STALE ago."""
    cutoff = (now or time.time()) - STALE.total_seconds()
    removed = 0
    for leftover in folder.glob("job-*"):
        if leftover.is_file() and leftover.stat().st_mtime < cutoff:
            leftover.unlink(missing_ok=True)
            removed += 1
    return removed


def _store(job_id: int, path: Path) -> None:
    """Put the finished file in the database, all chunks and the status in one transaction."""
    size = path.stat().st_size
    with db.engine.begin() as connection, path.open("rb") as stream:
        seq = 0
        while piece := stream.read(CHUNK):
            connection.execute(sa.insert(ExportChunk.__table__).values(job_id=job_id, seq=seq, data=piece))
            seq += 1
        connection.execute(
            sa.update(ExportJob.__table__)
            .where(ExportJob.__table__.c.id == job_id)
            .values(status=DONE, progress=100, size=size, finished_at=utcnow(), heartbeat=utcnow())
        )


def chunks(job: ExportJob) -> Iterator[bytes]:
    """The stored file, one chunk at a time (each read on its own, so memory stays at one chunk)."""
    seqs = db.session.execute(db.select(ExportChunk.seq).filter_by(job_id=job.id).order_by(ExportChunk.seq)).scalars()
    for seq in list(seqs):
        yield db.session.execute(db.select(ExportChunk.data).filter_by(job_id=job.id, seq=seq)).scalar_one()


def delete_job(job: ExportJob) -> None:
    db.session.execute(sa.delete(ExportChunk).where(ExportChunk.job_id == job.id))
    db.session.delete(job)
    db.session.commit()


def forget_old_jobs(now: dt.datetime | None = None) -> int:
    """Delete jobs (and their files) created more than KEEP ago; returns how many.

    Run when an export is made and by ``surveys exports purge`` (for cron); until then an expired
    job already answers 404 (``expired``)."""
    cutoff = (now or utcnow()) - KEEP
    old = list(db.session.execute(db.select(ExportJob.id).where(ExportJob.created_at < cutoff)).scalars())
    if old:
        db.session.execute(sa.delete(ExportChunk).where(ExportChunk.job_id.in_(old)))
        db.session.execute(sa.delete(ExportJob).where(ExportJob.id.in_(old)))
        db.session.commit()
    return len(old)
