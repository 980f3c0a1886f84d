"""The comparison report of the demo campaign: the command line and the JSON endpoint agree."""

from __future__ import annotations

import json
import re

import pytest

from surveys.core.models import Campaign
from surveys.extensions import db
from tests.conftest import demo_login, post_form


def on_page(value: float, spec: str) -> str:
    """A number as the Russian page shows it: Python's rounding, a decimal comma."""
    return format(value, spec).replace(".", ",")


def shown_p(p: float) -> str:
    """A p-value as the Russian page shows it (escaped): three decimals, or «<0,001» below 0.001."""
    return "&lt;0,001" if p < 0.001 else on_page(p, ".3f")


def test_the_cli_and_the_endpoint_give_the_same_report_on_demo_data(app, runner):
    demo = runner.invoke(args=["demo"])
    email, password, _link = demo_login(demo.output)
    with app.app_context():
        campaign = db.session.execute(db.select(Campaign)).scalar_one()
        campaign_id, (first, second) = campaign.id, [w.id for w in campaign.waves]
    printed = runner.invoke(args=["compare", str(campaign_id), "--json"])
    assert printed.exit_code == 0, printed.output
    report = json.loads(printed.output)
    assert (report["before"]["id"], report["after"]["id"]) == (first, second) and report["linked"] is True
    assert report["attrition"]["both"] > 0 and report["disclosure"]["min_group"] == 5
    assert report["attrition"]["before_only"] is not None or report["attrition_marks"]["before_only"]
    gad7 = next(r for r in report["scales"] if r["instrument"] == "gad7" and r["group"] is None)
    assert gad7["n_pairs"] >= 10 and gad7["wilcoxon"] is not None and gad7["t_test"] is not None
    # GAD-7's file carries its published alpha, which the RCI uses and the method note cites.
    assert (gad7["rci"]["reliability"], gad7["rci"]["reliability_source"]) == (0.92, "published")
    assert "Spitzer et al., 2006" in gad7["rci"]["reliability_citation"] and "Spitzer" in report["method_note"]
    assert "Уилкоксон" in report["method_note"] or "Вилкоксон" in report["method_note"]

    client = app.test_client()
    post_form(client, "/login", {"email": email, "password": password})
    served = client.get(f"/plugins/comparison/campaigns/{campaign_id}/report.json")
    assert served.status_code == 200 and served.get_json() == report
    assert client.get(f"/plugins/comparison/campaigns/{campaign_id}/report.json?from=nope").get_json() == report
    page = client.get(f"/plugins/comparison/campaigns/{campaign_id}").get_data(as_text=True)
    # The administration page shows the same numbers (in Russian, with a decimal comma), with one line
    # per pair in the chart.
    assert on_page(gad7["before"]["mean"], ".2f") in page and on_page(gad7["difference"]["mean"], "+.2f") in page
    assert shown_p(gad7["wilcoxon"]["p"]) in page
    # The curator's page is disclosed: no person-by-person chart, the threshold named.
    assert 'id="change-' not in page and 'id="threshold"' in page and "«&lt;5»" in page
    # The psychologist sees the report as built: one line per pair in the charts (matplotlib SVG images),
    # each distinct change one line, tagged with how many people made it.
    import base64

    from tests.conftest import set_role

    set_role(app, email, "psychologist")
    whole = client.get(f"/plugins/comparison/campaigns/{campaign_id}/report.json").get_json()
    assert "disclosure" not in whole and all("pairs" in r for r in whole["scales"] if not r["hidden"])
    individual_page = client.get(f"/plugins/comparison/campaigns/{campaign_id}").get_data(as_text=True)
    shown = [r for r in whole["scales"] if not r["hidden"] and r.get("pairs")]
    images = re.findall(r'<img class="chart" src="data:image/svg\+xml;base64,([^"]+)" alt="([^"]+)"', individual_page)
    svgs = [base64.b64decode(data).decode("utf-8") for data, _alt in images]
    slopes = [svg for svg in svgs if 'id="change-' in svg]
    assert len(slopes) == len(shown)
    for row, svg in zip(shown, slopes, strict=True):
        changes = re.findall(r'id="change-\d+-(\d+)"', svg)
        assert len(changes) == len(row["pairs"]) and sum(map(int, changes)) == row["n_pairs"]
    assert all("<script" not in svg for svg in svgs)
    assert any("выросли" in alt or "выросло" in alt or "вырос" in alt for _data, alt in images)
    set_role(app, email, "curator")
    assert "Как это посчитано" in page and "<script" not in page
    # Every statistic of the row is on the page: medians, t-test, effect sizes, correlations.
    assert on_page(gad7["after"]["median"], ".2f") in page and shown_p(gad7["t_test"]["p"]) in page
    assert on_page(gad7["d_z"], ".2f") in page and on_page(gad7["rank_biserial"], ".2f") in page
    # Numbers get Spearman's ρ; the form and the pair variant (categories without an order) a rank test.
    found = report["correlations"]
    assert {c["factor"] for c in found} >= {"form", "variant"}
    assert all(c["test"] == "spearman" for c in found if c["factor"] not in ("form", "variant"))
    assert all(c["test"] in ("mann_whitney", "kruskal_wallis") for c in found if c["factor"] in ("form", "variant"))
    figures = {"spearman": ("rho",), "mann_whitney": ("u", "rank_biserial"), "kruskal_wallis": ("h", "epsilon_squared")}
    computed = [(c, name) for c in found for name in figures[c["test"]] if c.get(name) is not None]
    assert computed and 'id="correlations"' in page and all(on_page(c[name], ".2f") in page for c, name in computed)
    # Expected vs real, per item and per form: check one item for everyone by hand from the tables.
    from surveys.workspace.campaigns import campaign_tables

    with app.app_context():
        tables = campaign_tables(db.session.get(Campaign, campaign_id))
    expected = {
        r["participant"]: r["answers"].get("sat_comfort")
        for r in tables.answers
        if r["instrument"] == "satisfaction_exp_mentee" and r["wave_id"] == first
    }
    real = {
        r["participant"]: r["answers"].get("sat_comfort")
        for r in tables.answers
        if r["instrument"] == "satisfaction_mentee" and r["wave_id"] == second
    }
    both = [p for p in expected if p in real and expected[p] is not None and real[p] is not None]
    row = next(
        e for e in report["expectations"] if (e["role"], e["item"], e["form"]) == ("mentee", "sat_comfort", None)
    )
    assert row["n"] == len(both) >= 5
    assert row["mean_gap"] == pytest.approx(sum(real[p] - expected[p] for p in both) / len(both))
    assert {e["form"] for e in report["expectations"]} - {None}  # and per form of mentoring
    assert "Ожидания и реальность" in page

    import io

    import openpyxl

    from tests.export_support import keyed_rows

    book = openpyxl.load_workbook(io.BytesIO(client.get(f"/staff/campaigns/{campaign_id}/export.xlsx").data))
    rows = keyed_rows(app, book, "comparison")
    row = next(r for r in rows if (r["instrument_id"], r["scale_id"]) == ("gad7", "total"))
    # The workbook shows the same numbers as the JSON (and so as the page).
    assert row["n_pairs"] == gad7["n_pairs"] and row["mean_before"] == pytest.approx(gad7["before"]["mean"])
    assert row["wilcoxon_p"] == pytest.approx(gad7["wilcoxon"]["p"])
    assert row["mean_difference"] == pytest.approx(gad7["difference"]["mean"])
    by_form = runner.invoke(args=["compare", str(campaign_id), "--by", "form", "--json"])
    groups = {r["group"] for r in json.loads(by_form.output)["scales"]}
    assert None in groups and len(groups) > 2
    # Pair variants and mentors come from the programme's pairs (the demo's mentees all have one).
    with app.app_context():
        from surveys.core.models import Pair

        pairs = db.session.execute(db.select(Pair)).scalars().all()
        variants = {p.variant for p in pairs}
        mentors = {p.mentor.code for p in pairs}
    by_variant = json.loads(runner.invoke(args=["compare", str(campaign_id), "--by", "variant", "--json"]).output)
    assert by_variant["group_by"] == "variant"
    assert {r["group"] for r in by_variant["scales"]} - {None} <= variants | {"не указано"}
    assert len({r["group"] for r in by_variant["scales"]} - {None}) >= 2
    by_mentor = json.loads(runner.invoke(args=["compare", str(campaign_id), "--by", "mentor", "--json"]).output)
    assert {r["group"] for r in by_mentor["scales"]} - {None} <= mentors | {"не указано"}
    page = client.get(f"/plugins/comparison/campaigns/{campaign_id}?by=variant").get_data(as_text=True)
    assert '<option value="variant" selected>' in page
    assert runner.invoke(args=["compare", "999", "--json"]).exit_code == 2
    assert runner.invoke(args=["compare", str(campaign_id), "--from", "nope"]).exit_code == 2
