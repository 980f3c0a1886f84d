"""Exports: a campaign's results as a workbook, CSV or JSON.

Owns the export tables (answers, scores, aggregates, reliability), the codebook, the file writers and
the background export jobs. Uses the core and the workspace (campaign tables).
"""

from .files import file_slug, write_export
from .jobs import run_in_app
from .plan import ExportRequest
from .tables import export_sheets, plan_export

__all__ = [
    "ExportRequest",
    "export_sheets",
    "file_slug",
    "plan_export",
    "run_in_app",
    "write_export",
]
