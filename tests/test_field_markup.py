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
from surveys.participation.field_markup import choices_markup

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
