"""A programme's dashboard: the core's panels (participation, indicators) and the plugins' panels.

:func:`programme_view` gathers what the panels read; :func:`collect_panels` asks the core and
every plugin (``surveys_dashboard_panels``) for panels, in order. The same panels make the
viewer's home page, the printed report and, by their headlines, the municipal view.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace

from flask import current_app
from flask_babel import format_decimal
from flask_babel import gettext as _

from surveys.core.contracts import Headline, Panel, ProgrammeView
from surveys.core.disclosure import hidden_label
from surveys.core.models import Campaign, Programme
from surveys.core.published import Publication, publish_panels
from surveys.core.report_models import Indicator
from surveys.core.threshold import min_group as threshold
from surveys.extensions import db
from surveys.plugins import implementations
from surveys.reporting.charts import RCI_COLOURS, share_rows, trend_chart
from surveys.reporting.indicators import trend
from surveys.state import KEY
from surveys.workspace import campaign_tables, wave_status

log = logging.getLogger(__name__)


def programme_view(programme: Programme, min_group: int | None = None, charts: bool = True) -> ProgrammeView:
    """The programme with its campaigns (oldest first); tables are read when a panel asks."""
    campaigns = db.session.execute(
        db.select(Campaign).filter_by(programme_id=programme.id).order_by(Campaign.id)
    ).scalars()
    k = threshold() if min_group is None else min_group
    view = ProgrammeView(programme, list(campaigns), campaign_tables, min_group=k, charts=charts)
    view.publication = Publication(k)  # the page's figures, decided together (collect_panels)
    return view


def percent(part: int, whole: int) -> str:
    """``part`` of ``whole`` as whole per cent, e.g. "64 %"."""
    return f"{round(100 * part / whole)} %"


@dataclass(frozen=True)
class RateRow:
    """A slice of a wave's participation as the page shows it. ``mark`` says why the whole row is
    hidden (its number expected: ``"small"`` under the threshold, ``"protecting"`` to protect a small
    group elsewhere on the page, surveys/core/disclosure.py), ``completed_mark`` why its completed
    count (and so its rate) is; None when shown."""

    label: str
    total: int
    completed: int
    mark: str | None = None
    hidden_text: str = ""  # «<5», or the words for a figure hidden to protect another
    completed_mark: str | None = None
    completed_text: str = ""

    @property
    def hidden(self) -> bool:
        return self.mark is not None

    @property
    def rate(self) -> str:
        if self.hidden:
            return self.hidden_text
        if self.completed_mark:
            return self.completed_text
        return percent(self.completed, self.total) if self.total else "—"


@dataclass(frozen=True)
class Slice:
    """A row of the participation table before the page is decided: who was expected, who completed."""

    label: str
    expected: frozenset[str]  # participant codes
    completed: frozenset[str]


def rate_rows(slices: list[Slice], publication: Publication) -> Callable[[], list[RateRow]]:
    """Everyone, then each slice, added to the page's ``publication``: a slice's number expected is a figure
    of the people expected, its completed count and rate one of those who completed. Returns what makes the
    rows once the publication is decided (a small slice is hidden, and others with it wherever a small
    one could be worked out, on this table or from the page's other figures)."""
    marks: dict[tuple[int, str], str] = {}
    for number, one in enumerate(slices):
        publication.add(one.expected, 1, lambda mark, at=(number, "expected"): marks.__setitem__(at, mark))
        publication.add(one.completed, 2, lambda mark, at=(number, "completed"): marks.__setitem__(at, mark))

    def rows() -> list[RateRow]:
        k = publication.k
        made = []
        for number, one in enumerate(slices):
            mark, done = marks.get((number, "expected")), marks.get((number, "completed"))
            made.append(
                RateRow(
                    one.label,
                    len(one.expected),
                    len(one.completed),
                    mark,
                    hidden_label(mark, k) if mark else "",
                    done,
                    hidden_label(done, k) if done else "",
                )
            )
        return made

    return rows


def _slices(wave) -> list[Slice]:
    """Everyone expected in the wave, then each form of mentoring, with the codes of who completed."""
    statuses = wave_status(wave)
    everyone = Slice(
        _("Everyone"),
        frozenset(s.participant.code for s in statuses),
        frozenset(s.participant.code for s in statuses if s.label == "done"),
    )
    forms: dict[str, list] = {}
    for status in statuses:
        forms.setdefault(status.standing.form or "", []).append(status)
    return [everyone] + [
        Slice(
            form or _("not specified"),
            frozenset(s.participant.code for s in found),
            frozenset(s.participant.code for s in found if s.label == "done"),
        )
        for form, found in sorted(forms.items())
    ]


def participation_panel(view: ProgrammeView) -> Panel | None:
    """Per campaign and wave: how many were expected and how many completed, by form of mentoring; the
    figures are decided with the page's others, and the table and chart made once they are."""
    waves = []
    for campaign in view.campaigns:
        for wave in campaign.waves:
            slices = _slices(wave)
            if not slices[0].expected:
                continue
            waves.append({"campaign": campaign.name, "wave": wave.name, "rows": rate_rows(slices, view.publication)})
    if not waves:
        return None

    def finish(panel: Panel) -> Panel:
        made = [{**w, "rows": w["rows"]()} for w in waves]
        chart = None
        shown = [w for w in made if not w["rows"][0].hidden and not w["rows"][0].completed_mark]
        if view.charts and shown:
            bars = [
                (
                    w["wave"],
                    [
                        (_("completed"), w["rows"][0].completed),
                        (_("not yet"), w["rows"][0].total - w["rows"][0].completed),
                    ],
                )
                for w in shown
            ]
            words = "; ".join(f"{w['wave']}: {w['rows'][0].rate}" for w in shown)
            chart = share_rows(
                bars, _("Response rate"), _("Response rate by wave: %(rates)s.", rates=words), RCI_COLOURS[::2]
            )
        latest = made[-1]["rows"][0]
        headlines = (Headline("response_rate", _("Response rate, last wave"), latest.rate),)
        return replace(panel, data={"waves": made, "chart": chart}, headlines=headlines)

    return Panel(
        name="participation",
        title=_("Participation"),
        template="dashboard/participation.html",
        data={},
        order=10,
        finish=finish,
    )


def indicator_chart(indicator: Indicator, points) -> object:
    """An indicator's trend against its target, with the values in words for screen readers."""
    labels = [p.period.strftime("%Y-%m") for p in points]
    words = "; ".join(f"{label}: {format_decimal(p.value)}" for label, p in zip(labels, points, strict=True))
    alt = _("%(name)s by period: %(values)s.", name=indicator.name, values=words)
    if indicator.target is not None:
        alt += " " + _("Target: %(target)s.", target=format_decimal(indicator.target))
    return trend_chart(labels, [p.value for p in points], indicator.target, indicator.name, alt, indicator.unit)


def indicators_panel(view: ProgrammeView) -> Panel | None:
    """The programme's own indicators: the latest value, the target and the trend."""
    indicators = db.session.execute(
        db.select(Indicator).filter_by(programme_id=view.programme.id).order_by(Indicator.position, Indicator.id)
    ).scalars()
    rows = []
    for indicator in indicators:
        points = trend([(v.period, v.value) for v in indicator.values], indicator.target, indicator.higher_is_better)
        if not points:
            continue
        chart = indicator_chart(indicator, points) if view.charts else None
        rows.append({"indicator": indicator, "latest": points[-1], "chart": chart})
    if not rows:
        return None
    met = sum(1 for row in rows if row["latest"].met)
    with_target = sum(1 for row in rows if row["latest"].met is not None)
    headlines = (
        (Headline("indicators_met", _("Indicators on target"), f"{met} / {with_target}"),) if with_target else ()
    )
    return Panel(
        name="indicators",
        title=_("Programme indicators"),
        template="dashboard/indicators.html",
        data={"rows": rows},
        order=80,
        plain=frozenset({"rows"}),  # the programme's own figures, entered by staff: about no one's answers
        headlines=headlines,
    )


def collect_panels(view: ProgrammeView) -> list[Panel]:
    """The core's panels and every plugin's, by ``order`` then name, passed through the disclosure policy
    together (surveys/core/published.py, ``publish_panels``); a failing plugin is logged and skipped, and
    so is a panel with a number the policy cannot check."""
    if view.publication is None:
        view.publication = Publication(view.min_group)
    panels = [p for p in (participation_panel(view), indicators_panel(view)) if p is not None]
    hook = current_app.extensions[KEY].pm.hook.surveys_dashboard_panels
    for plugin, call in implementations(hook, view=view):
        try:
            panels += [p for p in call() or () if p is not None]
        except Exception:
            log.exception("plugin %s failed to make its dashboard panels", plugin)
    panels, problems = publish_panels(panels, view.publication)
    for problem in problems:
        log.error("dashboard: %s; the panel is left out, since the disclosure policy cannot check it", problem)
    return sorted(panels, key=lambda p: (p.order, p.name))
