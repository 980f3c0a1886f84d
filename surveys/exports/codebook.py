"""The export's codebook: every item with its text and answer codes, every scale with its key and bands."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from flask_babel import gettext as _

from surveys.core.contracts import Sheet
from surveys.core.definitions import Instrument
from surveys.core.export_labels import codebook_kind_label, headers, locale, sheet_name, type_label
from surveys.core.question_base import OTHER, other_key
from surveys.core.question_types import choices_of, rating_choices

CODEBOOK_COLUMNS = ["instrument_id", "kind", "id", "question_id", "type", "text", "code", "label", "details"]


def _code_row(instrument_id: str, kind: str, id_: str, **cells: Any) -> list[Any]:
    """One codebook row: every column present, in CODEBOOK_COLUMNS order; the kind and the type in words."""
    row = dict.fromkeys(CODEBOOK_COLUMNS)
    row.update(instrument_id=instrument_id, kind=codebook_kind_label(kind), id=id_, **cells)
    row["type"] = type_label(row["type"])
    return [row[c] for c in CODEBOOK_COLUMNS]


def _codebook_rows(instruments: list[str], available: Mapping[str, Instrument]) -> Iterator[list[Any]]:
    language = locale()
    for instrument_id in instruments:
        instrument = available.get(instrument_id)
        if instrument is None:
            yield _code_row(instrument_id, "instrument", instrument_id, text=_("not loaded any more"))
            continue
        yield _code_row(
            instrument_id,
            "instrument",
            instrument_id,
            text=instrument.title.get(language),
            details=_("version %(version)s", version=instrument.version),
        )
        for question in instrument.questions():
            yield from _question_rows(instrument_id, question, language)
        for scale in instrument.scales:
            yield _code_row(
                instrument_id,
                "scale",
                scale.id,
                type=scale.method,
                text=scale.title.get(language),
                details=_scale_details(scale),
            )
            for band in scale.bands:
                yield _code_row(
                    instrument_id,
                    "band",
                    band.id,
                    question_id=scale.id,
                    text=band.label.get(language),
                    details=f"{band.min}–{band.max}",
                )


def _scale_details(scale) -> str:
    """A scale's key in words: its items (ids), the reversed ones, which way is better."""
    parts = [_("items: %(items)s", items=", ".join(scale.items))]
    if scale.reverse:
        parts.append(_("reversed: %(items)s", items=", ".join(scale.reverse)))
    if scale.higher_is == "better":
        parts.append(_("higher is better"))
    elif scale.higher_is == "worse":
        parts.append(_("higher is worse"))
    elif scale.higher_is:
        parts.append(str(scale.higher_is))
    return "; ".join(parts)


def _question_rows(instrument_id: str, question, language: str) -> Iterator[list[Any]]:
    text = question.text.get(language)
    if question.type == "note":
        return
    if question.type == "matrix":
        if "choices" in question.options:
            pairs = [(c.value, c.label.get(language)) for c in choices_of(question)]
        else:
            pairs = rating_choices(question.options, language)
        for item in question.options["items"]:
            row_text = f"{text} — {item['text'].get(language)}"
            yield _code_row(instrument_id, "item", item["id"], question_id=question.id, type="matrix", text=row_text)
            for value, label in pairs:
                yield _code_row(
                    instrument_id, "code", item["id"], question_id=question.id, type="matrix", code=value, label=label
                )
        return
    kind = question.type
    yield _code_row(instrument_id, "item", question.id, question_id=question.id, type=kind, text=text)
    codes: list[tuple[Any, Any]] = []
    if kind in ("single_choice", "multiple_choice"):
        codes = [(c.value, c.label.get(language)) for c in choices_of(question)]
        if question.options.get("other"):
            codes.append((OTHER, _("other")))
    elif kind == "rating":
        codes = rating_choices(question.options, language)
    elif kind == "yes_no":
        codes = [(1, _("Yes")), (0, _("No"))]
    for value, label in codes:
        yield _code_row(instrument_id, "code", question.id, question_id=question.id, type=kind, code=value, label=label)
    if kind in ("single_choice", "multiple_choice") and question.options.get("other"):
        yield _code_row(
            instrument_id,
            "item",
            other_key(question.id),
            question_id=question.id,
            type="text",
            text=_("«Other»: the text"),
        )


def codebook_sheet(instruments: list[str], available: Mapping[str, Instrument]) -> Sheet:
    """Every instrument of ``instruments`` as ``available`` defines it (``catalogue`` of the organisation)."""
    return Sheet(
        sheet_name("codebook"),
        headers(CODEBOOK_COLUMNS),
        _codebook_rows(instruments, available),
        widths=[18, 10, 18, 16, 14, 60, 8, 30, 40],
        description=_("Codebook: every item with its text and answer codes, every scale with its key and bands."),
        key="codebook",
        keys=list(CODEBOOK_COLUMNS),
    )
