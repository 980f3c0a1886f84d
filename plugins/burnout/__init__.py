"""Burnout of teachers and mentors, scored declaratively from the files beside this module.

- ``cbi.yaml``: Copenhagen Burnout Inventory, our own (unvalidated) Russian translation;
- ``mbi_vodopyanova.yaml``: the MBI key in the Vodopyanova–Starchenkova adaptation, key only
  (the school adds the item texts as a text pack). See README.md for sources and keys.
"""

from surveys import hookimpl
from surveys.plugins import files_beside


@hookimpl
def surveys_register_instruments():
    return files_beside(__file__)
