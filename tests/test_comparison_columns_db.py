"""The comparison read as columns from the database (issue 25) gives the report the tables give.

The page, the JSON and the command line read a stored campaign with ``read_columns`` and build the
report on those columns; the workbook and the dashboard still build it from ``campaign_tables``. On
the demo campaign (its subgroups, pairs, meeting records, expectations and published reliabilities),
on SQLite and PostgreSQL, both ways give the same report for every grouping, figure for figure and
person for person, and the aggregated report through the service equals the tables' report through
the same disclosure policy.
"""

from __future__ import annotations

import pytest

from plugins.comparison.disclosed import disclosed
from plugins.comparison.report import build_report
from plugins.comparison.service import campaign_report, default_waves
from surveys.core.disclosure import Indexed
from surveys.core.models import Campaign
from surveys.core.threshold import min_group
from surveys.extensions import db
from surveys.instruments import catalogue
from surveys.workspace.campaigns import campaign_tables


def _codes(value):
    if isinstance(value, Indexed):
        return value.ids()
    if isinstance(value, dict):
        return {key: _codes(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_codes(item) for item in value]
    return value


@pytest.mark.parametrize("by", [None, "form", "role", "group", "variant", "mentor"])
def test_the_columns_from_the_database_give_the_tables_report(app, runner, by):
    assert runner.invoke(args=["demo"]).exit_code == 0
    with app.test_request_context():
        campaign = db.session.execute(db.select(Campaign)).scalar_one()
        before, after = default_waves(campaign)
        tables = campaign_tables(campaign, [before, after])
        instruments = catalogue(campaign.organisation_id)
        k = min_group()
        from_tables = build_report(tables, instruments, before, after, group_by=by, min_group=k)
        from_columns = campaign_report(campaign, before, after, by, individual=True)
        assert from_columns == from_tables
        assert from_columns["scales"] and from_columns["correlations"] and from_columns["expectations"]
        assert by is None or any(row["group"] is not None for row in from_columns["scales"])
        people = build_report(tables, instruments, before, after, group_by=by, min_group=k, with_people=True)
        shown = campaign_report(campaign, before, after, by)
        assert shown == disclosed(people, k) and shown["disclosure"]["min_group"] == k
        assert _codes(people["people"])["both"], "the tables' report lists who took part in both waves"
