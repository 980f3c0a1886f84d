"""Uploading a questionnaire file for one organisation (docs/format.md#uploading-a-questionnaire).

The file goes through the same loader as ``surveys instrument check``, so the messages are the
same (``file:line: message``). It is then stored as a new version: a version is never replaced,
and responses keep the version they were collected with.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from surveys.audit import record
from surveys.core.definitions import Instrument
from surveys.core.errors import DefinitionError, Problem
from surveys.core.instrument_models import UploadedInstrument
from surveys.core.loader import load_instrument, read_tree
from surveys.core.models import Organisation
from surveys.core.yaml_lines import line_of
from surveys.extensions import db
from surveys.instruments.participant_notes import title_warnings
from surveys.state import get_state

MAX_BYTES = 512 * 1024
XLSFORM_SUFFIXES = (".xlsx", ".xlsm", ".xls")


@dataclass(frozen=True)
class UploadResult:
    instrument: Instrument | None
    problems: tuple[str, ...]
    text: str = ""  # the file as read, when it is clean
    warnings: tuple[str, ...] = ()  # ``file:line: warning: …`` about a clean file (participant_notes)


def _name(filename: str) -> str:
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    return name[:200] or "upload.yaml"


def _read(name: str, data: bytes) -> tuple[str | None, list[str]]:
    if len(data) > MAX_BYTES:
        return None, [str(Problem(name, 1, _("the file is larger than %(n)s KB", n=MAX_BYTES // 1024)))]
    if name.lower().endswith(XLSFORM_SUFFIXES):
        message = _(
            "this looks like an XLSForm (ODK, KoboToolbox): convert it first with "
            "'surveys instrument import-xlsform %(name)s', which reports what it could not keep row by row, "
            "then upload the .yaml file it writes",
            name=name,
        )
        return None, [str(Problem(name, 1, message))]
    if not name.lower().endswith((".yaml", ".yml", ".json")):
        return None, [str(Problem(name, 1, _("a questionnaire file ends with .yaml, .yml or .json")))]
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        return None, [str(Problem(name, line, _("the file is not UTF-8 text")))]


def _id_line(name: str, text: str) -> int:
    """The line of the file's ``id:`` key (the file has loaded, so it parses again)."""
    try:
        return line_of(read_tree(name, text), ["id"])
    except DefinitionError:
        return 1


def _already(name: str, instrument: Instrument) -> UploadResult:
    message = _(
        "version %(version)s of '%(id)s' is already uploaded: raise 'version' for a new one",
        version=instrument.version,
        id=instrument.id,
    )
    return UploadResult(None, (str(Problem(name, 1, message)),))


def check_upload(organisation_id: int, filename: str, data: bytes) -> UploadResult:
    """Load and check a file as an upload for the organisation, without storing it."""
    name = _name(filename)
    text, problems = _read(name, data)
    if text is None:
        return UploadResult(None, tuple(problems))
    state = get_state()
    try:
        instrument = load_instrument(name, state.registry.question_types, text=text)
    except DefinitionError as err:
        return UploadResult(None, tuple(str(p) for p in err.problems))
    owner = state.registry.instrument_owner.get(instrument.id)
    if owner is not None:  # the plugin's would shadow it everywhere: refused at its ``id:`` line
        message = _(
            "the id '%(id)s' belongs to the plugin '%(plugin)s': give the questionnaire an id of its own",
            id=instrument.id,
            plugin=owner,
        )
        return UploadResult(None, (str(Problem(name, _id_line(name, text), message)),))
    taken = db.session.execute(
        db.select(UploadedInstrument.id).filter_by(
            organisation_id=organisation_id, instrument_id=instrument.id, version=instrument.version
        )
    ).first()
    if taken is not None:
        return _already(name, instrument)
    return UploadResult(instrument, (), text, tuple(str(w) for w in title_warnings(name, instrument, text)))


def store_upload(organisation: Organisation, filename: str, data: bytes, user_id: int | None) -> UploadResult:
    """Check the file and store it as a new version of the organisation's instrument."""
    result = check_upload(organisation.id, filename, data)
    if result.instrument is None:
        return result
    instrument = result.instrument
    db.session.add(
        UploadedInstrument(
            organisation_id=organisation.id,
            instrument_id=instrument.id,
            version=instrument.version,
            filename=_name(filename),
            source=result.text,
            uploaded_by=user_id,
        )
    )
    try:
        db.session.commit()
    except IntegrityError:  # the same version uploaded at the same moment
        db.session.rollback()
        return _already(_name(filename), instrument)
    return result


def upload_questionnaire(organisation: Organisation, filename: str, data: bytes, user_id: int | None) -> UploadResult:
    """``store_upload``, and the new version audited."""
    result = store_upload(organisation, filename, data, user_id)
    if result.instrument is not None:
        record("instrument.upload", f"instrument:{result.instrument.id}", version=result.instrument.version)
    return result
