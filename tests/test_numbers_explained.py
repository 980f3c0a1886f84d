"""Numbers people can read (issue 21, item 4): every statistic of the comparison page and the report
has a label with its symbol and a one-line explanation in the interface language, a glossary explains
p, the Holm correction, the RCI and bands; the report opens with the conclusions and the key changes and
keeps the method note, a real list, for its appendix; chart descriptions follow the interface language."""

from __future__ import annotations

import base64
import html
import io
import re

import pypdf
import pytest

from plugins.comparison import explain, stats_individual, stats_paired
from plugins.comparison.method_note import note_blocks
from plugins.comparison.report import SECONDARY
from surveys.core.models import Campaign
from surveys.extensions import db
from surveys.reporting.charts import stacked_share
from tests.conftest import demo_login, post_form

DEMO_EMAIL = "curator@demo.school"
CHART = re.compile(r'<img class="chart" src="data:image/svg\+xml;base64,([^"]+)" alt="([^"]*)"')
LATIN_WORDS = re.compile(r"\b[A-Za-z]{4,}\b")


@pytest.fixture
def demo(app, runner):
    """The demo school, signed in as its curator; returns (client, programme id, campaign id)."""
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    _email, password, _link = demo_login(result.output)
    client = app.test_client()
    assert post_form(client, "/login", {"email": DEMO_EMAIL, "password": password}).status_code == 302
    with app.app_context():
        campaign = db.session.execute(db.select(Campaign)).scalar_one()
        return client, campaign.programme_id, campaign.id


def charts(page: str) -> list[tuple[str, str]]:
    """Each chart of a page as (its alt text, the <desc> inside its SVG), both unescaped."""
    found = []
    for data, alt in CHART.findall(page):
        svg = base64.b64decode(data).decode("utf-8")
        desc = re.search(r"<desc>(.*?)</desc>", svg, re.S)
        assert desc and 'role="img"' in svg and "<title>" in svg and "Matplotlib" not in svg
        found.append((html.unescape(alt), html.unescape(desc.group(1))))
    return found


def legend(page: str) -> dict[str, str]:
    """The statistics explained on a page: key → «label (symbol)»: explanation, as text."""
    items = re.findall(r'<li data-statistic="(\w+)"><strong>(.*?)</strong>: (.*?)</li>', page, re.S)
    return {key: f"{html.unescape(label)}: {html.unescape(text)}" for key, label, text in items}


# ---- pure parts -------------------------------------------------------------------------------
def test_the_reasons_the_page_translates_are_the_ones_the_statistics_give():
    """explain.py spells the reasons out (so the page does not import scipy): they must stay the same."""
    given = [stats_paired.NO_VARIANCE, stats_paired.ALL_ZERO, stats_paired.ONE_PAIR, SECONDARY]
    given += [stats_individual.NO_DIRECTION, stats_individual.NO_RELIABILITY, stats_individual.NO_SPREAD]
    assert set(given) <= set(explain.REASONS)


def test_a_rows_reason_reads_in_the_interface_language(app):
    reason = f"{stats_paired.descriptives_reason(10)}; {stats_individual.NO_RELIABILITY}"  # what users saw
    with app.test_request_context():
        assert explain.reason(reason, 5, 10) == (
            "меньше 10 пар: только описательные статистики, без критериев; нет надёжности для RCI: у шкалы нет "
            "опубликованного значения, а альфу входной волны вычислить не удалось"
        )
        assert explain.reason(stats_paired.hidden_reason(5), 5, 10) == "меньше 5 пар: скрыто"
        assert explain.reason("<5", 5, 10) == "<5"  # a mark of the disclosure policy is already in words
        assert explain.reason(None, 5, 10) is None
        for english in explain.REASONS:  # every sibling message of the statistics has its Russian
            assert not LATIN_WORDS.sub("", explain.reason(english, 5, 10)).isascii()


def test_the_method_notes_list_of_scales_is_a_list_of_blocks():
    note = "Сравнение волн.\n\nПо шкалам:\n— «Тревожность» (gad7), все участники: n = 12 пар.\n— «Б»: n = 7 пар."
    assert note_blocks(note) == [
        {"text": "Сравнение волн."},
        {"text": "По шкалам:", "list": ["«Тревожность» (gad7), все участники: n = 12 пар.", "«Б»: n = 7 пар."]},
    ]


def test_a_chart_describes_itself_inside_the_svg_escaped():
    chart = stacked_share([("улучшение", 5)], "Тревожность <ГТР-7>", 'Надёжные изменения: "5" & <b>')
    assert 'role="img" aria-label="Надёжные изменения: &quot;5&quot; &amp; &lt;b&gt;"' in chart.svg
    assert "<title>Тревожность &lt;ГТР-7&gt;</title>" in chart.svg
    assert '<desc>Надёжные изменения: "5" &amp; &lt;b&gt;</desc>' in chart.svg
    assert "Matplotlib" not in chart.svg and "<b>" not in chart.svg


# ---- the comparison page ----------------------------------------------------------------------
def test_the_comparison_page_explains_every_statistic_and_has_a_glossary_in_russian_then_english(app, demo):
    client, _programme_id, campaign_id = demo
    url = f"/plugins/comparison/campaigns/{campaign_id}?by=form"
    page = client.get(url).get_data(as_text=True)
    words = legend(page)
    linked = ["n_pairs", "mean", "median", "difference", "ci", "wilcoxon", "p_holm", "t_test", "d_z", "rank_biserial"]
    assert set(linked) <= set(words)
    assert words["d_z"] == (
        "Размер эффекта (d_z): насколько велико изменение относительно разброса изменений между участниками; "
        "0,2 — малое, 0,5 — среднее, 0,8 — большое"
    )
    assert words["p_holm"].startswith("p с поправкой на число шкал (p_holm): p критерия (Уилкоксона; Манна–Уитни")
    assert words["ci"].startswith("Доверительный интервал изменения (95 % ДИ): ")
    for key in ("rci", "bands", "band_test", "spearman", "correlation_p", "gap"):  # charts, correlations, expectations
        assert key in words, key
    for key, text in words.items():  # Russian, with an explanation after the label
        label, explanation = text.split(": ", 1)
        assert len(explanation) > 20 and re.search("[а-я]", explanation), key
        assert not re.search(r"\b(the|of|and|people)\b", text), text
    # Each statistic's column says what it is, with the symbol in brackets, as in its explanation.
    head = page[page.index('<table id="scales">') : page.index("</thead>", page.index('<table id="scales">'))]
    for key in ("n_pairs", "difference", "ci", "wilcoxon", "p_holm", "t_test", "d_z", "rank_biserial"):
        assert f'<th scope="col">{html.escape(words[key].split(": ")[0], quote=False)}</th>' in head, key
    # The glossary: p, the Holm correction, the RCI and bands, in plain words.
    glossary = page[page.index('id="glossary"') :]
    for term in ("p (уровень значимости)", "Поправка Холма", "Индекс надёжного изменения (RCI)", "Уровни"):
        assert f">{term}</dt><dd>" in glossary, term
    assert "ложной тревоги" in glossary and "погрешностью" in glossary
    # The reasons of the rows with 5 to 9 pairs, in Russian (they were English).
    assert "меньше 10 пар: только описательные статистики, без критериев" in page
    assert "fewer than" not in page
    # The method note's scales are a list, one item per row, escaped like any text.
    note = page[page.index('class="method-note"') :]
    items = re.search(r"<p>По шкалам:</p>\s*<ul>(.*?)</ul>", note, re.S).group(1)
    assert items.count("<li>") == page.count("<tr>\n      <td>") >= 5 and "— «" not in items
    # The expectations' items in words, not ids.
    expectations = page[page.index('<table class="expectations">') :]
    assert "<td>Индекс удовлетворённости (среднее по пунктам)</td>" in expectations
    assert not re.search(r"<td>(index|sat_\w+)</td>", expectations)
    # Chart descriptions for screen readers in Russian, the same inside the SVG.
    described = charts(page)
    assert described and all(alt == desc and alt.startswith("Надёжные изменения: ") for alt, desc in described)

    client.get("/lang/en")
    page = client.get(url).get_data(as_text=True)
    words = legend(page)
    assert words["d_z"].startswith("Effect size (d_z): how large the change is compared with how much the changes")
    assert ">Holm correction</dt><dd>When many scales are tested at once" in page
    assert "fewer than 10 pairs: only descriptive statistics, no tests" in page
    described = charts(page)
    assert described and all(alt == desc and alt.startswith("Reliable change: improved ") for alt, desc in described)


# ---- the report ---------------------------------------------------------------------------------
def test_the_report_opens_with_the_conclusions_and_keeps_the_method_note_for_the_appendix(app, demo):
    client, programme_id, campaign_id = demo
    page = client.get(f"/staff/programmes/{programme_id}/report").get_data(as_text=True)
    anchors = ["cover", "conclusions", "key-changes", "participation", f"scales-{campaign_id}", f"rci-{campaign_id}"]
    anchors += [f"bands-{campaign_id}", "indicators", "appendix", f"method-{campaign_id}", f"glossary-{campaign_id}"]
    positions = [page.index(f'id="{anchor}"') for anchor in anchors]
    assert positions == sorted(positions)
    assert page.count('class="method-note"') == 1 and page.index('class="method-note"') > page.index('id="appendix"')
    # The key changes come from the panels' figures as shown: a hidden share reads «<5», never a number.
    key = page[page.index('id="key-changes"') : page.index('id="participation"')]
    assert "ГТР-7, общий балл: заметное улучшение у всех участников (среднее " in key
    assert "надёжное улучшение — " in key and "&lt;5" in key
    rci = page[page.index(f'id="rci-{campaign_id}"') : page.index(f'id="bands-{campaign_id}"')]
    for share in re.findall(r"надёжное улучшение — ([^,]+),", key):
        assert f"<td>{share}</td>" in rci  # the same figure as the panel's table
    # Every panel explains its numbers; the appendix has the glossary.
    words = legend(page)
    for name in ("n_pairs", "mean", "difference", "verdict", "rci", "band_shares", "normalised", "gap"):
        assert name in words and re.search("[а-я]", words[name]), name
    assert ">Поправка Холма</dt><dd>" in page[page.index('id="appendix"') :]
    # The method note's scales are a list in the HTML, and each stays on its own line in the PDF.
    note = page[page.index('class="method-note"') :]
    items = re.findall(r"<li>(«[^<]*?)</li>", re.search(r"<p>По шкалам:</p>\s*<ul>(.*?)</ul>", note, re.S).group(1))
    assert len(items) >= 5
    pdf = client.get(f"/staff/programmes/{programme_id}/report.pdf")
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.data)).pages)
    scales = text[text.index("По шкалам:") :]
    lines = scales.splitlines()
    assert lines[0].strip() == "По шкалам:"
    starts = [line for line in lines[1:] if line.startswith("«")]
    for item in items:  # each item begins a line of its own (a run-on paragraph would put them mid-line)
        head = html.unescape(item)[:30]
        assert any(line.startswith(head) for line in starts), head
    assert text.index("Ключевые изменения") < text.index("Приложение: как получены цифры") < text.index("По шкалам:")
    # Chart descriptions in Russian, inside the SVG too.
    described = charts(page)
    assert len(described) >= 8
    for alt, desc in described:
        assert alt == desc and not re.search(r"\b(Reliable|Mean of|share in each|by period|Response rate)\b", alt)


def test_every_statistic_a_template_names_has_its_words():
    """The templates name statistics by key (a missing one would fail the page): each has its words,
    the unlinked waves' ones too."""
    from pathlib import Path

    folder = Path(explain.__file__).parent / "templates" / "comparison"
    named = set()
    for template in folder.glob("*.html"):
        text = template.read_text(encoding="utf-8")
        for listed in re.findall(r"legend\(\[([^\]]*)\]", text):
            named |= set(re.findall(r"'(\w+)'", listed))
        named |= set(re.findall(r"heading\('(\w+)'", text))
    assert {"n_waves", "mann_whitney", "cliffs_delta", "d_z", "gap", "band_shares"} <= named
    assert named <= set(explain.STATISTICS)
    for statistic in explain.STATISTICS.values():
        assert str(statistic.label) and len(str(statistic.explanation)) > 20
