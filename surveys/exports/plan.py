"""What an export is asked for and what it will hold: the request, the plan, and the workbook's
readme sheet that describes both."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _

from surveys.core.contracts import Sheet
from surveys.core.export_labels import headers, sheet_name
from surveys.core.models import Campaign, Wave
from surveys.core.threshold import min_group

DATE_FORMAT = "yyyy-mm-dd hh:mm"


@dataclass(frozen=True)
class ExportRequest:
    """What to export. Empty filters mean everything; ``individual`` adds raw answers and scores."""

    waves: tuple[int, ...] = ()
    instruments: tuple[str, ...] = ()
    forms: tuple[str, ...] = ()
    individual: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "waves": list(self.waves),
            "instruments": list(self.instruments),
            "forms": list(self.forms),
            "individual": self.individual,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ExportRequest:
        return cls(
            waves=tuple(int(w) for w in data.get("waves") or ()),
            instruments=tuple(str(i) for i in data.get("instruments") or ()),
            forms=tuple(str(f) for f in data.get("forms") or ()),
            individual=bool(data.get("individual")),
        )


@dataclass
class ExportPlan:
    """The sheets of one export and what went into them."""

    campaign: Campaign
    request: ExportRequest
    waves: list[Wave]
    instruments: list[str]
    sheets: list[Sheet] = field(default_factory=list)
    estimated_rows: int = 0
    titles: dict[str, str] = field(default_factory=dict)  # the instruments' titles by id, in the export's language
    generated_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))

    @property
    def meta(self) -> dict[str, Any]:
        return {
            "campaign": self.campaign.name,
            "campaign_id": self.campaign.id,
            "generated_at": self.generated_at.isoformat(timespec="seconds"),
            "waves": [w.name for w in self.waves],
            "instruments": list(self.instruments),
            "forms": list(self.request.forms),
            "individual": self.request.individual,
            "suppression_threshold": min_group(),
        }


def readme_sheet(plan: ExportPlan, names: list[str]) -> Sheet:
    """What the workbook holds and how it was made; the questionnaires by title (their ids are in the
    codebook), and each sheet with its description and its id (the ``key`` scripts find it by)."""
    meta = plan.meta
    titles = [plan.titles.get(i, i) for i in meta["instruments"]]
    rows: list[list[Any]] = [
        [_("Campaign"), meta["campaign"]],
        [_("Generated (UTC)"), plan.generated_at.replace(tzinfo=None, microsecond=0)],
        [_("Waves"), ", ".join(meta["waves"]) or "—"],
        [_("Questionnaires"), "; ".join(titles) or "—"],
        [_("Forms of mentoring"), ", ".join(meta["forms"]) or _("all")],
        [
            _("Individual data"),
            _("yes: raw answers and scores under pseudonymous codes")
            if plan.request.individual
            else _("no: aggregated tables only"),
        ],
        [
            _("Small groups"),
            _("groups of fewer than %(n)s people show «<%(n)s» instead of numbers") % {"n": min_group()},
        ],
        [
            _("Numbers"),
            _(
                "means and other statistics are shown with 2 decimals (reliability with 3); each cell keeps the "
                "full value, and so do the CSV and JSON files"
            ),
        ],
        [
            _("Ids"),
            _(
                "questionnaires, scales and bands are shown by title; the columns headed «id» hold their ids, "
                "the same in every language, for scripts that join the tables"
            ),
        ],
        [
            _("Long texts"),
            _("text longer than 32,767 characters is cut in Excel (marked […]); CSV and JSON keep it whole"),
        ],
        [None, None],
        [_("Sheet"), _("What it holds"), headers(["sheet_key"])[0]],
    ]
    for name, sheet in zip(names, plan.sheets, strict=True):
        rows.append([name, sheet.description, sheet.key or name])
    return Sheet(
        sheet_name("readme"),
        headers(["entry", "entry_value", "sheet_key"]),
        rows,
        widths=[28, 100, 24],
        number_formats={1: DATE_FORMAT},
        key="readme",
        keys=["entry", "entry_value", "sheet_key"],
    )
