"""The programme's own questionnaires (instruments/) and the satisfaction plugin, end to end.

- every verbatim item is present with the exact text of the programme documents, and the file
  cites the seed file and line in a comment above it (checked against the seeds when they are
  available, in ../shared/seeds beside the repository);
- `surveys instrument check` accepts every bundled file;
- the satisfaction plugin registers its questionnaires and its analysis, and the campaign
  workbook gets the expected-vs-real sheet, computed by hand.
"""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest

from surveys.core.loader import load_instrument
from surveys.core.question_types import built_in_types
from surveys.extensions import db

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT.parent / "shared" / "seeds"
S002, S004 = "seeds/002_e953a9b7661cf2e7.txt", "seeds/004_b95d848bba63bb56.txt"
INSTRUMENTS = sorted((ROOT / "instruments").glob("*.yaml"))
SATISFACTION = sorted((ROOT / "plugins" / "satisfaction").glob("*.yaml"))

# (instrument, question, exact Russian text, seed file, line)
VERBATIM = [
    ("first_meeting_mentor", "fmr_who", "Кто я, чем занимаюсь?", S004, 463),
    ("first_meeting_mentor", "fmr_why", "Почему я хочу быть наставником?", S004, 464),
    ("first_meeting_mentor", "fmr_experience", "Мой опыт.", S004, 465),
    ("first_meeting_mentor", "fmr_share", "Чем я могу и хочу поделиться с наставляемым?", S004, 466),
    ("first_meeting_mentor", "fmr_want_to_see", "Что мне важно увидеть в наставляемом?", S004, 467),
    ("first_meeting_mentee", "fme_who", "Кто я, чем занимаюсь?", S004, 470),
    ("first_meeting_mentee", "fme_why", "Почему мне хочется принять участие в программе?", S004, 471),
    ("first_meeting_mentee", "fme_issues", "Над какими вопросами/проблемами я хотел бы поработать?", S004, 472),
    ("first_meeting_mentee", "fme_want_to_see", "Что мне важно увидеть в наставнике?", S004, 473),
    ("meeting_diary", "diary_goal", "Приблизились ли мы сегодня к цели?", S004, 507),
    ("meeting_diary", "diary_went_well", "Что сегодня получилось хорошо?", S004, 508),
    ("meeting_diary", "diary_change", "Что стоит изменить в следующий раз?", S004, 509),
    ("meeting_diary", "diary_feeling", "Как я сейчас себя чувствую?", S004, 510),
    ("meeting_diary", "diary_next", "Что нужно сделать к следующей встрече?", S004, 511),
    ("final_meeting", "final_valuable", "Что самого ценного было в вашем взаимодействии?", S004, 518),
    ("final_meeting", "final_results", "Каких результатов вы достигли?", S004, 518),
    ("final_meeting", "final_learned", "Чему вы научились друг у друга?", S004, 519),
    ("final_meeting", "final_goal", "Оцените по десятибалльной шкале, насколько вы приблизились к цели", S004, 520),
    ("final_meeting", "final_changed", "Как вы изменились?", S004, 520),
    ("final_meeting", "final_about_self", "Что вы поняли про себя в процессе общения?", S004, 521),
    ("final_meeting", "final_memorable", "Чем запомнилось взаимодействие?", S004, 521),
    ("final_meeting", "final_continue", "Есть ли необходимость продолжать работу вместе?", S004, 522),
    (
        "final_meeting",
        "final_become_mentor",
        "Хотели бы вы стать наставником/продолжить работу в роли наставника?",
        S004,
        523,
    ),
    ("mentee_request", "req_issues", "Над какими вопросами/проблемами я хотел бы поработать?", S004, 472),
    ("mentee_request", "req_why", "Почему мне хочется принять участие в программе?", S004, 471),
    ("mentee_request", "req_wish", "Что я хочу, чтобы у меня было?", S004, 495),
    ("mentee_request", "req_want_to_see", "Что мне важно увидеть в наставнике?", S004, 473),
    ("mentor_candidate", "cand_useful", "Чем я могу быть полезен в качестве наставника?", S002, 10),
    ("mentor_candidate", "cand_why", "Почему я хочу быть наставником?", S004, 464),
]
IDS = [f"{instrument}.{question}" for instrument, question, *_ in VERBATIM]


@pytest.fixture(scope="module")
def loaded():
    return {p.stem: load_instrument(p, built_in_types()) for p in INSTRUMENTS}


def test_the_programme_questionnaires_are_bundled(loaded):
    assert set(loaded) == {
        "first_meeting_mentor",
        "first_meeting_mentee",
        "meeting_diary",
        "final_meeting",
        "mentee_request",
        "mentor_candidate",
        "quality_mentor",
        "quality_mentee",
        "curator_conditions",
    }
    assert all(instrument.id == stem for stem, instrument in loaded.items())


@pytest.mark.parametrize(("instrument", "question", "text", "seed", "line"), VERBATIM, ids=IDS)
def test_verbatim_item_has_the_exact_text(loaded, instrument, question, text, seed, line):
    assert loaded[instrument].question(question).text.ru == text


@pytest.mark.parametrize(("instrument", "question", "text", "seed", "line"), VERBATIM, ids=IDS)
def test_verbatim_item_cites_its_seed_line_in_a_comment(instrument, question, text, seed, line):
    lines = (ROOT / "instruments" / f"{instrument}.yaml").read_text(encoding="utf-8").splitlines()
    at = next(n for n, row in enumerate(lines) if row.strip() == f"- id: {question}")
    comments = []
    while at > 0 and lines[at - 1].strip().startswith("#"):
        at -= 1
        comments.append(lines[at])
    assert any(f"verbatim, {seed}:L{line}" in comment for comment in comments), comments


@pytest.mark.parametrize(("instrument", "question", "text", "seed", "line"), VERBATIM, ids=IDS)
def test_verbatim_item_is_on_the_cited_seed_line(instrument, question, text, seed, line):
    path = SEEDS / Path(seed).name
    if not path.exists():
        pytest.skip(f"{path} is not available here")
    assert text in path.read_text(encoding="utf-8").splitlines()[line - 1]


def test_final_meeting_goal_is_a_required_one_to_ten_rating(loaded):
    final = loaded["final_meeting"]
    goal = final.question("final_goal")
    assert goal.type == "rating" and goal.required and final.item_ranges["final_goal"] == (1, 10)
    assert final.scale("goal_progress").items == ("final_goal",)
    assert all(q.required for q in final.questions())


def test_required_flags_follow_the_documents(loaded):
    # «Обязательные пункты» (004:L469) for the mentee, «Рекомендуемые пункты» (004:L462) for the mentor.
    assert all(q.required for q in loaded["first_meeting_mentee"].questions())
    assert not any(q.required for q in loaded["first_meeting_mentor"].questions())
    # The diary's reflection questions are optional («могут ответить», 004:L506); date and goal are not.
    diary = {q.id: q for q in loaded["meeting_diary"].questions()}
    assert [k for k, q in diary.items() if q.required] == ["diary_date", "diary_goal"]
    assert [c["value"] for c in diary["diary_goal"].options["choices"]] == ["yes", "partly", "no"]


def test_request_and_candidate_questionnaires(loaded):
    request, candidate = loaded["mentee_request"], loaded["mentor_candidate"]
    assert request.audience == ("mentee",) and candidate.audience == ("mentor",)
    assert request.question("req_areas").type == "multiple_choice"
    assert request.question("req_areas").options["max_selected"] == 3
    assert {q.id for q in request.questions() if q.required} == {"req_areas", "req_issues", "req_frequency"}
    assert {q.id for q in candidate.questions() if q.required} == {
        "cand_who",
        "cand_useful",
        "cand_why",
        "cand_age",
        "cand_hours",
        "cand_frequency",
    }
    assert candidate.question("cand_hours").type == "number"
    for instrument in (request, candidate):
        assert instrument.licence.bundle_texts and "programme documents" in instrument.licence.licence


def test_answers_sheet_names_stay_short_and_distinct(app):
    # The workbook names a sheet «Ответы — <title>» and cuts it at Excel's 31 characters; its key
    # "answers <instrument id>" (in the README and the JSON) is whole.
    from flask_babel import force_locale

    from surveys.core.export import sheet_names
    from surveys.core.export_labels import answers_sheet_name

    instruments = [load_instrument(p, built_in_types()) for p in [*INSTRUMENTS, *SATISFACTION]]
    for locale in ("ru", "en"):
        with app.test_request_context(), force_locale(locale):
            names = sheet_names(answers_sheet_name(i.title.get(locale)) for i in instruments)
        assert all(len(name) <= 31 for name in names) and len({n.lower() for n in names}) == len(names), names
        assert all(name.startswith("Ответы — " if locale == "ru" else "Answers — ") for name in names)
        # a long title is cut, and the name says so with «…»
        for instrument, name in zip(instruments, names, strict=True):
            title = instrument.title.get(locale)
            if len(answers_sheet_name(title)) <= 31:
                assert name.endswith(title), name
            else:
                kept = name.split(" — ", 1)[1].split("…")[0]
                assert name.endswith(("…", ")")) and "…" in name and title.startswith(kept), name


def test_instrument_check_accepts_every_bundled_file(runner):
    files = [*INSTRUMENTS, *SATISFACTION]
    result = runner.invoke(args=["instrument", "check", *map(str, files)])
    assert result.exit_code == 0, result.output
    assert result.output.count(": в порядке (") == len(files) == 13


def test_satisfaction_plugin_registers_its_questionnaires_and_analysis(app):
    registry = app.extensions["surveys"].registry
    owners = registry.instrument_owner
    for role in ("mentee", "mentor"):
        assert owners[f"satisfaction_{role}"] == owners[f"satisfaction_exp_{role}"] == "satisfaction"
    assert "satisfaction" not in registry.instruments
    assert owners["mentee_request"] == owners["mentor_candidate"] == "core"
    analysis = registry.analyses["satisfaction_gap"]
    assert analysis.applies_to == "wave_pair"


def _submit(app, invitation, instrument_id, answers):
    from surveys.participation.responses import start_response, submit

    instrument = app.extensions["surveys"].instrument(instrument_id)
    response = start_response(invitation, instrument)
    response.answers = answers
    db.session.commit()
    submit(response, instrument)


def test_workbook_has_the_expected_vs_real_sheet(app):
    from surveys.core.models import Campaign, Invitation, Organisation, Participant
    from surveys.exports.files import campaign_workbook
    from surveys.workspace.campaigns import add_wave, create_campaign

    items = ["sat_comfort", "sat_individual", "sat_group", "sat_support", "sat_goals", "sat_organisation"]
    ids = ["satisfaction_exp_mentee", "satisfaction_mentee"]
    with app.test_request_context():
        organisation = Organisation(name="Школа")
        db.session.add(organisation)
        db.session.commit()
        campaign = create_campaign(organisation, "Мониторинг", ids, "Вход")
        output = add_wave(campaign, "output", "Выход")
        first = campaign.waves[0]
        for n, comfort in enumerate([6, 7, 8, 9, 10]):
            participant = Participant(organisation_id=organisation.id, code=f"M{n}", role="mentee", tags=[])
            db.session.add(participant)
            db.session.commit()
            invitations = [Invitation(wave_id=w.id, participant_id=participant.id) for w in (first, output)]
            for invitation in invitations:
                invitation.issue_token()
            db.session.add_all(invitations)
            db.session.commit()
            expected = dict.fromkeys(items, 5) | {"sat_comfort": comfort}
            _submit(app, invitations[0], ids[0], expected)
            _submit(app, invitations[1], ids[1], dict.fromkeys(items, 6) | {"sat_comfort": 9, "sat_continue": True})
        data = campaign_workbook(db.session.get(Campaign, campaign.id))
    rows = list(openpyxl.load_workbook(io.BytesIO(data))["Ожидания и реальность"].iter_rows(values_only=True))
    assert rows[0][:3] == ("Роль", "Пункт", "id пункта") and rows[0][5] == "n"
    by_item = {row[2]: (row[0], *row[2:]) for row in rows[1:]}
    assert list(by_item) == [*items, "index"]
    comfort = next(row[1] for row in rows[1:] if row[2] == "sat_comfort")
    assert comfort.startswith("Насколько")  # the item's text, its id beside it
    # sat_comfort: expected (6 + 7 + 8 + 9 + 10) / 5 = 8, real 9 for everyone: gap 1.
    assert by_item["sat_comfort"] == ("Наставляемый", "sat_comfort", "Вход", "Выход", 5, 8, 9, 1)
    assert by_item["sat_goals"] == ("Наставляемый", "sat_goals", "Вход", "Выход", 5, 5, 6, 1)
    # The indices, scored on submit: expected (comfort + 5 × 5) / 6 → mean (8 + 25) / 6 = 5.5;
    # real (9 + 5 × 6) / 6 = 6.5; gap 1.
    role, item, _before, _after, n, mean_expected, mean_real, mean_gap = by_item["index"]
    assert (role, n) == ("Наставляемый", 5)
    assert (mean_expected, mean_real, mean_gap) == (pytest.approx(5.5), pytest.approx(6.5), pytest.approx(1))
