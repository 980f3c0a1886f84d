"""Satisfaction with mentoring: expected vs real usefulness, ratings 1–10."""

from surveys import hookimpl
from surveys.plugins import files_beside


@hookimpl
def surveys_register_instruments():
    return files_beside(__file__)
