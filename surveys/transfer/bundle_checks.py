"""Checking a campaign bundle before anything is written: its shape, its cross-references, and
what it would clash with in this database. Every problem comes back with its path."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from marshmallow import ValidationError

from surveys.core.answers import check_answers
from surveys.core.errors import SurveysError
from surveys.core.models import Organisation, Participant
from surveys.extensions import db
from surveys.state import get_state
from surveys.transfer.bundle_schema import ROOT, BundleProblem, BundleSchema, flatten_errors, path_key


class BundleError(SurveysError):
    """A bundle cannot be imported; carries every problem found, each with its path."""

    def __init__(self, problems: list[BundleProblem]):
        self.problems = sorted(problems, key=path_key)
        super().__init__("\n".join(str(p) for p in self.problems))


def _items(data: dict, key: str) -> Iterator[tuple[int, dict]]:
    """(index, entry) for the entries of ``data[key]`` that are mappings; the schema reports the rest."""
    value = data.get(key)
    if isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, dict):
                yield index, item


def _text(item: dict, key: str) -> str | None:
    value = item.get(key)
    return value if isinstance(value, str) else None


class _Checker:
    """Cross-reference checks. They read the raw data defensively, so that they run (and report)
    even when the schema has found problems elsewhere in the file."""

    def __init__(self, data: dict, organisation: Organisation | None):
        self.data = data
        self.organisation = organisation
        self.problems: list[BundleProblem] = []
        self.warnings: list[BundleProblem] = []

    def problem(self, path: str, message: str) -> None:
        self.problems.append(BundleProblem(path, message))

    def unique(self, key: str, field: str, what: str, hint: str = "") -> set[str]:
        """The values of ``field`` in the list ``key``, reporting repeats."""
        seen: dict[str, int] = {}
        for index, item in _items(self.data, key):
            value = _text(item, field)
            if value is None:
                continue
            if value in seen:
                self.problem(f"{key}[{index}].{field}", f"duplicate {what} '{value}' (also {key}[{seen[value]}]){hint}")
            else:
                seen[value] = index
        return set(seen)

    def run(self) -> None:
        codes = self.unique("participants", "code", "code")
        waves = self.unique("waves", "name", "wave name", ": responses name their wave, so rename one of them")
        instruments = self.instruments()
        self.forms()
        self.hashes(codes)
        self.personal_data(codes)
        self.pairs(codes)
        self.responses(codes, waves, instruments)

    def instruments(self) -> set[str]:
        ids = self.unique("instruments", "id", "instrument")
        registry = get_state().registry.instruments
        for index, item in _items(self.data, "instruments"):
            instrument_id = _text(item, "id")
            if instrument_id is None:
                continue
            loaded = registry.get(instrument_id)
            if loaded is None:
                self.problem(f"instruments[{index}].id", f"unknown instrument '{instrument_id}': not loaded here")
            elif isinstance(item.get("version"), str) and item["version"] != loaded.version:
                self.warnings.append(
                    BundleProblem(
                        f"instruments[{index}].version",
                        f"the bundle has version {item['version']}, this server {loaded.version}: "
                        f"scores are recomputed with version {loaded.version}",
                    )
                )
        return ids

    def forms(self) -> None:
        programme = self.data.get("programme")
        if isinstance(programme, dict):
            seen: dict[str, int] = {}
            for index, item in _items(programme, "forms"):
                name = _text(item, "name")
                if name is not None and name in seen:
                    self.problem(
                        f"programme.forms[{index}].name",
                        f"duplicate form '{name}' (also programme.forms[{seen[name]}])",
                    )
                elif name is not None:
                    seen[name] = index

    def hashes(self, codes: set[str]) -> None:
        """Pseudonym hashes are unique in the whole database: a hash may only come back to its own code."""
        by_hash: dict[str, tuple[int, str]] = {}
        for index, item in _items(self.data, "participants"):
            digest, code = _text(item, "pseudonym_hash"), _text(item, "code")
            if not digest or code is None:
                continue
            if digest in by_hash:
                self.problem(
                    f"participants[{index}].pseudonym_hash",
                    f"the same hash as participants[{by_hash[digest][0]}]",
                )
            else:
                by_hash[digest] = (index, code)
        if not by_hash:
            return
        query = db.select(Participant).where(Participant.pseudonym_hash.in_(list(by_hash)))
        for found in db.session.execute(query).scalars():
            index, code = by_hash[found.pseudonym_hash]
            mine = self.organisation is not None and found.organisation_id == self.organisation.id
            if not mine or found.code != code:
                self.problem(
                    f"participants[{index}].pseudonym_hash",
                    "this hash belongs to another participant in this database",
                )
        if self.organisation is None:
            return
        wanted = {code: (index, digest) for digest, (index, code) in by_hash.items()}
        query = db.select(Participant).where(
            Participant.organisation_id == self.organisation.id,
            Participant.code.in_(list(wanted)),
            Participant.pseudonym_hash.is_not(None),
        )
        for found in db.session.execute(query).scalars():
            index, digest = wanted[found.code]
            if found.pseudonym_hash != digest:
                self.problem(
                    f"participants[{index}].pseudonym_hash",
                    f"participant '{found.code}' of this organisation has another pseudonym hash",
                )

    def personal_data(self, codes: set[str]) -> None:
        seen: set[str] = set()
        for index, item in _items(self.data, "personal_data"):
            code = _text(item, "code")
            if code is None:
                continue
            if code not in codes:
                self.problem(f"personal_data[{index}].code", f"unknown participant '{code}'")
            if code in seen:
                self.problem(f"personal_data[{index}].code", f"duplicate code '{code}'")
            seen.add(code)

    def pairs(self, codes: set[str]) -> None:
        if not isinstance(self.data.get("programme"), dict) and any(_items(self.data, "pairs")):
            self.problem("pairs", "pairs belong to a programme, and the bundle has none")
        for index, item in _items(self.data, "pairs"):
            mentor = _text(item, "mentor")
            if mentor is not None and mentor not in codes:
                self.problem(f"pairs[{index}].mentor", f"unknown participant '{mentor}'")
            mentees = item.get("mentees")
            if not isinstance(mentees, list):
                continue
            listed: set[str] = set()
            for position, mentee in enumerate(mentees):
                if not isinstance(mentee, str):
                    continue
                where = f"pairs[{index}].mentees[{position}]"
                if mentee not in codes:
                    self.problem(where, f"unknown participant '{mentee}'")
                elif mentee == mentor:
                    self.problem(where, "the mentor cannot be their own mentee")
                elif mentee in listed:
                    self.problem(where, f"'{mentee}' is listed twice")
                listed.add(mentee)

    def responses(self, codes: set[str], waves: set[str], instruments: set[str]) -> None:
        seen: dict[tuple, int] = {}
        for index, item in _items(self.data, "responses"):
            participant, wave, instrument = _text(item, "participant"), _text(item, "wave"), _text(item, "instrument")
            if participant is not None and participant not in codes:
                self.problem(f"responses[{index}].participant", f"unknown participant '{participant}'")
            if wave is not None and wave not in waves:
                self.problem(f"responses[{index}].wave", f"unknown wave '{wave}'")
            if instrument is not None and instrument not in instruments:
                self.problem(f"responses[{index}].instrument", f"'{instrument}' is not one of the bundle's instruments")
            self.answers(index, item, instrument)
            key = (wave, participant, instrument)
            if None not in key and key in seen:
                self.problem(
                    f"responses[{index}]", f"a second response to the same wave and instrument (responses[{seen[key]}])"
                )
            elif None not in key:
                seen[key] = index

    def answers(self, index: int, item: dict, instrument_id: str | None) -> None:
        """The response's answers, by the core's rules (a submitted one must be complete)."""
        state = get_state()
        instrument = state.registry.instruments.get(instrument_id) if instrument_id else None
        answers = item.get("answers")
        if instrument is None or not isinstance(answers, dict):
            return  # reported above or by the schema
        final = item.get("status") == "submitted"
        check = check_answers(state.registry.question_types, instrument, answers, final=final)
        for key, messages in check.problems.items():
            for message in messages:
                self.problem(f"responses[{index}].answers.{key}", message)


def check_bundle(data: Any, organisation: Organisation | None = None) -> tuple[dict, list[BundleProblem]]:
    """Validate a bundle against the format and this database, writing nothing.

    Returns the loaded bundle (datetimes parsed) and the warnings; raises :class:`BundleError`
    with every problem found, each with its path (``participants[12].role: …``).
    """
    if not isinstance(data, dict):
        raise BundleError([BundleProblem(ROOT, "must be a JSON object")])
    problems: list[BundleProblem] = []
    loaded: dict = {}
    try:
        loaded = BundleSchema().load(data)
    except ValidationError as err:
        problems += flatten_errors(err.messages)
    checker = _Checker(data, organisation)
    checker.run()
    problems += checker.problems
    if problems:
        raise BundleError(problems)
    return loaded, sorted(checker.warnings, key=path_key)
