"""Pairs you can trust: one pair per mentor and mentee in a programme (with a message naming them, and
without a 500 when two people save at once), group pairs, the variant of the pair's own form, roles in
the programme, removal after a confirmation page, the all-or-nothing import by code, and a pair's
history across cycles."""

from __future__ import annotations

import io
import re

import pytest
from flask_babel import force_locale

from surveys.core.log_models import AuditEvent
from surveys.core.models import Organisation, Pair, PairMentee, Participant, Programme, utcnow
from surveys.extensions import db
from surveys.workspace import pair_import, participant_pairs
from surveys.workspace import programme_editing as editing
from surveys.workspace.pair_rules import PairRefused
from surveys.workspace.programmes import create_programme
from tests.conftest import csrf_token, enrol_people, post_form, xlsx

FORM = "ученик–ученик"
OTHER_FORM = "учитель–учитель"
PEOPLE = {"M1": "mentor", "M2": "mentor", "E1": "mentee", "E2": "mentee", "E3": "mentee"}


@pytest.fixture
def app(make_app):
    """These tests read the pages in English."""
    return make_app(SURVEYS_DEFAULT_LOCALE="en")


@pytest.fixture
def school(app, staff):
    """A programme with two mentors and three mentees of FORM; (programme id, {code: id})."""
    with app.app_context():
        organisation = db.session.get(Organisation, staff[2])
        programme = create_programme(organisation, "2025/26")
        return programme.id, enrol_people(organisation.id, programme.id, PEOPLE, FORM)


def variants(app, programme_id: int, form: str = FORM) -> list[str]:
    with app.app_context():
        return next(f.variants for f in db.session.get(Programme, programme_id).forms if f.name == form)


def pairs_of(app, programme_id: int) -> list[tuple[int, list[int], str, str]]:
    """(mentor, sorted mentees, form, variant) of each pair of the programme."""
    with app.app_context():
        query = db.select(Pair).filter_by(programme_id=programme_id).order_by(Pair.id)
        return [
            (p.mentor_id, sorted(m.participant_id for m in p.mentees), p.form, p.variant)
            for p in db.session.execute(query).scalars()
        ]


def add(client, programme_id: int, mentor: int, mentees: list[int], form: str = FORM, variant: str = ""):
    """Post the "add a pair" form; the page it lands on, as text."""
    url = f"/staff/programmes/{programme_id}"
    data = {"mentor": mentor, "mentees": mentees, "form": form, "variant": variant}
    return post_form(client, f"{url}/pairs", data, page_url=url, follow_redirects=True).get_data(as_text=True)


# Rules ---------------------------------------------------------------------------------------------------


def test_the_same_mentor_and_mentee_twice_is_refused_by_code_and_stays_one_pair(app, logged_in, school):
    programme_id, ids = school
    variant = variants(app, programme_id)[0]
    assert "Pair saved." in add(logged_in, programme_id, ids["M1"], [ids["E1"]], variant=variant)
    page = add(logged_in, programme_id, ids["M1"], [ids["E1"], ids["E2"]], variant=variant)
    assert "M1 is already paired with E1 in this programme" in page
    assert pairs_of(app, programme_id) == [(ids["M1"], [ids["E1"]], FORM, variant)]


def test_a_group_pair_and_another_mentor_for_the_same_mentee_stay_possible(app, logged_in, school):
    programme_id, ids = school
    add(logged_in, programme_id, ids["M1"], [ids["E1"], ids["E2"]])
    add(logged_in, programme_id, ids["M1"], [ids["E3"]])  # the same mentor, another mentee
    add(logged_in, programme_id, ids["M2"], [ids["E1"]])  # the same mentee, another mentor
    assert [(m, e) for m, e, _f, _v in pairs_of(app, programme_id)] == [
        (ids["M1"], sorted([ids["E1"], ids["E2"]])),
        (ids["M1"], [ids["E3"]]),
        (ids["M2"], [ids["E1"]]),
    ]


def test_a_variant_of_another_form_is_refused_on_the_variant_field(app, logged_in, school):
    programme_id, ids = school
    foreign = variants(app, programme_id, OTHER_FORM)[0]
    page = add(logged_in, programme_id, ids["M1"], [ids["E1"]], variant=foreign)
    assert f"Pair variant: «{foreign}» is not a variant of the form «{FORM}»" in page
    page = add(logged_in, programme_id, ids["M1"], [ids["E1"]], form="кружок")
    assert "Form of mentoring: «кружок» is not a form of mentoring of this programme." in page
    assert pairs_of(app, programme_id) == []


def test_roles_in_the_programme_are_checked(app, staff, school):
    programme_id, ids = school
    with app.test_request_context(), force_locale("en"):
        programme = db.session.get(Programme, programme_id)
        cases = (
            (ids["E1"], [ids["E2"]], "mentor", "The mentor must be enrolled in this programme as a mentor."),
            (ids["M1"], [ids["M2"]], "mentees", "Not enrolled in this programme as mentees: M2."),
            (ids["M1"], [ids["M1"]], "mentees", "A mentor cannot be their own mentee."),
        )
        for mentor, mentees, field, message in cases:
            with pytest.raises(PairRefused) as refused:
                editing.add_pair(programme, mentor, mentees, FORM, "")
            assert message in [str(m) for m in refused.value.problems[field]]
        other = create_programme(db.session.get(Organisation, staff[2]), "2026/27")
        with pytest.raises(PairRefused) as refused:  # enrolled, but in another programme
            editing.add_pair(other, ids["M1"], [ids["E1"]], "", "")
        assert set(refused.value.problems) == {"mentor", "mentees"}
        assert db.session.execute(db.select(Pair)).first() is None


def test_two_curators_saving_the_same_pair_at_once_get_the_message_not_a_500(app, logged_in, school, monkeypatch):
    programme_id, ids = school
    add(logged_in, programme_id, ids["M1"], [ids["E1"]])
    # The second curator's check ran before the first one's pair was saved: only the database can tell.
    monkeypatch.setattr(editing, "check_pair", lambda *args: None)
    page = add(logged_in, programme_id, ids["M1"], [ids["E1"]])
    assert "M1 is already paired with E1 in this programme" in page
    assert len(pairs_of(app, programme_id)) == 1


def test_an_archived_programmes_pairs_cannot_be_added_or_removed(app, logged_in, school):
    programme_id, ids = school
    add(logged_in, programme_id, ids["M1"], [ids["E1"]])
    with app.app_context():
        db.session.get(Programme, programme_id).archived_at = utcnow()
        db.session.commit()
        pair_id = db.session.execute(db.select(Pair.id)).scalar_one()
    url = f"/staff/programmes/{programme_id}"
    data = {"mentor": ids["M2"], "mentees": [ids["E2"]], "form": FORM}
    assert post_form(logged_in, f"{url}/pairs", data, page_url=url).status_code == 409
    assert logged_in.get(f"/staff/pairs/{pair_id}/delete").status_code == 409
    assert post_form(logged_in, f"/staff/pairs/{pair_id}/delete", {}, page_url=url).status_code == 409
    assert logged_in.get(f"{url}/pairs/import").status_code == 409
    assert len(pairs_of(app, programme_id)) == 1


# The page --------------------------------------------------------------------------------------------------


def test_each_form_has_its_own_add_block_listing_only_its_variants(app, logged_in, school, staff):
    programme_id, _ids = school
    with app.app_context():  # people enrolled without a form are offered in every block
        enrol_people(staff[2], programme_id, {"M0": "mentor", "E0": "mentee"})
    page = logged_in.get(f"/staff/programmes/{programme_id}").get_data(as_text=True)
    blocks = re.findall(r'<details class="pair-block".*?</details>', page, re.S)
    with app.app_context():
        forms = [(f.name, f.variants) for f in db.session.get(Programme, programme_id).forms]
    assert len(blocks) == len(forms)
    for block, (name, own) in zip(blocks, forms, strict=True):
        assert f'name="form" value="{name}"' in block
        assert (">E1</span>" in block) == (name == FORM) and ">E0</span>" in block
        assert ('name="variant"' in block) == bool(own)
        listed = re.findall(r'<option value="([^"]+)">[^<]*</option>', block.partition('name="variant"')[2])
        assert listed == own


def test_a_programme_without_forms_has_one_block_without_a_form(app, logged_in, staff):
    with app.app_context():
        programme = create_programme(db.session.get(Organisation, staff[2]), "Кружок", seed=False)
        ids = enrol_people(staff[2], programme.id, {"A1": "mentor", "B1": "mentee"})
        programme_id = programme.id
    page = logged_in.get(f"/staff/programmes/{programme_id}").get_data(as_text=True)
    [block] = re.findall(r'<details class="pair-block".*?</details>', page, re.S)
    assert 'name="form" value=""' in block and 'name="variant"' not in block
    assert "Pair saved." in add(logged_in, programme_id, ids["A1"], [ids["B1"]], form="")


# Removing ------------------------------------------------------------------------------------------------


def test_removing_a_pair_asks_first_on_a_page_naming_it(app, logged_in, school):
    programme_id, ids = school
    variant = variants(app, programme_id)[1]
    add(logged_in, programme_id, ids["M1"], [ids["E1"], ids["E2"]], variant=variant)
    with app.app_context():
        pair_id = db.session.execute(db.select(Pair.id)).scalar_one()
    programme_page = logged_in.get(f"/staff/programmes/{programme_id}").get_data(as_text=True)
    assert f'href="/staff/pairs/{pair_id}/delete"' in programme_page  # a link to the question, not a button
    confirm = logged_in.get(f"/staff/pairs/{pair_id}/delete").get_data(as_text=True)
    for text in ("M1", "E1, E2", FORM, variant):
        assert text in confirm
    assert len(pairs_of(app, programme_id)) == 1  # asking removed nothing
    url = f"/staff/pairs/{pair_id}/delete"
    assert logged_in.post(url, data={}).status_code == 400  # without the page's token: nothing happens
    assert len(pairs_of(app, programme_id)) == 1
    assert post_form(logged_in, url, {}).status_code == 302
    assert pairs_of(app, programme_id) == []
    with app.app_context():
        event = db.session.execute(db.select(AuditEvent).filter_by(action="pair.delete")).scalar_one()
        assert (event.details["form"], event.details["variant"], event.details["mentees"]) == (FORM, variant, 2)


# Import --------------------------------------------------------------------------------------------------


def upload(client, programme_id: int, filename: str, data: bytes, save: bool = True):
    url = f"/staff/programmes/{programme_id}/pairs/import"
    token = csrf_token(client.get(url).get_data(as_text=True))
    button = {"save": "1"} if save else {"check": "1"}
    return client.post(
        url,
        data={"csrf_token": token, **button, "file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
        follow_redirects=True,
    )


def csv_file(rows: list[str], header: str = "mentor;mentee;form;variant") -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode("utf-8")


def test_a_clean_csv_makes_group_pairs_by_mentor_form_and_variant(app, logged_in, school):
    programme_id, ids = school
    first, second = variants(app, programme_id)[:2]
    spelt = first.replace(" – ", "-").upper()  # another dash, another case: the same variant
    rows = [f"M1;E1;{FORM};{first}", f"M1;E2;{FORM};{spelt}", f"M1;E3;{FORM};{second}", f"M2;E1;{FORM};"]
    page = upload(logged_in, programme_id, "pairs.csv", csv_file(rows)).get_data(as_text=True)
    assert "Pairs imported: 3." in page
    assert pairs_of(app, programme_id) == [
        (ids["M1"], sorted([ids["E1"], ids["E2"]]), FORM, first),
        (ids["M1"], [ids["E3"]], FORM, second),
        (ids["M2"], [ids["E1"]], FORM, ""),
    ]
    with app.app_context():
        event = db.session.execute(db.select(AuditEvent).filter_by(action="pairs.import")).scalar_one()
        assert (event.details["pairs"], event.details["mentees"], event.details["imported"]) == (3, 4, True)
        assert "M1" not in str(event.details)


def test_an_xlsx_with_russian_headers_imports_and_check_only_saves_nothing(app, logged_in, school):
    programme_id, ids = school
    variant = variants(app, programme_id)[0]
    rows = [
        ["Код наставника", "Код наставляемого", "Форма наставничества", "Вариант пары"],
        ["M2", "E3", FORM, variant],
    ]
    checked = upload(logged_in, programme_id, "pairs.xlsx", xlsx(rows), save=False).get_data(as_text=True)
    assert "The file has no problems" in checked and "<td>M2</td><td>E3</td>" in checked
    assert pairs_of(app, programme_id) == []
    upload(logged_in, programme_id, "pairs.xlsx", xlsx(rows))
    assert pairs_of(app, programme_id) == [(ids["M2"], [ids["E3"]], FORM, variant)]


def test_every_kind_of_problem_is_named_by_row_and_nothing_is_saved(app, logged_in, school, staff):
    programme_id, ids = school
    with app.app_context():
        enrol_people(staff[2], create_programme(db.session.get(Organisation, staff[2]), "2026/27").id, {"X1": "mentee"})
    add(logged_in, programme_id, ids["M2"], [ids["E2"]])
    good, foreign = variants(app, programme_id)[0], variants(app, programme_id, OTHER_FORM)[0]
    rows = [
        f"M1;E1;{FORM};{good}",  # row 2: fine
        f"NOBODY;E1;{FORM};",  # row 3: unknown code
        f"M1;X1;{FORM};",  # row 4: not enrolled in this programme
        f"E3;E1;{FORM};",  # row 5: a mentee as the mentor
        f"M1;E3;{FORM};{foreign}",  # row 6: the variant of another form
        f"M2;E2;{FORM};",  # row 7: the pair exists already
        f"M1;E1;{FORM};{good}",  # row 8: the same pair as row 2
    ]
    page = upload(logged_in, programme_id, "pairs.csv", csv_file(rows)).get_data(as_text=True)
    problems = re.findall(r"<li>Row (\d+) \(([^)]+)\): ([^<]*)</li>", page)
    assert [(int(row), column) for row, column, _m in problems] == [
        (3, "Mentor"),
        (4, "Mentee"),
        (5, "Mentor"),
        (6, "Pair variant"),
        (7, "Mentee"),
        (8, "Mentee"),
    ]
    messages = [re.sub(r"&\w+;|&#\d+;", "", m) for _r, _c, m in problems]
    assert "NOBODY" in messages[0] and "X1" in messages[1] and "E3" in messages[2]
    assert "already a pair" in messages[4] and "row 2" in messages[5]
    assert "Nothing was saved" in page
    assert [m for m, _e, _f, _v in pairs_of(app, programme_id)] == [ids["M2"]]


def test_a_pair_saved_meanwhile_by_someone_else_stops_the_whole_import(app, logged_in, school, monkeypatch):
    programme_id, ids = school
    add(logged_in, programme_id, ids["M2"], [ids["E2"]])
    # The file was checked before the other curator's pair was saved: only the database can tell.
    monkeypatch.setattr(pair_import, "_existing_pairs", lambda programme: set())
    page = upload(logged_in, programme_id, "pairs.csv", csv_file(["M1;E1;;", "M2;E2;;"])).get_data(as_text=True)
    assert "Someone paired the same people meanwhile: nothing was imported." in page
    assert [m for m, _e, _f, _v in pairs_of(app, programme_id)] == [ids["M2"]]


def test_a_file_without_the_mentee_column_is_refused(app, logged_in, school):
    programme_id, _ids = school
    page = upload(logged_in, programme_id, "pairs.csv", csv_file(["M1"], header="mentor")).get_data(as_text=True)
    assert "The required column «mentee» is missing." in page.replace("&#171;", "«").replace("&#187;", "»")
    assert pairs_of(app, programme_id) == []


def test_the_csv_template_imports_once_its_people_are_enrolled(app, logged_in, staff):
    with app.app_context():
        programme = create_programme(db.session.get(Organisation, staff[2]), "2025/26")
        programme_id = programme.id
        ids = enrol_people(staff[2], programme_id, {"P-001": "mentor", "P-002": "mentee", "P-003": "mentee"}, FORM)
    template = logged_in.get(f"/staff/programmes/{programme_id}/pairs/import/template.csv")
    assert template.headers["Content-Type"].startswith("text/csv") and template.data.startswith(b"\xef\xbb\xbf")
    upload(logged_in, programme_id, "template.csv", template.data)
    [(mentor, mentees, form, variant)] = pairs_of(app, programme_id)
    assert (mentor, mentees, form) == (ids["P-001"], sorted([ids["P-002"], ids["P-003"]]), FORM)
    assert variant == variants(app, programme_id)[0]


def test_another_organisations_programme_cannot_be_imported_into(app, logged_in, school):
    with app.app_context():
        other = Organisation(name="Другая школа")
        db.session.add(other)
        db.session.commit()
        theirs = create_programme(other, "2025/26").id
    assert logged_in.get(f"/staff/programmes/{theirs}/pairs/import").status_code == 404


# History -------------------------------------------------------------------------------------------------


def test_a_pairs_history_is_kept_across_cycles(app, logged_in, staff):
    with app.app_context():
        organisation = db.session.get(Organisation, staff[2])
        earlier = create_programme(organisation, "2024/25")
        ids = enrol_people(staff[2], earlier.id, {"M1": "mentor", "E1": "mentee", "E2": "mentee"}, FORM)
        later = create_programme(organisation, "2025/26")
        enrol_people(staff[2], later.id, {"M1": "mentor", "E1": "mentee", "E2": "mentee"}, FORM)
        later_id = later.id
        with app.test_request_context():
            editing.add_pair(earlier, ids["M1"], [ids["E1"]], FORM, "")
            editing.add_pair(later, ids["M1"], [ids["E1"], ids["E2"]], FORM, "")
        earlier.archived_at = utcnow()
        db.session.commit()
        history = participant_pairs(db.session.get(Participant, ids["E1"]))
        assert [(h.programme, h.role, h.partners, h.archived) for h in history] == [
            ("2024/25", "mentee", ("M1",), True),
            ("2025/26", "mentee", ("M1",), False),
        ]
        mentor_history = participant_pairs(db.session.get(Participant, ids["M1"]))
        assert [h.partners for h in mentor_history] == [("E1",), ("E1", "E2")]
    page = logged_in.get(f"/staff/programmes/{later_id}").get_data(as_text=True)
    assert "also in 2024/25" in page
    # The person's own page lists their pairs cycle by cycle.
    person = logged_in.get(f"/staff/participants/{ids['E1']}").get_data(as_text=True)
    assert "<strong>2024/25</strong> (archived):\n    mentee of M1" in person
    assert "<strong>2025/26</strong>:\n    mentee of M1" in person
    with app.app_context():
        assert db.session.execute(db.select(db.func.count()).select_from(PairMentee)).scalar_one() == 3
