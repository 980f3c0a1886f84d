"""Importing a batch of submitted answers sent as JSON, through the paper import (``surveys/paper.py``).

Each row is checked by the core's answer check (``core/answers.py``), the same rules as a
participant's page and a paper row (``show_if`` conditions hold, an answer to a question that is
not asked is dropped); participants are matched and refused as a
paper import does them. Only when every row of the batch is good is anything written, and then
``import_paper`` stores and scores it: a row already imported with the same answers is left
unchanged, so sending a batch twice changes nothing the second time.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from flask_babel import get_locale
from flask_babel import gettext as _

from surveys.instruments import instrument_for

# The paper import's own row checks, participant matching and duplicate rule are used on purpose,
# so that a row sent to the API is judged exactly as the same row typed into a paper template.
from surveys.transfer import (
    FilledRow,
    PaperError,
    PaperImportResult,
    Problem,
    assignment_of,
    import_paper,
    mark_duplicates,
    plan_rows,
)

from ..core.answers import check_answers
from ..core.definitions import Instrument
from ..core.models import Wave
from ..extensions import db
from ..state import get_state


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
    rows: list[FilledRow] = field(default_factory=list)


def _read_row(index: int, row: dict[str, Any], group: _Group, registry) -> FilledRow:
    """Check one row's answers with the core's rules for a whole response; problems are named by path."""
    path = f"responses.{index}"
    filled = FilledRow(index, row["participant"].strip(), f"{path}.participant", {})
    answers = row["answers"]
    if all(value is None for value in answers.values()):
        filled.problems.append(Problem(f"{path}.answers", _("Give at least one answer."), index))
    types = registry.question_types
    check = check_answers(types, group.instrument, answers, final=True, locale=str(get_locale()))
    for key, messages in check.problems.items():
        for message in messages:
            filled.problems.append(Problem(f"{path}.answers.{key}", message, index))
    filled.answers = check.answers
    return filled


def _group_rows(wave: Wave, rows: list[dict[str, Any]], problems: list[Problem]) -> dict[str, _Group]:
    """The rows by questionnaire, each checked; a questionnaire the campaign lacks is a problem of its row."""
    registry = get_state().registry
    campaign = wave.campaign
    groups: dict[str, _Group] = {}
    for index, row in enumerate(rows):
        instrument_id = row["instrument"]
        group = groups.get(instrument_id)
        if group is None:
            found = instrument_for(campaign.organisation_id, instrument_id)
            if found is None or assignment_of(campaign, instrument_id) is None:
                message = _("The questionnaire %(id)s is not part of this campaign.", id=instrument_id)
                problems.append(Problem(f"responses.{index}.instrument", message, index))
                continue
            group = groups[instrument_id] = _Group(found)
        group.rows.append(_read_row(index, row, group, registry))
    return groups


def check_batch(wave: Wave, rows: list[dict[str, Any]], replace_online: bool = False) -> dict[str, _Group]:
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
            matched = PaperImportResult(mode="all_or_nothing")
            unmarked = [dataclasses.replace(row, problems=[]) for row in group.rows]
            plan_rows(wave, group.instrument, unmarked, matched, set(), replace_online)
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


def import_batch(wave: Wave, rows: list[dict[str, Any]], replace_online: bool = False) -> BatchResult:
    """Check the whole batch, then store it as submitted, scored responses of ``wave``.

    Raises BatchRejected (nothing is written) or BatchConflict (answers for the same people were
    saved meanwhile: send the batch again; what was written is not written twice).
    """
    groups = check_batch(wave, rows, replace_online)
    result = BatchResult(rows=len(rows), instruments=sorted(groups))
    for group in groups.values():
        try:
            done = import_paper(
                wave, group.instrument, group.rows, "all_or_nothing", source="api", replace_online=replace_online
            )
        except PaperError as err:
            raise BatchConflict(str(err)) from err
        if done.problems:  # a participant answered online between the check and the import
            raise BatchConflict("; ".join(str(p) for p in done.problems))
        result.created += done.created
        result.updated += done.updated
        result.unchanged += done.unchanged
    return result
