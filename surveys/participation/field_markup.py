"""Markup for a group of radio buttons or checkboxes, written in Python.

Questionnaire pages are mostly such groups (a 7-item scale is 28 inputs), and building them
through WTForms' option fields and a Jinja loop was the largest single cost of a participant
page. This writes the same markup: a fieldset with its legend and errors, and a list of
labelled inputs whose attributes are in sorted order, as WTForms writes them.
"""

from __future__ import annotations

from markupsafe import Markup, escape


def _attributes(attrs: dict) -> str:
    """``name="value"`` pairs in name order; True is a bare name, False and None are left out."""
    parts = []
    for name in sorted(attrs):
        value = attrs[name]
        if value is True:
            parts.append(f" {name}")
        elif value is not False and value is not None:
            parts.append(f' {name}="{escape(value)}"')
    return "".join(parts)


def field_errors(field) -> str:
    if not field.errors:
        return ""
    return f'<p class="error" id="{escape(field.id)}-error">' + "".join(f"{escape(e)} " for e in field.errors) + "</p>"


def choices_markup(field, legend) -> Markup:
    """A ``RadioField`` or ``MultiCheckboxField`` as a fieldset of labelled inputs."""
    invalid = bool(field.errors)
    base = dict(field.render_kw or {})
    base["name"] = field.name
    base["type"] = "checkbox" if field.type == "MultiCheckboxField" else "radio"
    if field.flags.required:
        base["required"] = True
    if invalid:
        base["aria-invalid"] = "true"
    field_id = escape(field.id)
    described = f' aria-describedby="{field_id}-error"' if invalid else ""
    out = [
        f'<fieldset id="{field_id}" tabindex="-1" class="field{" invalid" if invalid else ""}"{described}>',
        f"<legend>{escape(legend)}</legend>",
        field_errors(field),
        '<ul class="options">',
    ]
    for number, choice in enumerate(field.iter_choices()):
        option_id = f"{field.id}-{number}"
        attrs = {**base, **(choice.render_kw or {}), "id": option_id, "value": str(choice.value)}
        attrs["checked"] = bool(choice.selected)
        label = choice.label if choice.label else choice.value
        control = f"<input{_attributes(attrs)}> <span>{escape(label)}</span>"
        out.append(f'<li><label for="{escape(option_id)}">{control}</label></li>')
    out.append("</ul>\n</fieldset>")
    return Markup("\n".join(out))
