"""The report for the pedagogical council: what it holds, the curator's conclusions (drafted from the
panels' key figures until written), and the PDF. Saving conclusions and each PDF are audited."""

from __future__ import annotations

from dataclasses import dataclass

from surveys.audit import record
from surveys.core.contracts import Panel
from surveys.core.models import Campaign, Organisation, Programme, utcnow
from surveys.core.report_models import ReportConclusion
from surveys.extensions import db
from surveys.reporting import report_pdf
from surveys.reporting.dashboard import collect_panels, programme_view


def conclusions_of(programme: Programme) -> ReportConclusion | None:
    return db.session.execute(db.select(ReportConclusion).filter_by(programme_id=programme.id)).scalar_one_or_none()


def draft_conclusions(panels) -> str:
    """A starting point for the curator: the panels' key figures, one list item each."""
    return "\n".join(f"- {h.label}: {h.value}" for panel in panels for h in panel.headlines)


def text_blocks(text: str) -> list[tuple[str, list[str]]]:
    """Conclusions as blocks to print: ``("list", items)`` for runs of lines starting with "-",
    ``("p", [line])`` for every other non-empty line."""
    blocks: list[tuple[str, list[str]]] = []
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith(("-", "•")):
            item = line.lstrip("-• ").strip()
            if blocks and blocks[-1][0] == "list":
                blocks[-1][1].append(item)
            else:
                blocks.append(("list", [item]))
        elif line:
            blocks.append(("p", [line]))
    return blocks


@dataclass(frozen=True)
class Report:
    """What the report prints, in this order: the school and the programme's campaigns; the conclusions
    (the saved text, or a draft when there is none) and the key changes (the panels' ``key_points``,
    made from the figures as shown); the panels in report order; the appendix (the panels marked
    ``appendix``, such as the method note)."""

    organisation: Organisation
    campaigns: list[Campaign]
    panels: list[Panel]
    saved: ReportConclusion | None
    text: str  # the saved conclusions, "" when none were written
    draft: str
    key_points: list[tuple[Panel, list[str]]]  # per panel with any, in report order
    appendix: list[Panel]


def report(programme: Programme) -> Report:
    view = programme_view(programme)
    placed = sorted((p for p in collect_panels(view) if p.in_report), key=lambda p: (p.place_in_report, p.name))
    panels = [p for p in placed if not p.appendix]
    points = [(p, list(p.key_points)) for p in panels if p.key_points]
    saved = conclusions_of(programme)
    text = saved.text if saved and saved.text.strip() else ""
    organisation = db.session.get(Organisation, programme.organisation_id)
    appendix = [p for p in placed if p.appendix]
    return Report(organisation, view.campaigns, panels, saved, text, draft_conclusions(panels), points, appendix)


def save_conclusions(programme: Programme, text: str, user_id: int) -> None:
    saved = conclusions_of(programme)
    if saved is None:
        saved = ReportConclusion(organisation_id=programme.organisation_id, programme_id=programme.id)
        db.session.add(saved)
    saved.text = text.strip()
    saved.updated_by, saved.updated_at = user_id, utcnow()
    record("report.conclusions", f"programme:{programme.id}", length=len(saved.text))
    db.session.commit()


def pdf(programme: Programme, html: str, static_folder: str) -> bytes:
    """The report page's HTML as a PDF, audited. Raises ``report_pdf.PdfUnavailable`` when the server
    cannot make PDF files."""
    made = report_pdf.render_pdf(html, static_folder)
    record("report.pdf", f"programme:{programme.id}", bytes=len(made))
    db.session.commit()
    return made
