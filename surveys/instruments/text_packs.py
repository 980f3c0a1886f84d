"""Text packs: the item texts a school supplies for a copyrighted, key-only instrument.

A key-only instrument (``licence.bundle_texts: false``) ships its items' ids, answer
scales and scoring key, but no wording. The school that holds a licence for the wording
adds it as a text pack, a YAML or JSON file:

    instrument: stai_khanin
    version: 1            # optional; if given, it must match the loaded instrument
    texts:
      stai_s01: Я спокоен
      stai_s02: {ru: …, en: …}

Every question and matrix row needs a text, and only those ids may appear; problems are
reported as ``file:line: message``. Packs are kept per organisation in the database; until
an organisation has one, the instrument is listed as needing texts and cannot be put in
its campaigns.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _

from surveys.audit import record
from surveys.core.definitions import Instrument, Question
from surveys.core.errors import DefinitionError, Problem
from surveys.core.instrument_models import InstrumentTexts
from surveys.core.loader import read_tree
from surveys.core.models import utcnow
from surveys.core.text import Text
from surveys.core.yaml_lines import line_of
from surveys.extensions import db
from surveys.instruments.catalogues import catalogue
from surveys.instruments.catalogues import version as uploaded_version
from surveys.state import get_state


def text_ids(instrument: Instrument) -> list[str]:
    """The ids that need a text: every question (a matrix's stem too) and every matrix row."""
    ids = []
    for question in instrument.questions():
        ids.append(question.id)
        ids.extend(item["id"] for item in question.options.get("items", []) if isinstance(item, Mapping))
    return ids


def _text(value: Any) -> Text | None:
    if isinstance(value, str) and value.strip():
        return Text(ru=value.strip())
    if isinstance(value, Mapping) and isinstance(value.get("ru"), str) and value["ru"].strip():
        english = value.get("en")
        return Text(
            ru=value["ru"].strip(), en=english.strip() if isinstance(english, str) and english.strip() else None
        )
    return None


def read_pack(source: str, instrument: Instrument, text: str | None = None) -> dict[str, dict[str, str | None]]:
    """Validate a pack against the instrument's item ids; return {id: {"ru": …, "en": …}}.

    Raises DefinitionError listing every problem as ``file:line: message``.
    """
    tree = read_tree(source, text)
    problems: list[Problem] = []

    def problem(path: list, message: str) -> None:
        problems.append(Problem(source, line_of(tree, path) if path else 1, message))

    if not isinstance(tree, Mapping):
        problem([], _("a text pack is a mapping with 'instrument' and 'texts'"))
        raise DefinitionError(problems)
    for key in sorted(set(tree) - {"instrument", "version", "texts"}):
        problem([key], _("unknown field '%(key)s' (expected instrument, version, texts)", key=key))
    if tree.get("instrument") != instrument.id:
        where = ["instrument"] if "instrument" in tree else []
        problem(where, _("this pack is not for '%(id)s'", id=instrument.id))
    if "version" in tree and str(tree["version"]) != instrument.version:
        message = _(
            "the pack is for version %(pack)s; the loaded instrument is %(loaded)s",
            pack=tree["version"],
            loaded=instrument.version,
        )
        problem(["version"], message)
    texts = tree.get("texts")
    found: dict[str, dict[str, str | None]] = {}
    if not isinstance(texts, Mapping):
        problem(["texts"] if "texts" in tree else [], _("'texts' must map item ids to texts"))
        raise DefinitionError(problems)
    wanted = text_ids(instrument)
    for item_id, value in texts.items():
        if item_id not in wanted:
            problem(["texts", item_id], _("'%(item)s' is not an item of %(id)s", item=item_id, id=instrument.id))
            continue
        parsed = _text(value)
        if parsed is None:
            problem(
                ["texts", item_id], _("the text of '%(item)s' is empty (a string, or {ru: …, en: …})", item=item_id)
            )
            continue
        found[item_id] = {"ru": parsed.ru, "en": parsed.en}
    absent = [item_id for item_id in wanted if item_id not in texts]
    if absent:
        problem(["texts"], _("no text for: %(ids)s", ids=", ".join(absent)))
    if problems:
        raise DefinitionError(problems)
    return found


def save_pack(organisation_id: int, instrument: Instrument, texts: dict, user_id: int | None) -> InstrumentTexts:
    """Store (or replace) the organisation's pack for the instrument; the caller commits."""
    row = db.session.execute(
        db.select(InstrumentTexts).filter_by(organisation_id=organisation_id, instrument_id=instrument.id)
    ).scalar_one_or_none()
    if row is None:
        row = InstrumentTexts(organisation_id=organisation_id, instrument_id=instrument.id)
        db.session.add(row)
    row.instrument_version, row.texts, row.added_by, row.added_at = instrument.version, texts, user_id, utcnow()
    return row


def _replace_question(question: Question, texts: Mapping[str, Mapping]) -> Question:
    def text_of(item_id: str, old: Text) -> Text:
        given = texts.get(item_id)
        return Text(ru=given["ru"], en=given.get("en")) if given else old

    options = dict(question.options)
    if isinstance(options.get("items"), list):
        options["items"] = [{**item, "text": text_of(item["id"], item["text"])} for item in options["items"]]
    return dataclasses.replace(question, text=text_of(question.id, question.text), options=options)


def with_texts(instrument: Instrument, texts: Mapping[str, Mapping]) -> Instrument:
    """The instrument with the pack's texts in place of its placeholders."""
    pages = tuple(
        dataclasses.replace(page, questions=tuple(_replace_question(q, texts) for q in page.questions))
        for page in instrument.pages
    )
    return dataclasses.replace(instrument, pages=pages)


def pack_for(organisation_id: int, instrument_id: str) -> InstrumentTexts | None:
    return db.session.execute(
        db.select(InstrumentTexts).filter_by(organisation_id=organisation_id, instrument_id=instrument_id)
    ).scalar_one_or_none()


def needs_texts(organisation_id: int, instrument: Instrument) -> bool:
    """True for a key-only instrument whose texts this organisation has not added."""
    return instrument.key_only and pack_for(organisation_id, instrument.id) is None


def instrument_for(organisation_id: int, instrument_id: str, version: str | None = None) -> Instrument | None:
    """The instrument as the organisation's participants see it: a plugin's (with the
    organisation's text pack), or the organisation's own upload. ``version`` picks an upload's
    version (that of a response already started); plugins' instruments have one version."""
    instrument = get_state().instrument(instrument_id)
    if instrument is None:
        latest = catalogue(organisation_id).get(instrument_id)
        if version and latest is not None and latest.version != version:
            return uploaded_version(organisation_id, instrument_id, version) or latest
        return latest
    if not instrument.key_only:
        return instrument
    pack = pack_for(organisation_id, instrument_id)
    return with_texts(instrument, pack.texts) if pack is not None else instrument


def add_pack(
    organisation_id: int, instrument: Instrument, filename: str, data: bytes, user_id: int
) -> tuple[int, list[str]]:
    """Check an uploaded text pack and keep it as the organisation's item texts of ``instrument``
    (replacing earlier ones), audited: (items kept, []), or (0, the problems by ``file:line``)."""
    try:
        texts = read_pack(filename, instrument, data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        return 0, [_("The file is not UTF-8 text.")]
    except DefinitionError as err:
        return 0, [str(p) for p in err.problems]
    save_pack(organisation_id, instrument, texts, user_id)
    db.session.commit()
    record("instrument.texts", f"instrument:{instrument.id}", items=len(texts))
    return len(texts), []
