"""The whole path through the Flask test client: campaign → links → answers → workbook → comparison."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest

from surveys.core.log_models import AuditEvent
from surveys.core.models import Invitation, Participant, Response, Score
from surveys.extensions import db
from tests.conftest import FIXTURES, csrf_token, post_form, set_role
from tests.export_support import keyed_rows, sheet_keys

PLUGINS = str(FIXTURES / "plugins")
LINK = re.compile(r'href="http://localhost(/s/[A-Za-z0-9_-]+)"')


@pytest.fixture
def app(make_app):
    return make_app(SURVEYS_PLUGINS_PATH=PLUGINS)


def add_participants(client, codes_roles):
    for code, role in codes_roles:
        response = post_form(
            client, "/staff/participants", {"code": code, "role": role, "form": "ученик–ученик", "group": "8Б"}
        )
        assert response.status_code == 302, response.get_data(as_text=True)


def make_links(client, wave_id) -> dict[str, str]:
    page = client.get(f"/staff/waves/{wave_id}").get_data(as_text=True)
    html = client.post(f"/staff/waves/{wave_id}/links", data={"csrf_token": csrf_token(page)}).get_data(as_text=True)
    codes = re.findall(r"<tr><td>([^<]+)</td><td><a class=\"link-url\"", html)
    return dict(zip(codes, LINK.findall(html), strict=True))


def pupils_assent(client, campaign_id: int) -> None:
    """The participants here are pupils (ученик–ученик), so a new campaign asks their parents' consent;
    these tests are about links and answers, so the pupils give their own assent instead."""
    url = f"/staff/campaigns/{campaign_id}/consent"
    assert "согласие родителей" in client.get(url).get_data(as_text=True)
    assert post_form(client, url, {"mode": "assent"}).status_code == 302


def new_campaign_wave(app, client) -> int:
    """Create a campaign of the wellbeing questionnaire through the form; return its first wave's id."""
    created = post_form(
        client, "/staff/campaigns/new", {"name": "К", "instruments": ["wellbeing_check"], "wave_name": "В"}
    )
    campaign_id = int(created.headers["Location"].rsplit("/", 1)[1])
    pupils_assent(client, campaign_id)
    with app.app_context():
        from surveys.core.models import Campaign

        return db.session.get(Campaign, campaign_id).waves[0].id


def take_survey(client, link, calm, tense, happy, rating=7, worries=None, last=True):
    """Answer the wellbeing questionnaire page by page, as a participant would (``last``: the only
    questionnaire the participant is asked, so the thanks page follows)."""
    consent = client.get(link).get_data(as_text=True)
    assert "152-ФЗ" in consent
    client.post(f"{link}/consent", data={"decision": "agree"})
    first = client.get(link).get_data(as_text=True)
    assert "Страница 1 из" in first
    answers = {"wb_calm": calm, "wb_tense": tense, "wb_happy": happy, "school_rating": rating}
    form = {
        "instrument": "wellbeing_check",
        "page": "mood",
        "action": "next",
        **answers,
    }
    assert client.post(link, data=form).status_code == 302
    second = client.get(link).get_data(as_text=True)
    assert ("Что вас беспокоит?" in second) == (tense >= 3)
    form = {
        "instrument": "wellbeing_check",
        "page": "more",
        "action": "submit",
        "club": "sport",
    }
    if worries is not None:
        form["worries"] = worries
    assert client.post(link, data=form).status_code == 302
    assert ("Спасибо" in client.get(link).get_data(as_text=True)) == last


def test_campaign_from_link_to_workbook_and_comparison(app, staff, logged_in):
    client = logged_in
    add_participants(client, [(f"P{n}", "mentee") for n in range(1, 7)])
    created = post_form(
        client,
        "/staff/campaigns/new",
        {"name": "Мониторинг", "instruments": ["wellbeing_check"], "wave_name": "Вход"},
    )
    assert created.status_code == 302
    campaign_url = created.headers["Location"]
    campaign_id = int(campaign_url.rsplit("/", 1)[1])
    pupils_assent(client, campaign_id)
    with app.app_context():
        from surveys.core.models import Campaign

        campaign = db.session.get(Campaign, campaign_id)
        input_wave = campaign.waves[0].id

    links = make_links(client, input_wave)
    assert sorted(links) == [f"P{n}" for n in range(1, 7)]
    before = {"P1": (2, 3, 2), "P2": (3, 2, 3), "P3": (1, 4, 1), "P4": (4, 1, 4), "P5": (2, 2, 2), "P6": (3, 3, 3)}
    for code, (calm, tense, happy) in before.items():
        take_survey(
            client.application.test_client(),
            links[code],
            calm,
            tense,
            happy,
            worries="=cmd|' /C calc'!A0" if code == "P1" else None,
        )

    added = post_form(
        client, f"/staff/campaigns/{campaign_id}/waves", {"kind": "output", "name": "Выход"}, page_url=campaign_url
    )
    assert added.status_code == 302
    with app.app_context():
        output_wave = db.session.get(Campaign, campaign_id).waves[1].id
    out_links = make_links(client, output_wave)
    after = {"P1": (3, 2, 3), "P2": (4, 1, 4), "P3": (2, 3, 2), "P4": (4, 1, 4), "P5": (3, 2, 3)}
    for code, (calm, tense, happy) in after.items():
        take_survey(client.application.test_client(), out_links[code], calm, tense, happy)

    with app.app_context():
        scores = db.session.execute(db.select(Score).filter_by(scale="wellbeing")).scalars().all()
        assert len(scores) == 11
        assert {s.scored_by for s in scores} == {"core"}
        p1 = db.session.execute(db.select(Participant).filter_by(code="P1")).scalar_one()
        stored = db.session.execute(
            db.select(Response).filter_by(participant_id=p1.id, wave_id=input_wave)
        ).scalar_one()
        assert stored.status == "submitted"
        assert stored.answers["wb_tense"] == 3 and stored.answers["club"] == "sport"
        assert stored.scores[0].value == 2 + (1 + 4 - 3) + 2 and stored.scores[0].band == "low"

    # The curator's workbook is aggregated: no raw answers, no per-person scores.
    aggregated = openpyxl.load_workbook(io.BytesIO(client.get(f"/staff/campaigns/{campaign_id}/export.xlsx").data))
    expected = ["О файле", "Кодовая книга", "Сводка", "Надёжность", "Сравнение волн", "Сравнение — методика"]
    assert aggregated.sheetnames == expected
    assert client.get(f"/staff/campaigns/{campaign_id}/export.xlsx?individual=1").status_code == 403
    # The psychologist may add the individual data.
    set_role(app, staff[0], "psychologist")
    workbook_response = client.get(f"/staff/campaigns/{campaign_id}/export.xlsx?individual=1")
    assert workbook_response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(workbook_response.data))
    keys = sheet_keys(book)
    assert list(keys) == [
        "readme",
        "codebook",
        "answers wellbeing_check",
        "scores",
        "aggregates",
        "reliability",
        "comparison",
        "comparison method",
    ]
    assert book.sheetnames == list(keys.values()) and keys["answers wellbeing_check"].startswith("Ответы — ")
    set_role(app, staff[0], "curator")
    import zipfile

    charts = [n for n in zipfile.ZipFile(io.BytesIO(workbook_response.data)).namelist() if n.startswith("xl/charts/")]
    assert len(charts) == 1  # a native Excel chart of the means (reliable change classes hide one by one)
    answers = list(book[keys["answers wellbeing_check"]].iter_rows(values_only=True))
    header = answers[0]
    row_p1 = next(r for r in answers[1:] if r[0] == "P1" and r[4] == "Вход")
    assert row_p1[header.index("wb_tense")] == 3
    worries_cell = book[keys["answers wellbeing_check"]].cell(
        row=answers.index(row_p1) + 1, column=header.index("worries") + 1
    )
    assert worries_cell.value == "=cmd|' /C calc'!A0" and worries_cell.data_type == "s"
    assert worries_cell.quotePrefix
    score_rows = list(book[keys["scores"]].iter_rows(values_only=True))
    assert len(score_rows) == 1 + 11
    comparison = list(book[keys["comparison"]].iter_rows(values_only=True))
    assert comparison[0][:4] == ("Анкета", "id анкеты", "Шкала", "id шкалы")
    row = next(
        r
        for r in keyed_rows(app, book, "comparison")
        if (r["instrument_id"], r["scale_id"]) == ("wellbeing_check", "wellbeing")
    )
    n, mb, ma, md = (row[k] for k in ("n_pairs", "mean_before", "mean_after", "mean_difference"))

    def total(calm, tense, happy):
        return calm + (5 - tense) + happy

    paired = sorted(set(before) & set(after))
    mean_before = sum(total(*before[c]) for c in paired) / len(paired)
    mean_after = sum(total(*after[c]) for c in paired) / len(paired)
    assert n == 5
    assert mb == pytest.approx(mean_before) and ma == pytest.approx(mean_after)
    assert md == pytest.approx(mean_after - mean_before)

    page = client.get(f"/plugins/comparison/campaigns/{campaign_id}").get_data(as_text=True)
    # in Russian, with a decimal comma
    assert f"{mean_before:.2f}".replace(".", ",") in page
    assert f"{mean_after - mean_before:+.2f}".replace(".", ",") in page

    with app.app_context():
        actions = [e.action for e in db.session.execute(db.select(AuditEvent)).scalars()]
        assert actions.count("export.xlsx") == 2 and actions.count("links.generate") == 2


def test_submission_is_idempotent_and_a_revisit_shows_thanks(app, logged_in):
    client = logged_in
    add_participants(client, [("Q1", "mentee")])
    wave_id = new_campaign_wave(app, client)
    link = make_links(client, wave_id)["Q1"]
    participant = app.test_client()
    participant.get(link).get_data(as_text=True)
    participant.post(f"{link}/consent", data={"decision": "agree"})
    participant.get(link).get_data(as_text=True)
    participant.post(
        link,
        data={
            "instrument": "wellbeing_check",
            "page": "mood",
            "wb_calm": 2,
            "wb_tense": 2,
            "wb_happy": 2,
            "action": "next",
        },
    )
    participant.get(link).get_data(as_text=True)
    final = {"instrument": "wellbeing_check", "page": "more", "action": "submit"}
    # The final page posted twice (a double click, or a second device): one response, one score.
    assert participant.post(link, data=final).status_code == 302
    assert participant.post(link, data=final).status_code == 302
    with app.app_context():
        responses = db.session.execute(db.select(Response)).scalars().all()
        assert len(responses) == 1 and responses[0].status == "submitted"
        assert len(db.session.execute(db.select(Score)).scalars().all()) == 1
        submitted_at = responses[0].submitted_at
    assert "Спасибо" in participant.get(link).get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(db.select(Response)).scalar_one().submitted_at == submitted_at


def test_links_are_random_hashed_and_reissue_revokes_the_old_one(app, logged_in):
    client = logged_in
    add_participants(client, [("R1", "mentee")])
    wave_id = new_campaign_wave(app, client)
    old = make_links(client, wave_id)["R1"]
    token = old.rsplit("/", 1)[1]
    assert len(token) == 26  # 26 base32 symbols: 130 random bits
    with app.app_context():
        invitation = db.session.execute(db.select(Invitation)).scalar_one()
        assert token not in invitation.token_hash and len(invitation.token_hash) == 64
        invitation_id = invitation.id
    page = client.get(f"/staff/waves/{wave_id}").get_data(as_text=True)
    html = client.post(f"/staff/invitations/{invitation_id}/reissue", data={"csrf_token": csrf_token(page)}).get_data(
        as_text=True
    )
    new = LINK.findall(html)[0]
    assert new != old
    assert app.test_client().get(old).status_code == 404
    assert app.test_client().get(new).status_code == 200
