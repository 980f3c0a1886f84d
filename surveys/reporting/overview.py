"""The administration's overviews: a programme's dashboard (which programme, its panels) and the
municipal table of several schools side by side. Aggregated data only."""

from __future__ import annotations

from dataclasses import dataclass

from surveys.core.contracts import Panel
from surveys.core.models import Campaign, Organisation, Programme
from surveys.extensions import db
from surveys.reporting.dashboard import collect_panels, programme_view


def programmes_of(organisation_id: int) -> list[Programme]:
    query = db.select(Programme).filter_by(organisation_id=organisation_id).order_by(Programme.id.desc())
    return list(db.session.execute(query).scalars())


def default_programme(programmes: list[Programme]) -> Programme | None:
    """The newest programme that has a campaign, else the newest one."""
    with_campaigns = set(db.session.execute(db.select(Campaign.programme_id).distinct()).scalars())
    return next((p for p in programmes if p.id in with_campaigns), programmes[0] if programmes else None)


@dataclass(frozen=True)
class Dashboard:
    programmes: list[Programme]
    programme: Programme | None
    panels: list[Panel]
    show_campaigns: bool


def dashboard(organisation: Organisation, chosen: Programme | None) -> Dashboard:
    """The dashboard of ``chosen`` (default: the newest programme with a campaign)."""
    programmes = programmes_of(organisation.id)
    programme = chosen or default_programme(programmes)
    view = programme_view(programme) if programme else None
    panels = collect_panels(view) if view else []
    return Dashboard(programmes, programme, panels, view is not None and len(view.campaigns) > 1)


def municipal_table(organisations: list[Organisation], cycle: str | None):
    """Per school: its programme of the cycle (by name; default each school's newest) and the
    panels' headlines; the columns are every headline key, in the order first seen."""
    columns: dict[str, str] = {}
    rows = []
    for organisation in organisations:
        programmes = programmes_of(organisation.id)
        programme = next((p for p in programmes if p.name == cycle), None) if cycle else default_programme(programmes)
        values: dict[str, str] = {}
        if programme is not None:
            for panel in collect_panels(programme_view(programme, charts=False)):
                for headline in panel.headlines:
                    columns.setdefault(headline.key, headline.label)
                    values.setdefault(headline.key, headline.value)
        rows.append({"organisation": organisation, "programme": programme, "values": values})
    return columns, rows


@dataclass(frozen=True)
class Municipal:
    organisations: list[Organisation]
    cycles: list[str]  # every programme name of these organisations
    cycle: str | None
    columns: dict[str, str]
    rows: list[dict]


def municipal(organisation_ids: set[int], cycle: str | None) -> Municipal:
    """The organisations ``organisation_ids`` side by side; ``cycle`` (a programme name) lines up the
    same cycle everywhere, and is dropped when no programme has that name."""
    organisations = list(
        db.session.execute(
            db.select(Organisation).where(Organisation.id.in_(organisation_ids)).order_by(Organisation.name)
        ).scalars()
    )
    names = db.session.execute(
        db.select(Programme.name)
        .where(Programme.organisation_id.in_(organisation_ids))
        .distinct()
        .order_by(Programme.name)
    ).scalars()
    cycles = list(names)
    if cycle is not None and cycle not in cycles:
        cycle = None
    columns, rows = municipal_table(organisations, cycle)
    return Municipal(organisations, cycles, cycle, columns, rows)
