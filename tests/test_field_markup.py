"""The choice groups written in Python (surveys/field_markup.py) against WTForms' own widgets."""

from __future__ import annotations

import re

import pytest
from markupsafe import Markup
from werkzeug.datastructures import MultiDict
from wtforms import Form, RadioField
from wtforms.fields import SelectChoice
from wtforms.validators import InputRequired, Optional

from surveys.core.field_checks import MultiCheckboxField
from surveys.participation.field_markup import choices_markup, is_scale, keyed_matrix, scale_key

CHOICES = [SelectChoice("1", "Да"), SelectChoice("2", 'Скорее "да" <b>&</b>'), SelectChoice("3", "")]


class Page(Form):
    required = RadioField("Вопрос", choices=CHOICES, validators=[InputRequired()])
    optional = RadioField("Вопрос", choices=CHOICES, validators=[Optional()], render_kw={"data-x": "y"})
    many = MultiCheckboxField("Вопрос", choices=CHOICES, validators=[Optional()])


def inputs(markup: str) -> list[str]:
    return re.findall(r"<input[^>]*>", markup)


@pytest.mark.parametrize("data", [{}, {"required": "2", "optional": "3", "many": ["1", "3"]}, {"required": "9"}])
def test_each_input_is_what_the_wtforms_widget_writes(data):
    form = Page(MultiDict([(k, v) for k, vs in data.items() for v in (vs if isinstance(vs, list) else [vs])]))
    if data:
        form.validate()
    for field in form:
        markup = choices_markup(field, field.label.text)
        extra = {"aria-invalid": "true"} if field.errors else {}
        expected = [str(option(**extra)) for option in field]
        assert inputs(markup) == expected
        labels = re.findall(r'<label for="([^"]+)">.*?<span>(.*?)</span>', markup)
        assert labels == [(option.id, str(Markup.escape(option.label.text))) for option in field]
        if field.errors:
            assert 'class="field invalid" aria-describedby="' + field.id + '-error"' in markup
            assert f'<p class="error" id="{field.id}-error">' in markup
        else:
            assert 'class="error"' not in markup and "aria-invalid" not in markup


def test_legend_and_labels_are_escaped_and_the_markup_is_safe():
    form = Page()
    markup = choices_markup(form.optional, "<script>alert(1)</script>")
    assert isinstance(markup, Markup)
    assert "<script>" not in markup and "&lt;script&gt;alert(1)&lt;/script&gt;" in markup
    assert "&lt;b&gt;&amp;&lt;/b&gt;" in markup and 'data-x="y"' in markup


# ---- scales: rows of numbered segments ---------------------------------------------------------------------
def rating(low: int, high: int, anchors: dict[int, str] | None = None, **kwargs) -> RadioField:
    """A rating's field as the rating type builds it: "N — words" where the point has words."""
    anchors = anchors or {}
    choices = [SelectChoice(n, f"{n} — {anchors[n]}" if n in anchors else str(n)) for n in range(low, high + 1)]
    return RadioField("Оценка", choices=choices, **kwargs)


def bound(field: RadioField, data: dict | None = None):
    class One(Form):
        pass

    One.q = field
    form = One(MultiDict(data or {}))
    if data is not None:
        form.validate()
    return form.q


def test_a_ten_point_rating_is_a_row_of_numbered_segments_named_by_their_whole_label():
    field = bound(rating(1, 10, {1: "совсем нет", 10: "полностью"}, coerce=int, validators=[InputRequired()]), {})
    markup = choices_markup(field, "Насколько?")
    assert is_scale(field)
    assert '<ul class="options scale cols-5 wide-10">' in markup  # two rows of five on a phone
    assert inputs(markup) == [str(option(**{"aria-invalid": "true"})) for option in field]  # the same inputs
    segments = re.findall(r'<li>(<input[^>]*>)<label for="([^"]+)">(.*?)</label></li>', markup)
    assert [(label_for, text) for _input, label_for, text in segments][:2] == [
        ("q-0", '1<span class="visually-hidden"> — совсем нет</span>'),
        ("q-1", "2"),
    ]
    assert segments[-1][2] == '10<span class="visually-hidden"> — полностью</span>'
    assert '<ul class="scale-ends"><li>1 — совсем нет</li><li>10 — полностью</li></ul>' in markup
    assert 'aria-describedby="q-error"' in markup and '<p class="error" id="q-error">' in markup


@pytest.mark.parametrize(
    ("points", "classes"),
    [(3, "cols-3 wide-3"), (7, "cols-7 wide-7"), (8, "cols-4 wide-8"), (11, "cols-6 wide-11"), (21, "cols-7 wide-11")],
)
def test_segments_fill_rows_of_at_most_seven_on_a_phone_balanced(points, classes):
    markup = choices_markup(bound(rating(0, points - 1, coerce=int)), "Оценка")
    assert f'class="options scale {classes}"' in markup
    assert "scale-ends" not in markup  # no words at the ends: nothing to show under the row


@pytest.mark.parametrize(
    "choices",
    [
        [SelectChoice(n, label) for n, label in enumerate(["Ни разу", "Несколько дней", "Больше половины", "Каждый"])],
        [SelectChoice(1, "1 — нет"), SelectChoice(2, "2 — скорее нет"), SelectChoice(3, "3"), SelectChoice(4, "4")],
        [SelectChoice(1, "Да"), SelectChoice(2, "Нет")],  # coded answers, not a scale
        [SelectChoice(1, "1"), SelectChoice(2, "2"), SelectChoice(4, "4")],  # not consecutive
        [SelectChoice("a", "a"), SelectChoice("b", "b"), SelectChoice("c", "c")],
    ],
)
def test_groups_whose_middle_points_carry_words_or_that_are_not_numbers_stay_a_list(choices):
    field = bound(RadioField("Вопрос", choices=choices))
    markup = choices_markup(field, "Вопрос")
    assert not is_scale(field) and "scale" not in markup and '<ul class="options">' in markup


def test_checkboxes_of_numbers_stay_a_list():
    field = bound(MultiCheckboxField("Вопрос", choices=[SelectChoice(n, str(n)) for n in range(1, 8)], coerce=int))
    assert "scale" not in choices_markup(field, "Вопрос")


def frequency(rows: int, words: list[str]) -> list:
    """The rows of a matrix whose points 0, 1, … carry these words."""
    choices = [SelectChoice(n, word) for n, word in enumerate(words)]
    return [bound(RadioField(f"[item_{r}]", choices=choices)) for r in range(rows)]


MBI_WORDS = ["Никогда", "Почти никогда", "Изредка", "Время от времени", "Часто", "Очень часто", "Каждый день"]
STAI_WORDS = ["Совсем нет", "Немного", "Заметно", "Очень сильно"]


@pytest.mark.parametrize(
    ("rows", "keyed"),
    [
        (frequency(22, MBI_WORDS), True),  # six or more points with words on each: a key
        (frequency(2, MBI_WORDS), True),
        (frequency(20, STAI_WORDS), True),  # more than ten rows: a key
        (frequency(10, STAI_WORDS), False),  # GAD-7's shape: each row keeps its words
        ([bound(rating(1, 10, {1: "нет", 10: "да"}, coerce=int)) for _ in range(3)], False),  # each row a scale
        ([bound(RadioField("x", choices=[SelectChoice("a", "A")] * 3)) for _ in range(12)], False),
    ],
)
def test_a_matrix_is_answered_against_one_key_when_long_or_worded_at_six_points(rows, keyed):
    assert keyed_matrix(rows) is keyed


def test_a_keyed_matrix_shows_each_word_once_above_rows_of_bare_numbers():
    rows = frequency(22, MBI_WORDS)
    key = scale_key(rows)
    assert key == Markup(
        '<ul class="scale-key">' + "".join(f"<li>{n} — {w}</li>" for n, w in enumerate(MBI_WORDS)) + "</ul>"
    )
    row = choices_markup(rows[0], "1. [item_0]", keyed=True)
    assert '<ul class="options scale cols-7 wide-7">' in row and "scale-ends" not in row
    assert '<label for="q-3">3<span class="visually-hidden"> — Время от времени</span></label>' in row
    four = choices_markup(frequency(20, STAI_WORDS)[0], "1. [stai_s01]", keyed=True)
    assert 'class="options scale cols-4 wide-4"' in four  # in a keyed matrix, four points are segments too
    assert scale_key(frequency(12, ["0", "1", "2", "3"])) == Markup("")  # no words, no key
