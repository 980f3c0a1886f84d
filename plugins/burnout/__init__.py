"""Burnout of teachers and mentors: Copenhagen Burnout Inventory, scored declaratively."""

from surveys import hookimpl
from surveys.plugins import files_beside


@hookimpl
def surveys_register_instruments():
    return files_beside(__file__)
