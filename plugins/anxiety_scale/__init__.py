"""Anxiety of students: GAD-7 («ГТР-7»), scored declaratively from its file."""

from surveys import hookimpl
from surveys.plugins import files_beside


@hookimpl
def surveys_register_instruments():
    return files_beside(__file__)
