"""An upload whose id is a plugin's questionnaire's id: refused at the ``id:`` line, and one stored
before that refusal existed is named on the Questionnaires page instead of silently shadowed."""

from __future__ import annotations

import json
import re

import yaml

from surveys.core.instrument_models import UploadedInstrument
from surveys.extensions import db
from surveys.instruments.catalogues import catalogue
from tests.test_instrument_upload import climate, psychologist, upload


def test_an_upload_with_a_plugins_id_is_refused_at_its_id_line(app, client, staff):
    psychologist(app, client, staff)
    text = "# Наш вариант ГТР-7\n\n" + climate().replace("id: class_climate", "id: gad7")
    line = text.splitlines().index("id: gad7") + 1
    refused = upload(client, text, "ours.yaml")
    page = refused.get_data(as_text=True).replace("&#39;", "'")
    assert refused.status_code == 422
    assert f"ours.yaml:{line}: идентификатор «gad7» принадлежит плагину «anxiety_scale»" in page
    tree = yaml.safe_load(climate()) | {"id": "gad7"}
    as_json = json.dumps({"version": tree.pop("version"), **tree}, ensure_ascii=False, indent=1)
    json_line = next(n for n, row in enumerate(as_json.splitlines(), 1) if row.strip().startswith('"id"'))
    refused = upload(client, as_json, "ours.json")
    assert refused.status_code == 422 and f"ours.json:{json_line}: " in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(db.select(UploadedInstrument)).first() is None


def test_an_older_upload_shadowed_by_a_plugin_is_named_on_the_questionnaires_page(app, client, staff):
    psychologist(app, client, staff)
    with app.app_context():  # as stored before uploads with a plugin's id were refused
        source = climate().replace("id: class_climate", "id: gad7")
        row = UploadedInstrument(organisation_id=staff[2], instrument_id="gad7", version="1", filename="g.yaml")
        db.session.add(row)
        row.source = source
        db.session.commit()
        with app.test_request_context():
            plugin_title = app.extensions["surveys"].instrument("gad7").title.get("ru")
            assert catalogue(staff[2])["gad7"].title.get("ru") == plugin_title  # the plugin's is the one used
    page = client.get("/staff/instruments").get_data(as_text=True)
    warning = re.search(r'<div class="flash warning" role="alert" id="shadowed">(.*?)</div>', page, re.S)
    assert warning and "«gad7»: в плагине «anxiety_scale» есть анкета с таким идентификатором" in warning[1]
    assert len(re.findall(r"<tr><td>gad7</td>", page)) == 1  # one entry per id in the list of questionnaires
    assert "не используется: такой идентификатор у анкеты из плагина" in page  # and the upload marked
    assert "Климат в классе" not in page.split('id="shadowed"')[1].split("<h2>")[0]
