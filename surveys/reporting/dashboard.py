"""A programme's dashboard: the core's panels (participation, indicators) and the plugins' panels.

:func:`programme_view` gathers what the panels read; :func:`collect_panels` asks the core and
every plugin (``surveys_dashboard_panels``) for panels, in order. The same panels make the
viewer's home page, the printed report and, by their headlines, the municipal view.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _

from surveys.core.contracts import Headline, Panel, ProgrammeView
from surveys.core.disclosure import decide, hidden_label, mark_of
from surveys.core.models import Campaign, Programme
from surveys.core.published import Publication, publish_panels
from surveys.core.report_models import Indicator
from surveys.core.threshold import min_group as threshold
from surveys.extensions import db
from surveys.plugins import implementations
from surveys.reporting.charts import RCI_COLOURS, share_rows, trend_chart
from surveys.reporting.indicators import trend
from surveys.state import KEY
from surveys.workspace import Tally, campaign_tables, progress, wave_status

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
    """A slice of a wave's participation; ``mark`` says why it is hidden: ``"small"`` when fewer than
    the threshold are expected, ``"protecting"`` when it is hidden so that a small slice cannot be
    worked out from the others (surveys/core/disclosure.py); None when shown."""

    label: str
    total: int
    completed: int
    mark: str | None = None
    hidden_text: str = ""  # «<5», or the words for a slice hidden to protect another

    @property
    def hidden(self) -> bool:
        return self.mark is not None

    @property
    def rate(self) -> str:
        return self.hidden_text if self.hidden else percent(self.completed, self.total) if self.total else "—"


def rate_rows(overall: Tally, slices: list[Tally], min_group: int) -> list[RateRow]:
    """Everyone, then each slice; small slices are hidden, and others with them where a small one
    could be worked out from everyone and the rest."""
    people = [{"slice": str(i)} for i in range(len(slices))]
    cells = [{}] + [{"slice": str(i)} for i in range(len(slices))]
    decision = decide(people, cells, min_group, [t.total for t in slices])
    if not slices:
        decision = decide([{}], [{}], min_group, [overall.total])

    def row(label: str, tally: Tally, index: int) -> RateRow:
        mark = mark_of(decision, index)
        text = hidden_label(mark, min_group) if mark else ""
        return RateRow(label, tally.total, tally.completed, mark, text)

    rows = [row(_("Everyone"), overall, 0)]
    rows += [row(t.label or _("not specified"), t, i) for i, t in enumerate(slices, start=1)]
    return rows


def participation_panel(view: ProgrammeView) -> Panel | None:
    """Per campaign and wave: how many were expected and how many completed, by form of mentoring."""
    waves = []
    for campaign in view.campaigns:
        for wave in campaign.waves:
            state = progress(wave_status(wave))
            if not state.overall.total:
                continue
            rows = rate_rows(state.overall, state.by_form, view.min_group)
            waves.append({"campaign": campaign.name, "wave": wave.name, "rows": rows})
    if not waves:
        return None
    chart = None
    if view.charts:
        shown = [w for w in waves if not w["rows"][0].hidden]
        bars = [
            (
                w["wave"],
                [(_("completed"), w["rows"][0].completed), (_("not yet"), w["rows"][0].total - w["rows"][0].completed)],
            )
            for w in shown
        ]
        words = "; ".join(f"{w['wave']}: {w['rows'][0].rate}" for w in shown)
        if bars:
            chart = share_rows(
                bars, _("Response rate"), _("Response rate by wave: %(rates)s.", rates=words), RCI_COLOURS[::2]
            )
    latest = waves[-1]["rows"][0]
    headlines = (Headline("response_rate", _("Response rate, last wave"), latest.rate),)
    return Panel(
        name="participation",
        title=_("Participation"),
        template="dashboard/participation.html",
        data={"waves": waves, "chart": chart},
        order=10,
        plain=frozenset({"waves"}),  # decided here by the core (rate_rows): who took part, not what they said
        headlines=headlines,
    )


def indicator_chart(indicator: Indicator, points) -> object:
    """An indicator's trend against its target, with the values in words for screen readers."""
    labels = [p.period.strftime("%Y-%m") for p in points]
    words = "; ".join(f"{label}: {p.value:g}" for label, p in zip(labels, points, strict=True))
    alt = _("%(name)s by period: %(values)s.", name=indicator.name, values=words)
    if indicator.target is not None:
        alt += " " + _("Target: %(target)s.", target=f"{indicator.target:g}")
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
