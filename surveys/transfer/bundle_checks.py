"""Checking a campaign bundle before anything is written: its shape, its cross-references, and
what it would clash with in this database. Every problem comes back with its path."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from flask_babel import gettext as _
from marshmallow import ValidationError

from surveys.core.answers import check_answers
from surveys.core.errors import SurveysError
from surveys.core.models import Campaign, Organisation, Pair, Participant, Programme
from surveys.extensions import db
from surveys.state import get_state
from surveys.transfer.bundle_schema import ROOT, BundleProblem, BundleSchema, flatten_errors, path_key
from surveys.workspace import is_archived


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

    def unique(self, key: str, field: str, message: str) -> set[str]:
        """The values of ``field`` in the list ``key``, reporting repeats with ``message`` (a translated
        text with ``%(value)s`` and ``%(other)s``, the path of the first one)."""
        seen: dict[str, int] = {}
        for index, item in _items(self.data, key):
            value = _text(item, field)
            if value is None:
                continue
            if value in seen:
                self.problem(f"{key}[{index}].{field}", message % {"value": value, "other": f"{key}[{seen[value]}]"})
            else:
                seen[value] = index
        return set(seen)

    def run(self) -> None:
        codes = self.unique("participants", "code", _("duplicate code '%(value)s' (also %(other)s)"))
        waves = self.unique(
            "waves",
            "name",
            _("duplicate wave name '%(value)s' (also %(other)s): responses name their wave, so rename one of them"),
        )
        instruments = self.instruments()
        self.forms()
        self.hashes(codes)
        self.personal_data(codes)
        self.pairs(codes)
        self.responses(codes, waves, instruments)
        self.archived()

    def archived(self) -> None:
        """A bundle never writes into an archived programme or campaign of this organisation (the ones it
        would match by name): they are read-only (docs/workspace.md)."""
        if self.organisation is None:
            return
        for key, model in (("programme", Programme), ("campaign", Campaign)):
            name = _text(self.data.get(key), "name") if isinstance(self.data.get(key), dict) else None
            query = db.select(model).filter_by(organisation_id=self.organisation.id, name=name).order_by(model.id)
            found = db.session.execute(query).scalars().first() if name else None
            if found is not None and is_archived(found):
                self.problem(f"{key}.name", _("'%(name)s' is archived here: it can be read, not changed", name=name))

    def instruments(self) -> set[str]:
        ids = self.unique("instruments", "id", _("duplicate instrument '%(value)s' (also %(other)s)"))
        registry = get_state().registry.instruments
        for index, item in _items(self.data, "instruments"):
            instrument_id = _text(item, "id")
            if instrument_id is None:
                continue
            loaded = registry.get(instrument_id)
            if loaded is None:
                message = _("unknown instrument '%(id)s': not loaded here", id=instrument_id)
                self.problem(f"instruments[{index}].id", message)
            elif isinstance(item.get("version"), str) and item["version"] != loaded.version:
                self.warnings.append(
                    BundleProblem(
                        f"instruments[{index}].version",
                        _(
                            "the bundle has version %(theirs)s, this server %(ours)s: "
                            "scores are recomputed with version %(ours)s",
                            theirs=item["version"],
                            ours=loaded.version,
                        ),
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
                        _(
                            "duplicate form '%(name)s' (also %(other)s)",
                            name=name,
                            other=f"programme.forms[{seen[name]}]",
                        ),
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
                    _("the same hash as %(other)s", other=f"participants[{by_hash[digest][0]}]"),
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
                    _("this hash belongs to another participant in this database"),
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
                    _("participant '%(code)s' of this organisation has another pseudonym hash", code=found.code),
                )

    def personal_data(self, codes: set[str]) -> None:
        seen: set[str] = set()
        for index, item in _items(self.data, "personal_data"):
            code = _text(item, "code")
            if code is None:
                continue
            if code not in codes:
                self.problem(f"personal_data[{index}].code", _("unknown participant '%(code)s'", code=code))
            if code in seen:
                self.problem(f"personal_data[{index}].code", _("duplicate code '%(code)s'", code=code))
            seen.add(code)

    def pairs(self, codes: set[str]) -> None:
        if not isinstance(self.data.get("programme"), dict) and any(_items(self.data, "pairs")):
            self.problem("pairs", _("pairs belong to a programme, and the bundle has none"))
        for index, item in _items(self.data, "pairs"):
            mentor = _text(item, "mentor")
            if mentor is not None and mentor not in codes:
                self.problem(f"pairs[{index}].mentor", _("unknown participant '%(code)s'", code=mentor))
            mentees = item.get("mentees")
            if not isinstance(mentees, list):
                continue
            listed: set[str] = set()
            for position, mentee in enumerate(mentees):
                if not isinstance(mentee, str):
                    continue
                where = f"pairs[{index}].mentees[{position}]"
                if mentee not in codes:
                    self.problem(where, _("unknown participant '%(code)s'", code=mentee))
                elif mentee == mentor:
                    self.problem(where, _("the mentor cannot be their own mentee"))
                elif mentee in listed:
                    self.problem(where, _("'%(code)s' is listed twice", code=mentee))
                listed.add(mentee)
        self.pair_clashes(codes)

    def pair_clashes(self, codes: set[str]) -> None:
        """One pair per mentor and mentee in a programme (the database's rule): a mentee may not be in two
        different pairs of the same mentor, in the bundle or in the programme already here. (A pair
        repeated with the same mentees is the same pair, and matches the one already here.) Pairs naming an
        unknown participant are left out: that is reported already."""
        taken = self.existing_pairs()
        for index, item in _items(self.data, "pairs"):
            mentor, mentees = _text(item, "mentor"), item.get("mentees")
            if mentor is None or not isinstance(mentees, list):
                continue
            group = frozenset(m for m in mentees if isinstance(m, str))
            if mentor not in codes or not group <= codes:
                continue
            for position, mentee in enumerate(mentees):
                if not isinstance(mentee, str) or mentee == mentor:
                    continue
                other = taken.setdefault((mentor, mentee), (group, f"pairs[{index}]"))
                if other[0] != group:
                    message = _(
                        "'%(mentor)s' and '%(mentee)s' are already paired (%(other)s): one pair per mentor and "
                        "mentee in a programme",
                        mentor=mentor,
                        mentee=mentee,
                        other=other[1],
                    )
                    self.problem(f"pairs[{index}].mentees[{position}]", message)

    def existing_pairs(self) -> dict[tuple[str, str], tuple[frozenset, str]]:
        """(mentor code, mentee code) → (the pair's mentees, where) for the pairs of the programme the bundle
        would write into, when it exists here."""
        programme = self.data.get("programme")
        name = _text(programme, "name") if isinstance(programme, dict) else None
        if self.organisation is None or name is None:
            return {}
        query = db.select(Programme.id).filter_by(organisation_id=self.organisation.id, name=name)
        programme_id = db.session.execute(query.order_by(Programme.id)).scalars().first()
        if programme_id is None:
            return {}
        found: dict[tuple[str, str], tuple[frozenset, str]] = {}
        for pair in db.session.execute(db.select(Pair).filter_by(programme_id=programme_id)).scalars():
            group = frozenset(m.participant.code for m in pair.mentees)
            for mentee in group:
                found[(pair.mentor.code, mentee)] = (group, _("a pair already in the programme «%(name)s»", name=name))
        return found

    def responses(self, codes: set[str], waves: set[str], instruments: set[str]) -> None:
        seen: dict[tuple, int] = {}
        for index, item in _items(self.data, "responses"):
            participant, wave, instrument = _text(item, "participant"), _text(item, "wave"), _text(item, "instrument")
            if participant is not None and participant not in codes:
                self.problem(f"responses[{index}].participant", _("unknown participant '%(code)s'", code=participant))
            if wave is not None and wave not in waves:
                self.problem(f"responses[{index}].wave", _("unknown wave '%(name)s'", name=wave))
            if instrument is not None and instrument not in instruments:
                message = _("'%(id)s' is not one of the bundle's instruments", id=instrument)
                self.problem(f"responses[{index}].instrument", message)
            self.answers(index, item, instrument)
            key = (wave, participant, instrument)
            if None not in key and key in seen:
                self.problem(
                    f"responses[{index}]",
                    _("a second response to the same wave and instrument (%(other)s)", other=f"responses[{seen[key]}]"),
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
        raise BundleError([BundleProblem(ROOT, _("must be a JSON object"))])
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
