"""The tables of a campaign export, streamed from the database (docs/exports.md).

:func:`plan_export` turns an :class:`ExportRequest` (waves, instruments and forms to keep,
with or without individual data) into the list of :class:`~surveys.core.contracts.Sheet`
the writers write: README, codebook, the raw answers per instrument and the scores
(individual data: only on request, for the psychologist), aggregates, reliability and the
plugins' sheets. Row-heavy sheets are generators reading the database in batches, so an
export of any size holds one batch in memory, not the campaign.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from flask import current_app
from flask_babel import gettext as _

from surveys.core.contracts import CampaignTables, Sheet, WaveInfo
from surveys.core.definitions import Instrument
from surveys.core.export_labels import (
    answers_sheet_name,
    headers,
    locale,
    role_label,
    sheet_name,
)
from surveys.core.models import Campaign, Participant, Response, Wave
from surveys.core.published import bare_numbers, reveal
from surveys.core.question_base import QuestionType
from surveys.core.reliability import KeyedCollector
from surveys.core.reliability_sheet import (
    RELIABILITY_COLUMNS,
    STATISTICS,
    reliability_rows_from,
    reliability_sheet_rows,
)
from surveys.core.threshold import min_group
from surveys.exports.aggregates import AggregateCollector, aggregate_sheet, collect_scores
from surveys.exports.codebook import codebook_sheet
from surveys.exports.joint import JointDisclosure
from surveys.exports.plan import DATE_FORMAT, ExportPlan, ExportRequest, readme_sheet
from surveys.exports.scores import scores_sheet, stream
from surveys.extensions import db
from surveys.instruments import catalogue
from surveys.plugins import call_each
from surveys.state import get_state
from surveys.workspace import Standing, campaign_tables, standing_by_id

ANSWER_COLUMNS = ["participant", "role", "form", "group", "wave", "instrument_version", "submitted_at"]


class LazyTables(CampaignTables):
    """The campaign's tables for the plugins' sheets, read from the database on first use.

    ``instruments`` (the instruments with answers) and ``waves`` cost nothing, so a plugin can
    tell that it has nothing to add without loading the answers.
    """

    def __init__(self, campaign: Campaign, wave_ids: Sequence[int], instruments: Sequence[str]) -> None:
        self.campaign = campaign.name
        self.waves = [WaveInfo(w.id, w.name, w.kind, w.position) for w in campaign.waves if w.id in wave_ids]
        self.instruments = frozenset(instruments)
        self.organisation_id = campaign.organisation_id
        self._source = (campaign, list(wave_ids))
        self._loaded: CampaignTables | None = None

    def _load(self) -> CampaignTables:
        if self._loaded is None:
            campaign, wave_ids = self._source
            self._loaded = campaign_tables(campaign, wave_ids)
            self._loaded.answers = [r for r in self._loaded.answers if r["instrument"] in self.instruments]
            self._loaded.scores = [s for s in self._loaded.scores if s.instrument in self.instruments]
        return self._loaded

    @property
    def answers(self):  # type: ignore[override]
        return self._load().answers

    @property
    def scores(self):  # type: ignore[override]
        return self._load().scores


def _selected_waves(campaign: Campaign, request: ExportRequest) -> list[Wave]:
    waves = sorted(campaign.waves, key=lambda w: w.position)
    return [w for w in waves if not request.waves or w.id in request.waves]


def _present_instruments(wave_ids: list[int], request: ExportRequest) -> list[str]:
    if not wave_ids:
        return []
    query = db.select(Response.instrument_id).where(Response.wave_id.in_(wave_ids), Response.status == "submitted")
    found = sorted(set(db.session.execute(query.distinct()).scalars()))
    return [i for i in found if not request.instruments or i in request.instruments]


class _People:
    """Each participant's standing in the campaign, and whether the forms filter keeps them."""

    def __init__(self, campaign: Campaign, forms: Sequence[str]) -> None:
        self.standing = standing_by_id(campaign)
        self.forms = set(forms)
        self.nobody = Standing("", "", "")

    def of(self, participant_id: int) -> Standing:
        return self.standing.get(participant_id, self.nobody)

    def kept(self, participant_id: int) -> bool:
        return not self.forms or self.of(participant_id).form in self.forms


def _count(query) -> int:
    return db.session.execute(db.select(db.func.count()).select_from(query.subquery())).scalar_one()


@dataclass
class _Taps:
    """What one pass over the data leaves for a later sheet, so that the database is read once:
    the raw answers feed the reliability collectors, the scores feed the aggregates."""

    keyed: dict[tuple[str, int], KeyedCollector] = field(default_factory=dict)
    answers_read: set[str] = field(default_factory=set)  # instruments whose answers were all fed
    aggregates: AggregateCollector | None = None


def _answer_rows(
    instrument: Instrument | None,
    instrument_id: str,
    waves: dict[int, Wave],
    keys: list[str],
    people: _People,
    taps: _Taps,
) -> Iterator[list[Any]]:
    registry = get_state().registry
    exporters = {}
    for question in instrument.questions() if instrument else []:
        qtype = registry.question_types[question.type]
        if type(qtype).export is QuestionType.export:
            continue  # the default: a value as it is, a list joined below
        for key in qtype.answer_keys(question):
            exporters[key] = (qtype, question)
    feed = instrument is not None and bool(instrument.scales)
    query = (
        db.select(
            Response.participant_id,
            Participant.code,
            Response.wave_id,
            Response.instrument_version,
            Response.submitted_at,
            Response.answers,
        )
        .join(Participant, Participant.id == Response.participant_id)
        .where(
            Response.wave_id.in_(list(waves)), Response.status == "submitted", Response.instrument_id == instrument_id
        )
        .order_by(Response.wave_id, Participant.code, Response.id)
    )
    for participant_id, code, wave_id, version, submitted_at, answers in stream(query):
        if not people.kept(participant_id):
            continue
        standing = people.of(participant_id)
        cells = [code, role_label(standing.role), standing.form, standing.group, waves[wave_id].name, version]
        cells.append(submitted_at)
        answers = answers or {}
        if feed:
            collector = taps.keyed.get((instrument_id, wave_id))
            if collector is None:
                collector = taps.keyed[(instrument_id, wave_id)] = KeyedCollector(instrument)
            collector.add(answers)
        for key in keys:
            value = answers.get(key)
            if key in exporters and value is not None:
                qtype, question = exporters[key]
                value = qtype.export(question, key, value)
            elif isinstance(value, list):
                value = "; ".join(map(str, value))
            elif isinstance(value, dict):
                value = str(value)
            cells.append(value)
        yield cells
    taps.answers_read.add(instrument_id)


def answers_sheet(
    instrument_id: str, waves: dict[int, Wave], people: _People, taps: _Taps, available: Mapping[str, Instrument]
) -> Sheet:
    """One row per submitted response to the instrument, one column per answer key; codes only, no names."""
    instrument = available.get(instrument_id)
    keys = list(instrument.answer_keys) if instrument else []
    if instrument is None:  # an instrument no longer loaded: its keys come from the stored answers
        query = db.select(Response.answers).where(
            Response.wave_id.in_(list(waves)), Response.status == "submitted", Response.instrument_id == instrument_id
        )
        seen: dict[str, None] = {}
        for (answers,) in stream(query):
            seen.update(dict.fromkeys(answers or {}))
        keys = sorted(seen)
    formats = {ANSWER_COLUMNS.index("submitted_at"): DATE_FORMAT}
    widths = [12, 12, 18, 10, 18, 10, 17] + [max(8, min(len(k) + 2, 24)) for k in keys]
    title = instrument.title.get(locale()) if instrument else instrument_id
    return Sheet(
        answers_sheet_name(title),
        headers(ANSWER_COLUMNS) + keys,
        _answer_rows(instrument, instrument_id, waves, keys, people, taps),
        number_formats=formats,
        widths=widths,
        description=_(
            "Raw answers to «%(instrument)s» (id %(id)s): one row per response, pseudonymous codes only; "
            "the columns after the first seven are the items' ids, their answer codes are in the codebook.",
            instrument=title,
            id=instrument_id,
        ),
        key=f"answers {instrument_id}",
        keys=[*ANSWER_COLUMNS, *keys],
    )


def reliability_export_sheet(
    waves: dict[int, Wave],
    instruments: list[str],
    people: _People,
    taps: _Taps,
    available: Mapping[str, Instrument],
    joint: JointDisclosure | None = None,
) -> Sheet:
    """Internal consistency per scale and wave, computed from the streamed answers (aggregated: no codes)."""

    def answers_of(instrument_id: str, wave_id: int):
        if instrument_id in taps.answers_read:  # the raw answers sheet has fed them already
            return taps.keyed.pop((instrument_id, wave_id), None) or KeyedCollector(available[instrument_id])
        query = db.select(Response.participant_id, Response.answers).where(
            Response.wave_id == wave_id, Response.status == "submitted", Response.instrument_id == instrument_id
        )
        return (answers or {} for participant_id, answers in stream(query) if people.kept(participant_id))

    def rows() -> Iterator[list[Any]]:
        ordered = sorted(waves.values(), key=lambda w: w.position)
        sources = []
        for instrument_id in instruments:
            instrument = available.get(instrument_id)
            if instrument is None or not instrument.scales:
                continue
            for wave in ordered:
                sources.append((instrument, wave.name, wave.kind, lambda i=instrument_id, w=wave.id: answers_of(i, w)))
        found = reliability_rows_from(sources, min_group())
        if joint is not None:  # aggregated: n only as the aggregates show it (joint.py)
            ids = {wave.name: wave.id for wave in ordered}
            found = (
                {**row, "n": joint.reliability_n(ids[row["wave"]], row["instrument"], row["scale"], row["n"])}
                for row in found
            )
        yield from reliability_sheet_rows(found)

    return Sheet(
        sheet_name("reliability"),
        headers(RELIABILITY_COLUMNS),
        rows(),
        number_formats={RELIABILITY_COLUMNS.index(key): fmt for key, fmt in STATISTICS.items()},
        widths=[30, 16, 26, 14, 18, 16, 6, 6, 10, 14, 10, 30],
        description=_("Reliability: Cronbach's alpha (KR-20 for yes/no items) per scale and wave, item–total r."),
        key="reliability",
        keys=list(RELIABILITY_COLUMNS),
    )


def plan_export(campaign: Campaign, request: ExportRequest) -> ExportPlan:
    """The sheets of the export, in order; generators are not started until written."""
    waves = _selected_waves(campaign, request)
    wave_ids = [w.id for w in waves]
    instruments = _present_instruments(wave_ids, request)
    plan = ExportPlan(campaign, request, waves, instruments)
    by_id = {w.id: w for w in waves}
    people = _People(campaign, request.forms)
    taps = _Taps(aggregates=AggregateCollector(people.of, units=not request.individual))
    available = catalogue(campaign.organisation_id)  # the plugins' instruments and the organisation's uploads
    joint = None
    if not request.individual:  # aggregated: the aggregates and the plugins' sheets decided together
        joint = JointDisclosure(
            taps.aggregates,
            lambda: collect_scores(taps.aggregates, by_id, instruments, people.kept),
            lambda: _codes(campaign),
            lambda instrument, scale: _band_ids(available, instrument, scale),
            min_group(),
        )
    sheets: list[Sheet] = [codebook_sheet(instruments, available)]
    plan.titles = {i: available[i].title.get(locale()) if i in available else i for i in instruments}
    base = (
        db.select(Response.id)
        .where(Response.wave_id.in_(wave_ids or [-1]), Response.status == "submitted")
        .where(Response.instrument_id.in_(instruments or [""]))
    )
    responses = _count(base)
    scales = max([len(available[i].scales) for i in instruments if i in available] or [0])
    scores = responses * scales  # an estimate, for the progress bar only
    estimate = responses
    if request.individual:
        sheets += [answers_sheet(i, by_id, people, taps, available) for i in instruments]
        sheets.append(scores_sheet(by_id, instruments, people, taps, available))
        estimate += scores
    sheets.append(aggregate_sheet(taps.aggregates, by_id, instruments, people.kept, available, joint))
    sheets.append(reliability_export_sheet(by_id, instruments, people, taps, available, joint))
    if not request.forms:  # the plugins' analyses cover the whole campaign, so a form filter leaves them out
        sheets += plugin_sheets(campaign, LazyTables(campaign, wave_ids, instruments), joint)
    plan.sheets = sheets
    plan.estimated_rows = max(estimate, 1)
    return plan


def _codes(campaign: Campaign) -> dict[int, str]:
    query = db.select(Participant.id, Participant.code).where(Participant.organisation_id == campaign.organisation_id)
    return {participant_id: code for participant_id, code in db.session.execute(query)}


def _band_ids(available: Mapping[str, Instrument], instrument_id: str, scale_id: str) -> list[str]:
    instrument = available.get(instrument_id)
    scale = instrument.scale(scale_id) if instrument else None
    return [band.id for band in scale.bands] if scale else []


def plugin_sheets(campaign: Campaign, tables: CampaignTables, joint: JointDisclosure | None) -> list[Sheet]:
    """The plugins' sheets through the disclosure policy (surveys/core/published.py).

    With individual data (the psychologist's export: no ``joint``) every value is shown. Otherwise the
    values are decided with the export's aggregates (``joint``, surveys/exports/joint.py), and a sheet
    with a number the policy cannot check (not wrapped in Counted, outside its plain columns) is left
    out and the error logged: a plugin cannot forget the policy.
    """
    individual = joint is None
    hook = get_state().pm.hook.surveys_export_sheets
    found = []
    for plugin, extra in call_each(hook, campaign=campaign, tables=tables):
        for sheet in extra or []:
            sheet = replace(sheet, rows=[list(row) for row in sheet.rows])
            unchecked = bare_numbers(sheet)
            if unchecked and not individual:
                row, column = unchecked[0]
                current_app.logger.error(
                    "export: sheet %r of plugin %s left out of an aggregated export: the number in row %s, "
                    "column %r is not wrapped in Counted, so the disclosure policy cannot check it",
                    sheet.name,
                    plugin,
                    row + 2,
                    sheet.columns[column] if column < len(sheet.columns) else column,
                )
                continue
            found.append(sheet)
    return reveal(found) if joint is None else joint.sheets(found)


def export_sheets(plan: ExportPlan) -> list[Sheet]:
    """README first, then the plan's sheets (README names them as the writers will)."""
    from surveys.core.export import sheet_names

    names = sheet_names([sheet_name("readme"), *(s.name for s in plan.sheets)])
    return [readme_sheet(plan, names[1:]), *plan.sheets]
