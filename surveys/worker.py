"""The entry points an RQ worker runs (``SURVEYS_REDIS_URL``): each builds an app from the worker's
environment and runs one job in it. They live at the top, beside the factory, because a feature never
builds an app."""

from __future__ import annotations

from surveys.exports import run_in_app
from surveys.factory import create_app


def run_export_job(job_id: int) -> None:
    """Run the export job ``job_id`` (queued by ``surveys.exports.jobs.start``)."""
    run_in_app(create_app(), job_id)
