"""``surveys demo``: a demo school with a programme, participants and two waves.

The input wave is fully answered; the output wave is open and some participants have
not answered yet, so every screen has data from the first start. Running it again
keeps the data, resets the password and prints a fresh link.
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
from dataclasses import dataclass
from typing import Any

from flask import current_app, url_for

from surveys.participation import generate_links, store_scores, visible_answers
from surveys.reporting import set_value
from surveys.workspace import (
    add_wave,
    create_campaign,
    create_programme,
    default_consent_mode,
    enrol,
    known_adult,
    offered,
    variants_of,
)

from .core.definitions import Instrument
from .core.mentoring_forms import is_pupil
from .core.models import (
    Campaign,
    GuardianConsent,
    Invitation,
    Membership,
    Organisation,
    Pair,
    PairMentee,
    Participant,
    Programme,
    Response,
    User,
    utcnow,
)
from .core.report_models import Indicator
from .extensions import db
from .state import get_state

ORGANISATION = "Демо-школа № 1"
EMAIL = "curator@demo.school"
# (form of mentoring, mentor groups, mentees per mentor, mentor group label, mentee group label)
FORMS = (
    ("ученик–ученик", 12, 1, "10А", "8Б"),
    ("учитель–учитель", 8, 1, "педагоги", "молодые педагоги"),
    ("учитель–ученик", 6, 2, "педагоги", "7В"),
)
# Who answers what, where it differs from the instrument's own audience: (roles, forms of mentoring;
# None keeps the campaign's default). Burnout is asked of adult mentors only (учитель–учитель,
# учитель–ученик): there is no pupil version, so ученик–ученик mentors get none.
# Whom a participant can turn to after a questionnaire with a clinical cut-off (shown, never a score).
SUPPORT_CONTACT = (
    "Педагог-психолог Ольга Николаевна Миронова: кабинет 214, понедельник–пятница с 9:00 до 15:00.\n"
    "Можно прийти без записи или написать ей в школьном мессенджере."
)
AUDIENCES = {
    "gad7": (["mentee"], None),
    "cbi": (["mentor"], [f for f, *_rest in FORMS if is_pupil(f, "mentor") is False]),
}
INSTRUMENTS = (
    "gad7",
    "cbi",
    "satisfaction_exp_mentee",
    "satisfaction_exp_mentor",
    "satisfaction_mentee",
    "satisfaction_mentor",
    "programme_feedback",
    "quality_mentor",
    "quality_mentee",
    "curator_conditions",
)
# Open answers for the stage-1 questionnaires, by SWOT quadrant; repeated wordings show how
# the SWOT draft collapses near-duplicates.
OPEN_ANSWERS = {
    "S": ["Поддержка наставника", "поддержка наставника!", "Регулярные встречи", "Новые друзья и уверенность"],
    "W": ["Не хватало времени на встречи", "Мало времени на встречи", "Неудобное расписание"],
    "O": ["Больше совместных проектов", "Выезды и экскурсии", "Встречи с выпускниками"],
    "T": ["Перегрузка перед экзаменами", "Перегрузка перед экзаменами.", "Болезни и пропуски"],
}
OUTPUT_ANSWER_RATE = 0.75
# Indicators that do not come from surveys: (name, unit, target, higher is better, monthly values from September).
INDICATORS = (
    ("Посещаемость кружков и секций", "%", 80.0, True, (62, 66, 71, 70, 74, 77, 79, 82, 81)),
    ("Реализованные проекты пар", "шт.", 12.0, True, (0, 1, 2, 4, 5, 7, 8, 10, 13)),
    ("Жалобы родителей", "шт.", 2.0, False, (5, 4, 4, 3, 3, 2, 2, 1, 1)),
)


@dataclass(frozen=True)
class DemoResult:
    email: str
    password: str
    link: str
    base_url: str


def _participants(organisation: Organisation, programme: Programme) -> list[Participant]:
    """The demo people, enrolled in the programme, and the pairs (one mentor, one or two mentees)."""
    people = [Participant(code="D-000", role="curator", form="", group_name="")]
    teams: list[tuple[Participant, list[Participant], str]] = []
    number = 1
    for form, mentors, per_mentor, mentor_group, mentee_group in FORMS:
        variants = variants_of(programme, form)
        for index in range(mentors):
            mentor = Participant(code=f"D-{number:03d}", role="mentor", form=form, group_name=mentor_group)
            people.append(mentor)
            number += 1
            mentees = []
            for _ in range(per_mentor):
                mentees.append(Participant(code=f"D-{number:03d}", role="mentee", form=form, group_name=mentee_group))
                number += 1
            people.extend(mentees)
            teams.append((mentor, mentees, variants[index % len(variants)] if variants else ""))
    for person in people:
        person.organisation_id = organisation.id
        person.programme_id = programme.id
        person.tags = []
    db.session.add_all(people)
    db.session.flush()
    for person in people:
        enrol(person, programme.id, person.role, person.form, person.group_name)
    for mentor, mentees, variant in teams[:-2]:  # the last two mentors are not paired yet
        pair = Pair(programme_id=programme.id, mentor_id=mentor.id, form=mentor.form, variant=variant)
        pair.mentees = [PairMentee(participant_id=m.id) for m in mentees]
        db.session.add(pair)
    db.session.commit()
    return people


def fake_answers(instrument: Instrument, rng: random.Random, level: float) -> dict[str, Any]:
    """Plausible answers: scoreable items near ``level`` (0..1) of their range, reverse items mirrored."""
    registry = get_state().registry
    reverse = {item for scale in instrument.scales for item in scale.reverse}
    open_quadrants = (instrument.extensions.get("swot") or {}).get("open") or {}
    answers: dict[str, Any] = {}
    for question in instrument.questions():
        ranges = registry.question_types[question.type].item_ranges(question)
        for key, (low, high) in ranges.items():
            target = 1 - level if key in reverse else level
            values = sorted(_item_values(question) or range(int(low), int(high) + 1))
            position = min(max(rng.gauss(target, 0.18), 0), 1)
            answers[key] = values[round(position * (len(values) - 1))]
        if question.type == "single_choice":
            answers[question.id] = rng.choice(question.options["choices"])["value"]
        elif question.type == "multiple_choice":
            choices = [c["value"] for c in question.options["choices"]]
            answers[question.id] = rng.sample(choices, k=rng.randint(1, min(2, len(choices))))
        elif question.type == "yes_no":
            answers[question.id] = rng.random() < 0.8
        elif question.type == "text" and question.id in open_quadrants and rng.random() < 0.7:
            bank = OPEN_ANSWERS.get(str(open_quadrants[question.id]).upper())
            if bank:
                answers[question.id] = rng.choice(bank)
    return visible_answers(instrument, answers)


def _item_values(question) -> list:
    choices = question.options.get("choices") or []
    return [c["value"] for c in choices]


def _answer_wave(wave, people, rng, levels, shift, rate) -> None:
    """Store submitted responses for a share (``rate``) of ``people``."""
    state = get_state()
    for person in people:
        if rng.random() > rate:
            continue
        invitation = db.session.execute(
            db.select(Invitation).filter_by(wave_id=wave.id, participant_id=person.id)
        ).scalar_one()
        invitation.consented_at = utcnow()
        for assignment in wave.campaign.assignments:
            if not offered(assignment, person.role, wave.kind, person.form):  # as their links do
                continue
            instrument = state.instrument(assignment.instrument_id)
            # The programme helps: problem scales go down, "higher is better" scales go up.
            better = any(scale.higher_is == "better" for scale in instrument.scales)
            level = min(max(levels[person.id] + (-shift if better else shift), 0.02), 0.98)
            response = Response(
                wave_id=wave.id,
                participant_id=person.id,
                invitation_id=invitation.id,
                instrument_id=instrument.id,
                instrument_version=instrument.version,
                answers=fake_answers(instrument, rng, level),
                status="submitted",
                page_index=len(instrument.pages) - 1,
                submitted_at=utcnow(),
            )
            db.session.add(response)
            store_scores(response, instrument)
    db.session.commit()


def _indicators(organisation: Organisation, programme: Programme) -> None:
    """The programme's indicators, month by month from September 2025 to May 2026."""
    for position, (name, unit, target, higher, values) in enumerate(INDICATORS):
        indicator = Indicator(
            organisation_id=organisation.id,
            programme_id=programme.id,
            name=name,
            unit=unit,
            target=target,
            higher_is_better=higher,
            position=position,
        )
        db.session.add(indicator)
        db.session.flush()
        for month, value in enumerate(values):
            year, number = 2025 + (8 + month) // 12, (8 + month) % 12 + 1
            set_value(indicator, dt.date(year, number, 1), float(value))
    db.session.commit()


def _user(password: str, organisation: Organisation) -> User:
    user = db.session.execute(db.select(User).filter_by(email=EMAIL)).scalar_one_or_none()
    if user is None:
        user = User(email=EMAIL, name="Куратор (демо)")
        db.session.add(user)
    user.set_password(password)
    db.session.flush()
    if not db.session.execute(db.select(Membership).filter_by(user_id=user.id)).first():
        db.session.add(Membership(user_id=user.id, organisation_id=organisation.id, role="curator"))
    db.session.commit()
    return user


def _link(token: str) -> str:
    base = current_app.config["SURVEYS_BASE_URL"].rstrip("/")
    with current_app.test_request_context():
        return base + url_for("participant.take", token=token)


def build_demo(seed: int = 2025) -> DemoResult:
    """Build the demo school once; later runs reuse it and issue a fresh link."""
    rng = random.Random(seed)
    password = secrets.token_urlsafe(9)
    base = current_app.config["SURVEYS_BASE_URL"].rstrip("/")
    organisation = db.session.execute(db.select(Organisation).filter_by(name=ORGANISATION)).scalar_one_or_none()
    if organisation is not None:
        _user(password, organisation)
        return DemoResult(EMAIL, password, _link(_fresh_token(organisation)), base)

    organisation = Organisation(name=ORGANISATION)
    db.session.add(organisation)
    db.session.commit()
    programme = create_programme(organisation, "Наставничество 2025/26")
    _user(password, organisation)
    people = _participants(organisation, programme)
    instruments = [i for i in INSTRUMENTS if get_state().instrument(i)]
    campaign = create_campaign(
        organisation,
        "Мониторинг 2025/26: входной и выходной срез",
        instruments,
        "Входной срез (сентябрь)",
        programme.id,
    )
    campaign.consent_mode = default_consent_mode(campaign)  # the programme has pupils: guardians' consent
    campaign.support_contact = SUPPORT_CONTACT
    for assignment in campaign.assignments:
        roles, forms = AUDIENCES.get(assignment.instrument_id, (assignment.audience, None))
        assignment.audience = roles
        assignment.forms = assignment.forms if forms is None else forms
    db.session.commit()
    _indicators(organisation, programme)
    output = add_wave(campaign, "output", "Выходной срез (май)")
    respondents = [p for p in people if p.role != "curator"]
    levels = {p.id: rng.uniform(0.2, 0.7) for p in respondents}
    for wave in campaign.waves:
        generate_links(wave)
    _answer_wave(campaign.waves[0], respondents, rng, levels, shift=0.0, rate=1.0)
    _answer_wave(output, respondents, rng, levels, shift=-0.08, rate=OUTPUT_ANSWER_RATE)
    campaign.waves[0].closed = True
    db.session.commit()
    _guardian_consents(campaign, people, output)
    token = _fresh_token(organisation)
    return DemoResult(EMAIL, password, _link(token), base)


def _guardian_consents(campaign: Campaign, people: list[Participant], output) -> None:
    """The parents' consents the curator has recorded: every pupil's (adults consent for themselves) but
    two who have not answered the output wave yet (their parents withdrew it), so their links show the
    waiting page."""
    answered = set(db.session.execute(db.select(Response.participant_id).filter_by(wave_id=output.id)).scalars())
    pupils = [p for p in people if not known_adult(campaign, p)]
    waiting = [p.id for p in pupils if is_pupil(p.form, p.role) and p.id not in answered][-2:]
    for person in pupils:
        if person.id not in waiting:
            db.session.add(GuardianConsent(campaign_id=campaign.id, participant_id=person.id, recorded_at=utcnow()))
    db.session.commit()


def _fresh_token(organisation: Organisation) -> str:
    """A new link for the first participant (by code) of the open wave who has not answered yet and
    whose parents' consent is recorded, where the campaign needs it.

    Issuing it replaces that invitation's token, so a link printed by an earlier run stops working.
    """
    campaign = (
        db.session.execute(db.select(Campaign).filter_by(organisation_id=organisation.id).order_by(Campaign.id))
        .scalars()
        .first()
    )
    wave = [w for w in campaign.waves if not w.closed][-1]
    answered = set(db.session.execute(db.select(Response.participant_id).filter_by(wave_id=wave.id)).scalars())
    query = (
        db.select(Invitation)
        .join(Participant, Participant.id == Invitation.participant_id)
        .where(Invitation.wave_id == wave.id, Invitation.participant_id.not_in(answered))
        .order_by(Participant.code)
    )
    if campaign.consent_mode == "guardian":  # not someone whose parents' consent is missing
        consented = db.select(GuardianConsent.participant_id).filter_by(campaign_id=campaign.id)
        query = query.where(Invitation.participant_id.in_(consented))
    candidates = db.session.execute(query).scalars().all()
    # A pupil's link, where there is one: the demo shows what most participants see.
    invitation = next((i for i in candidates if not known_adult(campaign, i.participant)), candidates[0])
    token = invitation.issue_token()
    db.session.commit()
    return token
