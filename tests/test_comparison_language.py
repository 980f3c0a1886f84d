"""The comparison page and the programme report in the interface language (issue 21): the method note
is English in English and Russian in Russian with the same figures, and decimals take the language's
separator («44,4 → 38,3» in Russian, «44.4 → 38.3» in English) while the JSON keeps plain numbers."""

from __future__ import annotations

import html
import json
import re

import pytest
from flask import render_template_string
from flask_babel import force_locale

from surveys.core.models import Campaign
from surveys.extensions import db
from tests.conftest import demo_login, post_form, set_role

NUMBER = re.compile(r"(?<![\w])\d+(?:[.,]\d+)?")
CELL_DECIMAL = {"ru": re.compile(r"<td>[+-]?\d+\.\d+</td>"), "en": re.compile(r"<td>[+-]?\d+,\d+</td>")}


@pytest.fixture
def demo(app, runner):
    """The demo school, signed in as its curator: (client, programme id, campaign id)."""
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    _email, password, _link = demo_login(result.output)
    client = app.test_client()
    assert post_form(client, "/login", {"email": "curator@demo.school", "password": password}).status_code == 302
    with app.app_context():
        campaign = db.session.execute(db.select(Campaign)).scalar_one()
        return client, campaign.programme_id, campaign.id


def note_of(page: str) -> str:
    """The text of the page's (first) method note."""
    start = page.index('<div class="method-note">')
    return html.unescape(re.sub(r"<[^>]+>", "\n", page[start : page.index("</div>", start)]))


def numbers_of(value):
    """The JSON with its words left out: what must not depend on the language."""
    if isinstance(value, dict):
        return {key: numbers_of(item) for key, item in value.items() if not isinstance(item, str)}
    if isinstance(value, list):
        return [numbers_of(item) for item in value if not isinstance(item, str)]
    return value


def figures(text: str) -> list[str]:
    return [n.replace(",", ".") for n in NUMBER.findall(text)]


def shown(value: float, digits: int, language: str, sign: str = "") -> str:
    text = f"{value:{sign}.{digits}f}"
    return text.replace(".", ",") if language == "ru" else text


def test_the_comparison_page_writes_its_note_and_its_decimals_in_the_interface_language(app, demo):
    client, _programme_id, campaign_id = demo
    url = f"/plugins/comparison/campaigns/{campaign_id}"
    pages, reports = {}, {}
    for language in ("ru", "en"):
        client.get(f"/lang/{language}")
        pages[language] = client.get(url).get_data(as_text=True)
        reports[language] = client.get(f"{url}/report.json").get_json()
    # The JSON: the same numbers in both languages, as numbers; its words (the note, the marks of hidden
    # figures) are in the language of the request.
    assert numbers_of(reports["en"]) == numbers_of(reports["ru"])
    assert "\n\nПо шкалам:\n— «" in reports["ru"]["method_note"]
    assert "\n\nBy scale:\n— «" in reports["en"]["method_note"]
    gad7 = next(r for r in reports["ru"]["scales"] if r["instrument"] == "gad7" and r["group"] is None)
    assert isinstance(gad7["before"]["mean"], float)
    notes = {language: note_of(page) for language, page in pages.items()}
    assert "Волны связаны по кодам участников" in notes["ru"] and f"n = {gad7['n_pairs']} пар" in notes["ru"]
    assert "The waves are linked by participant codes" in notes["en"]
    assert f"n = {gad7['n_pairs']} pairs" in notes["en"] and "By scale:" in notes["en"]
    assert "Волны" not in notes["en"] and "По шкалам" not in notes["en"] and "pairs" not in notes["ru"]
    assert "|RCI| > 1,96" in notes["ru"] and "|RCI| > 1.96" in notes["en"]
    assert figures(notes["ru"]) == figures(notes["en"]) and len(figures(notes["en"])) > 30
    for language, page in pages.items():
        # The table's decimals: the mean, the change with its sign, none with the other language's separator.
        assert f"<td>{shown(gad7['before']['mean'], 2, language)}</td>" in page
        assert f"<td>{shown(gad7['difference']['mean'], 2, language, '+')}</td>" in page
        assert f"{shown(gad7['difference']['ci_low'], 2, language)} … " in page
        assert f"<td>{shown(gad7['d_z'], 2, language)}</td>" in page
        assert not CELL_DECIMAL[language].search(page), CELL_DECIMAL[language].search(page).group(0)
        p = gad7["wilcoxon"]["p"]
        assert ("&lt;" + shown(0.001, 3, language) if p < 0.001 else shown(p, 3, language)) in page
    assert "<td>0.000</td>" not in pages["en"] and "<td>0,000</td>" not in pages["ru"]
    # The psychologist's page has the band tests (the curator's hides them with their small cells).
    set_role(app, "curator@demo.school", "psychologist")
    for language in ("ru", "en"):
        client.get(f"/lang/{language}")
        page = client.get(url).get_data(as_text=True)
        whole = client.get(f"{url}/report.json").get_json()
        tested = [r["bands"]["test"]["p"] for r in whole["scales"] if (r["bands"] or {}).get("test")]
        assert tested and "p = &lt;" not in page
        for p in tested:  # the band tests' sentences: «p = 0,012», or «p < 0,001»
            assert (f"p &lt; {shown(0.001, 3, language)}." if p < 0.001 else f"p = {shown(p, 3, language)}.") in page


def test_the_programme_report_writes_its_note_and_its_decimals_in_the_interface_language(demo):
    client, programme_id, campaign_id = demo
    url = f"/staff/programmes/{programme_id}/report"
    by_form = client.get(f"/plugins/comparison/campaigns/{campaign_id}/report.json?by=form").get_json()
    gad7 = next(r for r in by_form["scales"] if r["instrument"] == "gad7" and r["group"] is None)
    pages = {}
    for language in ("ru", "en"):
        client.get(f"/lang/{language}")
        pages[language] = client.get(url).get_data(as_text=True)
    for language, page in pages.items():
        means = f"{shown(gad7['before']['mean'], 1, language)} → {shown(gad7['after']['mean'], 1, language)}"
        key = page[page.index('id="key-changes"') : page.index('id="participation"')]
        assert ("(среднее " if language == "ru" else "(mean ") + means + ")" in key
        scales = page[page.index(f'id="scales-{campaign_id}"') : page.index(f'id="rci-{campaign_id}"')]
        assert f"<td>{shown(gad7['before']['mean'], 1, language)}</td>" in scales
        assert f"<td>{shown(gad7['difference']['mean'], 1, language, '+')}</td>" in scales
        assert not CELL_DECIMAL[language].search(page)
        assert means in html.unescape(page[page.index('alt="', page.index(f'id="scales-{campaign_id}"')) :])
    appendix = {language: page[page.index('id="appendix"') :] for language, page in pages.items()}
    notes = {language: note_of(text) for language, text in appendix.items()}
    assert "По шкалам:" in notes["ru"] and "Результаты приведены для всех участников и отдельно по форме" in notes["ru"]
    assert "By scale:" in notes["en"] and "separately by form of mentoring" in notes["en"]
    assert figures(notes["ru"]) == figures(notes["en"])


def test_the_command_line_writes_the_note_in_the_default_language(app, runner, demo):
    """``surveys compare`` has no request: its note follows SURVEYS_DEFAULT_LOCALE (BABEL_DEFAULT_LOCALE)."""
    _client, _programme_id, campaign_id = demo
    printed = {}
    for language in ("ru", "en"):
        app.config["BABEL_DEFAULT_LOCALE"] = language
        result = runner.invoke(args=["compare", str(campaign_id), "--json"])
        assert result.exit_code == 0, result.output
        printed[language] = json.loads(result.output)
    assert "\n\nПо шкалам:\n" in printed["ru"]["method_note"] and "\n\nBy scale:\n" in printed["en"]["method_note"]
    assert numbers_of(printed["ru"]) == numbers_of(printed["en"])
    assert figures(printed["ru"]["method_note"]) == figures(printed["en"]["method_note"])


def test_a_band_test_below_one_in_a_thousand_reads_p_less_than_in_either_language(app):
    # a template made from a string is not autoescaped: «<» as it is (the page escapes it)
    template = '{% import "comparison/_explain.html" as explain with context %}{{ explain.band_test(test) }}'
    tests = ({"name": "McNemar", "p": 0.0002}, {"name": "Bowker", "p": 0.0123})
    with app.test_request_context():
        russian = [render_template_string(template, test=test) for test in tests]
        with force_locale("en"):
            english = [render_template_string(template, test=test) for test in tests]
    assert russian == [
        "Критерий Мак-Немара для смены уровней: p < 0,001.",
        "Критерий Боукера для смены уровней: p = 0,012.",
    ]
    assert english == ["McNemar test of the band changes: p < 0.001.", "Bowker test of the band changes: p = 0.012."]


def test_groups_by_role_are_named_in_words_and_the_json_keeps_the_role(app, demo):
    client, _programme_id, campaign_id = demo
    url = f"/plugins/comparison/campaigns/{campaign_id}?by=role"
    for language, word in (("ru", "Наставляемый"), ("en", "Mentee")):
        client.get(f"/lang/{language}")
        page = client.get(url).get_data(as_text=True)
        cells = re.findall(r"<tr><td>([^<]+)</td>", page)
        assert word in cells and "mentee" not in cells, cells
        assert f"«{word}»" in note_of(page)
    report = client.get(f"/plugins/comparison/campaigns/{campaign_id}/report.json?by=role").get_json()
    assert {r["group"] for r in report["scales"]} >= {"mentee", None}


def factors_table(page: str) -> str:
    start = page.index('<table id="correlations">')
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page[start : page.index("</table>", start)])))


def test_the_page_names_the_test_of_each_factor_in_the_interface_language(app, demo):
    """Issue 25 item 3: the form and the pair variant (categories without an order) get a rank test between
    their categories, the numbers Spearman's ρ; the table and its legend say which, in either language."""
    client, _programme_id, campaign_id = demo
    url = f"/plugins/comparison/campaigns/{campaign_id}"
    report = client.get(f"{url}/report.json").get_json()
    by_factor = {c["factor"]: c["test"] for c in report["correlations"]}
    assert by_factor["form"] in ("mann_whitney", "kruskal_wallis") and by_factor["satisfaction"] == "spearman"
    assert by_factor["variant"] in ("mann_whitney", "kruskal_wallis")
    form = next(c for c in report["correlations"] if c["factor"] == "form")
    variant = next(c for c in report["correlations"] if c["factor"] == "variant")
    assert form["n"] == sum(c["n"] for c in form["categories"]) and variant["left_out"] and variant["reason"]
    words = {
        "ru": ("Критерий Манна–Уитни между категориями (U)", "Корреляция Спирмена (ρ)", "Не включены (меньше 5"),
        "en": ("Mann–Whitney test between categories (U)", "Spearman correlation (ρ)", "Left out (fewer than 5"),
    }
    for language, expected in words.items():
        client.get(f"/lang/{language}")
        table = factors_table(client.get(url).get_data(as_text=True))
        assert all(text in table for text in expected), (language, table)
        assert all(name in table for name in variant["left_out"])
        assert "Краскела" in table or "Kruskal" in table  # the variant's test, even when it cannot be run
