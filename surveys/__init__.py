"""surveys: questionnaires and surveys for monitoring school mentoring programmes."""

from .factory import create_app
from .plugins import hookimpl

__all__ = ["create_app", "hookimpl"]
