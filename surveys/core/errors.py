"""One exception tree for the whole application.

User-facing messages say what is wrong and where: ``file:line`` for questionnaire
files, the field for forms, the row for imports.
"""

from __future__ import annotations

from dataclasses import dataclass


class SurveysError(Exception):
    """Base of every error the application raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One problem found in a questionnaire file."""

    source: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.message}"


class DefinitionError(SurveysError):
    """A questionnaire file is invalid; carries every problem found, each with file:line."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=lambda p: (p.source, p.line, p.message))
        super().__init__("\n".join(str(p) for p in self.problems))


class PluginError(SurveysError):
    """A plugin cannot be loaded or conflicts with another plugin."""


class ConflictError(PluginError):
    """Two plugins register the same name (instrument id, question type, analysis)."""
