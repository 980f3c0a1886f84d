"""Input/output comparison: the same people's scores in two waves of a campaign."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from surveys import hookimpl
from surveys.core.contracts import Analysis, Sheet, WavePair

from .statistics import compare_waves


def run(data: WavePair):
    return compare_waves(data.tables.scores, data.before, data.after)


@hookimpl
def surveys_register_analyses():
    return [
        Analysis(
            name="comparison",
            title=_l("Compare waves"),
            applies_to="wave_pair",
            run=run,
            endpoint="comparison.campaign",
        )
    ]


@hookimpl
def surveys_register_blueprints():
    from .views import bp

    return [bp]


@hookimpl
def surveys_export_sheets(campaign, tables):
    if len(tables.waves) < 2:
        return None
    first, last = tables.waves[0], tables.waves[-1]
    rows = [
        [s.instrument, s.scale, first.name, last.name, s.n, s.mean_before, s.mean_after, s.mean_difference]
        for s in run(WavePair(tables, first.id, last.id))
    ]
    columns = ["instrument", "scale", "wave_before", "wave_after", "n", "mean_before", "mean_after", "mean_difference"]
    return [Sheet("comparison", columns, rows)]
