"""Marshmallow schemas of every body the API reads or writes; the OpenAPI document is built from them.

Answers go out through these schemas (``Schema().dump``), so a field that is not declared here
never leaves the server, whatever the code that gathered the data put in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from functools import cache

from marshmallow import Schema, ValidationError, fields, validate

from ..core.models import ROLES, WAVE_KINDS

RESPONSE_STATUSES = ("in_progress", "submitted")
SWOT_STATUSES = ("draft", "approved")
GROUPINGS = ("form", "role", "group", "variant", "mentor")
MAX_PER_PAGE = 200
MAX_IMPORT_ROWS = 5000


def _doc(text: str) -> dict:
    return {"metadata": {"description": text}}


def no_nul(value: str) -> None:
    """PostgreSQL cannot store or compare texts with NUL characters: refuse them at the door."""
    if "\x00" in value:
        raise ValidationError("must not contain NUL characters")


def _text(max_length: int, minimum: int = 0) -> list:
    return [validate.Length(min=minimum, max=max_length), no_nul]


class UtcDateTime(fields.DateTime):
    """A stored UTC time, written in ISO 8601 with its offset (``2025-09-01T08:00:00+00:00``)."""

    def _serialize(self, value, attr, obj, **kwargs):
        if isinstance(value, dt.datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return super()._serialize(value, attr, obj, **kwargs)


class ApiSchema(Schema):
    """The base of every schema here. The data the views gather are plain dicts, and a dict read
    the marshmallow way (``obj[key]``, then ``getattr(obj, key)``) answers a missing ``items`` key
    with its own ``dict.items`` method; here a missing key is just missing."""

    def get_attribute(self, obj, attr, default):
        if isinstance(obj, Mapping):
            return obj.get(attr, default)
        return super().get_attribute(obj, attr, default)


# ---- errors ------------------------------------------------------------------------------
class ErrorDetailSchema(ApiSchema):
    status = fields.Integer(required=True, **_doc("The HTTP status, repeated."))
    code = fields.String(required=True, **_doc("A stable word for the kind of error, e.g. not_found, invalid."))
    message = fields.String(required=True, **_doc("What is wrong, for people (Russian or English)."))
    fields_ = fields.Dict(
        data_key="fields",
        keys=fields.String(),
        values=fields.List(fields.String()),
        **_doc(
            "Only for problems with what was sent: the path of each field (page, responses.2.answers.q1) "
            "and its problems."
        ),
    )


class ErrorSchema(ApiSchema):
    error = fields.Nested(ErrorDetailSchema, required=True)


# ---- query strings -----------------------------------------------------------------------
class PageArgsSchema(ApiSchema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1), **_doc("Page number, from 1."))
    per_page = fields.Integer(
        load_default=50, validate=validate.Range(min=1, max=MAX_PER_PAGE), **_doc("Items per page, 1 to 200.")
    )


class ResponseArgsSchema(PageArgsSchema):
    wave = fields.Integer(**_doc("Only this wave (an id of a wave of the campaign)."))
    instrument = fields.String(validate=_text(100), **_doc("Only this questionnaire id."))
    status = fields.String(validate=validate.OneOf(RESPONSE_STATUSES), **_doc("Only responses in this state."))


class ScoreArgsSchema(PageArgsSchema):
    wave = fields.Integer(**_doc("Only this wave (an id of a wave of the campaign)."))
    instrument = fields.String(validate=_text(100), **_doc("Only this questionnaire id."))
    scale = fields.String(validate=_text(100), **_doc("Only this scale id."))


class ComparisonArgsSchema(ApiSchema):
    before = fields.Integer(**_doc("The earlier wave's id; default: the first input wave."))
    after = fields.Integer(**_doc("The later wave's id; default: the last output wave."))
    by = fields.String(validate=validate.OneOf(GROUPINGS), **_doc("Subgroups: form, role, group, variant or mentor."))


class SwotArgsSchema(PageArgsSchema):
    wave = fields.Integer(**_doc("Only this wave."))
    form = fields.String(validate=_text(100), **_doc("Only this form of mentoring ('' = all forms)."))
    status = fields.String(validate=validate.OneOf(SWOT_STATUSES), **_doc("draft or approved."))


# ---- instruments -------------------------------------------------------------------------
class TextSchema(ApiSchema):
    ru = fields.String(required=True)
    en = fields.String(allow_none=True)


class LicenceSchema(ApiSchema):
    citation = fields.String()
    licence = fields.String()
    url = fields.String(allow_none=True)
    bundle_texts = fields.Boolean(**_doc("False: a key-only instrument whose item texts are not shipped."))


class ChoiceSchema(ApiSchema):
    value = fields.Raw(required=True, **_doc("The stored answer value (a number or a text)."))
    label = fields.Nested(TextSchema)


class MatrixItemSchema(ApiSchema):
    id = fields.String(required=True, **_doc("The answer key of this row."))
    text = fields.Nested(TextSchema, allow_none=True, **_doc("null for key-only instruments."))


class QuestionSchema(ApiSchema):
    id = fields.String(required=True)
    type = fields.String(required=True, **_doc("text, single_choice, multiple_choice, rating, matrix, yes_no, …"))
    text = fields.Nested(TextSchema, allow_none=True, **_doc("null for key-only instruments."))
    help = fields.Nested(TextSchema, allow_none=True)
    required = fields.Boolean()
    conditional = fields.Boolean(**_doc("Asked only when a condition on earlier answers holds."))
    answer_keys = fields.List(fields.String(), **_doc("The keys its answers are stored under."))
    choices = fields.List(fields.Nested(ChoiceSchema))
    items = fields.List(fields.Nested(MatrixItemSchema), **_doc("Matrix rows."))
    min = fields.Raw(allow_none=True, **_doc("Lowest number, rating point or date (YYYY-MM-DD)."))
    max = fields.Raw(allow_none=True, **_doc("Highest number, rating point or date (YYYY-MM-DD)."))
    integer = fields.Boolean()
    other = fields.Boolean(**_doc("An 'other' choice with a text under <id>__other."))
    min_selected = fields.Integer()
    max_selected = fields.Integer()
    min_length = fields.Integer()
    max_length = fields.Integer()
    long = fields.Boolean()


class PageSchema(ApiSchema):
    id = fields.String(required=True)
    title = fields.Nested(TextSchema, allow_none=True)
    questions = fields.List(fields.Nested(QuestionSchema))


class BandSchema(ApiSchema):
    id = fields.String(required=True)
    min = fields.Float()
    max = fields.Float()
    label = fields.Nested(TextSchema)


class ScaleSchema(ApiSchema):
    id = fields.String(required=True)
    title = fields.Nested(TextSchema)
    method = fields.String(**_doc("sum, mean, linear, key_match, weighted, …"))
    items = fields.List(fields.String())
    reverse = fields.List(fields.String())
    min_answered = fields.Integer(allow_none=True)
    higher_is = fields.String(allow_none=True, **_doc("better or worse"))
    bands = fields.List(fields.Nested(BandSchema))


class InstrumentSummarySchema(ApiSchema):
    id = fields.String(required=True)
    version = fields.String(required=True)
    title = fields.Nested(TextSchema)
    description = fields.Nested(TextSchema, allow_none=True)
    audience = fields.List(fields.String(), **_doc("Participant roles it is meant for."))
    waves = fields.List(fields.String(), **_doc("Wave kinds it is meant for; empty: every wave."))
    key_only = fields.Boolean(**_doc("Copyrighted: the key ships, the item texts do not (they are null here)."))
    licence = fields.Nested(LicenceSchema, allow_none=True)
    uploaded = fields.Boolean(**_doc("Uploaded by the organisation (true) or shipped by a plugin (false)."))


class InstrumentSchema(InstrumentSummarySchema):
    pages = fields.List(fields.Nested(PageSchema))
    scales = fields.List(fields.Nested(ScaleSchema))


# ---- campaigns and participants ----------------------------------------------------------
class WaveSchema(ApiSchema):
    id = fields.Integer(required=True)
    kind = fields.String(validate=validate.OneOf(WAVE_KINDS))
    name = fields.String()
    position = fields.Integer()
    state = fields.String(**_doc("not_open, open or closed, now."))
    closed = fields.Boolean(**_doc("Closed by hand."))
    opens_at = UtcDateTime(allow_none=True)
    closes_at = UtcDateTime(allow_none=True)


class AssignmentSchema(ApiSchema):
    instrument = fields.String(required=True)
    audience = fields.List(fields.String(), **_doc("Roles that answer it; empty: everyone."))
    wave_kinds = fields.List(fields.String(), **_doc("Wave kinds it is asked in; empty: every wave."))
    forms = fields.List(
        fields.String(), **_doc("Forms of mentoring whose mentors and mentees answer it; empty: every form.")
    )


class ProgrammeRefSchema(ApiSchema):
    id = fields.Integer(required=True)
    name = fields.String()


class CampaignSchema(ApiSchema):
    id = fields.Integer(required=True)
    name = fields.String()
    programme = fields.Nested(ProgrammeRefSchema, allow_none=True)
    consent_mode = fields.String(**_doc("self, assent or guardian."))
    allow_editing = fields.Boolean()
    support_contact = fields.String(**_doc("Where participants can turn for support (plain text); may be empty."))
    created_at = UtcDateTime()
    instruments = fields.List(fields.Nested(AssignmentSchema))
    waves = fields.List(fields.Nested(WaveSchema))


class ParticipantSchema(ApiSchema):
    code = fields.String(required=True, **_doc("The pseudonymous code; names are never given out."))
    role = fields.String(validate=validate.OneOf(ROLES), **_doc("The role in this campaign's programme."))
    form = fields.String(**_doc("Form of mentoring."))
    group = fields.String(**_doc("Group or class."))


# ---- responses and scores ----------------------------------------------------------------
class ResponseSchema(ApiSchema):
    id = fields.Integer(required=True)
    participant = fields.String(required=True, **_doc("The participant's pseudonymous code."))
    wave = fields.Integer(required=True)
    instrument = fields.String(required=True)
    version = fields.String()
    status = fields.String(validate=validate.OneOf(RESPONSE_STATUSES))
    source = fields.String(**_doc("link, paper (paper and API imports), …"))
    answers = fields.Dict(keys=fields.String(), values=fields.Raw(allow_none=True))
    started_at = UtcDateTime()
    updated_at = UtcDateTime()
    submitted_at = UtcDateTime(allow_none=True)


class ScoreSchema(ApiSchema):
    response = fields.Integer(required=True)
    participant = fields.String(required=True)
    wave = fields.Integer(required=True)
    instrument = fields.String(required=True)
    scale = fields.String(required=True)
    raw = fields.Float(allow_none=True)
    value = fields.Float(allow_none=True)
    band = fields.String(allow_none=True)
    n_answered = fields.Integer()
    missing_reason = fields.String(allow_none=True, **_doc("Why there is no value, e.g. too few items answered."))
    norm = fields.Float(allow_none=True)
    norm_kind = fields.String(allow_none=True)
    scored_by = fields.String(**_doc("The plugin that scored it."))
    scoring_version = fields.String()


class ImportRowSchema(ApiSchema):
    participant = fields.String(required=True, validate=_text(40, 1))
    instrument = fields.String(required=True, validate=_text(100, 1))
    answers = fields.Dict(
        required=True,
        keys=fields.String(validate=_text(100, 1)),
        values=fields.Raw(allow_none=True),
        **_doc(
            "Answer key → value, as GET …/responses gives them: a choice's value, a list for multiple "
            "choice, true/false for yes/no, a number, a text, a date as YYYY-MM-DD."
        ),
    )


class ImportSchema(ApiSchema):
    responses = fields.List(
        fields.Nested(ImportRowSchema),
        required=True,
        validate=validate.Length(min=1, max=MAX_IMPORT_ROWS),
    )
    replace_online = fields.Boolean(
        load_default=False,
        **_doc(
            "Overwrite answers that participants typed online (submitted or started). Without it such rows "
            "are refused by name. Each overwritten response is written to the audit log."
        ),
    )


class ImportResultSchema(ApiSchema):
    rows = fields.Integer(required=True)
    created = fields.Integer(required=True)
    updated = fields.Integer(required=True)
    unchanged = fields.Integer(required=True)


# ---- analyses ----------------------------------------------------------------------------
class WaveRefSchema(ApiSchema):
    id = fields.Integer()
    name = fields.String()


class AttritionSchema(ApiSchema):
    both = fields.Integer(allow_none=True)
    before_only = fields.Integer(allow_none=True)
    after_only = fields.Integer(allow_none=True)


class DisclosureSchema(ApiSchema):
    min_group = fields.Integer(**_doc("The threshold applied: groups of fewer people are hidden."))
    small = fields.String(**_doc("What a hidden figure of a group under the threshold shows («<5»)."))
    protecting = fields.String(**_doc("What a figure hidden to protect a small group shows."))


class ComparisonSchema(ApiSchema):
    """The input/output comparison report: its fields are described in docs/comparison.md."""

    campaign = fields.String()
    before = fields.Nested(WaveRefSchema)
    after = fields.Nested(WaveRefSchema)
    group_by = fields.String(allow_none=True)
    min_group = fields.Integer()
    min_pairs = fields.Integer()
    linked = fields.Boolean()
    attrition = fields.Nested(AttritionSchema)
    attrition_marks = fields.Dict(**_doc("Why an attrition count is null: the label to show (disclosed reports)."))
    disclosure = fields.Nested(
        DisclosureSchema,
        **_doc("Present when the figures passed the disclosure policy (tokens without responses:read)."),
    )
    scales = fields.List(
        fields.Dict(),
        **_doc("One row per scale and group; hidden figures are null, and the row's marks say why (docs/privacy.md)."),
    )
    correlations = fields.List(fields.Dict())
    expectations = fields.List(fields.Dict())
    method_note = fields.String()


class SwotPointSchema(ApiSchema):
    text = fields.String(required=True)
    source = fields.Dict(**_doc("Where an automatic point came from (kept while its text is unchanged)."))


class SwotContentSchema(ApiSchema):
    S = fields.List(fields.Nested(SwotPointSchema))
    W = fields.List(fields.Nested(SwotPointSchema))
    O = fields.List(fields.Nested(SwotPointSchema))  # noqa: E741 - the quadrant's letter
    T = fields.List(fields.Nested(SwotPointSchema))


class SwotDocumentSchema(ApiSchema):
    id = fields.Integer(required=True)
    wave = fields.Integer()
    form = fields.String(**_doc("Form of mentoring; '' = all forms."))
    status = fields.String(validate=validate.OneOf(SWOT_STATUSES))
    version = fields.Integer(**_doc("0 for the draft, 1, 2, … for approved versions."))
    content = fields.Nested(SwotContentSchema)
    conclusion = fields.String()
    hidden = fields.Integer(**_doc("Quotes of groups under 5 left out (tokens without responses:read)."))
    disclosure = fields.Nested(
        DisclosureSchema,
        **_doc("The threshold the points passed: present for tokens without responses:read."),
    )
    created_at = UtcDateTime()
    updated_at = UtcDateTime()
    approved_at = UtcDateTime(allow_none=True)


# ---- pages of lists ----------------------------------------------------------------------
@cache
def page_schema(item: type[Schema]) -> type[Schema]:
    """The schema of one page of a list of ``item``: ``items``, ``page``, ``per_page``, ``total``, ``pages``."""
    name = item.__name__.removesuffix("Schema") + "PageSchema"
    return ApiSchema.from_dict(
        {
            "items": fields.List(fields.Nested(item), required=True),
            "page": fields.Integer(required=True),
            "per_page": fields.Integer(required=True),
            "total": fields.Integer(required=True, **_doc("Items in all pages.")),
            "pages": fields.Integer(required=True, **_doc("Number of pages (0 when there are no items).")),
        },
        name=name,
    )
