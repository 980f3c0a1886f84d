"""From the converted questions to our pages: each ``relevant`` translated once into ``show_if``, and a page
split where a condition reads an answer on the same page. Part of the XLSForm import."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from surveys.instruments.xlsform_expressions import (
    Hostile,
    Target,
    Unsupported,
    condition_ids,
    relevant_condition,
    shortened,
)
from surveys.instruments.xlsform_results import Item, Page, Refused
from surveys.instruments.xlsform_sheets import Ids, Warn


class PageBuilder:
    """Builds the pages; problems go to ``warn(sheet, row, message, note=False)``."""

    def __init__(self, warn: Warn):
        self.warn = warn
        self.relevant: dict[str, tuple[dict, int] | str] = {}  # see _translated

    def finish(self, pages: list[Page]) -> list[dict]:
        """The pages as dicts, each question with its show_if; a page is split where a condition reads it."""
        items = [item for page in pages for item in page.items]
        targets: dict[str, Target] = {}
        for item in items:
            targets.setdefault(item.name, Target(item.question["id"], item.kind, item.values))
        order = {item.question["id"]: index for index, item in enumerate(items)}
        page_ids, result = Ids(), []
        for page in pages:
            current: dict | None = None
            on_page: set[str] = set()  # the ids of the current page's questions, kept as they are added
            for item in page.items:
                condition = self._show_if(item, targets, order)
                if current is not None and condition and condition_ids(condition) & on_page:
                    message = _("relevant uses an answer on the same page, so the page is split here")
                    self.warn("survey", item.row, message, note=True)
                    current = None
                if current is None:
                    current, on_page = self._page_dict(page, page_ids), set()
                    result.append(current)
                on_page.add(item.question["id"])
                if condition:
                    item.question["show_if"] = condition
                current["questions"].append(item.question)
        return result

    @staticmethod
    def _page_dict(page: Page, page_ids: Ids) -> dict:
        result: dict[str, Any] = {"id": page_ids.claim(page.name)[0]}
        if page.title is not None:
            result["title"] = page.title
        result["questions"] = []
        return result

    def _translated(self, text: str, targets: dict[str, Target], order: dict[str, int]) -> tuple[dict, int] | str:
        """A relevant expression as (condition, position of the latest question it reads), or why it is not
        supported; translated once, however many questions of its group repeat it."""
        if text not in self.relevant:
            try:
                condition = relevant_condition(text, targets.get)
                self.relevant[text] = (condition, max((order[i] for i in condition_ids(condition)), default=-1))
            except Unsupported as err:
                self.relevant[text] = str(err)
        return self.relevant[text]

    def _show_if(self, item: Item, targets: dict[str, Target], order: dict[str, int]) -> dict | None:
        parts = []
        position = order[item.question["id"]]
        for row, text, from_group in item.conditions:
            try:
                found = self._translated(text, targets, order)
            except Hostile as err:  # not kept in self.relevant: the conversion stops here
                message = _("relevant '%(text)s' cannot be imported: %(why)s; the form is not imported")
                raise Refused("survey", row, message % {"text": shortened(text), "why": err}) from None
            if isinstance(found, str):
                message = (
                    _("relevant '%(text)s' is not supported (%(why)s); the group's questions are imported without it")
                    if from_group
                    else _("relevant '%(text)s' is not supported (%(why)s); the question is imported without it")
                )
                self.warn("survey", row, message % {"text": text, "why": found})
                continue
            condition, latest = found
            if latest >= position:
                later = sorted(i for i in condition_ids(condition) if order[i] >= position)
                message = _("relevant refers to '%(id)s', which is not before this question; condition not imported")
                message %= {"id": later[0]}
                self.warn("survey", item.row, message)
                continue
            parts.append(condition)
        if len(parts) > 1:
            return {"all": [c for part in parts for c in (part["all"] if set(part) == {"all"} else [part])]}
        return parts[0] if parts else None
