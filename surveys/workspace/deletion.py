"""Deleting a campaign or a programme, after the curator typed its exact name.

A campaign holding answers (responses in its waves; for a programme, in any of its campaigns) is
refused, unless an organisation admin asks to erase it with its answers. Everything that hangs on
it goes with it: every table whose foreign key leads to it, found in the models' metadata (so a
plugin's table, e.g. the SWOT documents, is found too). A nullable reference (a participant's
programme, a carried-over programme's ``previous_id``) is cleared instead, so participants are never
deleted: people stay in the organisation. The audit event holds the counts of rows per table only."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import Table, delete, func, select, update

from surveys.audit import record
from surveys.core.models import Campaign, Programme, Response, Wave
from surveys.extensions import db


def answers_in(thing: Campaign | Programme) -> int:
    """How many responses (answered questionnaires, finished or not) the campaign or programme holds."""
    query = select(func.count(Response.id)).join(Wave, Wave.id == Response.wave_id)
    query = query.join(Campaign, Campaign.id == Wave.campaign_id)
    if isinstance(thing, Programme):
        query = query.where(Campaign.programme_id == thing.id)
    else:
        query = query.where(Campaign.id == thing.id)
    return db.session.execute(query).scalar_one()


def campaigns_of(programme: Programme) -> list[Campaign]:
    query = select(Campaign).where(Campaign.programme_id == programme.id).order_by(Campaign.id)
    return list(db.session.execute(query).scalars())


@dataclass(frozen=True)
class DeleteRequest:
    """What the curator typed and ticked on the confirmation page."""

    typed_name: str
    with_answers: bool
    is_admin: bool


def refusal(thing: Campaign | Programme, asked: DeleteRequest) -> str | None:
    """Why ``thing`` may not be deleted as asked, or None."""
    if asked.typed_name.strip() != thing.name.strip():
        return _("Name: type the exact name «%(name)s» to confirm.", name=thing.name)
    answers = answers_in(thing)
    if answers and not asked.with_answers:
        return _(
            "It holds %(n)s answers: it cannot be deleted. Archive it instead, or ask an admin to delete it "
            "together with its answers.",
            n=answers,
        )
    if answers and not asked.is_admin:
        return _("Only an admin of the organisation may delete it together with its answers.")
    return None


def _remove(table: Table, condition, counts: dict[str, int]) -> None:
    """Delete ``table``'s rows matching ``condition`` and, first, every row that depends on them."""
    if "id" in table.c:
        ids = list(db.session.execute(select(table.c.id).where(condition)).scalars())
        if not ids:
            return
        for other in db.metadata.sorted_tables:
            for key in other.foreign_keys:
                if key.column.table is not table:
                    continue
                if key.parent.nullable:
                    db.session.execute(update(other).where(key.parent.in_(ids)).values({key.parent.name: None}))
                else:
                    _remove(other, key.parent.in_(ids), counts)
    removed = db.session.execute(delete(table).where(condition)).rowcount
    if removed:
        counts[table.name] = counts.get(table.name, 0) + removed


def _table(model) -> Table:
    return model.__table__


def delete_campaign(campaign: Campaign, asked: DeleteRequest) -> str | None:
    """Delete the campaign and everything it holds; the refusal (nothing deleted) or None."""
    problem = refusal(campaign, asked)
    if problem:
        return problem
    counts: dict[str, int] = {}
    target, name = f"campaign:{campaign.id}", campaign.name
    _remove(_table(Campaign), _table(Campaign).c.id == campaign.id, counts)
    db.session.commit()
    db.session.expire_all()
    record("campaign.delete", target, name=name, with_answers=asked.with_answers, rows=counts)
    return None


def delete_programme(programme: Programme, asked: DeleteRequest) -> str | None:
    """Delete the programme with its campaigns, forms, enrolments, pairs and indicators; never its
    participants. The refusal (nothing deleted) or None."""
    problem = refusal(programme, asked)
    if problem:
        return problem
    counts: dict[str, int] = {}
    target, name = f"programme:{programme.id}", programme.name
    campaigns = _table(Campaign)
    _remove(campaigns, campaigns.c.programme_id == programme.id, counts)
    _remove(_table(Programme), _table(Programme).c.id == programme.id, counts)
    db.session.commit()
    db.session.expire_all()
    record("programme.delete", target, name=name, with_answers=asked.with_answers, rows=counts)
    return None
