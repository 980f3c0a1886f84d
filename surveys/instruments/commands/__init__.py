"""The instruments feature's commands of the ``surveys`` command group (``surveys.cli`` adds them)."""

from __future__ import annotations

from flask_babel import ngettext

from surveys.core.definitions import Instrument


def checked_line(path: object, loaded: Instrument) -> str:
    """What ``instrument check`` and ``import-xlsform`` print for a file that loads: «path: в порядке (…)»."""
    return ngettext(
        "%(path)s: ok (%(id)s v%(version)s, %(num)d question)",
        "%(path)s: ok (%(id)s v%(version)s, %(num)d questions)",
        len(loaded.questions()),
        path=path,
        id=loaded.id,
        version=loaded.version,
    )
