"""Storage models. Names of people live in PersonalData, apart from answers."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from flask_login import UserMixin
from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db

ROLES = ("mentor", "mentee", "curator", "teacher", "parent", "employer", "other")
STAFF_ROLES = ("admin", "curator", "psychologist", "viewer")
PAIR_ROLES = ("mentor", "mentee")  # the two sides of a form of mentoring
WAVE_KINDS = ("input", "intermediate", "output")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


# Crockford's base32: digits and lower-case letters without i, l, o and u, so a link typed
# from paper survives the usual misreadings (see normalise_token).
TOKEN_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
TOKEN_LENGTH = 26  # 26 symbols x 5 bits = 130 random bits
CONSENT_MODES = ("self", "assent", "guardian")


def normalise_token(token: str) -> str:
    """Undo what people do to a typed link: case, dashes and spaces, and o/i/l for 0/1."""
    cleaned = "".join(token.split()).replace("-", "").lower()
    return cleaned.translate(str.maketrans({"o": "0", "i": "1", "l": "1"}))


def hash_token(token: str) -> str:
    """Link tokens are stored only as this hash; the database never holds a usable link."""
    return hashlib.sha256(normalise_token(token).encode()).hexdigest()


def new_token() -> str:
    """A fresh link token of 130 random bits, in the typing-friendly alphabet."""
    return "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(TOKEN_LENGTH))


class Organisation(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class User(UserMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(300))
    is_admin: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # Named in every session cookie (see get_id) and replaced at sign-out and on a new password,
    # so that a copied cookie stops working then, although the cookie itself cannot be recalled.
    session_token: Mapped[str | None] = mapped_column(String(64))
    memberships: Mapped[list[Membership]] = relationship(back_populates="user")

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method="scrypt")
        self.new_session()

    def new_session(self) -> None:
        """End every session signed in so far: their cookies name the old token."""
        self.session_token = secrets.token_urlsafe(32)

    def get_id(self) -> str:
        """What Flask-Login keeps in the session cookie: the user's id and current session token."""
        return f"{self.id}:{self.session_token}"

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)


class Membership(db.Model):
    __table_args__ = (UniqueConstraint("user_id", "organisation_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    role: Mapped[str] = mapped_column(String(20))
    user: Mapped[User] = relationship(back_populates="memberships")
    organisation: Mapped[Organisation] = relationship()


class Programme(db.Model):
    """A mentoring cycle of an organisation, e.g. 2025/26."""

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # Set when the cycle is over: the programme and its campaigns are read-only and out of the way, and
    # the retention period for its people's personal data (SURVEYS_RETENTION_DAYS) counts from here.
    archived_at: Mapped[dt.datetime | None] = mapped_column()
    # The programme this one was carried over from (the previous cycle), if any.
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("programme.id"))
    forms: Mapped[list[MentoringForm]] = relationship(
        back_populates="programme", order_by="MentoringForm.position", cascade="all, delete-orphan"
    )


class MentoringForm(db.Model):
    """A form of mentoring in a programme (ученик–ученик, …) with its pair variants (labels, not numbers)."""

    __table_args__ = (UniqueConstraint("programme_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    variants: Mapped[list[str]] = mapped_column(JSON, default=list)
    position: Mapped[int] = mapped_column(default=0)
    programme: Mapped[Programme] = relationship(back_populates="forms")


class Enrolment(db.Model):
    """A participant's place in one programme: their role, form and group in that cycle.

    The same person (one code) can be a mentee in one cycle and a mentor in the next.
    """

    __table_args__ = (UniqueConstraint("participant_id", "programme_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id"), index=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    form: Mapped[str] = mapped_column(String(100), default="")
    group_name: Mapped[str] = mapped_column(String(100), default="")


class Pair(db.Model):
    """A mentor with one or many mentees in a programme, in a form of mentoring and a variant."""

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id"), index=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("participant.id"), index=True)
    form: Mapped[str] = mapped_column(String(100), default="")
    variant: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    mentor: Mapped[Participant] = relationship(foreign_keys=[mentor_id])
    mentees: Mapped[list[PairMentee]] = relationship(back_populates="pair", cascade="all, delete-orphan")

    def add_mentee(self, participant_id: int) -> PairMentee:
        """Add a mentee, with the pair's programme and mentor repeated for the unique constraint."""
        mentee = PairMentee(participant_id=participant_id, programme_id=self.programme_id, mentor_id=self.mentor_id)
        self.mentees.append(mentee)
        return mentee


class PairMentee(db.Model):
    """A mentee of a pair. ``programme_id`` and ``mentor_id`` repeat the pair's, so that the database
    itself holds one pair per mentor and mentee in a programme (a group pair has several mentees);
    set them with :meth:`Pair.add_mentee`."""

    __table_args__ = (
        UniqueConstraint("pair_id", "participant_id"),
        UniqueConstraint("programme_id", "mentor_id", "participant_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("pair.id"), index=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id"), index=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id"))
    mentor_id: Mapped[int] = mapped_column(ForeignKey("participant.id"))
    pair: Mapped[Pair] = relationship(back_populates="mentees")
    participant: Mapped[Participant] = relationship(foreign_keys=[participant_id])


@event.listens_for(Session, "before_flush")
def _repeat_pair_on_mentees(session: Session, _context: Any, _instances: Any) -> None:
    """Keep each mentee row's copy of its pair's programme and mentor (see PairMentee) in step, however
    the pair or mentee was made or changed (a new pair, a merge of two codes that moves a pair)."""
    for row in (*session.new, *session.dirty):
        mentees = row.mentees if isinstance(row, Pair) else [row] if isinstance(row, PairMentee) else []
        for mentee in mentees:
            pair = mentee.pair
            if pair is not None:
                mentee.programme_id, mentee.mentor_id = pair.programme_id, pair.mentor_id


class Participant(db.Model):
    """A person under a pseudonymous code that stays the same across waves and cycles.

    ``role``, ``form`` and ``group_name`` hold where the person stands now; an Enrolment in a
    programme overrides them for that programme's campaigns.
    """

    __table_args__ = (UniqueConstraint("organisation_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    programme_id: Mapped[int | None] = mapped_column(ForeignKey("programme.id"))
    code: Mapped[str] = mapped_column(String(40))
    role: Mapped[str] = mapped_column(String(20))
    form: Mapped[str] = mapped_column(String(100), default="")
    group_name: Mapped[str] = mapped_column(String(100), default="")
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Set for people who joined by an open link: the keyed hash of the code they made up.
    pseudonym_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # Set when the retention rule removed the person's personal data (``surveys retention run``).
    anonymised_at: Mapped[dt.datetime | None] = mapped_column()


class PersonalData(db.Model):
    """Names and other identifying fields, kept apart from answers and never exported by default."""

    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id"), primary_key=True)
    full_name: Mapped[str] = mapped_column(String(300), default="")
    birth_year: Mapped[int | None] = mapped_column()
    sex: Mapped[str] = mapped_column(String(1), default="")  # "f", "m" or "" (for norms only)


class Campaign(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    programme_id: Mapped[int | None] = mapped_column(ForeignKey("programme.id"))
    name: Mapped[str] = mapped_column(String(200))
    # How participants agree: their own consent, a minor's own assent, or a guardian's
    # consent recorded by the curator first (then the minor's assent).
    consent_mode: Mapped[str] = mapped_column(String(20), default="self")
    # Texts of the information page by section; an empty section shows the built-in text.
    consent_texts: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    allow_editing: Mapped[bool] = mapped_column(default=False)
    # Whom a participant can turn to after a questionnaire with a clinical cut-off (e.g. the school
    # psychologist's room and hours); shown on the done page, never a score.
    support_contact: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    archived_at: Mapped[dt.datetime | None] = mapped_column()  # read-only and out of the way when set
    assignments: Mapped[list[Assignment]] = relationship(
        back_populates="campaign", order_by="Assignment.position", cascade="all, delete-orphan"
    )
    waves: Mapped[list[Wave]] = relationship(
        back_populates="campaign", order_by="Wave.position", cascade="all, delete-orphan"
    )


class Assignment(db.Model):
    """One instrument in a campaign, for an audience of participant roles and forms of mentoring."""

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), index=True)
    instrument_id: Mapped[str] = mapped_column(String(100))
    audience: Mapped[list[str]] = mapped_column(JSON, default=list)
    wave_kinds: Mapped[list[str]] = mapped_column(JSON, default=list)  # empty: every wave
    forms: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")  # empty: every form
    position: Mapped[int] = mapped_column(default=0)
    # When the questionnaire joined a campaign that already had a wave open (None: from the start):
    # in such a wave, those who had finished before this moment are not asked for it.
    added_at: Mapped[dt.datetime | None] = mapped_column()
    # When it was removed although it had answers: hidden from new participants, kept for analysis.
    retired_at: Mapped[dt.datetime | None] = mapped_column()
    campaign: Mapped[Campaign] = relationship(back_populates="assignments")

    def applies(self, role: str, wave_kind: str, form: str | None = None) -> bool:
        """Whether a participant in ``role`` (and, when given, ``form`` of mentoring) gets this
        instrument in a wave of ``wave_kind``."""
        if self.audience and role not in self.audience:
            return False
        if self.wave_kinds and wave_kind not in self.wave_kinds:
            return False
        # Forms of mentoring name a mentor's and a mentee's side: other roles are not limited by
        # them, and a mentor or mentee with no form recorded gets no form-limited questionnaire.
        if form is None or not self.forms or role not in PAIR_ROLES:
            return True
        return form in self.forms


class Wave(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(default=0)
    closed: Mapped[bool] = mapped_column(default=False)
    opens_at: Mapped[dt.datetime | None] = mapped_column()  # UTC; None: open from creation
    closes_at: Mapped[dt.datetime | None] = mapped_column()  # UTC; None: until closed by hand
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    campaign: Mapped[Campaign] = relationship(back_populates="waves")

    def state(self, now: dt.datetime | None = None) -> str:
        """``not_open``, ``open`` or ``closed`` at ``now`` (UTC)."""
        now = now or utcnow()
        if self.closed or (self.closes_at is not None and now >= self.closes_at):
            return "closed"
        if self.opens_at is not None and now < self.opens_at:
            return "not_open"
        return "open"


class OpenLink(db.Model):
    """One link for a whole wave and role: people join it with a pseudonymous code."""

    id: Mapped[int] = mapped_column(primary_key=True)
    wave_id: Mapped[int] = mapped_column(ForeignKey("wave.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    declines: Mapped[int] = mapped_column(default=0)  # the only trace of a decline on an open link
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column()
    wave: Mapped[Wave] = relationship()

    def issue_token(self) -> str:
        token = new_token()
        self.token_hash = hash_token(token)
        self.revoked_at = None
        return token


class GuardianConsent(db.Model):
    """A parent's or guardian's consent for a minor, recorded by the curator for a campaign."""

    __table_args__ = (UniqueConstraint("campaign_id", "participant_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), index=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id"), index=True)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Invitation(db.Model):
    """A participant's personal link to a wave; only the token's hash is stored."""

    __table_args__ = (UniqueConstraint("wave_id", "participant_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    wave_id: Mapped[int] = mapped_column(ForeignKey("wave.id"), index=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column()
    consented_at: Mapped[dt.datetime | None] = mapped_column()
    declined_at: Mapped[dt.datetime | None] = mapped_column()
    wave: Mapped[Wave] = relationship()
    participant: Mapped[Participant] = relationship()
    # The participant's responses in this wave, whichever way they came (read only: the
    # participant path reads them with the invitation, in one statement).
    responses: Mapped[list[Response]] = relationship(
        primaryjoin="and_(Invitation.wave_id == foreign(Response.wave_id), "
        "Invitation.participant_id == foreign(Response.participant_id))",
        viewonly=True,
    )

    def issue_token(self) -> str:
        """Set a new token and return it: the only moment the link exists in clear."""
        token = new_token()
        self.token_hash = hash_token(token)
        self.revoked_at = None
        return token


class Response(db.Model):
    __table_args__ = (UniqueConstraint("wave_id", "participant_id", "instrument_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    wave_id: Mapped[int] = mapped_column(ForeignKey("wave.id"), index=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id"), index=True)
    invitation_id: Mapped[int | None] = mapped_column(ForeignKey("invitation.id"))
    instrument_id: Mapped[str] = mapped_column(String(100))
    instrument_version: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), default="in_progress")
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    page_index: Mapped[int] = mapped_column(default=0)
    source: Mapped[str] = mapped_column(String(20), default="link")
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[dt.datetime | None] = mapped_column()
    # While a participant edits a submitted response (if the campaign allows it), the
    # changes collect here; the submitted answers and scores stay as they were until
    # the edit is submitted.
    editing: Mapped[bool] = mapped_column(default=False)
    draft: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    draft_page_index: Mapped[int] = mapped_column(default=0)
    edited_at: Mapped[dt.datetime | None] = mapped_column()
    scores: Mapped[list[Score]] = relationship(back_populates="response", cascade="all, delete-orphan")


class Score(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("response.id"), index=True)
    scale: Mapped[str] = mapped_column(String(100))
    raw: Mapped[float | None] = mapped_column()
    value: Mapped[float | None] = mapped_column()
    band: Mapped[str | None] = mapped_column(String(100))
    n_answered: Mapped[int] = mapped_column(default=0)
    missing_reason: Mapped[str | None] = mapped_column(Text)
    norm: Mapped[float | None] = mapped_column()  # the score in the norm table's units, when one applies
    norm_kind: Mapped[str | None] = mapped_column(String(20))  # sten, stanine, t or percentile
    scored_by: Mapped[str] = mapped_column(String(100), default="")
    scoring_version: Mapped[str] = mapped_column(String(40), default="")
    response: Mapped[Response] = relationship(back_populates="scores")
