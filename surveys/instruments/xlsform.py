"""XLSForm import: an ODK or KoboToolbox form (survey, choices and settings sheets) in our format.

:func:`convert` is pure: it reads the workbook and returns a :class:`Conversion` holding the
questionnaire as a plain dict (ready for ``yaml.safe_dump``) and every problem, row by row, as
``FILE:survey:12: message``. What maps to what is described in docs/xlsform.md. Problems come in
two levels: warnings (something of the form is not in the result, or behaves differently) and
notes (handled by an equivalent of ours; nothing a participant would miss).
"""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any

from flask_babel import gettext as _

from surveys.core.question_base import OTHER
from surveys.core.yaml_lines import MAX_NODES, expanded_size
from surveys.instruments.xlsform_columns import base_of, language_of
from surveys.instruments.xlsform_constraints import constraint_limits
from surveys.instruments.xlsform_expressions import Hostile, Unsupported, shortened
from surveys.instruments.xlsform_pages import PageBuilder
from surveys.instruments.xlsform_reader import Unreadable, read_workbook
from surveys.instruments.xlsform_results import Conversion, Group, Item, Page, Refused, RowProblem
from surveys.instruments.xlsform_results import to_yaml as to_yaml  # the command writes what convert() gives
from surveys.instruments.xlsform_sheets import (
    HANDLED_COLUMNS,
    METADATA_TYPES,
    SELECT_TYPES,
    SETTINGS_USED,
    SIMPLE_TYPES,
    UNSUPPORTED_COLUMNS,
    ChoiceLists,
    Ids,
    Row,
    Sheet,
    Texts,
    snake,
    type_words,
)

SHEET_ORDER = {None: 0, "settings": 1, "survey": 2, "choices": 3}
YES = {"yes", "true", "true()", "1"}
NO = {"no", "false", "false()", "0"}


def _filled(row: Row, base: str) -> bool:
    """True when a column of that base name (``constraint_message``, ``constraint_message::English``) is filled."""
    return any(base_of(key) == base and row.text(key) for key in row.cells)


def convert(source: str | Path | IO[bytes], audience: list[str] | tuple[str, ...] = ("mentee",)) -> Conversion:
    """Convert an XLSForm workbook (a path or a binary file) into a questionnaire in our format.

    ``audience`` fills our required ``audience`` field, which XLSForm has no equivalent for.
    Never raises for a bad workbook: an unreadable file or a missing survey sheet gives a
    Conversion without a definition and one problem saying why.
    """
    display = str(source) if isinstance(source, str | Path) else str(getattr(source, "name", None) or "workbook")
    return _Converter(display, list(audience)).run(source)


class _Converter:
    def __init__(self, display: str, audience: list[str]):
        self.display, self.audience = display, audience
        self.problems: dict[RowProblem, None] = {}  # each problem once, in the order found
        self.ids = Ids()
        self.pages: list[Page] = []
        self.texts = Texts(self.warn)
        self.lists = ChoiceLists(None, self.texts, self.warn)
        self.the_label, self.the_hint = _("the label"), _("the hint")  # translated once, not once a question

    def warn(self, sheet: str | None, row: int | None, message: str, note: bool = False) -> None:
        self.problems.setdefault(RowProblem(self.display, sheet, row, message, note))

    def flag(self, row: Row, message: str, note: bool = False) -> None:
        """A problem on a row of the survey sheet."""
        self.warn("survey", row.number, message, note)

    def failed(self, message: str) -> Conversion:
        self.warn(None, None, message)
        return Conversion(None, self._sorted())

    def _sorted(self) -> list[RowProblem]:
        return sorted(self.problems, key=lambda p: (SHEET_ORDER.get(p.sheet, 9), p.row or 0))

    # ---- the whole form --------------------------------------------------------------------
    def run(self, source) -> Conversion:
        try:
            return self._run(source)
        except Refused as refusal:
            self.warn(refusal.sheet, refusal.row, refusal.message)
            return Conversion(None, self._sorted())

    def _run(self, source) -> Conversion:
        try:
            sheets = read_workbook(source, self.warn)
        except Unreadable as err:
            return self.failed(str(err))
        survey = sheets.get("survey")
        if survey is None:
            return self.failed(_("the workbook has no 'survey' sheet, so it is not an XLSForm"))
        missing = [c for c in ("type", "name") if c not in survey.columns]
        if missing:
            return self.failed(_("the survey sheet has no '%(column)s' column in its first row", column=missing[0]))
        head = self._settings(sheets.get("settings"))
        self._check_header(survey)
        self.texts.learn(survey)
        if "choices" in sheets:
            self.texts.learn(sheets["choices"])
            self.lists = ChoiceLists(sheets["choices"], self.texts, self.warn)
        self._walk(survey)
        pages = PageBuilder(self.warn).finish(self.pages)
        if not pages:
            return self.failed(_("no question of the form could be imported"))
        definition = {**head, "audience": self.audience}
        if self.lists.used():
            definition["choices"] = self.lists.used()
        definition["pages"] = pages
        if expanded_size(definition) > MAX_NODES:
            return self._too_large(expanded_size({**definition, "pages": []}))
        return Conversion(definition, self._sorted())

    def _too_large(self, total: int) -> Conversion:
        """Refuse a result past the loader's limit, naming the row of the first question that does not fit."""
        row = None
        for item in (item for page in self.pages for item in page.items):
            total += expanded_size(item.question, MAX_NODES - total)
            if total > MAX_NODES:
                row = item.row
                break
        message = _(
            "the converted questionnaire would hold more than %(limit)s values, more than a questionnaire may "
            "(the conditions of enclosing groups are repeated in each of their questions); nothing was written",
            limit=MAX_NODES,
        )
        self.warn("survey" if row else None, row, message)
        return Conversion(None, self._sorted())

    def _settings(self, sheet: Sheet | None) -> dict:
        row = sheet.rows[0] if sheet and sheet.rows else Row(2, {})
        self.texts.named = row.text("default_language")
        unused = sorted({base_of(k) for k in row.cells} - SETTINGS_USED)
        if unused:
            self.warn(
                "settings", row.number, _("settings not used here: %(names)s", names=", ".join(unused)), note=True
            )
        title = row.text("form_title") or row.text("form_id") or Path(self.display).stem
        wanted = [snake(row.text("form_id")), snake(row.text("form_title")), snake(Path(self.display).stem)]
        form_id = next((w for w in wanted if w), "")
        if not form_id:
            form_id = "imported_form"
            message = _("no id could be made from form_id, form_title or the file name; the id 'imported_form' is used")
            self.warn("settings", row.number, message)
        return {
            "id": form_id,
            "version": row.text("version") or "1",
            "title": {"ru": title, "en": title} if language_of(self.texts.named) == "en" else title,
        }

    def _check_header(self, survey: Sheet) -> None:
        for key in survey.columns:
            base = base_of(key)
            if key and not base.startswith("$") and base not in HANDLED_COLUMNS | UNSUPPORTED_COLUMNS:
                message = _("column '%(column)s' is not an XLSForm column; ignored", column=key)
                self.warn("survey", survey.header, message, note=True)

    # ---- the survey sheet ------------------------------------------------------------------
    def _walk(self, survey: Sheet) -> None:
        groups: list[Group] = []
        loose: Page | None = None  # the page of questions outside groups, while it lasts
        rows = iter(survey.rows)
        for row in rows:
            words = type_words(row.text("type"))
            if not words:
                self.flag(row, _("the row has no type; skipped"))
            elif words[0] == "begin group":
                groups.append(self._begin_group(row, groups))
            elif words[0] == "end group":
                if groups:
                    groups.pop()
                    loose = None
                else:
                    self.flag(row, _("'end group' without a 'begin group'; ignored"))
            elif words[0] == "begin repeat":
                self._skip_repeat(row, rows)
            elif words[0] == "end repeat":
                self.flag(row, _("'end repeat' without a 'begin repeat'; ignored"))
            else:
                if not groups and loose is None:
                    loose = self._new_page(f"page_{len(self.pages) + 1}", None)
                page = groups[0].page if groups else loose
                self._question(row, words, page, groups)
        for group in groups:
            self.warn("survey", group.row, _("the group has no 'end group'; it ends with the sheet"), note=True)

    def _new_page(self, name: str, title: Any) -> Page:
        page = Page(name, title)
        self.pages.append(page)
        return page

    def _begin_group(self, row: Row, groups: list[Group]) -> Group:
        self._check_columns(row, group=True)
        title = self.texts.text("survey", row, "label", _("group '%(name)s'", name=row.text("name")))
        if not groups:
            page = self._new_page(snake(row.text("name")) or "page", title)
        else:
            page = groups[0].page
            if title is not None:
                note = {"id": self._claim_id(row), "type": "note", "text": title}
                conditions = [(g.row, g.relevant, True) for g in groups if g.relevant]
                if row.text("relevant"):
                    conditions.append((row.number, row.text("relevant"), True))
                page.items.append(Item(row.number, row.text("name"), "note", note, conditions=conditions))
        return Group(row.number, row.text("relevant"), page)

    def _skip_repeat(self, row: Row, rows) -> None:
        depth, last = 1, row.number
        for inner in rows:
            last = inner.number
            words = type_words(inner.text("type"))
            depth += {"begin repeat": 1, "end repeat": -1}.get(words[0] if words else "", 0)
            if depth == 0:
                break
        self.flag(row, _("repeats are not supported; rows %(first)s–%(last)s are skipped", first=row.number, last=last))

    def _question(self, row: Row, words: list[str], page: Page, groups: list[Group]) -> None:
        kind = words[0]
        if kind in METADATA_TYPES:
            self.flag(row, _("type '%(type)s' is device metadata, not a question; skipped", type=kind), note=True)
            return
        if kind not in SIMPLE_TYPES and kind not in SELECT_TYPES:
            self.flag(row, _("type '%(type)s' is not supported; the row is skipped", type=row.text("type")))
            return
        options, values = self._select_options(row, words) if kind in SELECT_TYPES else (SIMPLE_TYPES[kind][1], {})
        if options is None:
            return
        our_type = SELECT_TYPES.get(kind) or SIMPLE_TYPES[kind][0]
        question = {"id": self._claim_id(row), "type": our_type, "text": self._label(row)}
        hint = self.texts.text("survey", row, "hint", self.the_hint)
        if hint is not None:
            question["help"] = hint
        if kind != "note" and self._required(row):
            question["required"] = True
        question.update(options)
        question.update(self._appearance(row, kind))
        question.update(self._limits(row, kind))
        self._check_columns(row)
        conditions = [(g.row, g.relevant, True) for g in groups if g.relevant]
        if row.text("relevant"):
            conditions.append((row.number, row.text("relevant"), False))
        page.items.append(Item(row.number, row.text("name"), kind, question, values, conditions))

    def _claim_id(self, row: Row) -> str:
        name = row.text("name")
        wanted = snake(name) or f"q_{row.number}"
        qid, first = self.ids.claim(wanted, row.number)
        if first is not None:
            message = _(
                "name '%(name)s' gives the id '%(wanted)s', already used at row %(first)s; imported as '%(id)s'"
            )
            self.flag(row, message % {"name": name, "wanted": wanted, "first": first, "id": qid})
        elif qid != name:
            why = _("has no name") if not name else _("name '%(name)s' is not lower_snake_case", name=name)
            self.flag(row, _("%(why)s; imported as '%(id)s'", why=why, id=qid))
        return qid

    def _label(self, row: Row) -> Any:
        label = self.texts.text("survey", row, "label", self.the_label)
        if label is None:
            label = row.text("name") or _("[row %(n)s]", n=row.number)
            self.flag(row, _("no label; '%(label)s' is used as the text", label=label))
        return label

    def _select_options(self, row: Row, words: list[str]) -> tuple[dict | None, dict]:
        if len(words) < 2 or len(words) > 3 or (len(words) == 3 and words[2] != "or_other"):
            message = _("type '%(type)s' should read '%(kind)s LIST [or_other]'; the row is skipped")
            self.flag(row, message % {"type": row.text("type"), "kind": words[0]})
            return None, {}
        found = self.lists.get(words[1])
        if found is None:
            message = _("choice list '%(name)s' %(why)s; the question is skipped")
            self.flag(row, message % {"name": words[1], "why": self.lists.why_missing(words[1])})
            return None, {}
        options: dict[str, Any] = {"choices": found.id}
        if len(words) == 3 and "other" in found.values:
            self.flag(row, _("list '%(name)s' already has a choice named 'other'; or_other is ignored", name=words[1]))
        elif len(words) == 3:
            options["other"] = True
            return options, {**found.values, OTHER: OTHER}  # a condition may test the "other" answer
        return options, found.values

    def _required(self, row: Row) -> bool:
        text = row.text("required").lower()
        if text and text not in YES | NO:
            message = _("required only when '%(when)s' is not supported; imported as not required")
            message %= {"when": row.text("required")}
            self.flag(row, message)
        required = text in YES
        if required and _filled(row, "required_message"):
            self.flag(row, _("required_message is not kept; the app's own message is shown"), note=True)
        return required

    def _appearance(self, row: Row, kind: str) -> dict:
        words = row.text("appearance").split()
        if kind == "text" and "multiline" in words:
            words.remove("multiline")
            options = {"long": True}
        else:
            options = {}
        if words:
            self.flag(row, _("appearance '%(words)s' is not supported; ignored", words=" ".join(words)))
        return options

    def _limits(self, row: Row, kind: str) -> dict:
        constraint = row.text("constraint")
        if not constraint:
            return {}
        try:
            limits = constraint_limits(constraint, kind)
        except Hostile as err:
            message = _("constraint '%(text)s' cannot be imported: %(why)s; the form is not imported")
            raise Refused("survey", row.number, message % {"text": shortened(constraint), "why": err}) from None
        except Unsupported as err:
            message = _("constraint '%(text)s' is not supported (%(why)s); the question is imported without it")
            self.flag(row, message % {"text": constraint, "why": err})
            return {}
        if _filled(row, "constraint_message"):
            message = _("constraint_message is not kept; the app shows its own message for the range")
            self.flag(row, message, note=True)
        return limits

    def _check_columns(self, row: Row, group: bool = False) -> None:
        for key in row.cells:
            if base_of(key) in UNSUPPORTED_COLUMNS:
                self.flag(row, _("column '%(column)s' is not supported; ignored", column=key))
        if group and set(row.text("appearance").split()) - {"field-list"}:
            self.flag(row, _("appearance '%(words)s' is not supported; ignored", words=row.text("appearance")))
