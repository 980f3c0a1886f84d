"""Built-in question types.

A question type knows its own options (a marshmallow schema), the answer keys it
stores, the numeric range of its scoreable items, how to build its WTForms fields
and how its answers go into and out of storage. Plugins add types through
``surveys_register_question_types``.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, validate, validates_schema
from wtforms import (
    RadioField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, Optional

from .definitions import Choice, Question
from .field_checks import AllowedValues, CountRange, MultiCheckboxField
from .question_base import (  # noqa: F401 - the base is part of this module's public surface
    OTHER,
    QuestionType,
    WrongValue,
    _coerce_for,
    _label,
    _options,
    _presence,
    _scalar,
    other_key,
    posted,
)
from .schema import ChoiceList, Id, LocalText, Strict, check_order


# ---- text -------------------------------------------------------------------------------
class TextOptions(Strict):
    long = fields.Boolean(load_default=False)
    min_length = fields.Integer(validate=validate.Range(min=0))
    max_length = fields.Integer(validate=validate.Range(min=1, max=20000))

    @validates_schema
    def _ordered(self, data, **kwargs):
        check_order(data, "min_length", "max_length")


class TextType(QuestionType):
    def make_fields(self, question, locale):
        opts = question.options
        default_max = 5000 if opts.get("long") else 500
        if "min_length" in opts:
            message = _l("The answer must be between %(min)d and %(max)d characters long.")
        else:
            message = _l("The answer must be at most %(max)d characters long.")
        checks = _presence(question) + [
            Length(min=opts.get("min_length", -1), max=opts.get("max_length", default_max), message=message)
        ]
        field = TextAreaField if opts.get("long") else StringField
        return {question.id: field(_label(question.text, locale), validators=checks)}

    def dump(self, question, key, data):
        return (data or "").strip() or None

    def formdata(self, question, key, value):
        if value is not None and not isinstance(value, str):
            raise WrongValue(_l("Give a text."))
        return [] if value is None else [value]


# ---- choices -----------------------------------------------------------------------------
class ChoiceOptions(Strict):
    choices = ChoiceList(required=True)
    other = fields.Boolean(load_default=False)
    min_selected = fields.Integer(validate=validate.Range(min=0))
    max_selected = fields.Integer(validate=validate.Range(min=1))

    @validates_schema
    def _ordered(self, data, **kwargs):
        check_order(data, "min_selected", "max_selected")


def choice_list_problems(options: dict) -> list[tuple[str, str]]:
    """Checks on a resolved choice list (inline or named): unique values, 'other' reserved."""
    values = [str(c["value"]) for c in options.get("choices") or []]
    problems = []
    if len(set(values)) != len(values):
        problems.append(("choices", _("choice values must be unique")))
    if options.get("other") and OTHER in values:
        problems.append(("choices", _("'%(value)s' is reserved when 'other: true'", value=OTHER)))
    return problems


def choices_of(question: Question) -> list[Choice]:
    return [Choice(c["value"], c["label"]) for c in question.options["choices"]]


class SingleChoiceType(QuestionType):
    multiple = False

    def check_options(self, options):
        return choice_list_problems(options)

    def answer_keys(self, question):
        keys = [question.id]
        if question.options.get("other"):
            keys.append(other_key(question.id))
        return keys

    def _choices(self, question, locale):
        pairs = [(c.value, c.label.get(locale)) for c in choices_of(question)]
        if question.options.get("other"):
            pairs.append((OTHER, str(_l("Other"))))
        return pairs

    def make_fields(self, question, locale):
        pairs = self._choices(question, locale)
        values = [v for v, _text in pairs]
        coerce = _coerce_for([Choice(v, None) for v in values])
        label = _label(question.text, locale)
        if self.multiple:
            opts = question.options
            field = MultiCheckboxField(
                label,
                choices=_options(pairs),
                coerce=coerce,
                validate_choice=False,
                validators=_presence(question)
                + [AllowedValues(values), CountRange(opts.get("min_selected"), opts.get("max_selected"))],
            )
        else:
            field = RadioField(
                label,
                choices=_options(pairs),
                coerce=coerce,
                validate_choice=False,
                validators=_presence(question) + [AllowedValues(values)],
            )
        result = {question.id: field}
        if question.options.get("other"):
            result[other_key(question.id)] = StringField(
                _l("Other (please specify)"), validators=[Optional(), Length(max=500)]
            )
        return result

    def dump(self, question, key, data):
        if key == question.id:
            return data if data not in ("", []) else None
        return (data or "").strip() or None

    def formdata(self, question, key, value):
        if key != question.id:  # the text of 'other'
            if value is not None and not isinstance(value, str):
                raise WrongValue(_l("Give a text."))
            return [] if value is None else [value]
        if not self.multiple:
            return super().formdata(question, key, value)
        chosen = [] if value is None else value if isinstance(value, list) else [value]
        if not all(_scalar(item) for item in chosen):
            raise WrongValue(_l("Give the values chosen as a list."))
        return [posted(item) for item in chosen]


class MultipleChoiceType(SingleChoiceType):
    multiple = True


# ---- rating and matrix -------------------------------------------------------------------
class RatingOptions(Strict):
    min = fields.Integer(required=True)
    max = fields.Integer(required=True)
    anchors = fields.Dict(keys=fields.Integer(), values=LocalText(), load_default=dict)

    @validates_schema
    def _range(self, data, **kwargs):
        low, high = data.get("min"), data.get("max")
        if low is None or high is None:
            return
        if low >= high:
            raise ValidationError(_("'min' must be less than 'max'"), "min")
        if high - low > 20:
            raise ValidationError(_("a rating may have at most 21 points"), "max")
        outside = [k for k in data.get("anchors", {}) if not low <= k <= high]
        if outside:
            message = _("anchor %(anchor)s is outside %(low)s..%(high)s", anchor=outside[0], low=low, high=high)
            raise ValidationError(message, "anchors")


def rating_choices(options: dict, locale: str) -> list[tuple[int, str]]:
    anchors = options.get("anchors", {})
    pairs = []
    for point in range(options["min"], options["max"] + 1):
        anchor = anchors.get(point)
        pairs.append((point, f"{point} — {anchor.get(locale)}" if anchor else str(point)))
    return pairs


class RatingType(QuestionType):
    def item_ranges(self, question):
        return {question.id: (question.options["min"], question.options["max"])}

    def make_fields(self, question, locale):
        pairs = rating_choices(question.options, locale)
        return {
            question.id: RadioField(
                _label(question.text, locale),
                choices=_options(pairs),
                coerce=_coerce_for([Choice(v, None) for v, _text in pairs]),
                validate_choice=False,
                validators=_presence(question) + [AllowedValues([v for v, _text in pairs])],
            )
        }


class MatrixItem(Strict):
    id = Id(required=True)
    text = LocalText(required=True)


class MatrixOptions(Strict):
    items = fields.List(fields.Nested(MatrixItem), required=True, validate=validate.Length(min=1))
    choices = ChoiceList()
    min = fields.Integer()
    max = fields.Integer()
    anchors = fields.Dict(keys=fields.Integer(), values=LocalText(), load_default=dict)

    @validates_schema
    def _scale(self, data, **kwargs):
        has_range = "min" in data or "max" in data
        if ("choices" in data) == has_range:
            raise ValidationError(_("a matrix needs either 'choices' or 'min' and 'max'"))
        if has_range:
            RatingOptions().load(
                {k: data[k] for k in ("min", "max") if k in data}
                | {"anchors": {k: v.ru for k, v in data.get("anchors", {}).items()}}
            )


class MatrixType(QuestionType):
    template = "questions/matrix.html"

    def check_options(self, options):
        choices = options.get("choices") or []
        if any(isinstance(c["value"], str) for c in choices):
            return [("choices", _("matrix choices need integer values, so that they can be scored"))]
        return choice_list_problems(options)

    def _pairs(self, question, locale):
        if "choices" in question.options:
            return [(c.value, c.label.get(locale)) for c in choices_of(question)]
        return rating_choices(question.options, locale)

    def answer_keys(self, question):
        return [item["id"] for item in question.options["items"]]

    def item_ranges(self, question):
        values = [v for v, _text in self._pairs(question, "ru")]
        return {key: (min(values), max(values)) for key in self.answer_keys(question)}

    def make_fields(self, question, locale):
        pairs = self._pairs(question, locale)
        coerce = _coerce_for([Choice(v, None) for v, _text in pairs])
        return {
            item["id"]: RadioField(
                item["text"].get(locale),
                choices=_options(pairs),
                coerce=coerce,
                validate_choice=False,
                validators=_presence(question) + [AllowedValues([v for v, _text in pairs])],
            )
            for item in question.options["items"]
        }


from .value_types import (  # noqa: E402 - split off, listed here
    DateOptions,
    DateType,
    NoteType,
    NumberOptions,
    NumberType,
    YesNoType,
)

BUILT_IN_TYPES: tuple[QuestionType, ...] = (
    TextType("text", TextOptions),
    SingleChoiceType("single_choice", ChoiceOptions),
    MultipleChoiceType("multiple_choice", ChoiceOptions),
    RatingType("rating", RatingOptions),
    MatrixType("matrix", MatrixOptions),
    YesNoType("yes_no", None),
    NumberType("number", NumberOptions),
    DateType("date", DateOptions),
    NoteType("note", None),
)


def built_in_types() -> dict[str, QuestionType]:
    """The built-in question types by name: what a loader needs when no plugin adds types."""
    return {qtype.name: qtype for qtype in BUILT_IN_TYPES}
