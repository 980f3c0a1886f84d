"""Markup for a group of radio buttons or checkboxes, written in Python.

Questionnaire pages are mostly such groups (a 7-item scale is 28 inputs), and building them
through WTForms' option fields and a Jinja loop was the largest single cost of a participant
page. This writes the same markup: a fieldset with its legend and errors, and a list of
labelled inputs whose attributes are in sorted order, as WTForms writes them.

On a phone a list of ten options is a screen tall, so a **scale** (a radio group of three or
more consecutive whole numbers whose labels are bare numbers, but for words on the first and
last, such as a 1–10 rating) is written as one row of numbered segments instead: each segment
shows its number, its label says the whole point ("1 — совсем нет") to screen readers, and the
end words are shown under the row. Groups whose points all carry words (GAD-7's "Несколько
дней") stay a list. A matrix of many rows, or of six or more points that all carry words (the
MBI's 0–6), is answered against a key shown once above its rows (``scale_key``), the way paper
forms of such inventories are, and its rows are numbered segments.
"""

from __future__ import annotations

from math import ceil

from markupsafe import Markup, escape

SCALE_POINTS = 3  # a scale has at least this many points (two are a choice between two words)
KEYED_POINTS = 6  # a matrix of this many points or more, all with words, is answered against a key
LONG_MATRIX = 10  # and so is one of more rows than this
PHONE_ROW = 7  # segments that fit in one row of a 360 px screen (40 px each)
WIDE_ROW = 14  # and in one row of a wide screen


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


def _number(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def numbered_points(field) -> list[tuple[str, str]] | None:
    """(number, words) for each choice of a radio group whose values are consecutive whole
    numbers; words are what the label says beyond its number ("" for a bare number)."""
    if field.type != "RadioField":
        return None
    points = []
    for choice in field.iter_choices():
        number = _number(choice.value)
        if number is None or (points and number != int(points[-1][0]) + 1):
            return None
        label = str(choice.label) if choice.label else str(number)
        words = label.removeprefix(f"{number} — ") if label != str(number) else ""
        points.append((str(number), words))
    return points or None


def is_scale(field) -> bool:
    """A radio group written as a row of numbered segments rather than a list: three or more
    consecutive numbers, with words at most on the first and last (a rating's anchors)."""
    points = numbered_points(field)
    return points is not None and len(points) >= SCALE_POINTS and not any(w for _n, w in points[1:-1])


def _row_classes(count: int) -> str:
    """Columns of the segments: as few rows as fit on a phone, balanced (1–10: two rows of five)."""
    phone = ceil(count / ceil(count / PHONE_ROW))
    wide = count if count <= WIDE_ROW else ceil(count / 2)
    return f"options scale cols-{phone} wide-{wide}"


def _point_words(points: list[tuple[str, str]]) -> str:
    return "".join(f"<li>{escape(number)} — {escape(words)}</li>" for number, words in points if words)


def keyed_matrix(fields: list) -> bool:
    """Whether a matrix's rows are answered against one key: rows of numbered points that are
    many (more than ``LONG_MATRIX``), or that have six points or more with words on the middle ones."""
    points = numbered_points(fields[0]) if fields else None
    if points is None:
        return False
    middle_words = any(words for _number, words in points[1:-1])
    return len(fields) > LONG_MATRIX or (len(points) >= KEYED_POINTS and middle_words)


def scale_key(fields: list) -> Markup:
    """The key above a keyed matrix: each point that carries words, once (empty if none does)."""
    points = numbered_points(fields[0]) if fields else None
    words = _point_words(points or [])
    return Markup(f'<ul class="scale-key">{words}</ul>' if words else "")


def _open(field, legend, classes: str) -> tuple[list[str], dict]:
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
        f'<fieldset id="{field_id}" tabindex="-1" class="{classes}{" invalid" if invalid else ""}"{described}>',
        f"<legend>{escape(legend)}</legend>",
        field_errors(field),
    ]
    return out, base


def _inputs(field, base):
    for number, choice in enumerate(field.iter_choices()):
        option_id = f"{field.id}-{number}"
        attrs = {**base, **(choice.render_kw or {}), "id": option_id, "value": str(choice.value)}
        attrs["checked"] = bool(choice.selected)
        yield escape(option_id), f"<input{_attributes(attrs)}>", choice


def scale_markup(field, legend, keyed: bool = False) -> Markup:
    """A radio group of numbers as a row of segments: the input, then its label showing the
    number, with the point's words hidden but read out. ``keyed``: the words are in the
    matrix's key, so the row does not repeat them."""
    points = numbered_points(field)
    out, base = _open(field, legend, "field scale")
    out.append(f'<ul class="{_row_classes(len(points))}">')
    for (option_id, control, _choice), (number, words) in zip(_inputs(field, base), points, strict=True):
        hidden = f'<span class="visually-hidden"> — {escape(words)}</span>' if words else ""
        out.append(f'<li>{control}<label for="{option_id}">{escape(number)}{hidden}</label></li>')
    out.append("</ul>")
    if not keyed and any(words for _n, words in points):
        out.append(f'<ul class="scale-ends">{_point_words(points)}</ul>')
    out.append("</fieldset>")
    return Markup("\n".join(out))


def choices_markup(field, legend, keyed: bool = False) -> Markup:
    """A ``RadioField`` or ``MultiCheckboxField`` as a fieldset of labelled inputs: a row of
    segments for a scale (or for any numbered row of a keyed matrix), else a list."""
    if (keyed and numbered_points(field)) or is_scale(field):
        return scale_markup(field, legend, keyed)
    out, base = _open(field, legend, "field")
    out.append('<ul class="options">')
    for option_id, control, choice in _inputs(field, base):
        label = choice.label if choice.label else choice.value
        out.append(f'<li><label for="{option_id}">{control} <span>{escape(label)}</span></label></li>')
    out.append("</ul>\n</fieldset>")
    return Markup("\n".join(out))
