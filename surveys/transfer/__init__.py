"""Transfer: data that leaves or enters the platform as a file, answer by answer.

Owns campaign bundles (export, checks, import) and paper questionnaires (the entry template and its
import). Uses the core, the workspace, participation (storing responses and scores) and the audit log.
"""

from .paper import PaperImportResult, assignment_of, import_paper, plan_rows
from .paper_reading import FilledRow, PaperError, Problem, mark_duplicates

__all__ = [
    "FilledRow",
    "PaperError",
    "PaperImportResult",
    "Problem",
    "assignment_of",
    "import_paper",
    "mark_duplicates",
    "plan_rows",
]
