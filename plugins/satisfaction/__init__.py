"""Satisfaction with mentoring: expectations (input wave) vs reality (output wave), ratings 1–10.

Four questionnaires, two per role: ``satisfaction_exp_mentee`` / ``_mentor`` for the
input wave and ``satisfaction_mentee`` / ``satisfaction_mentor`` for the output wave. Each pair
shares its six rating ids, so the ``satisfaction_gap`` analysis can pair a participant's expected
and real rating of each item. The indices are declarative ``mean`` scales, scored by the core.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from surveys import hookimpl
from surveys.core.contracts import Analysis, Sheet, WavePair
from surveys.core.export_labels import locale, role_label
from surveys.core.published import counted
from surveys.plugins import files_beside

from .gap import INDEX, INSTRUMENTS, REAL, default_waves, expectation_gaps

COLUMNS = ["role", "item", "item_id", "wave_expected", "wave_real", "n", "mean_expected", "mean_real", "mean_gap"]
HEADERS = {
    "role": _l("Role"),
    "item": _l("Item"),
    "item_id": _l("Item id"),
    "wave_expected": _l("Wave of expectations"),
    "wave_real": _l("Wave of reality"),
    "n": "n",
    "mean_expected": _l("Mean expected"),
    "mean_real": _l("Mean real"),
    "mean_gap": _l("Mean gap (real − expected)"),
}
MEANS = ("mean_expected", "mean_real", "mean_gap")  # shown with 2 decimals, the cells keep the full value


def run(data: WavePair):
    """Per role and item: n, mean expected (``data.before``), mean real (``data.after``), mean gap."""
    return expectation_gaps(data.tables, data.before, data.after)


@hookimpl
def surveys_register_instruments():
    """The four questionnaires in this folder (expectations and satisfaction, mentor and mentee)."""
    return files_beside(__file__)


@hookimpl
def surveys_register_analyses():
    """The expected-vs-real gap, a ``wave_pair`` analysis: ``run(WavePair)`` returns a list of ``Gap``.

    It has no view of its own (no ``endpoint``); the export sheet below shows its result.
    """
    return [
        Analysis(
            name="satisfaction_gap",
            title="Satisfaction: expected vs real",
            applies_to="wave_pair",
            run=run,
        )
    ]


@hookimpl
def surveys_export_sheets(campaign, tables):
    """A ``satisfaction gap`` sheet: the gap analysis between the first input and the last output wave.

    Nothing when no one answered a satisfaction questionnaire or the campaign has fewer than two
    waves. n and the three means of a row are computed for any group and wrapped in ``counted`` with
    the codes of the participants with both answers: the export's disclosure policy hides them
    («<5») in aggregated workbooks, and the psychologist's individual export shows them.
    """
    if not tables.has_answers_to(INSTRUMENTS):
        return None
    waves = default_waves(tables.waves)
    if waves is None:
        return None
    before, after = waves
    from surveys.instruments import catalogue

    instruments = catalogue(campaign.organisation_id) if campaign is not None else {}
    rows = []
    for g in expectation_gaps(tables, before.id, after.id, min_group=1):
        values = (g.n, g.mean_expected, g.mean_real, g.mean_gap)
        item = _item_title(instruments, g.role, g.item)
        cells = [role_label(g.role), item, g.item, before.name, after.name]
        rows.append([*cells, *(counted(v, g.participants) for v in values)])
    description = _("Satisfaction: expected (input wave) against real (output wave) per item, and the gap.")
    sheet = Sheet(
        _("Satisfaction gap"),
        [str(HEADERS[key]) for key in COLUMNS],
        rows,
        number_formats={COLUMNS.index(key): "0.00" for key in MEANS},
        widths=[14, 50, 16, 24, 24, 6, 10, 10, 12],
        description=description,
        key="satisfaction gap",
        keys=list(COLUMNS),
    )
    return [sheet]


def _item_title(instruments, role: str, item: str) -> str:
    """An item's text in the export's language, from the role's satisfaction questionnaire (its id when
    the questionnaire is not loaded); the index row is named as such."""
    if item == INDEX:
        return _("Satisfaction index (expectations and satisfaction scales)")
    instrument = instruments.get(next(i for i, r in REAL.items() if r == role))
    question = instrument.question(item) if instrument is not None else None
    return question.text.get(locale()) if question is not None else item
