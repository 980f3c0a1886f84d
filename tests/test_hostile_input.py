"""Hostile input, property-based: questionnaire files and participants' answers.

The loader either loads a file or raises DefinitionError whose every line starts with ``file:line:``.
The participant pages (personal and open links) never fail with a 500: a rejected answer gets the page
again with a message on the field, and answers saved earlier are never lost. Imports: test_hostile_imports.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from urllib.parse import urlencode

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import escape

from surveys.core.errors import DefinitionError
from surveys.core.loader import load_instrument
from surveys.core.models import Organisation, Participant, Response
from surveys.core.question_types import built_in_types
from surveys.core.yaml_lines import MAX_DEPTH
from surveys.extensions import db
from surveys.participation.links import create_open_link, generate_links
from surveys.workspace.campaigns import create_campaign
from tests.conftest import csrf_token
from tests.mutations import mutate

TYPES = built_in_types()
SETTINGS = {
    "database": None,
    "deadline": None,
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
}
HUGE = 100_000
NASTY = [
    "\x00", "a\x00b", "\x01\x07\x1b[31m\x7f", "\u202eשלום عربى\u202c", "😀👩‍👩‍👧‍👦🇷🇺", "е\u0301\u0308\u20dd" * 5,
    "\ufeff\u200b\u2028\u2029", "=cmd|' /C calc'!A0", "<script>alert(1)</script>", "' OR 1=1 --", "{{ 7*7 }}",
    "%s%n%(x)s", "NaN", "sNaN", "Infinity", "-inf", "1e999999", "９", "0x10", "1_0", "", " ",
]  # fmt: skip
huge = st.sampled_from(["я", "\x00", "😀", "a\u0301"]).map(lambda c: c * (HUGE // len(c)))
text_values = st.one_of(st.text(max_size=30), st.sampled_from(NASTY))


def line_prefixed(error: DefinitionError, source: str) -> bool:
    return bool(error.problems) and all(re.match(rf"{re.escape(source)}:\d+: ", str(p)) for p in error.problems)


def load_or_locate(text: str, source: str = "hostile.yaml") -> None:
    """The property of the loader: it loads, or every problem starts with ``file:line:``."""
    try:
        load_instrument(source, TYPES, text=text)
    except DefinitionError as error:
        assert line_prefixed(error, source), str(error)[:500]


# Questionnaire files ----------------------------------------------------------------------------------

QUESTIONNAIRE = yaml.safe_load("""
id: hostile
version: 1
title: {ru: Проверка, en: Check}
audience: [mentee]
choices:
  agree: [{value: 1, label: нет}, {value: 2, label: да}]
pages:
  - id: one
    questions:
      - {id: nick, type: text, text: "Как к вам обращаться?", required: true, max_length: 40}
      - id: grade
        type: single_choice
        text: В каком вы классе?
        other: true
        choices: [{value: 5, label: 5 класс}, {value: six, label: 6 класс}]
      - {id: first_time, type: yes_no, text: "Вы впервые в программе?"}
      - id: mood
        type: matrix
        text: Насколько вы согласны?
        required: true
        min: 1
        max: 4
        items: [{id: mood_calm, text: Мне спокойно}, {id: mood_friends, text: Есть друзья}]
  - id: two
    title: Ещё
    questions:
      - {id: stars, type: rating, text: Оцените встречи, min: 1, max: 5}
      - id: met_before
        type: single_choice
        text: Встречались раньше?
        choices: agree
        show_if: {question: first_time, equals: false}
      - id: interests
        type: multiple_choice
        text: Что вам интересно?
        max_selected: 2
        choices: [{value: sport, label: Спорт}, {value: music, label: Музыка}, {value: code, label: Код}]
      - {id: hours, type: number, text: Часов в неделю, integer: true, min: 0, max: 40}
      - {id: weight, type: number, text: "Рюкзак, кг", min: 0.5}
      - {id: ratio, type: number, text: Любое число}
      - {id: met, type: date, text: Первая встреча, min: "2025-09-01", max: "2026-12-31"}
      - {id: wishes, type: text, text: Пожелания, long: true}
scales:
  - {id: mood_scale, title: Настроение, items: [mood_calm, mood_friends, stars]}
""")
VALID_TEXT = json.dumps(QUESTIONNAIRE, ensure_ascii=False)

leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(),
    text_values,
    st.sampled_from(["я", "\x00", "😀"]).map(lambda c: c * 5000),
    st.sampled_from(["mentee", "agree", "mood_calm", "first_time", "sum", "other", "2025-09-01", "yes"]),
)
values = st.recursive(
    leaves, lambda i: st.lists(i, max_size=3) | st.dictionaries(st.text(), i, max_size=3), max_leaves=5
)


def _nest(draw, parent, key, kind):
    parent[key] = f"NEST{draw(st.integers(MAX_DEPTH - 10, 3000))}"  # written out as deep brackets below


@st.composite
def mutated_questionnaires(draw) -> str:
    """A valid questionnaire with one to four mutations, written as YAML or JSON."""
    kinds = ["replace", "delete", "duplicate", "add key", "nest"]
    tree = mutate(draw, st, QUESTIONNAIRE, kinds, values, text_values, special=_nest)
    if draw(st.booleans()):
        text = json.dumps(tree, ensure_ascii=False)
    else:
        text = yaml.safe_dump(tree, allow_unicode=draw(st.booleans()), sort_keys=False, width=10**9)
    return re.sub(r"[\"']?NEST(\d+)[\"']?", lambda m: "[" * int(m.group(1)) + "1" + "]" * int(m.group(1)), text)


@settings(max_examples=250, **SETTINGS)
@given(mutated_questionnaires())
def test_a_mutated_questionnaire_loads_or_names_its_lines(text):
    load_or_locate(text)


yaml_pieces = st.sampled_from(
    ["id: x\n", "- ", "  ", "[", "]", "{", "}", ": ", ", ", "&a ", "*a ", "!!binary ", "!!set ", "? ", "---\n",
     "'", '"', "\t", "\n", "#", "|\n  ", "<<: ", "!!python/object:os.system ", "%YAML 1.1\n", "\x00", "\ufeff"]
)  # fmt: skip


@settings(max_examples=500, **SETTINGS)
@given(st.one_of(st.text(), st.lists(yaml_pieces | st.text(max_size=5)).map("".join), values.map(json.dumps)))
def test_any_document_loads_or_names_its_lines(text):
    load_or_locate(text)


DEEP = f"nested more than {MAX_DEPTH} levels deep"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("id: x\nnested: " + "[" * 1000 + "]" * 1000, DEEP),  # was a RecursionError in the YAML composer
        ("id: x\nnested: " + "{a: " * 30_000 + "1" + "}" * 30_000, DEEP),
        ("x:\n" + "".join(" " * (i + 1) + "a:\n" for i in range(200)) + " " * 201 + "1\n", DEEP),
        # aliases nest deeper than the text does: was a RecursionError in the schemas
        ("".join(f"a{i}: &a{i} [{f'*a{i - 1}' if i else 1}]\n" for i in range(1000)), DEEP),
        ("{[1, 2]: 3}", "a key must be a plain value"),  # was a TypeError
        ("? {a: 1}\n: 2\n", "a key must be a plain value"),
    ],
    ids=["flow lists", "flow mappings", "block mappings", "alias chain", "list key", "mapping key"],
)
def test_regression_deep_or_odd_documents_name_a_line(text, message):
    with pytest.raises(DefinitionError) as caught:
        load_instrument("deep.yaml", TYPES, text=text)
    assert line_prefixed(caught.value, "deep.yaml") and message in str(caught.value)


def test_regression_nested_conditions_up_to_the_limit_load():
    conditions = {"question": "first_time", "equals": True}
    for _ in range(MAX_DEPTH // 2 - 6):
        conditions = {"all": [conditions]}
    tree = copy.deepcopy(QUESTIONNAIRE)
    tree["pages"][1]["questions"][1]["show_if"] = conditions
    assert load_instrument("ok.json", TYPES, text=json.dumps(tree)).question("met_before").show_if


# Answers on the participant pages ----------------------------------------------------------------------

INSTRUMENT = load_instrument("hostile.json", TYPES, text=VALID_TEXT)
PAGE_KEYS = {page.id: [k for q in page.questions for k in TYPES[q.type].answer_keys(q)] for page in INSTRUMENT.pages}
VALID = {
    "one": {"nick": "Аня", "grade": "six", "first_time": "no", "mood_calm": "2", "mood_friends": "4"},
    "two": {"stars": "4", "met_before": "1", "interests": ["sport", "code"], "hours": "3", "weight": "2.5",
            "ratio": "-7.25", "met": "2025-10-03", "wishes": "Больше встреч"},
}  # fmt: skip
LABELS = {q.id: q.text.get("ru") for q in INSTRUMENT.questions()}  # what the error summary names a field by
LABELS |= {row["id"]: row["text"].get("ru") for row in INSTRUMENT.question("mood").options["items"]}
junk = st.text(max_size=12).map(lambda s: s + "#")  # '#' is in no option, number or date
REJECTED = {
    "nick": st.sampled_from(["", " \t\u3000", "я" * 41, "\x00" * HUGE]),
    "grade": junk | st.sampled_from(["6", "Other", "5.0", "٥"]),
    "grade__other": st.just("😀" * 501),
    "first_time": junk | st.sampled_from(["true", "1", "да"]),
    "mood_calm": junk | st.sampled_from(["", " ", "0", "5", "NaN"]),
    "mood_friends": st.sampled_from(["", "٤x", "1e0", "-1"]),
    "stars": junk | st.sampled_from(["6", "1.5"]),
    "met_before": junk | st.sampled_from(["3"]),
    "interests": st.lists(st.sampled_from(["sport", "music", "code"]), min_size=3, max_size=4)
    | st.lists(st.sampled_from(["", " ", "sport"]), max_size=2).flatmap(lambda ok: junk.map(lambda bad: [*ok, bad])),
    "hours": junk | st.sampled_from(["41", "-1", "NaN", "1e5", "9" * 5000, "2.5"]),
    "weight": junk | st.sampled_from(["0.1", "NaN", "sNaN", "Infinity", "-inf"]),
    "ratio": junk | st.sampled_from(["NaN", "sNaN", "Infinity", "-Infinity", "1e999999", "1,5"]),
    "met": junk | st.sampled_from(["2025-13-01", "2020-01-01", "2027-01-01", "03.10.2025"]),
    "wishes": st.just("я" * 5001),
}
anything = st.one_of(text_values, huge, st.lists(text_values, max_size=3))


def acceptable(key: str, value) -> bool:
    """Whether a stored answer is one the questionnaire allows (what every check exists for)."""
    question = next(q for q in INSTRUMENT.questions() if key in TYPES[q.type].answer_keys(q))
    options = question.options
    if value is None:
        return not question.required
    if question.type == "text" or key.endswith("__other"):
        limit = 500 if key.endswith("__other") else options.get("max_length", 5000 if options.get("long") else 500)
        return isinstance(value, str) and 0 < len(value) <= limit and value == value.strip()
    if question.type in ("single_choice", "multiple_choice"):
        allowed = [c["value"] for c in options["choices"]] + (["other"] if options.get("other") else [])
        if question.type == "single_choice":
            return value in allowed
        return isinstance(value, list) and 0 < len(value) <= options.get("max_selected", 9) and {*value} <= {*allowed}
    if question.type in ("rating", "matrix"):
        return type(value) is int and options["min"] <= value <= options["max"]
    if question.type == "yes_no":
        return isinstance(value, bool)
    if question.type == "number":
        kind = int if options.get("integer") else float
        return type(value) is kind and options.get("min", -1e308) <= value <= options.get("max", 1e308)
    if question.type == "date":
        return options.get("min", dt.date.min) <= dt.date.fromisoformat(value) <= options.get("max", dt.date.max)
    return False


@st.composite
def hostile_posts(draw) -> tuple[dict, set[str]]:
    """Form data for a page: rejected values in some fields, anything in others, unknown fields."""
    page = draw(st.sampled_from(sorted(PAGE_KEYS)))
    keys = PAGE_KEYS[page]
    rejected = set(draw(st.lists(st.sampled_from(keys), max_size=3, unique=True)))
    data = {key: draw(REJECTED[key]) for key in rejected}
    for key in draw(st.lists(st.sampled_from([k for k in keys if k not in rejected]), max_size=3, unique=True)):
        data[key] = draw(anything)
    data.update(draw(st.dictionaries(text_values.filter(lambda k: k and k not in keys), anything, max_size=2)))
    data["page"], data["instrument"] = page, draw(st.sampled_from(["hostile"] * 5 + ["other", ""]))
    data["action"] = draw(st.sampled_from(["next", "submit", "back", "", "\x00"]))
    return data, rejected


@pytest.fixture
def school(make_app, tmp_path):
    """A wave of the questionnaire above with a personal and an open link, each with a client whose participant
    has consented and answered every page. Returns (app, {base URL: (client, extra form data, response id)},
    the stored answers)."""
    folder = tmp_path / "hostile_plugin"
    folder.mkdir()
    (folder / "hostile.json").write_text(VALID_TEXT, encoding="utf-8")
    config = {"SURVEYS_BAD_LINK_LIMIT": 10**6, "SURVEYS_CODE_LIMIT": 10**6, "SURVEYS_PSEUDONYM_KEY": "k" * 32}
    app = make_app(SURVEYS_PLUGINS_PATH=str(folder), **config)
    with app.test_request_context():
        organisation = Organisation(name="Школа № 1")
        db.session.add(organisation)
        db.session.commit()
        db.session.add(Participant(organisation_id=organisation.id, code="P1", role="mentee", tags=[]))
        db.session.commit()
        campaign = create_campaign(organisation, "Мониторинг", ["hostile"], "Вход")
        db.session.commit()
        [(_, token)] = generate_links(campaign.waves[0])
        _, open_token = create_open_link(campaign.waves[0], "mentee")
    personal, link = app.test_client(), f"/s/{token}"
    assert personal.post(f"{link}/consent", data={"decision": "agree"}).status_code == 302
    open_client, open_link = app.test_client(), f"/o/{open_token}"
    consent = csrf_token(open_client.get(open_link).get_data(as_text=True))
    open_client.post(f"{open_link}/consent", data={"csrf_token": consent, "decision": "agree"})
    code = {"guardian_letters": "Ол", "own_letter": "м", "birth_day": "7", "birth_month": "3", "csrf_token": consent}
    assert open_client.post(f"{open_link}/code", data=code).status_code == 302
    clients = {link: (personal, {}), open_link: (open_client, {"csrf_token": consent})}
    for base, (client, extra) in clients.items():
        assert client.get(f"{base}/survey" if base == open_link else base).status_code == 200
        for page, answers in VALID.items():
            saved = client.post(f"{base}/autosave", data={"instrument": "hostile", "page": page, **answers, **extra})
            assert saved.get_json() == {"saved": True}
    with app.app_context():
        rows = db.session.execute(db.select(Response, Participant.code).join(Participant)).all()
        [baseline] = {json.dumps(r.answers) for r, _ in rows}
        ids = {code == "P1": r.id for r, code in rows}
    clients = {base: (*clients[base], ids[base == link]) for base in clients}
    return app, clients, json.loads(baseline)


def reset(app, baseline: dict) -> None:
    """Every response back to the fully answered, unsubmitted state, so that examples do not interact."""
    with app.app_context():
        for response in db.session.execute(db.select(Response)).scalars():
            response.answers, response.draft, response.status = dict(baseline), {}, "in_progress"
        db.session.commit()


def stored(app, response_id: int) -> tuple[dict, bool]:
    with app.app_context():
        response = db.session.get(Response, response_id)
        return dict(response.answers or {}), response.status == "submitted"


def too_large(app, data: dict) -> bool:
    return len(urlencode(data, doseq=True)) > app.config["MAX_FORM_MEMORY_SIZE"]


def check_post(app, base, client, extra, response_id, data, rejected, autosave, baseline):
    """One hostile post: never a 500, rejected answers marked on the page and never stored, nothing lost."""
    reset(app, baseline)
    page = INSTRUMENT.pages[[p.id for p in INSTRUMENT.pages].index(data["page"])]
    shown = {k for q in page.shown_questions(baseline) for k in TYPES[q.type].answer_keys(q)}
    url = f"{base}/autosave" if autosave else f"{base}/survey" if base.startswith("/o/") else base
    response = client.post(url, data={**data, **extra})
    after, submitted = stored(app, response_id)
    if too_large(app, {**data, **extra}):
        assert response.status_code == 413 and after == baseline  # larger than any answer: refused whole
        return
    assert response.status_code in ((200, 409) if autosave else (200, 302)), response.status_code
    html = response.get_data(as_text=True)
    if response.status_code == 200 and not autosave:
        assert 'class="error-summary"' in html
        for key in rejected & shown:  # the summary names the question and links to it; the field is marked
            named = re.search(rf'<a href="#{key}">([^<]+)</a>: ([^<]+)</li>', html)
            assert named and named.group(1) == str(escape(LABELS.get(key, named.group(1)))), key
            assert f'id="{key}-error"' in html, key
            assert re.search(rf'(name="{key}"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*name="{key}")', html)
            assert re.search(rf'id="{key}"[^>]*class="field invalid"|aria-describedby="{key}-error"', html)
    elif data["instrument"] == "hostile" and data["action"] != "back" and not autosave:
        assert not rejected & shown, "a rejected answer was accepted"
    for key in rejected:
        assert after.get(key) == baseline.get(key) or (submitted and key not in after), (key, after)
    for key, value in after.items():
        assert acceptable(key, value), (key, value)
    assert client.get(base).status_code in (200, 302)


@settings(max_examples=250, **SETTINGS)
@given(post=hostile_posts(), autosave=st.booleans(), personal=st.booleans())
def test_answers_never_fail_rejected_ones_are_marked_and_nothing_is_lost(school, post, autosave, personal):
    app, clients, baseline = school
    base = sorted(clients)[int(personal)]  # "/o/…" sorts before "/s/…"
    check_post(app, base, *clients[base], *post, autosave, baseline)


CODE_FIELDS = ("guardian_letters", "own_letter", "birth_day", "birth_month")
code_rejected = {
    "guardian_letters": junk | st.sampled_from(["О", "ОЛЯ", "1 2", "\x00\x00"]),
    "own_letter": junk | st.sampled_from(["", "ол", "7"]),
    "birth_day": junk | st.sampled_from(["0", "32", "٣", "1e1", ""]),
    "birth_month": junk | st.sampled_from(["0", "13", "", "3.0"]),
}


@st.composite
def code_posts(draw) -> tuple[dict, set[str]]:
    rejected = set(draw(st.lists(st.sampled_from(CODE_FIELDS), max_size=2, unique=True)))
    data = {field: draw(code_rejected[field] if field in rejected else anything) for field in CODE_FIELDS}
    if draw(st.booleans()):  # sometimes a code that may well be right, apart from the rejected fields
        ok = {"guardian_letters": " оЛ ", "own_letter": "ё", "birth_day": "07", "birth_month": "12"}
        data.update({k: v for k, v in ok.items() if k not in rejected})
    return data, rejected


@settings(max_examples=100, **SETTINGS)
@given(post=code_posts(), token=text_values | huge.map(lambda t: t[:500]))
def test_open_link_codes_and_unknown_tokens_never_fail(school, post, token):
    app, clients, _ = school
    [base] = [b for b in clients if b.startswith("/o/")]
    client, extra, _ = clients[base]
    data, rejected = post
    response = client.post(f"{base}/code", data={**data, **extra})
    html = response.get_data(as_text=True)
    assert response.status_code in ((413,) if too_large(app, data) else (200, 302)), response.status_code
    if response.status_code == 200:
        marked = [f for f in CODE_FIELDS if f'id="{f}-error"' in html]
        assert marked and 'class="error-summary"' in html
        assert all(re.search(rf'aria-invalid="true"[^>]*name="{f}"|name="{f}"[^>]*aria-invalid', html) for f in marked)
        assert set(rejected) <= set(marked), (rejected, marked)
    elif response.status_code == 302:
        assert not rejected and client.get(response.headers["Location"]).status_code == 200
    visitor = app.test_client()
    visitor.environ_base["REMOTE_ADDR"] = "10.9.8.7"  # its refusals must not hold up the participants' address
    for url in (f"/s/{token}", f"/o/{token}", f"/o/{token}/code"):
        assert visitor.get(url).status_code in (404, 308, 429), url
    for url in (f"/s/{token}/autosave", f"/o/{token}/survey", f"/s/{token}/consent"):
        assert visitor.post(url, data=data).status_code in (400, 404, 405, 308, 413, 429), url


def test_regression_hostile_numbers_and_blank_choices_are_refused_with_a_message(school):
    """Concrete examples the properties found: sNaN was a 500; NaN and Infinity were stored; a blank first
    checkbox value let an unknown value through (and was stored as null); spaces passed as an answer to a
    required question, and were stored as the answer to an optional choice."""
    app, clients, baseline = school
    cases = [
        ({"page": "two", "ratio": "sNaN"}, {"ratio"}),
        ({"page": "two", "weight": "Infinity", "ratio": "NaN"}, {"weight", "ratio"}),
        ({"page": "two", "interests": ["", "#"]}, {"interests"}),
        ({"page": "one", "nick": "   ", "mood_calm": " "}, {"nick", "mood_calm"}),
        ({"page": "one", "grade": "  "}, set()),  # was stored as the text "  "; now no answer
    ]
    for base in clients:
        for data, rejected in cases:
            post = {**VALID[data["page"]], **data, "instrument": "hostile", "action": "next"}
            for autosave in (False, True):
                check_post(app, base, *clients[base], post, rejected, autosave, baseline)
