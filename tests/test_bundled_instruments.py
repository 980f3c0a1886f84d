"""Every questionnaire file shipped in plugins/ and instruments/ loads and names its source."""

from __future__ import annotations

from pathlib import Path

import pytest

from surveys.core.loader import SUFFIXES, load_instrument
from surveys.core.question_types import built_in_types

ROOT = Path(__file__).resolve().parents[1]
FILES = sorted(
    p
    for folder in ("plugins", "instruments")
    for p in (ROOT / folder).rglob("*")
    if p.suffix in SUFFIXES and p.is_file() and "templates" not in p.parts
)
TYPES = built_in_types()


def test_there_are_bundled_instruments():
    names = {p.name for p in FILES}
    assert {"gad7.yaml", "cbi.yaml", "satisfaction_mentee.yaml", "programme_feedback.yaml"} <= names
    meetings = {"first_meeting_mentor", "first_meeting_mentee", "meeting_diary", "final_meeting"}
    assert {f"{name}.yaml" for name in meetings} <= names


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_bundled_instrument_loads_without_error(path):
    instrument = load_instrument(path, TYPES)
    assert instrument.questions()


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_bundled_instrument_has_a_licence_with_a_citation(path):
    licence = load_instrument(path, TYPES).licence
    assert licence is not None, "every bundled instrument must say where its items come from"
    assert licence.citation.strip() and licence.licence.strip()


def test_bundled_instrument_ids_are_unique():
    ids = [load_instrument(p, TYPES).id for p in FILES]
    assert len(ids) == len(set(ids))
