"""Small data contracts between the core and plugins: analyses, sheets, tables."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple


@dataclass(frozen=True)
class Analysis:
    """A named computation over stored data, e.g. a SWOT or a wave comparison.

    ``run`` is pure: it takes the data described by ``applies_to`` and returns a result;
    it never writes back.
    """

    name: str
    title: str
    applies_to: str
    run: Callable[[Any], Any]
    endpoint: str | None = None  # a view taking ``campaign_id``, if the plugin has one


@dataclass(frozen=True)
class Chart:
    """A native Excel chart over a sheet's own columns (written by the core's export writer).

    ``kind`` is an XlsxWriter chart type ("column", "bar", …) with an optional ``subtype``
    ("stacked"); ``categories`` is the column index of the labels and ``values`` the column
    indexes of the series; the chart is placed at ``anchor`` (e.g. "T2").
    """

    title: str
    categories: int
    values: tuple[int, ...]
    kind: str = "column"
    subtype: str | None = None
    anchor: str = "A1"


@dataclass(frozen=True)
class Sheet:
    """One table of an export: a worksheet in XLSX, a file in CSV, an entry in JSON.

    ``rows`` is a list or any iterable read once, e.g. a generator that streams rows from
    the database (the writers never hold a whole table in memory). ``number_formats`` maps a
    column index to an Excel number format ("0.00"); ``widths`` are column widths in
    characters (default: from the header); ``description`` is the table's line in the
    workbook's README.

    A plugin's sheet in an aggregated export wraps each value from a group of people in
    :class:`surveys.core.published.Counted`, so that the disclosure policy can hide it;
    ``plain_columns`` are the column indexes whose numbers describe rather than count (a
    version, a year) and are written as they are.

    ``name`` and ``columns`` are what people read, in the interface language; ``key`` (the sheet's
    id, e.g. ``aggregates``) and ``keys`` (the columns' ids, e.g. ``mean``) are for scripts: the
    JSON export carries them, the README sheet lists each sheet's key (docs/exports.md).
    """

    name: str
    columns: list[str]
    rows: Iterable[Sequence[Any]]
    charts: tuple[Chart, ...] = ()
    number_formats: Mapping[int, str] = field(default_factory=dict)
    widths: Sequence[float] | None = None
    description: str = ""
    plain_columns: frozenset[int] = frozenset()
    key: str = ""
    keys: Sequence[str] = ()


class ScoreRow(NamedTuple):
    """One stored score with where it came from (a named tuple: campaigns have millions of them)."""

    participant: str
    wave_id: int
    wave: str
    wave_kind: str
    instrument: str
    scale: str
    value: float | None
    band: str | None = None
    missing_reason: str | None = None
    raw: float | None = None
    norm: float | None = None
    norm_kind: str | None = None
    scoring_version: str = ""


@dataclass(frozen=True)
class WaveInfo:
    id: int
    name: str
    kind: str
    position: int


@dataclass
class CampaignTables:
    """What an export or an analysis reads: plain rows, no database handles."""

    campaign: str
    waves: list[WaveInfo] = field(default_factory=list)
    scores: list[ScoreRow] = field(default_factory=list)
    answers: list[dict[str, Any]] = field(default_factory=list)
    # The instrument ids with answers, when known without reading the rows (exports set it, so
    # that a plugin can tell it has nothing to add before the rows are loaded).
    instruments: frozenset[str] | None = None
    # The campaign's organisation: its uploaded instruments (``surveys.instruments.catalogues``)
    # count as well as the plugins'. None in tables built by hand.
    organisation_id: int | None = None

    def has_answers_to(self, instrument_ids: Iterable[str]) -> bool:
        """Whether anyone answered one of these instruments (cheap when ``instruments`` is known)."""
        wanted = set(instrument_ids)
        if self.instruments is not None:
            return bool(wanted & self.instruments)
        return any(row.get("instrument") in wanted for row in self.answers)


@dataclass(frozen=True)
class WavePair:
    """The data of a ``wave_pair`` analysis: a campaign's tables and the two waves to compare."""

    tables: CampaignTables
    before: int
    after: int


MIN_GROUP = 5  # aggregated views hide groups smaller than this


@dataclass(frozen=True)
class Headline:
    """One key figure of a dashboard panel, already formatted and suppressed (e.g. "64 %" or "<5").

    ``key`` is stable across schools and languages (the municipal view lines schools up by it);
    ``label`` is what the reader sees."""

    key: str
    label: str
    value: str


@dataclass(frozen=True)
class Panel:
    """A block of a programme's dashboard and of its printed report, made by the core or a plugin.

    ``template`` is a Jinja template (plugins ship it in their blueprint's template folder) that
    renders the block from ``panel.data``; it is included with ``panel`` and ``for_print`` (True
    in the printed report and the PDF) in its context. ``order`` places it (the core's:
    participation 10, indicators 80) and ``report_order`` its place in the printed report (default:
    ``order``). ``headlines`` are the few figures the municipal view shows side by side per
    school. ``in_report`` False keeps the panel out of the printed report; ``appendix`` True prints
    it in the report's appendix, after the other panels (a method note, say). ``key_points`` are the
    sentences the report lists under «key changes», right after the conclusions: made in ``finish``
    from the figures as shown, never from hidden ones.

    Everyone in the organisation reads the dashboard, so the core passes every panel through the
    disclosure policy (docs/plugins.md): a value from a group in ``data`` or a headline is a
    :class:`surveys.core.published.Counted`, decided with every other figure of the page (the view's
    ``publication``, which a plugin may also add figures to directly) and replaced by the value or
    the label of why it is hidden; ``finish(panel)``, when given, runs after that decision and
    returns the panel to show (charts are drawn there, from what is shown) or None to leave it out.
    A number left bare in ``data`` outside the top-level keys in ``plain`` (numbers that describe, or
    that the plugin added to the publication itself) leaves the panel out, and the error is logged.
    """

    name: str
    title: str
    template: str
    data: Any = None
    order: int = 50
    headlines: tuple[Headline, ...] = ()
    in_report: bool = True
    report_order: int | None = None
    appendix: bool = False
    key_points: tuple[str, ...] = ()
    finish: Callable[[Panel], Panel | None] | None = None
    plain: frozenset[str] = frozenset()

    @property
    def place_in_report(self) -> int:
        """Where the panel goes in the printed report."""
        return self.order if self.report_order is None else self.report_order


@dataclass
class ProgrammeView:
    """What ``surveys_dashboard_panels`` reads: a programme, its campaigns and their tables.

    ``programme`` and ``campaigns`` (oldest first) are the stored objects; ``tables(campaign)``
    reads a campaign's :class:`CampaignTables` once and shares it between plugins. ``charts``
    False asks for figures without drawing (the municipal view only needs headlines).
    ``publication`` collects the page's figures, decided together once every panel is made."""

    programme: Any
    campaigns: list[Any]
    load: Callable[[Any], CampaignTables]
    min_group: int = MIN_GROUP
    charts: bool = True
    publication: Any = None  # the page's surveys.core.published.Publication: every panel's figures at once
    _tables: dict[int, CampaignTables] = field(default_factory=dict, repr=False)

    def tables(self, campaign: Any) -> CampaignTables:
        """The campaign's answers and scores, read on first use."""
        if campaign.id not in self._tables:
            self._tables[campaign.id] = self.load(campaign)
        return self._tables[campaign.id]
