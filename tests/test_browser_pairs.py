"""A curator adds a pair on a 360 px phone in a real Chromium, without JavaScript of ours: each form of
mentoring has its own block, whose variant list shows only that form's variants."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from surveys.core.models import Organisation, Pair
from surveys.extensions import db
from surveys.workspace.programmes import create_programme
from tests.conftest import SHOTS, enrol_people, signed_in_phone

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("backend", ["sqlite"], indirect=True)]
FORM, OTHER = "учитель–ученик", "ученик–ученик"


def test_a_pair_is_added_on_a_phone_choosing_among_its_own_forms_variants(live_server, browser, staff):
    email, password, organisation_id = staff
    app, base = live_server()
    with app.app_context():
        organisation = db.session.get(Organisation, organisation_id)
        programme = create_programme(organisation, "2025/26")
        enrol_people(organisation.id, programme.id, {"T-1": "mentor", "S-1": "mentee", "S-2": "mentee"}, FORM)
        forms = {f.name: list(f.variants) for f in programme.forms}
        programme_id = programme.id
    context, page, outside = signed_in_phone(browser, base, email, password)
    page.goto(f"{base}/staff/programmes/{programme_id}")

    block = page.locator("details.pair-block", has_text=f"Новая пара или группа: {FORM}")
    block.locator("summary").click()
    variant = block.get_by_label("Вариант пары")
    offered = variant.locator("option").all_inner_texts()
    assert offered == ["—", *forms[FORM]]
    assert not set(forms[OTHER]) & set(offered)  # another form's variants are not offered here
    block.get_by_label("Наставник").select_option(label="T-1")
    block.get_by_label("S-1").check()
    block.get_by_label("S-2").check()
    variant.select_option(label=forms[FORM][2])
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(SHOTS / "staff-pair-add.png"), full_page=True)
    block.get_by_role("button", name="Сохранить пару").click()

    expect(page.get_by_text("Пара сохранена.")).to_be_visible()
    page.wait_for_load_state("load")  # the stylesheet applied, before the page is measured
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    with app.app_context():
        [pair] = db.session.execute(db.select(Pair)).scalars().all()
        assert (pair.form, pair.variant, len(pair.mentees)) == (FORM, forms[FORM][2], 2)
    assert outside == []
    context.close()
