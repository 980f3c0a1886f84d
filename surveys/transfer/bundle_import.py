"""Importing a campaign bundle: check everything, then write it in one transaction.

Rows are matched so that importing the same bundle again duplicates nothing; the rules are in
docs/bundle.md ("Importing again"). Scores are recomputed for submitted responses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from surveys.audit import add
from surveys.core.models import (
    Assignment,
    Campaign,
    Enrolment,
    MentoringForm,
    Organisation,
    Pair,
    PairMentee,
    Participant,
    PersonalData,
    Programme,
    Response,
    Wave,
    utcnow,
)
from surveys.extensions import db
from surveys.participation import store_scores
from surveys.state import get_state
from surveys.transfer.bundle_checks import check_bundle
from surveys.transfer.bundle_schema import BundleProblem

KINDS = (
    "campaigns",
    "programmes",
    "forms",
    "participants",
    "enrolments",
    "personal_data",
    "waves",
    "assignments",
    "pairs",
    "responses",
)
DEFAULT_ORGANISATION = "Организация (импорт)"


def audit(action: str, campaign: Campaign, user_id: int | None, details: dict[str, Any]) -> None:
    """Add an audit event about the campaign to the session (the caller commits)."""
    add(action, f"campaign:{campaign.id}", organisation_id=campaign.organisation_id, user_id=user_id, **details)


@dataclass
class BundleImportResult:
    """What an import did: the campaign it wrote to and, per kind, how many rows it created,
    updated or left unchanged."""

    organisation_id: int
    campaign_id: int
    organisation_created: bool
    counts: dict[str, dict[str, int]]
    scores_recomputed: int
    warnings: list[BundleProblem] = field(default_factory=list)


def _sync(row: Any, values: dict[str, Any]) -> bool:
    """Set the attributes that differ; True if any did."""
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


def _newer(stamp, row: Response) -> bool:
    """Whether a bundle's response stamped ``stamp`` (edited_at, else submitted_at) replaces ``row``."""
    if stamp is None:  # a response in progress never replaces anything
        return False
    mine = row.edited_at or row.submitted_at
    return mine is None or stamp > mine


def _first(query) -> Any:
    return db.session.execute(query).scalars().first()


class _Writer:
    """Writes a checked bundle into the session; the caller commits or rolls back."""

    def __init__(self, bundle: dict, organisation: Organisation | None, user_id: int | None):
        self.bundle = bundle
        self.user_id = user_id
        self.organisation = organisation
        self.counts = {kind: {"created": 0, "updated": 0, "unchanged": 0} for kind in KINDS}
        self.scores = 0

    def count(self, kind: str, created: bool, changed: bool = False) -> None:
        self.counts[kind]["created" if created else "updated" if changed else "unchanged"] += 1

    def write(self) -> BundleImportResult:
        created = self.organisation is None
        if created:
            self.organisation = Organisation(name=self.bundle.get("organisation") or DEFAULT_ORGANISATION)
            db.session.add(self.organisation)
            db.session.flush()
        programme = self.programme()
        campaign = self.campaign(programme)
        self.assignments(campaign)
        waves = self.waves(campaign)
        people = self.participants(programme)
        self.personal_data(people)
        self.pairs(programme, people)
        self.responses(waves, people)
        details = {
            "counts": self.counts,
            "personal_data": "personal_data" in self.bundle,
            "organisation_created": created,
            "scores_recomputed": self.scores,
        }
        audit("bundle.import", campaign, self.user_id, details)
        return BundleImportResult(self.organisation.id, campaign.id, created, self.counts, self.scores)

    def programme(self) -> Programme | None:
        spec = self.bundle.get("programme")
        if not spec:
            return None
        query = db.select(Programme).filter_by(organisation_id=self.organisation.id, name=spec["name"])
        programme = _first(query.order_by(Programme.id))
        self.count("programmes", programme is None)
        if programme is None:
            programme = Programme(organisation_id=self.organisation.id, name=spec["name"])
            db.session.add(programme)
        existing = {form.name: form for form in programme.forms}
        for position, form in enumerate(spec["forms"]):
            row = existing.get(form["name"])
            values = {"variants": list(form["variants"]), "position": position}
            if row is None:
                programme.forms.append(MentoringForm(name=form["name"], **values))
            self.count("forms", row is None, row is not None and _sync(row, values))
        db.session.flush()
        return programme

    def campaign(self, programme: Programme | None) -> Campaign:
        spec = self.bundle["campaign"]
        values = {
            "consent_mode": spec["consent_mode"],
            "consent_texts": dict(spec["consent_texts"]),
            "allow_editing": spec["allow_editing"],
            "support_contact": spec.get("support_contact", ""),
            "programme_id": programme.id if programme else None,
        }
        campaign = _first(
            db.select(Campaign).filter_by(organisation_id=self.organisation.id, name=spec["name"]).order_by(Campaign.id)
        )
        self.count("campaigns", campaign is None, campaign is not None and _sync(campaign, values))
        if campaign is None:
            campaign = Campaign(organisation_id=self.organisation.id, name=spec["name"], **values)
            db.session.add(campaign)
            db.session.flush()
        return campaign

    def assignments(self, campaign: Campaign) -> None:
        existing: dict[str, Assignment] = {}
        for assignment in campaign.assignments:
            existing.setdefault(assignment.instrument_id, assignment)
        for spec in self.bundle["instruments"]:
            row = existing.get(spec["id"])
            values = {
                "audience": list(spec["audience"]),
                "wave_kinds": list(spec.get("wave_kinds") or []),
                "forms": list(spec.get("forms") or []),  # bundles from before forms on assignments: every form
                "position": spec["position"],
                "added_at": spec.get("added_at"),  # bundles from before: asked from the start, not retired
                "retired_at": spec.get("retired_at"),
            }
            if row is None:
                campaign.assignments.append(Assignment(instrument_id=spec["id"], **values))
            self.count("assignments", row is None, row is not None and _sync(row, values))

    def waves(self, campaign: Campaign) -> dict[str, Wave]:
        existing: dict[str, Wave] = {}
        for wave in campaign.waves:
            existing.setdefault(wave.name, wave)
        for spec in self.bundle["waves"]:
            row = existing.get(spec["name"])
            values = {key: spec[key] for key in ("kind", "position", "opens_at", "closes_at", "closed")}
            if row is None:
                row = Wave(name=spec["name"], **values)
                campaign.waves.append(row)
                existing[row.name] = row
                self.count("waves", True)
            else:
                values["closed"] = values["closed"] or row.closed  # an import never reopens a wave
                self.count("waves", False, _sync(row, values))
        db.session.flush()
        return existing

    def participants(self, programme: Programme | None) -> dict[str, Participant]:
        query = db.select(Participant).filter_by(organisation_id=self.organisation.id)
        existing = {p.code: p for p in db.session.execute(query).scalars()}
        people: dict[str, Participant] = {}
        for spec in self.bundle["participants"]:
            standing = {"role": spec["role"], "form": spec["form"], "group_name": spec["group"]}
            row = existing.get(spec["code"])
            if row is None:
                row = Participant(
                    organisation_id=self.organisation.id,
                    programme_id=programme.id if programme else None,
                    code=spec["code"],
                    tags=list(spec["tags"]),
                    pseudonym_hash=spec["pseudonym_hash"],
                    **standing,
                )
                db.session.add(row)
                self.count("participants", True)
            else:
                own = list(row.tags or [])
                values: dict[str, Any] = {"tags": own + [t for t in spec["tags"] if t not in own]}
                if row.pseudonym_hash is None and spec["pseudonym_hash"]:
                    values["pseudonym_hash"] = spec["pseudonym_hash"]
                if programme is None:  # the campaign reaches people by their own standing
                    values.update(standing)
                self.count("participants", False, _sync(row, values))
            people[spec["code"]] = row
        db.session.flush()
        if programme is not None:
            self.enrolments(programme, people)
        return people

    def enrolments(self, programme: Programme, people: dict[str, Participant]) -> None:
        query = db.select(Enrolment).filter_by(programme_id=programme.id)
        existing = {e.participant_id: e for e in db.session.execute(query).scalars()}
        for spec in self.bundle["participants"]:
            participant = people[spec["code"]]
            values = {"role": spec["role"], "form": spec["form"], "group_name": spec["group"]}
            row = existing.get(participant.id)
            if row is None:
                db.session.add(Enrolment(participant_id=participant.id, programme_id=programme.id, **values))
            self.count("enrolments", row is None, row is not None and _sync(row, values))

    def personal_data(self, people: dict[str, Participant]) -> None:
        if "personal_data" not in self.bundle:
            return
        ids = [p.id for p in people.values()]
        query = db.select(PersonalData).where(PersonalData.participant_id.in_(ids))
        existing = {row.participant_id: row for row in db.session.execute(query).scalars()}
        for spec in self.bundle["personal_data"]:
            participant = people[spec["code"]]
            values = {key: spec[key] for key in ("full_name", "birth_year", "sex")}
            row = existing.get(participant.id)
            if row is None:
                db.session.add(PersonalData(participant_id=participant.id, **values))
            self.count("personal_data", row is None, row is not None and _sync(row, values))

    def pairs(self, programme: Programme | None, people: dict[str, Participant]) -> None:
        if programme is None:
            return
        existing: dict[tuple, Pair] = {}
        query = db.select(Pair).filter_by(programme_id=programme.id).order_by(Pair.id)
        for pair in db.session.execute(query).scalars():
            existing.setdefault((pair.mentor_id, frozenset(m.participant_id for m in pair.mentees)), pair)
        for spec in self.bundle["pairs"]:
            mentor = people[spec["mentor"]].id
            mentees = [people[code].id for code in spec["mentees"]]
            key = (mentor, frozenset(mentees))
            row = existing.get(key)
            values = {"form": spec["form"], "variant": spec["variant"]}
            if row is None:  # a second pair with the same mentor and mentees is the same pair
                existing[key] = pair = Pair(programme_id=programme.id, mentor_id=mentor, **values)
                pair.mentees.extend(PairMentee(participant_id=mentee) for mentee in mentees)
                db.session.add(pair)
            self.count("pairs", row is None, row is not None and _sync(row, values))

    def responses(self, waves: dict[str, Wave], people: dict[str, Participant]) -> None:
        instruments = get_state().registry.instruments
        query = db.select(Response).where(Response.wave_id.in_([w.id for w in waves.values()]))
        existing = {(r.wave_id, r.participant_id, r.instrument_id): r for r in db.session.execute(query).scalars()}
        for spec in self.bundle["responses"]:
            key = (waves[spec["wave"]].id, people[spec["participant"]].id, spec["instrument"])
            values = {
                name: spec[name]
                for name in ("instrument_version", "status", "source", "page_index", "started_at", "submitted_at")
            }
            values.update(answers=dict(spec["answers"]), edited_at=spec["edited_at"])
            stamp = spec["edited_at"] or spec["submitted_at"]
            row = existing.get(key)
            if row is None:
                row = Response(wave_id=key[0], participant_id=key[1], instrument_id=key[2], **values)
                row.updated_at = stamp or spec["started_at"]
                db.session.add(row)
                self.count("responses", True)
            elif _newer(stamp, row):
                # The bundle's response is newer: it replaces the stored one, and a pending edit is dropped.
                _sync(row, {**values, "editing": False, "draft": {}, "draft_page_index": 0})
                row.updated_at = utcnow()
                self.count("responses", False, True)
            else:
                self.count("responses", False)
                continue
            if row.status == "submitted":
                store_scores(row, instruments[row.instrument_id])
                self.scores += 1
            else:
                row.scores.clear()


def import_bundle(data: Any, organisation: Organisation | None, user_id: int | None = None) -> BundleImportResult:
    """Check a bundle completely, then write it into ``organisation`` in one transaction.

    Raises :class:`BundleError` with every problem (each with its path) and writes nothing if
    anything is wrong. With ``organisation`` None, an organisation is created, named from the
    bundle's ``organisation`` field. Rows are matched so that a second import of the same
    bundle duplicates nothing (docs/bundle.md); writes a ``bundle.import`` audit event.
    """
    bundle, warnings = check_bundle(data, organisation)
    try:
        result = _Writer(bundle, organisation, user_id).write()
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    result.warnings = warnings
    return result
