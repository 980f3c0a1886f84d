"""The campaign bundle: one JSON file carrying a campaign, its people, pairs, waves and answers.

:func:`export_bundle` reads a campaign into the bundle; :func:`dumps` writes it deterministically
(sorted keys, participants by code, responses by wave, participant and instrument), so two exports
of the same data differ only in ``exported_at``. :func:`import_bundle` checks the whole bundle
first (:mod:`surveys.transfer.bundle_checks`) and then writes it in one transaction; importing the same
bundle again changes nothing. Scores are not carried: they are recomputed on import.
The format, the matching rules and the uses are in docs/bundle.md.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from surveys.core.models import (
    Campaign,
    Organisation,
    Pair,
    Participant,
    PersonalData,
    Programme,
    Response,
    utcnow,
)
from surveys.extensions import db
from surveys.state import get_state
from surveys.transfer.bundle_checks import BundleError, check_bundle
from surveys.transfer.bundle_import import BundleImportResult, audit, import_bundle
from surveys.transfer.bundle_schema import FORMAT, FORMAT_VERSION, BundleProblem, BundleSchema
from surveys.workspace import standing_of, standings

__all__ = [
    "BundleError",
    "BundleProblem",
    "BundleImportResult",
    "check_bundle",
    "dump",
    "dumps",
    "export_bundle",
    "import_bundle",
]


def _people(campaign: Campaign, responses: list[Response], pairs: list[Pair]) -> dict[int, tuple]:
    """The campaign's participants with their standing: everyone it reaches, plus anyone who
    answered it or is in one of its programme's pairs (so the bundle never names an unknown code)."""
    people = dict(standings(campaign))
    wanted = {r.participant_id for r in responses} | {p.mentor_id for p in pairs}
    wanted |= {m.participant_id for p in pairs for m in p.mentees}
    missing = wanted - set(people)
    if missing:
        query = db.select(Participant).where(Participant.id.in_(sorted(missing)))
        for participant in db.session.execute(query).scalars():
            people[participant.id] = (participant, standing_of(campaign, participant))
    return people


def export_bundle(campaign: Campaign, with_personal_data: bool = False, user_id: int | None = None) -> dict:
    """Read a campaign into a bundle (a JSON-ready dict) and write a ``bundle.export`` audit event.

    Personal data (names, birth years, sex) is included only if ``with_personal_data`` is true.
    """
    programme = db.session.get(Programme, campaign.programme_id) if campaign.programme_id else None
    organisation = db.session.get(Organisation, campaign.organisation_id)
    waves = sorted(campaign.waves, key=lambda w: (w.position, w.name, w.id))
    order = {wave.id: index for index, wave in enumerate(waves)}
    responses = []
    if waves:
        query = db.select(Response).where(Response.wave_id.in_(list(order)))
        responses = list(db.session.execute(query).scalars())
    pairs = []
    if programme is not None:
        pairs = list(db.session.execute(db.select(Pair).filter_by(programme_id=programme.id)).scalars())
    people = _people(campaign, responses, pairs)
    code = {pid: participant.code for pid, (participant, _standing) in people.items()}
    registry = get_state().registry.instruments
    raw: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "exported_at": utcnow(),
        "organisation": organisation.name if organisation else None,
        "campaign": {
            "name": campaign.name,
            "consent_mode": campaign.consent_mode,
            "consent_texts": dict(campaign.consent_texts or {}),
            "allow_editing": campaign.allow_editing,
            "support_contact": campaign.support_contact or "",
        },
        "programme": None,
        "instruments": [
            {
                "id": a.instrument_id,
                "version": registry[a.instrument_id].version if a.instrument_id in registry else None,
                "audience": list(a.audience or []),
                "wave_kinds": list(a.wave_kinds or []),
                "forms": list(a.forms or []),
                "position": a.position,
                "added_at": a.added_at,
                "retired_at": a.retired_at,
            }
            for a in sorted(campaign.assignments, key=lambda a: (a.position, a.instrument_id))
        ],
        "participants": [
            {
                "code": participant.code,
                "role": standing.role,
                "form": standing.form,
                "group": standing.group,
                "tags": list(participant.tags or []),
                "pseudonymous": participant.pseudonym_hash is not None,
                "pseudonym_hash": participant.pseudonym_hash,
            }
            for participant, standing in sorted(people.values(), key=lambda row: row[0].code)
        ],
        "pairs": sorted(
            (
                {
                    "mentor": code[pair.mentor_id],
                    "mentees": sorted(code[m.participant_id] for m in pair.mentees),
                    "form": pair.form,
                    "variant": pair.variant,
                }
                for pair in pairs
            ),
            key=lambda p: (p["mentor"], p["mentees"], p["form"], p["variant"]),
        ),
        "waves": [
            {
                "name": w.name,
                "kind": w.kind,
                "position": w.position,
                "opens_at": w.opens_at,
                "closes_at": w.closes_at,
                "closed": w.closed,
            }
            for w in waves
        ],
        "responses": [
            {
                "participant": code[r.participant_id],
                "wave": waves[order[r.wave_id]].name,
                "instrument": r.instrument_id,
                "instrument_version": r.instrument_version,
                "status": r.status,
                "source": r.source,
                "answers": dict(r.answers or {}),
                "page_index": r.page_index,
                "started_at": r.started_at,
                "submitted_at": r.submitted_at,
                "edited_at": r.edited_at,
            }
            for r in sorted(responses, key=lambda r: (order[r.wave_id], code[r.participant_id], r.instrument_id))
        ],
    }
    if programme is not None:
        raw["programme"] = {
            "name": programme.name,
            "forms": [{"name": f.name, "variants": list(f.variants or [])} for f in programme.forms],
        }
    if with_personal_data:
        rows = db.session.execute(db.select(PersonalData).where(PersonalData.participant_id.in_(list(code)))).scalars()
        raw["personal_data"] = sorted(
            (
                {
                    "code": code[row.participant_id],
                    "full_name": row.full_name,
                    "birth_year": row.birth_year,
                    "sex": row.sex,
                }
                for row in rows
            ),
            key=lambda row: row["code"],
        )
    bundle = BundleSchema().dump(raw)
    details = {
        "personal_data": with_personal_data,
        "participants": len(raw["participants"]),
        "responses": len(raw["responses"]),
    }
    audit("bundle.export", campaign, user_id, details)
    db.session.commit()
    return bundle


def dumps(bundle: dict) -> str:
    """The bundle as JSON text: UTF-8 friendly, keys sorted, indented, with a final newline."""
    return json.dumps(bundle, ensure_ascii=False, sort_keys=True, indent=2) + "\n"


def dump(bundle: dict, path: str | Path) -> None:
    """Write the bundle to a file, as :func:`dumps` gives it."""
    Path(path).write_text(dumps(bundle), encoding="utf-8")
