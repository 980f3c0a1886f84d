"""Looking for a person everywhere: every row of every table, every cell of a workbook."""

from __future__ import annotations

import io

import openpyxl

from surveys.extensions import db


def participant_columns(table) -> list:
    """The columns of ``table`` that hold a participant's id (foreign keys to participant.id)."""
    return [c for c in table.columns if any(fk.target_fullname == "participant.id" for fk in c.foreign_keys)]


def traces_in_database(person_id: int, *needles: str) -> list[str]:
    """Where the database still names the person: a row holding one of ``needles`` (code, name) as
    text, or ``participant:<id>``, or a participant reference to ``person_id``; as "table: row"."""
    found = []
    for table in db.metadata.sorted_tables:
        references = participant_columns(table)
        for row in db.session.execute(table.select()).mappings():
            text = str(dict(row))
            named = [n for n in (*needles, f"participant:{person_id}") if n and n in text]
            pointing = [c.name for c in references if row[c.name] == person_id]
            if table.name == "participant" and row["id"] == person_id:
                pointing.append("id")
            if named or pointing:
                found.append(f"{table.name}: {named} {pointing} {text[:200]}")
    return found


def workbook_cells(data: bytes) -> list[str]:
    """Every non-empty cell of a workbook, as text."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    return [str(v) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for v in row if v is not None]
