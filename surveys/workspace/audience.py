"""Who gets what in a campaign, by role and form of mentoring: the choices on the campaign page and
the table of groups (role × form) with the questionnaires each will get and how many people are in it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from surveys.core.mentoring_forms import sides
from surveys.core.models import PAIR_ROLES, ROLES, WAVE_KINDS, Campaign, Programme
from surveys.extensions import db
from surveys.instruments import catalogue
from surveys.workspace.asking import offered
from surveys.workspace.people import standing_by_id
from surveys.workspace.programmes import form_names


def campaign_forms(campaign: Campaign, people: Counter | None = None) -> list[str]:
    """The forms of mentoring that matter to the campaign: its programme's (the seeded ones without a
    programme), then those its participants hold and its assignments name, in that order."""
    programme = db.session.get(Programme, campaign.programme_id) if campaign.programme_id else None
    found = list(form_names(programme))
    held = people if people is not None else Counter(standing_by_id(campaign).values())
    for form in sorted({s.form for s in held if s.form}) + [f for a in campaign.assignments for f in a.forms]:
        if form not in found:
            found.append(form)
    return found


def unread_forms(campaign: Campaign, forms: list[str]) -> list[str]:
    """The forms whose name does not say whether a mentor or mentee is a pupil, when one of the
    campaign's questionnaires is for adults or for pupils only (such forms do not get it by default)."""
    available = catalogue(campaign.organisation_id)
    limited = any(
        (instrument := available.get(a.instrument_id)) is not None and instrument.ages != "all"
        for a in campaign.assignments
    )
    return [f for f in forms if limited and None in sides(f)]


@dataclass(frozen=True)
class Group:
    """One role (and, for mentors and mentees, one form; "" is no form) with its head count and the
    questionnaires it gets in each kind of wave the campaign has."""

    role: str
    form: str | None  # None: the role is not limited by forms
    people: int
    questionnaires: dict[str, list[str]]  # wave kind → instrument ids


@dataclass(frozen=True)
class Groups:
    kinds: list[str]  # the wave kinds as columns; one (the first) when every kind gets the same
    rows: list[Group]
    forms: list[str]
    unread: list[str]


def audience_groups(campaign: Campaign) -> Groups:
    """The campaign's groups: each role × form present in its programme or among its participants
    (mentors and mentees also with no form), with head counts and who gets which questionnaire."""
    people = Counter(standing_by_id(campaign).values())
    by_group: Counter = Counter()
    for standing, count in people.items():
        by_group[(standing.role, standing.form if standing.role in PAIR_ROLES else None)] += count
    forms = campaign_forms(campaign, people)
    audience = {role for a in campaign.assignments for role in a.audience} or set(ROLES)
    kinds = [k for k in WAVE_KINDS if any(w.kind == k for w in campaign.waves)] or ["input"]
    keys: list[tuple[str, str | None]] = []
    for role in ROLES:
        if role in PAIR_ROLES and (role in audience or any(r == role for r, _f in by_group)):
            keys += [(role, form) for form in [*forms, ""]]
        elif role in audience or (role, None) in by_group:
            keys.append((role, None))

    def gets(role: str, form: str | None, kind: str) -> list[str]:
        return [a.instrument_id for a in campaign.assignments if offered(a, role, kind, form)]

    rows = [Group(role, form, by_group[(role, form)], {k: gets(role, form, k) for k in kinds}) for role, form in keys]
    if all(len({tuple(v) for v in row.questionnaires.values()}) == 1 for row in rows):
        kinds = kinds[:1]
        rows = [Group(r.role, r.form, r.people, {kinds[0]: r.questionnaires[kinds[0]]}) for r in rows]
    return Groups(kinds, rows, forms, unread_forms(campaign, forms))
