"""The staff preview of a questionnaire (/staff/instruments/<id>/preview): the participant's pages,
page by page without JavaScript, the answers kept in the session only, and at the end the scores a
real submission of the same answers is stored with."""

from __future__ import annotations

import re

import pytest

from surveys.core.models import Invitation, Organisation, Participant, Response, Score
from surveys.extensions import db
from surveys.instruments import instrument_for
from surveys.workspace.campaigns import create_campaign
from tests.conftest import csrf_token, post_form, set_role, submit_in_wave
from tests.test_instrument_upload import another_organisation, climate, psychologist, upload

RADIO = re.compile(r'<input[^>]*type="radio"[^>]*>')


def preview_url(instrument_id: str) -> str:
    return f"/staff/instruments/{instrument_id}/preview"


def choose(html: str, pick: int) -> dict[str, str]:
    """An answer to every radio question on the page: the ``pick``-th choice (cycling)."""
    values: dict[str, list[str]] = {}
    for tag in RADIO.findall(html):
        name, value = re.search(r'name="([^"]+)"', tag)[1], re.search(r'value="([^"]*)"', tag)[1]
        values.setdefault(name, []).append(value)
    return {name: options[(pick + n) % len(options)] for n, (name, options) in enumerate(sorted(values.items()))}


def checked(html: str) -> dict[str, str]:
    """The radio answers the page shows as chosen."""
    tags = [tag for tag in RADIO.findall(html) if " checked" in tag]
    return {re.search(r'name="([^"]+)"', tag)[1]: re.search(r'value="([^"]*)"', tag)[1] for tag in tags}


def walk(client, instrument_id: str, pick: int = 1) -> tuple[dict[str, str], list[str]]:
    """Answer every page of the preview as a browser without JavaScript would; returns the answers
    posted and the pages' headings «Страница N из M» seen on the way."""
    url, given, seen = preview_url(instrument_id), {}, []
    page = client.get(url)
    for _ in range(20):
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        seen.append(re.search(r"Страница \d+ из \d+", html)[0])
        hidden = dict(re.findall(r'<input[^>]*name="(instrument|page)"[^>]*value="([^"]*)"', html))
        answers = choose(html, pick)
        given |= answers
        moved = client.post(url, data={"csrf_token": csrf_token(html), **hidden, **answers, "action": "next"})
        assert moved.status_code == 302, moved.get_data(as_text=True)[:2000]
        if moved.headers["Location"].endswith("/preview/scores"):
            return given, seen
        page = client.get(moved.headers["Location"])
    raise AssertionError("the preview never reached its scores")


def shown_scores(html: str) -> dict[str, tuple[str, str, str]]:
    rows = re.findall(
        r'data-scale="([^"]+)">.*?<dd class="raw">(.*?)</dd>.*?<dd class="value">(.*?)</dd>.*?'
        r'<dd class="band">(.*?)</dd>',
        html,
        re.S,
    )
    return {scale: (raw.strip(), value.strip(), band.strip()) for scale, raw, value, band in rows}


def stored_scores(app, organisation_id: int, instrument_id: str, answers: dict) -> dict[str, tuple[str, str, str]]:
    """The Score rows a real submission of ``answers`` gets, as the preview shows them."""
    with app.app_context():
        organisation = db.session.get(Organisation, organisation_id)
        instrument = instrument_for(organisation_id, instrument_id)
        person = Participant(organisation_id=organisation.id, code="REAL1", role=instrument.audience[0])
        db.session.add(person)
        db.session.commit()
        campaign = create_campaign(organisation, "Настоящая", [instrument_id], "Вход")
        assert submit_in_wave(app, campaign.waves[0].id, person.id, instrument_id, answers)
        bands = {(s.id, b.id): b.label.get("ru") for s in instrument.scales for b in s.bands}
        return {
            s.scale: (str(s.raw), str(s.value), bands.get((s.scale, s.band), s.band) or "—")
            for s in db.session.scalars(db.select(Score))
        }


def no_rows(app) -> bool:
    with app.app_context():
        return (
            not db.session.execute(db.select(Response.id)).first()
            and not db.session.execute(db.select(Invitation.id)).first()
        )


def typed(answers: dict[str, str]) -> dict:
    return {key: int(value) if value.lstrip("-").isdigit() else value for key, value in answers.items()}


def test_a_plugin_questionnaire_previews_page_by_page_and_scores_as_a_real_submission(app, client, staff):
    psychologist(app, client, staff)
    answers, seen = walk(client, "cbi")
    assert seen == [f"Страница {n} из 4" for n in range(1, 5)]  # every page, as participants see them
    page = client.get(preview_url("cbi") + "/scores")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert f'href="{preview_url("cbi")}?page=client"' in page.get_data(as_text=True)  # back to the last page
    shown = shown_scores(page.get_data(as_text=True))
    assert no_rows(app)  # the preview wrote nothing
    stored = stored_scores(app, staff[2], "cbi", typed(answers))
    assert set(shown) == {"personal", "work", "client"} and shown == stored
    # Back on a page, the answers tried are still there; «Start again» forgets them.
    first = client.get(preview_url("cbi")).get_data(as_text=True)
    assert checked(first) == {key: answers[key] for key in choose(first, 1)}
    again = post_form(client, preview_url("cbi") + "/again", {}, page_url=preview_url("cbi") + "/scores")
    assert again.status_code == 302
    assert checked(client.get(preview_url("cbi")).get_data(as_text=True)) == {}


def test_an_uploaded_questionnaire_previews_and_a_wrong_answer_is_shown_again(app, client, staff):
    psychologist(app, client, staff)
    assert upload(client, climate()).status_code == 302
    listing = client.get("/staff/instruments").get_data(as_text=True)
    assert f'href="{preview_url("class_climate")}"' in listing and f'href="{preview_url("gad7")}"' in listing
    html = client.get(preview_url("class_climate")).get_data(as_text=True)
    assert "Согласны ли вы?" in html and "Просмотр" in html
    token, hidden = csrf_token(html), {"instrument": "class_climate", "page": "climate"}
    refused = client.post(preview_url("class_climate"), data={"csrf_token": token, **hidden, "cc_safe": "9"})
    assert refused.status_code == 422 and 'aria-invalid="true"' in refused.get_data(as_text=True)
    # Where JavaScript runs, the page's autosave keeps an answer in the session as well, not in the database.
    saved = client.post(
        preview_url("class_climate") + "/autosave", data={"csrf_token": token, **hidden, "cc_help": "4"}
    )
    assert saved.get_json() == {"saved": True}
    assert checked(client.get(preview_url("class_climate")).get_data(as_text=True)) == {"cc_help": "4"}
    answers, _seen = walk(client, "class_climate", pick=2)
    shown = shown_scores(client.get(preview_url("class_climate") + "/scores").get_data(as_text=True))
    assert no_rows(app)
    assert shown == stored_scores(app, staff[2], "class_climate", typed(answers))


def test_a_key_only_questionnaire_without_texts_previews_by_item_ids(app, client, staff):
    psychologist(app, client, staff)
    html = client.get(preview_url("stai_khanin")).get_data(as_text=True)
    assert "показаны по их идентификаторам" in html
    items = [item.id if hasattr(item, "id") else item["id"] for item in _first_items(app, "stai_khanin")]
    assert all(f"[{item}]" in html for item in items)


def _first_items(app, instrument_id: str) -> list:
    instrument = app.extensions["surveys"].instrument(instrument_id)
    return list(instrument.pages[0].questions[0].options["items"])


@pytest.mark.parametrize("role", ["viewer"])
def test_a_viewer_cannot_preview_and_never_sees_the_link(app, client, staff, role):
    psychologist(app, client, staff)
    set_role(app, staff[0], role)
    assert client.get(preview_url("gad7")).status_code == 403
    assert client.get(preview_url("gad7") + "/scores").status_code == 403
    assert "/preview" not in client.get("/staff/instruments").get_data(as_text=True)


def test_a_curator_previews_and_another_organisations_upload_is_not_found(app, client, staff):
    psychologist(app, client, staff)
    assert upload(client, climate()).status_code == 302
    other_id = another_organisation(app)
    set_role(app, staff[0], "curator")
    assert client.get(preview_url("class_climate")).status_code == 200
    switched = post_form(client, "/staff/organisation", {"organisation": other_id}, page_url="/staff/instruments")
    assert switched.status_code in (302, 303)
    assert client.get(preview_url("class_climate")).status_code == 404
    assert client.get(preview_url("class_climate") + "/scores").status_code == 404
    assert client.get(preview_url("no_such_thing")).status_code == 404
