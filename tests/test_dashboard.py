"""The administration's dashboard, the printed report (HTML and PDF) with the curator's conclusions,
and the municipal view: numbers checked against the stored data, suppression, roles, boundaries."""

from __future__ import annotations

import io
import re
from collections import Counter

import numpy as np
import pypdf
import pytest

from plugins.comparison.panels import chart_segments, verdict
from surveys.core.log_models import AuditEvent
from surveys.core.models import Campaign, Membership, Organisation, Participant, Programme, Response, Score, User
from surveys.core.report_models import ReportConclusion
from surveys.extensions import db
from surveys.reporting.dashboard import Slice, collect_panels, programme_view, rate_rows
from surveys.reporting.programme_report import text_blocks
from tests.conftest import csrf_token, demo_login, post_form, set_role

DEMO_EMAIL = "curator@demo.school"


# ---- pure parts -------------------------------------------------------------------------------
def test_small_slices_are_hidden_with_their_complements(app):
    """A form of 3 (all completed) beside forms of 12 and 25: the 3 are «<5», and the form of 12 is hidden to
    protect them (everyone − 12 − 25 = 3, for the expected and the completed counts alike)."""
    from surveys.core.published import Publication

    def codes(prefix: str, n: int) -> frozenset[str]:
        return frozenset(f"{prefix}{i}" for i in range(n))

    a, b, c = codes("a", 3), codes("b", 12), codes("c", 25)
    done = a | codes("b", 9) | codes("c", 18)
    slices = [Slice("Все", a | b | c, done)] + [Slice(n, s, s & done) for n, s in (("a", a), ("b", b), ("c", c))]
    tiny = [Slice("Все", codes("x", 4), codes("x", 4)), Slice("x", codes("x", 4), codes("x", 4))]
    with app.test_request_context():
        publication, alone = Publication(5), Publication(5)
        made, small = rate_rows(slices, publication), rate_rows(tiny, alone)
        publication.settle()
        alone.settle()
        rows, few = made(), small()
    assert [r.hidden for r in few] == [True, True]  # four people in all: nothing of them is shown
    assert [(r.label, r.hidden, r.rate) for r in rows] == [
        ("Все", False, "75 %"),
        ("a", True, "<5"),
        # 3 hidden alone could be worked out as 40 − 12 − 25; 12 is hidden to protect it, and says so
        # («<5» only ever marks a group of fewer than 5: issue 20's reproduction of a 16 labelled «<5»)
        ("b", True, "скрыто для защиты малой группы"),
        ("c", False, "72 %"),
    ]


def test_a_small_completed_count_is_hidden_though_its_slice_is_not(app):
    """Ten expected in a form, three of them completed: the form's expected count is shown, its completed
    count and rate are «<5»; everyone's completed count, which would give the three back with the other
    form's, is hidden to protect them."""
    from surveys.core.published import Publication

    ten, twelve = frozenset(f"t{i}" for i in range(10)), frozenset(f"w{i}" for i in range(12))
    done = frozenset(list(ten)[:3]) | twelve
    slices = [Slice("Все", ten | twelve, done), Slice("t", ten, ten & done), Slice("w", twelve, twelve & done)]
    with app.test_request_context():
        publication = Publication(5)
        made = rate_rows(slices, publication)
        publication.settle()
        rows = {r.label: r for r in made()}
    assert (rows["t"].hidden, rows["t"].total, rows["t"].rate, rows["t"].completed_text) == (False, 10, "<5", "<5")
    assert rows["w"].rate == "100 %" or rows["Все"].completed_mark == "protecting"
    assert "protecting" in {rows["w"].completed_mark, rows["Все"].completed_mark}


def test_band_counts_of_a_wave_are_sums_of_shown_cells_else_hidden_with_the_right_mark(app):
    """A wave's band count is a row (before) or a column (after) of the disclosed cross-table: shown when
    all its cells are, else «<5» only for a band of fewer than 5 people (issue 20: a group of 16 was «<5»)."""
    from plugins.comparison.panels import margins

    true = [[3, 1, 0], [2, 14, 0], [0, 0, 9]]
    shown = [[None, None, 0], [None, 14, 0], [0, 0, 9]]  # as the policy left it
    with app.test_request_context():
        before, after = margins(shown, true, 5)
    protecting = "скрыто для защиты малой группы"
    assert before == [(None, "<5"), (None, protecting), (9, None)]  # rows of 4, 16 and 9 people
    assert after == [(None, protecting), (None, protecting), (9, None)]  # columns of 5 (not under 5) and 15
    assert sum(true[1]) == 16 and before[1][1] != "<5"


def test_a_share_shows_its_mark_when_hidden_and_hidden_shares_pool_in_charts():
    from plugins.comparison.panels import _percent

    assert _percent(None, 19, "<5") == "<5" and _percent(16, 19, None) == "84 %" and _percent(3, 0, None) == "—"
    segments = chart_segments([("up", None), ("same", None), ("down", 10)], 18)
    assert segments[:3] == [("up", 0), ("same", 0), ("down", 10)] and segments[3][1] == 8
    assert chart_segments([("up", 5), ("same", 9)], 14)[-1][1] == 0


@pytest.mark.parametrize(
    ("row", "words"),
    [
        ({"hidden": True}, "скрыто: меньше 5 человек"),
        ({"p_holm": None, "difference": {"mean": 2.0}}, "слишком мало людей для вывода"),
        ({"p_holm": 0.2, "difference": {"mean": -3.0}, "higher_is": "worse"}, "заметных изменений нет"),
        ({"p_holm": 0.01, "difference": {"mean": -3.0}, "higher_is": "worse"}, "заметное улучшение"),
        ({"p_holm": 0.01, "difference": {"mean": -3.0}, "higher_is": "better"}, "заметное ухудшение"),
        ({"p_holm": 0.01, "difference": {"mean": 1.5}, "higher_is": None}, "заметный рост"),
    ],
)
def test_verdicts_follow_the_holm_p_and_the_direction_of_the_scale(app, row, words):
    with app.test_request_context():
        assert verdict(row) == words


def test_conclusions_print_as_paragraphs_and_lists():
    text = "Программа работает.\n\n- тревожность снизилась\n• встреч мало\nИтог: продолжать."
    assert text_blocks(text) == [
        ("p", ["Программа работает."]),
        ("list", ["тревожность снизилась", "встреч мало"]),
        ("p", ["Итог: продолжать."]),
    ]


# ---- on the demo school -------------------------------------------------------------------------
@pytest.fixture
def demo(app, runner):
    """The demo school, signed in as its staff member; returns (client, programme id, campaign)."""
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    _email, password, _link = demo_login(result.output)
    client = app.test_client()
    assert post_form(client, "/login", {"email": DEMO_EMAIL, "password": password}).status_code == 302
    with app.app_context():
        campaign = db.session.execute(db.select(Campaign)).scalar_one()
        return client, campaign.programme_id, campaign.id


def _paired_scores(campaign_id: int, instrument: str, scale: str) -> tuple[np.ndarray, np.ndarray, list]:
    """Straight from the score table: the same participants' values and bands in the two waves."""
    campaign = db.session.get(Campaign, campaign_id)
    by_wave = []
    for wave in campaign.waves:
        rows = db.session.execute(
            db.select(Response.participant_id, Score.value, Score.band)
            .join(Score, Score.response_id == Response.id)
            .where(Response.wave_id == wave.id, Response.instrument_id == instrument, Response.status == "submitted")
            .where(Score.scale == scale, Score.value.is_not(None))
        ).all()
        by_wave.append({p: (v, b) for p, v, b in rows})
    both = sorted(set(by_wave[0]) & set(by_wave[1]))
    before = np.array([by_wave[0][p][0] for p in both])
    after = np.array([by_wave[1][p][0] for p in both])
    return before, after, [(by_wave[0][p][1], by_wave[1][p][1]) for p in both]


def test_the_dashboard_shows_the_stored_numbers_with_small_groups_hidden(app, demo):
    client, programme_id, campaign_id = demo
    set_role(app, DEMO_EMAIL, "viewer")
    home = client.get("/staff/")
    assert home.status_code == 302 and home.headers["Location"].endswith("/staff/dashboard")
    page = client.get("/staff/dashboard").get_data(as_text=True)
    for anchor in ("participation", f"swot-{campaign_id}", f"scales-{campaign_id}", f"rci-{campaign_id}"):
        assert f'id="{anchor}"' in page, anchor
    for anchor in (f"bands-{campaign_id}", f"expectations-{campaign_id}", "indicators"):
        assert f'id="{anchor}"' in page, anchor
    assert page.count("<img") >= 8 and 'alt=""' not in page

    with app.test_request_context():
        programme = db.session.get(Programme, programme_id)
        panels = {p.name: p for p in collect_panels(programme_view(programme))}
        campaign = db.session.get(Campaign, campaign_id)
        # Participation: everyone who was expected and who completed, counted from the responses.
        for wave, shown in zip(campaign.waves, panels["participation"].data["waves"], strict=True):
            completed = db.session.execute(
                db.select(db.func.count(db.distinct(Response.participant_id))).where(
                    Response.wave_id == wave.id, Response.status == "submitted"
                )
            ).scalar_one()
            people = db.session.execute(db.select(Participant.role, Participant.form)).all()
            expected = sum(
                1 for role, form in people if any(a.applies(role, wave.kind, form) for a in campaign.assignments)
            )
            assert (shown["rows"][0].total, shown["rows"][0].completed) == (expected, completed)
            for row in shown["rows"][1:]:
                assert row.hidden == (row.total < 5) or row.hidden  # small forms are always hidden
                if row.hidden:  # «<5» only for a form of fewer than 5; a larger one hidden says why
                    assert row.rate == ("<5" if row.total < 5 else "скрыто для защиты малой группы")
                elif row.completed_mark:  # its completed count hidden to protect a small group elsewhere
                    assert row.rate == "скрыто для защиты малой группы"
                else:
                    assert row.rate.endswith("%")
        # GAD-7 before and after, for the same people, from the score table.
        before, after, bands = _paired_scores(campaign_id, "gad7", "total")
        gad = next(e for e in panels[f"scales-{campaign_id}"].data["scales"] if e["overall"]["instrument"] == "gad7")
        assert gad["overall"]["n_pairs"] == before.size
        assert gad["overall"]["before"]["mean"] == pytest.approx(before.mean())
        assert gad["overall"]["after"]["mean"] == pytest.approx(after.mean())
        # Band distributions: each wave's count per band among those pairs, hidden under 5.
        shown_bands = next(r for r in panels[f"bands-{campaign_id}"].data["rows"] if r["title"] == gad["title"])
        counts = [Counter(b for b, _ in bands), Counter(a for _, a in bands)]
        labels = {b.id: str(b.label) for b in app.extensions["surveys"].instrument("gad7").scale("total").bands}
        band_of = {str(label): band for band, label in labels.items()}
        for wave, counter in zip(shown_bands["waves"], counts, strict=True):
            for label, n, share in wave["counts"]:
                stored = counter[band_of[label]]
                if 0 < stored < 5:
                    assert n is None and share == "<5"  # a small band is never shown
                if n is not None:
                    assert n == stored and share == f"{round(100 * n / before.size)} %"
        # Reliable improvement: the shares add up to everyone when nothing is hidden.
        for row in panels[f"rci-{campaign_id}"].data["rows"]:
            assert sum(n for _, n, _ in row["counts"] if n is not None) <= row["total"]
            assert all(n is None or n == 0 or n >= 5 for _, n, _ in row["counts"])
        # The SWOT shows no point made from fewer than 5 people's answers (the demo has some).
        points = [t for q in panels[f"swot-{campaign_id}"].data["quadrants"] for t in q["points"]]
        assert points and not [t for t in points if re.search(r"\(n = [1-4]\)$", t)]
        # The indicators panel has each demo indicator's latest value and whether it meets the target.
        latest = {r["indicator"].name: (r["latest"].value, r["latest"].met) for r in panels["indicators"].data["rows"]}
        assert latest["Жалобы родителей"] == (1.0, True) and latest["Реализованные проекты пар"] == (13.0, True)
    assert "учитель–учитель" in page and "&lt;5" in page


def test_the_report_prints_every_section_and_the_curators_conclusions(app, demo):
    client, programme_id, campaign_id = demo
    url = f"/staff/programmes/{programme_id}/report"
    page = client.get(url).get_data(as_text=True)
    # The conclusions and key changes first, the panels, then the method note in the appendix.
    order = ["cover", "conclusions", "key-changes", "participation", f"swot-{campaign_id}", f"scales-{campaign_id}"]
    order += ["indicators", "appendix", f"method-{campaign_id}"]
    positions = [page.index(f'id="{anchor}"') for anchor in order]
    assert positions == sorted(positions)
    assert "Отчёт о мониторинге программы наставничества" in page and "для педагогического совета" in page.lower()
    # Nothing written yet: the conclusions are drafted from the key figures, and say so.
    assert "Черновик составлен автоматически" in page and "Доля ответивших, последняя волна" in page

    token = csrf_token(page)
    action = f"/staff/programmes/{programme_id}/report/conclusions"
    assert client.post(action, data={"text": "без токена"}).status_code == 400
    too_long = client.post(action, data={"csrf_token": token, "text": "я" * 20001})
    assert too_long.status_code == 400 and 'aria-invalid="true"' in too_long.get_data(as_text=True)
    text = "Программа достигла целей.\n- Тревожность снизилась у наставляемых.\n- <script>alert(1)</script>"
    saved = client.post(action, data={"csrf_token": token, "text": text})
    assert saved.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "<li>Тревожность снизилась у наставляемых.</li>" in page and "Черновик составлен" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page
    with app.app_context():
        stored = db.session.execute(db.select(ReportConclusion)).scalar_one()
        assert stored.text == text and stored.programme_id == programme_id
        assert db.session.execute(db.select(AuditEvent).filter_by(action="report.conclusions")).scalar_one()

    pdf = client.get(f"/staff/programmes/{programme_id}/report.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert re.search(r'filename="report-\d+-[A-Za-z0-9._-]+\.pdf"', pdf.headers["Content-Disposition"])
    reader = pypdf.PdfReader(io.BytesIO(pdf.data))
    pages = [p.extract_text() for p in reader.pages]
    assert len(pages) >= 6
    assert "Отчёт о мониторинге" in pages[0] and "Демо-школа № 1" in pages[0]
    whole = re.sub(r"\s+", " ", "\n".join(pages))
    for section in ("Как проводилось сравнение", "Участие", "SWOT-анализ", "Ключевые шкалы до и после"):
        assert section in whole, section
    for section in ("Достоверное улучшение", "Показатели программы", "Посещаемость кружков и секций", "Выводы"):
        assert section in whole, section
    assert "Программа достигла целей." in whole and "<script>alert(1)</script>" in whole  # as text, not code
    with app.app_context():
        event = db.session.execute(db.select(AuditEvent).filter_by(action="report.pdf")).scalar_one()
        assert event.target == f"programme:{programme_id}"

    # A viewer reads and downloads the report but cannot change the conclusions.
    set_role(app, DEMO_EMAIL, "viewer")
    page = client.get(url).get_data(as_text=True)
    assert "<textarea" not in page and "Программа достигла целей." in page
    assert client.post(action, data={"csrf_token": token, "text": "чужие выводы"}).status_code == 403


def _school(name: str, people: int, answered: int) -> Organisation:
    """A small school with one programme and one campaign in which ``answered`` of ``people`` answered."""
    from surveys.core.models import Invitation
    from surveys.participation.links import generate_links
    from surveys.participation.responses import start_response, submit
    from surveys.state import get_state
    from surveys.workspace.campaigns import create_campaign
    from surveys.workspace.people import enrol
    from surveys.workspace.programmes import create_programme

    organisation = Organisation(name=name)
    db.session.add(organisation)
    db.session.commit()
    programme = create_programme(organisation, "Наставничество 2025/26")
    campaign = create_campaign(organisation, "Входной срез", ["gad7"], "Вход")
    campaign.programme_id = programme.id
    campaign.assignments[0].audience = ["mentee"]
    for i in range(people):
        participant = Participant(organisation_id=organisation.id, code=f"{name[:2]}{i}", role="mentee", tags=[])
        db.session.add(participant)
        db.session.flush()
        enrol(participant, programme.id, "mentee", "ученик–ученик")
    db.session.commit()
    generate_links(campaign.waves[0])
    instrument = get_state().instrument("gad7")
    invitations = db.session.execute(db.select(Invitation).filter_by(wave_id=campaign.waves[0].id)).scalars()
    for invitation in list(invitations)[:answered]:
        response = start_response(invitation, instrument)
        response.answers = {q.id: 1 for q in instrument.questions()}
        db.session.commit()
        submit(response, instrument)
    return organisation


def test_the_municipal_view_lines_up_schools_with_small_ones_hidden(app, client, staff):
    email, password, first_id = staff
    with app.test_request_context():
        big = _school("Гимназия № 2", 12, 9)
        small = _school("Школа № 40", 3, 3)
        other = _school("Лицей № 5", 8, 8)  # the staff member is not a member here
        user = db.session.execute(db.select(User).filter_by(email=email)).scalar_one()
        for organisation in (big, small):
            db.session.add(Membership(user_id=user.id, organisation_id=organisation.id, role="viewer"))
        db.session.commit()
        other_name = other.name
        other_programme = db.session.execute(db.select(Programme.id).filter_by(organisation_id=other.id)).scalar_one()
    assert post_form(client, "/login", {"email": email, "password": password}).status_code == 302
    page = client.get("/staff/municipal").get_data(as_text=True)
    rows = {m.group(1): m.group(2) for m in re.finditer(r'<tr><th scope="row">([^<]+)</th>(.*?)</tr>', page, re.S)}
    assert set(rows) == {"Школа № 7", "Гимназия № 2", "Школа № 40"} and other_name not in page
    assert "75 %" in rows["Гимназия № 2"]  # 9 of 12
    assert "&lt;5" in rows["Школа № 40"] and "100 %" not in rows["Школа № 40"]  # 3 of 3: too few to show
    assert "нет программы" in rows["Школа № 7"]
    cycle = client.get("/staff/municipal", query_string={"cycle": "Наставничество 2025/26"})
    assert cycle.status_code == 200 and "75 %" in cycle.get_data(as_text=True)
    # Another organisation's programme is not reachable on any page.
    for url in (
        f"/staff/dashboard?programme={other_programme}",
        f"/staff/programmes/{other_programme}/report",
        f"/staff/programmes/{other_programme}/report.pdf",
    ):
        assert client.get(url).status_code == 404, url
    token = csrf_token(client.get("/staff/municipal").get_data(as_text=True))
    conclusions = f"/staff/programmes/{other_programme}/report/conclusions"
    assert client.post(conclusions, data={"csrf_token": token, "text": "x"}).status_code == 404


def test_the_municipal_view_needs_several_schools(logged_in):
    assert logged_in.get("/staff/municipal").status_code == 404
    assert "Школы рядом" not in logged_in.get("/staff/dashboard").get_data(as_text=True)


def test_without_pango_the_pdf_link_says_to_print_the_page_instead(app, logged_in, monkeypatch):
    import surveys.reporting.report_pdf
    from surveys.workspace.programmes import create_programme

    with app.app_context():
        programme = create_programme(db.session.execute(db.select(Organisation)).scalar_one(), "2025/26")
        programme_id = programme.id

    def missing(html, static_folder):
        raise surveys.reporting.report_pdf.PdfUnavailable("cannot load library 'libpango-1.0-0'")

    monkeypatch.setattr(surveys.reporting.report_pdf, "render_pdf", missing)
    response = logged_in.get(f"/staff/programmes/{programme_id}/report.pdf")
    assert response.status_code == 503 and "напечатайте страницу отчёта" in response.get_data(as_text=True)


def test_the_swot_panels_points_are_decided_with_the_rest_of_the_page(app, demo):
    """A SWOT point's group joins the page's publication: if another panel shows that group together with
    three more people (in many values: the costlier to hide), and those three are a figure of their own
    (hidden, «<5»), the point must go, or the three would be the other figure minus the point."""
    from plugins.swot.panels import swot_panel
    from surveys.core.models import Programme
    from surveys.reporting.dashboard import programme_view

    _client, programme_id, campaign_id = demo
    with app.test_request_context():
        programme = db.session.get(Programme, programme_id)
        campaign = db.session.get(Campaign, campaign_id)

        def points(extra: bool) -> int:
            view = programme_view(programme)
            panel = swot_panel(view, campaign)
            if extra:
                biggest = max(view.publication.sets, key=len)  # the point from the most people
                three = frozenset({"NOT-A-CODE-1", "NOT-A-CODE-2", "NOT-A-CODE-3"})
                view.publication.add(biggest | three, 100, lambda mark: None)  # another panel's, costlier to hide
                view.publication.add(three, 1, lambda mark: None)
            view.publication.settle()
            return sum(len(q["points"]) for q in panel.finish(panel).data["quadrants"])

        alone, with_others = points(False), points(True)
    assert alone > 0 and with_others < alone
