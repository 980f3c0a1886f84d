"""Anxiety of students and teachers, scored declaratively from the files beside this one.

GAD-7 («ГТР-7», texts bundled) and the Spielberger–Khanin state and trait anxiety scales
(key only: the school adds the texts as a text pack). Sources and keys: README.md.
"""

from surveys import hookimpl
from surveys.plugins import files_beside


@hookimpl
def surveys_register_instruments():
    return files_beside(__file__)
