"""Marshmallow schemas of the campaign bundle: one JSON file carrying a campaign (see docs/bundle.md).

The schemas check the shape of every field, both ways: :func:`surveys.transfer.bundle.export_bundle`
dumps through them and :func:`surveys.transfer.bundle.import_bundle` loads through them. Lengths follow
the database columns, so a bundle that loads here fits PostgreSQL as well as SQLite.
Cross-references (codes, wave names, instruments) are checked in :mod:`surveys.transfer.bundle`.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from surveys.core.models import CONSENT_MODES, ROLES, WAVE_KINDS
from surveys.core.validation_text import translate_default

FORMAT = "surveys-bundle"
FORMAT_VERSION = 1
STATUSES = ("in_progress", "submitted")
SEXES = ("f", "m", "")
ROOT = "bundle"  # the path printed for problems of the bundle as a whole


@dataclass(frozen=True, order=True)
class BundleProblem:
    """One problem in a bundle: where (``participants[12].role``) and what."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class UtcDateTime(fields.Field):
    """An ISO 8601 date and time, written in UTC with ``Z``; stored naive, in UTC, like the models.

    On reading, an offset is converted to UTC and a time without an offset is taken as UTC.
    """

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.isoformat() + "Z"

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise ValidationError(_("must be a date and time written as YYYY-MM-DDTHH:MM:SSZ"))
        try:
            parsed = dt.datetime.fromisoformat(value)
            if parsed.tzinfo is not None:
                parsed = parsed.astimezone(dt.UTC).replace(tzinfo=None)  # OverflowError near year 1 or 9999
        except (ValueError, OverflowError):
            raise ValidationError(_("must be a date and time written as YYYY-MM-DDTHH:MM:SSZ")) from None
        return parsed


class StrictBoolean(fields.Field):
    """``true`` or ``false`` only (marshmallow's Boolean also takes "yes", 1, …)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise ValidationError(_("must be true or false"))
        return value


MAX_INTEGER = 2**31 - 1  # the largest value of an integer column in PostgreSQL (the smallest: -2**31)


class StrictInteger(fields.Field):
    """A JSON integer (not a boolean, not a float, not a string of digits) that fits an integer column."""

    def __init__(self, minimum: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.minimum = minimum

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError(_("must be an integer"))
        low = -MAX_INTEGER - 1 if self.minimum is None else self.minimum
        if value < low:
            raise ValidationError(_("must be at least %(n)s", n=low))
        if value > MAX_INTEGER:
            raise ValidationError(_("must be at most %(n)s", n=MAX_INTEGER))
        return value


def _no_nul(value: str) -> None:
    if "\x00" in value:
        raise ValidationError(_("must not contain NUL characters (PostgreSQL cannot store them)"))


def _finite(value: Any) -> None:
    """Answers are JSON: NaN and Infinity, which Python's json module reads, are not."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, float) and not math.isfinite(item):
            raise ValidationError(_("must not contain NaN or Infinity"))
        stack.extend(item.values() if isinstance(item, dict) else item if isinstance(item, list) else ())


def text(max_length: int, *, required: bool = True, empty: bool = True, **kwargs) -> fields.String:
    """A string field of at most ``max_length`` characters (the database column's length)."""
    length = validate.Length(min=0 if empty else 1, max=max_length)
    return fields.String(required=required, validate=[length, _no_nul], **kwargs)


class Strict(Schema):
    class Meta:
        unknown = RAISE


class CampaignSchema(Strict):
    name = text(200, empty=False)
    consent_mode = fields.String(required=True, validate=validate.OneOf(CONSENT_MODES))
    consent_texts = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    allow_editing = StrictBoolean(required=True)
    support_contact = text(1000, required=False, load_default="")  # bundles made before it import ""


class FormSchema(Strict):
    name = text(100, empty=False)
    variants = fields.List(text(200), required=True)


class ProgrammeSchema(Strict):
    name = text(200, empty=False)
    forms = fields.List(fields.Nested(FormSchema), required=True)


class InstrumentSchema(Strict):
    id = text(100, empty=False)
    version = text(40, allow_none=True)
    audience = fields.List(fields.String(validate=validate.OneOf(ROLES)), required=True)
    wave_kinds = fields.List(fields.String(validate=validate.OneOf(WAVE_KINDS)), load_default=list)
    forms = fields.List(text(100, empty=False), load_default=list)  # forms of mentoring; empty: every form
    position = StrictInteger(minimum=0, required=True)
    # Added to a campaign already under way / removed although it had answers (docs/workspace.md).
    added_at = UtcDateTime(load_default=None, allow_none=True)
    retired_at = UtcDateTime(load_default=None, allow_none=True)


HASH = re.compile(r"^[0-9a-f]{64}$")


class ParticipantSchema(Strict):
    code = text(40, empty=False)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    form = text(100)
    group = text(100)
    tags = fields.List(fields.String(), required=True)
    pseudonymous = StrictBoolean(required=True)
    pseudonym_hash = fields.String(
        required=True, allow_none=True, validate=validate.Regexp(HASH, error=_l("must be 64 lower-case hex digits"))
    )

    @validates_schema
    def _hash_matches_flag(self, data, **kwargs):
        if data.get("pseudonymous") and not data.get("pseudonym_hash"):
            raise ValidationError(_("a pseudonymous participant needs a pseudonym_hash"), "pseudonym_hash")
        if data.get("pseudonymous") is False and data.get("pseudonym_hash"):
            raise ValidationError(_("only a pseudonymous participant has a pseudonym_hash"), "pseudonym_hash")


class PersonalDataSchema(Strict):
    code = text(40, empty=False)
    full_name = text(300)
    birth_year = StrictInteger(required=True, allow_none=True)
    sex = fields.String(required=True, validate=validate.OneOf(SEXES))


class PairSchema(Strict):
    mentor = text(40, empty=False)
    mentees = fields.List(text(40, empty=False), required=True)
    form = text(100)
    variant = text(200)


class WaveSchema(Strict):
    name = text(200, empty=False)
    kind = fields.String(required=True, validate=validate.OneOf(WAVE_KINDS))
    position = StrictInteger(minimum=0, required=True)
    opens_at = UtcDateTime(required=True, allow_none=True)
    closes_at = UtcDateTime(required=True, allow_none=True)
    closed = StrictBoolean(required=True)

    @validates_schema
    def _ordered(self, data, **kwargs):
        opens, closes = data.get("opens_at"), data.get("closes_at")
        if opens is not None and closes is not None and closes <= opens:
            raise ValidationError(_("must be later than opens_at"), "closes_at")


class ResponseSchema(Strict):
    participant = text(40, empty=False)
    wave = text(200, empty=False)
    instrument = text(100, empty=False)
    instrument_version = text(40)
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    source = text(20, empty=False)
    answers = fields.Dict(keys=fields.String(), required=True, validate=_finite)
    page_index = StrictInteger(minimum=0, required=True)
    started_at = UtcDateTime(required=True)
    submitted_at = UtcDateTime(required=True, allow_none=True)
    edited_at = UtcDateTime(required=True, allow_none=True)

    @validates_schema
    def _dates_fit_status(self, data, **kwargs):
        submitted = data.get("status") == "submitted"
        if submitted and data.get("submitted_at") is None and "submitted_at" in data:
            raise ValidationError(_("a submitted response needs submitted_at"), "submitted_at")
        if data.get("status") == "in_progress" and data.get("submitted_at") is not None:
            raise ValidationError(_("a response in progress has no submitted_at"), "submitted_at")
        if data.get("edited_at") is not None and not submitted:
            raise ValidationError(_("only a submitted response can have been edited"), "edited_at")


class BundleSchema(Strict):
    format = fields.String(required=True, validate=validate.Equal(FORMAT, error=_l("must be 'surveys-bundle'")))
    format_version = StrictInteger(required=True)
    exported_at = UtcDateTime(required=True)
    organisation = text(200, required=False, allow_none=True)
    campaign = fields.Nested(CampaignSchema, required=True)
    programme = fields.Nested(ProgrammeSchema, required=False, allow_none=True)
    instruments = fields.List(fields.Nested(InstrumentSchema), required=True)
    participants = fields.List(fields.Nested(ParticipantSchema), required=True)
    personal_data = fields.List(fields.Nested(PersonalDataSchema), required=False)
    pairs = fields.List(fields.Nested(PairSchema), required=True)
    waves = fields.List(fields.Nested(WaveSchema), required=True)
    responses = fields.List(fields.Nested(ResponseSchema), required=True)

    @validates_schema
    def _version(self, data, **kwargs):
        version = data.get("format_version")
        if version is not None and version != FORMAT_VERSION:
            message = _("unsupported version %(version)s: this server reads version %(ours)s")
            raise ValidationError(message % {"version": version, "ours": FORMAT_VERSION}, "format_version")


def join_path(path: str, key: Any) -> str:
    """``participants`` + 12 → ``participants[12]``; ``participants[12]`` + ``role`` → ``participants[12].role``."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)


def flatten_errors(messages: Any, path: str = "") -> list[BundleProblem]:
    """Marshmallow's nested error dicts as one problem per message, each with its path."""
    if isinstance(messages, dict):
        problems = []
        for key, value in messages.items():
            problems += flatten_errors(value, path if key == "_schema" else join_path(path, key))
        return problems
    if isinstance(messages, list | tuple):
        problems = []
        for message in messages:
            problems += flatten_errors(message, path)
        return problems
    return [BundleProblem(path or ROOT, translate_default(messages))]


SECTIONS = [ROOT, *BundleSchema().fields]


def path_key(problem: BundleProblem) -> tuple:
    """Order problems as they come in the file: sections in the order of the format, then
    ``participants[2]`` before ``participants[10]``."""
    parts = [p for p in re.split(r"\[(\d+)\]|\.", problem.path) if p]
    section = SECTIONS.index(parts[0]) if parts and parts[0] in SECTIONS else len(SECTIONS)
    return section, tuple((0, int(p), "") if p.isdecimal() else (1, 0, p) for p in parts), problem.message
