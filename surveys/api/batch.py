"""Importing a batch of submitted answers sent as JSON, through the paper import (``surveys/paper.py``).

Each row is turned into what a participant's form would post and checked page by page with the
same WTForms checks as a participant's page and a paper row (``show_if`` conditions hold, an
answer to a question that is not asked is dropped); participants are matched and refused as a
paper import does them. Only when every row of the batch is good is anything written, and then
``import_paper`` stores and scores it: a row already imported with the same answers is left
unchanged, so sending a batch twice changes nothing the second time.
"""

from __future__ import annotations

import dataclasses
import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from ..core.definitions import Instrument
from ..core.models import Wave
from ..extensions import db

# The paper import's own row checks, participant matching and duplicate rule are used on purpose,
# so that a row sent to the API is judged exactly as the same row typed into a paper template.
from ..paper import (
    FilledRow,
    ImportResult,
    PaperError,
    Problem,
    assignment_of,
    check_row,
    import_paper,
    mark_duplicates,
    plan_rows,
)
from ..paper_template import Column, columns
from ..state import get_state
from ..text_packs import instrument_for


class BatchRejected(Exception):
    """Something in the batch is wrong: ``problems`` maps each field's path to its messages."""

    def __init__(self, problems: dict[str, list[str]]):
        super().__init__(problems)
        self.problems = problems


class BatchConflict(Exception):
    """The same responses were written meanwhile; the batch can be sent again."""


@dataclass
class BatchResult:
    """What an import did, in rows."""

    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    instruments: list[str] = field(default_factory=list)


@dataclass
class _Group:
    """The rows of one questionnaire."""

    instrument: Instrument
    columns: dict[str, Column]
    rows: list[FilledRow] = field(default_factory=list)


def _scalar(value: Any) -> bool:
    return isinstance(value, str) or (isinstance(value, int | float) and not isinstance(value, bool))


def _typed(value: Any) -> str:
    """A number or text as a participant would type it: 3, not 3.0."""
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return str(int(value))
    return str(value)


def form_values(column: Column, value: Any) -> tuple[list[str], str | None]:
    """What a participant's form would post for ``value`` (a stored answer value), or a problem.

    Values are as ``GET …/responses`` gives them: a choice's value, a list for multiple choice,
    true/false for yes/no, a number, a text, a date as YYYY-MM-DD; null is no answer.
    """
    if value is None:
        return [], None
    if column.kind == "multiple":
        chosen = value if isinstance(value, list) else [value]
        if not all(_scalar(item) for item in chosen):
            return [], _("Give the values chosen as a list.")
        return [_typed(item) for item in chosen], None
    if isinstance(value, list | dict):
        return [], _("Give one value, not a list or an object.")
    if column.kind == "yes_no":
        if isinstance(value, bool):
            return ["yes" if value else "no"], None
        return [], _("Give true or false.")
    if isinstance(value, bool):
        return [], _("Give a value of this question, not true or false.")
    if column.kind in ("text", "date") and not isinstance(value, str):
        return [], _("Give a text.") if column.kind == "text" else _("Give a date as YYYY-MM-DD.")
    return [_typed(value)], None


def _read_row(index: int, row: dict[str, Any], group: _Group, registry) -> FilledRow:
    """Check one row's answers as a participant's pages would; problems are named by their path."""
    path = f"responses.{index}"
    filled = FilledRow(index, row["participant"].strip(), f"{path}.participant", {})
    answers = row["answers"]
    if all(value is None for value in answers.values()):
        filled.problems.append(Problem(f"{path}.answers", _("Give at least one answer."), index))
    formdata, wrong = MultiDict(), set()
    for key, value in answers.items():
        column = group.columns.get(key)
        if column is None or column.kind == "code":
            message = _("There is no answer %(key)s in this questionnaire.", key=key)
            filled.problems.append(Problem(f"{path}.answers.{key}", message, index))
            continue
        values, problem = form_values(column, value)
        if problem:
            filled.problems.append(Problem(f"{path}.answers.{key}", problem, index))
            wrong.add(key)
        for item in values:
            formdata.add(key, item)
    # The form's own checks, for every answer key but those already refused for their type.
    cells = {key: f"{path}.answers.{key}" for key in group.columns if key not in wrong}
    check_row(group.instrument, registry, filled, formdata, cells)
    return filled


def _group_rows(wave: Wave, rows: list[dict[str, Any]], problems: list[Problem]) -> dict[str, _Group]:
    """The rows by questionnaire, each checked; a questionnaire the campaign lacks is a problem of its row."""
    registry = get_state().registry
    campaign = wave.campaign
    groups: dict[str, _Group] = {}
    locale = str(get_locale())
    # The participant forms carry a CSRF token that Flask-WTF keeps in the session: build them in a
    # request context of their own, so that no session cookie is ever set on an API answer.
    with current_app.test_request_context():
        for index, row in enumerate(rows):
            instrument_id = row["instrument"]
            group = groups.get(instrument_id)
            if group is None:
                found = instrument_for(campaign.organisation_id, instrument_id)
                if found is None or assignment_of(campaign, instrument_id) is None:
                    message = _("The questionnaire %(id)s is not part of this campaign.", id=instrument_id)
                    problems.append(Problem(f"responses.{index}.instrument", message, index))
                    continue
                keyed = {column.key: column for column in columns(found, registry, locale)}
                group = groups[instrument_id] = _Group(found, keyed)
            group.rows.append(_read_row(index, row, group, registry))
    return groups


def check_batch(wave: Wave, rows: list[dict[str, Any]]) -> dict[str, _Group]:
    """Every row checked and matched to its participant; raises BatchRejected naming every problem."""
    problems: list[Problem] = []
    groups = _group_rows(wave, rows, problems)
    for group in groups.values():
        mark_duplicates(group.rows)
        for row in group.rows:
            problems.extend(row.problems)
        try:
            # Every row's participant is matched, also in rows whose answers have problems (the paper
            # import skips those rows); the locks it takes (PostgreSQL) stay until the import commits.
            matched = ImportResult(mode="all_or_nothing")
            unmarked = [dataclasses.replace(row, problems=[]) for row in group.rows]
            plan_rows(wave, group.instrument, unmarked, matched, set())
            problems.extend(matched.problems)
        except PaperError as err:  # pragma: no cover - the questionnaire was checked above
            problems.append(Problem(f"responses.{group.rows[0].row}.instrument", str(err), group.rows[0].row))
    if problems:
        db.session.rollback()
        found: dict[str, list[str]] = defaultdict(list)
        for problem in sorted(problems, key=lambda p: (p.row, p.cell)):
            found[problem.cell].append(problem.message)
        raise BatchRejected(dict(found))
    return groups


def import_batch(wave: Wave, rows: list[dict[str, Any]]) -> BatchResult:
    """Check the whole batch, then store it as submitted, scored responses of ``wave``.

    Raises BatchRejected (nothing is written) or BatchConflict (answers for the same people were
    saved meanwhile: send the batch again; what was written is not written twice).
    """
    groups = check_batch(wave, rows)
    result = BatchResult(rows=len(rows), instruments=sorted(groups))
    for group in groups.values():
        try:
            done = import_paper(wave, group.instrument, group.rows, "all_or_nothing", source="api")
        except PaperError as err:
            raise BatchConflict(str(err)) from err
        if done.problems:  # a participant answered online between the check and the import
            raise BatchConflict("; ".join(str(p) for p in done.problems))
        result.created += done.created
        result.updated += done.updated
        result.unchanged += done.unchanged
    return result
