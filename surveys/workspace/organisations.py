"""Organisations of a deployment (a municipality's schools): listing, creating, and choosing the
one a staff member works in."""

from __future__ import annotations

from surveys.audit import record
from surveys.core.models import Organisation
from surveys.extensions import db


def organisations_named(ids: set[int]) -> list[Organisation]:
    """The organisations ``ids`` by name (the staff menu's switcher)."""
    rows = db.session.execute(db.select(Organisation).where(Organisation.id.in_(ids)).order_by(Organisation.name))
    return list(rows.scalars())


def all_organisations() -> list[Organisation]:
    return list(db.session.execute(db.select(Organisation).order_by(Organisation.name)).scalars())


def add_organisation(name: str) -> Organisation:
    organisation = Organisation(name=name.strip())
    db.session.add(organisation)
    db.session.commit()
    record("organisation.create", f"organisation:{organisation.id}")
    return organisation
