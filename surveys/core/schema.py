"""Marshmallow schemas for questionnaire files: the published shape of the format.

Structure is checked here; cross-references (ids, choice lists, conditions, scale
items) are checked by :mod:`surveys.core.loader`, which knows the whole file.
"""

from __future__ import annotations

import datetime as dt
import re

from flask_babel import gettext as _
from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from .conditions import OPERATORS
from .text import Text

ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
ROLES = ("mentor", "mentee", "curator", "teacher", "parent", "employer", "other")
AGES = ("all", "adults", "pupils")


def _check_id(value: str) -> None:
    if not isinstance(value, str) or not ID_PATTERN.match(value) or "__" in value:
        raise ValidationError(_("must be lower_snake_case: a letter, then letters, digits or single underscores"))


class Id(fields.String):
    def __init__(self, **kwargs):
        super().__init__(validate=_check_id, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, int) and not isinstance(value, bool):  # an item number copied from a manual
            raise ValidationError(_("%(n)s is a number; write an id here, such as q%(n)s", n=value))
        return super()._deserialize(value, attr, data, **kwargs)


class LocalText(fields.Field):
    """A string (Russian) or a mapping ``{ru: ..., en: ...}``."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and value.strip():
            return Text(value)
        if isinstance(value, dict):
            extra = set(value) - {"ru", "en"}
            ru, en = value.get("ru"), value.get("en")
            if not extra and isinstance(ru, str) and ru.strip() and (en is None or isinstance(en, str)):
                return Text(ru, en)
        raise ValidationError(_("expected a non-empty text, or a mapping with 'ru' and optional 'en'"))


class ChoiceValue(fields.Field):
    """A choice value: an integer or a short string."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise ValidationError(_("a choice value must be an integer or a string"))
        if isinstance(value, str) and not value.strip():
            raise ValidationError(_("a choice value must not be empty"))
        return value


class ConditionValue(fields.Field):
    """A value a condition compares with: a choice value, or yes/no (true/false) for yes_no questions."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool):
            return value
        return ChoiceValue()._deserialize(value, attr, data, **kwargs)


class Number(fields.Field):
    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValidationError(_("must be a number"))
        return value


class IsoDate(fields.Field):
    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            raise ValidationError(_("must be a date written as YYYY-MM-DD")) from None


def check_order(data: dict, low: str, high: str) -> None:
    """Schema-level check that ``data[low] <= data[high]`` when both are given."""
    if data.get(low) is not None and data.get(high) is not None and data[low] > data[high]:
        raise ValidationError(_("'%(low)s' is greater than '%(high)s'", low=low, high=high), low)


class Strict(Schema):
    class Meta:
        unknown = RAISE


class ChoiceSchema(Strict):
    value = ChoiceValue(required=True)
    label = LocalText(required=True)


class ChoiceList(fields.Field):
    """Either an inline list of choices or the name of a list under ``choices:``."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            return value  # resolved by the loader, which knows the named lists
        if not isinstance(value, list) or len(value) < 2:
            raise ValidationError(_("expected at least two choices, or the name of a choice list"))
        return ChoiceSchema(many=True).load(value)


class ConditionSchema(Strict):
    question = Id()
    equals = ConditionValue()
    not_equals = ConditionValue()
    in_ = fields.List(ConditionValue(), data_key="in")
    min = Number()
    max = Number()
    answered = fields.Boolean()
    all = fields.List(fields.Nested(lambda: ConditionSchema()))
    any = fields.List(fields.Nested(lambda: ConditionSchema()))

    @validates_schema
    def _one_test(self, data, **kwargs):
        groups = [k for k in ("all", "any") if k in data]
        ops = [k for k in OPERATORS if (k if k != "in" else "in_") in data]
        if groups:
            if len(groups) > 1 or ops or "question" in data:
                raise ValidationError(_("use either 'all' or 'any' alone in one condition"))
            if not data[groups[0]]:
                raise ValidationError(_("'%(group)s' needs at least one condition", group=groups[0]))
            return
        if "question" not in data:
            raise ValidationError(_("a condition needs 'question' (or 'all'/'any')"))
        if len(ops) != 1:
            raise ValidationError(_("a condition needs exactly one test of: %(tests)s", tests=", ".join(OPERATORS)))


class QuestionBaseSchema(Schema):
    """Fields every question has; the rest is checked by the question type's own schema."""

    id = Id(required=True)
    type = fields.String(required=True)
    text = LocalText(required=True)
    required = fields.Boolean(load_default=False)
    help = LocalText()
    show_if = fields.Nested(ConditionSchema)


class PageSchema(Strict):
    id = Id(required=True)
    title = LocalText()
    questions = fields.List(fields.Raw(), required=True, validate=validate.Length(min=1))


class BandSchema(Strict):
    id = Id(required=True)
    min = Number(required=True)
    max = Number(required=True)
    label = LocalText(required=True)

    @validates_schema
    def _ordered(self, data, **kwargs):
        check_order(data, "min", "max")


METHODS = ["sum", "mean", "linear", "key_match", "weighted", "custom"]


class NormRowSchema(Strict):
    min = Number(required=True)
    max = Number(required=True)
    value = Number(required=True)

    @validates_schema
    def _ordered(self, data, **kwargs):
        check_order(data, "min", "max")


class NormSchema(Strict):
    kind = fields.String(required=True, validate=validate.OneOf(["sten", "stanine", "t", "percentile"]))
    sex = fields.String(load_default="any", validate=validate.OneOf(["f", "m", "any"]))
    age = fields.List(fields.Integer(validate=validate.Range(min=0, max=120)), validate=validate.Length(equal=2))
    source = fields.String()
    table = fields.List(fields.Nested(NormRowSchema), required=True, validate=validate.Length(min=1))

    @validates_schema
    def _age(self, data, **kwargs):
        if data.get("age") and data["age"][0] > data["age"][1]:
            raise ValidationError(_("the first age is greater than the second"), "age")


class ReliabilitySchema(Strict):
    value = Number(required=True, validate=validate.Range(min=0, max=1, min_inclusive=False, max_inclusive=False))
    source = fields.String(required=True, validate=validate.Length(min=1))


class ScaleSchema(Strict):
    id = Id(required=True)
    title = LocalText(required=True)
    items = fields.List(Id(), required=True, validate=validate.Length(min=1))
    method = fields.String(load_default="sum", validate=validate.OneOf(METHODS))
    reverse = fields.List(Id(), load_default=list)
    min_answered = fields.Integer(validate=validate.Range(min=1))
    prorate = fields.Boolean(load_default=True)
    constant = Number(load_default=0)
    key = fields.Dict(keys=Id(), values=fields.Raw())
    weights = fields.Dict(keys=Id(), values=fields.Dict(keys=fields.Raw(), values=Number()))
    bands = fields.List(fields.Nested(BandSchema), load_default=list)
    higher_is = fields.String(validate=validate.OneOf(["better", "worse"]))
    norms = fields.List(fields.Nested(NormSchema), load_default=list)
    reliability = fields.Nested(ReliabilitySchema)


class LicenceSchema(Strict):
    citation = fields.String(required=True, validate=validate.Length(min=1))
    licence = fields.String(required=True, validate=validate.Length(min=1))
    bundle_texts = fields.Boolean(load_default=True)
    url = fields.String()


class InstrumentSchema(Strict):
    id = Id(required=True)
    version = fields.Raw(required=True)
    title = LocalText(required=True)
    description = LocalText()
    # What the participant sees instead of the clinical title and description (docs/format.md).
    participant_title = LocalText()
    participant_intro = LocalText()
    # Whom the questionnaire suits: adults only, pupils only, or everyone (the default).
    ages = fields.String(load_default="all", validate=validate.OneOf(AGES))
    audience = fields.List(
        fields.String(validate=validate.OneOf(ROLES)),
        required=True,
        validate=validate.Length(min=1),
    )
    licence = fields.Nested(LicenceSchema)
    scoring_version = fields.Raw()
    waves = fields.List(fields.String(validate=validate.OneOf(["input", "intermediate", "output"])))
    extensions = fields.Dict(keys=Id(), values=fields.Raw())
    choices = fields.Dict(keys=Id(), values=fields.Raw(), load_default=dict)
    pages = fields.List(fields.Raw(), required=True, validate=validate.Length(min=1))
    scales = fields.List(fields.Raw(), load_default=list)

    @validates_schema
    def _version(self, data, **kwargs):
        version = data.get("version")
        if isinstance(version, bool) or not isinstance(version, int | float | str) or not str(version).strip():
            raise ValidationError(_("must be a version such as 1 or '1.2'"), "version")
