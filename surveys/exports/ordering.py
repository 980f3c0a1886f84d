"""What staff do on the export pages: the filters a campaign offers, ordering an export (run in the
background), its jobs, downloading, running again, deleting, and the quick workbook of a small
campaign. Every export, download and deletion is audited."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from surveys.audit import record
from surveys.core.export_labels import locale
from surveys.core.export_models import ExportJob
from surveys.core.models import Campaign
from surveys.core.models import Response as Answered
from surveys.exports.files import campaign_workbook
from surveys.exports.jobs import DONE, create_job, delete_job, expired, start, state
from surveys.exports.plan import ExportRequest
from surveys.extensions import db
from surveys.instruments import catalogue
from surveys.workspace import standing_by_id


@dataclass(frozen=True)
class Filters:
    """What an export of the campaign can be limited to: waves (in order), questionnaires answered
    (id and title in the interface language, by title), forms of mentoring."""

    waves: list[tuple[int, str]]
    instruments: list[tuple[str, str]]
    forms: list[str]


def _wave_ids(campaign: Campaign) -> list[int]:
    return [w.id for w in campaign.waves] or [-1]


def filters(campaign: Campaign) -> Filters:
    used = db.session.execute(
        db.select(Answered.instrument_id)
        .where(Answered.wave_id.in_(_wave_ids(campaign)), Answered.status == "submitted")
        .distinct()
    ).scalars()
    forms = {standing.form for standing in standing_by_id(campaign).values() if standing.form}
    waves = [(w.id, w.name) for w in sorted(campaign.waves, key=lambda w: w.position)]
    available, language = catalogue(campaign.organisation_id), locale()
    titles = [(i, available[i].title.get(language) if i in available else i) for i in set(used)]
    return Filters(waves, sorted(titles, key=lambda pair: (pair[1].lower(), pair[0])), sorted(forms))


def _audit(fmt: str, campaign: Campaign, export: ExportRequest, **more) -> None:
    record(f"export.{fmt}", f"campaign:{campaign.id}", **export.as_dict(), **more)


def order(campaign: Campaign, user_id: int, fmt: str, export: ExportRequest, delimiter: str) -> ExportJob:
    """A new export job, audited and started."""
    job = create_job(campaign, user_id, fmt, export, delimiter)
    _audit(fmt, campaign, export, job=job.id)
    start(job.id)
    return job


def recent(campaign: Campaign, individual_allowed: bool, limit: int = 20) -> list[tuple[ExportJob, str]]:
    """The campaign's latest jobs with their states, without expired ones and, unless
    ``individual_allowed``, without those holding individual data."""
    jobs = db.session.execute(
        db.select(ExportJob).filter_by(campaign_id=campaign.id).order_by(ExportJob.id.desc()).limit(limit)
    ).scalars()
    visible = [j for j in jobs if not expired(j) and (not (j.options or {}).get("individual") or individual_allowed)]
    return [(j, state(j)) for j in visible]


def campaign_of(job: ExportJob) -> Campaign:
    return db.session.get(Campaign, job.campaign_id)


def download(job: ExportJob) -> bool:
    """True, and the download audited, when the job's file is ready."""
    if state(job) != DONE:
        return False
    record("export.download", f"export:{job.id}", campaign=job.campaign_id, format=job.format)
    return True


def again(job: ExportJob, user_id: int) -> ExportJob:
    """The same export once more (after a failure or an interruption), audited and started."""
    options = dict(job.options or {})
    export = ExportRequest.from_dict(options)
    campaign = campaign_of(job)
    new = create_job(campaign, user_id, job.format, export, options.get("delimiter") or ",")
    _audit(job.format, campaign, export, job=new.id, again=job.id)
    start(new.id)
    return new


def delete(job: ExportJob) -> int:
    """Delete the job and its file, audited; returns its campaign's id."""
    campaign_id = job.campaign_id
    record("export.delete", f"export:{job.id}", campaign=campaign_id)
    delete_job(job)
    return campaign_id


def quick_workbook(campaign: Campaign, export: ExportRequest) -> bytes | None:
    """The whole workbook at once, audited; None when the campaign has more submitted responses than
    ``SURVEYS_QUICK_EXPORT_LIMIT`` (it goes to the background export instead)."""
    responses = db.session.execute(
        db.select(db.func.count(Answered.id)).where(
            Answered.wave_id.in_(_wave_ids(campaign)), Answered.status == "submitted"
        )
    ).scalar_one()
    if responses > current_app.config["SURVEYS_QUICK_EXPORT_LIMIT"]:
        return None
    data = campaign_workbook(campaign, export)
    _audit("xlsx", campaign, export, quick=True)
    return data
