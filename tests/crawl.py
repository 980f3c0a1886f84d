"""Reading pages as a person does: the visible text of a page, and the words in a language nobody asked for.

:class:`VisibleText` keeps what a reader sees or a screen reader says: text outside ``<script>``,
``<style>`` and ``<template>``, plus ``title``, ``alt``, ``aria-label``, ``placeholder`` and the
labels of buttons. Text inside an element whose ``lang`` differs from the page's (the «English» link of
the language switch) is meant to be in that language and is left out, and so is ``<code>``, ``<kbd>``
and ``<samp>``: commands, file headers and values to type are the same in every language.

:func:`english_sentences` finds runs of two or more Latin words in a Russian page; names such as SWOT
or GAD-7 are allowed. :func:`russian_runs` finds Cyrillic text in an English page. In both, what the
school typed itself (names, answers) and what a questionnaire file says (its texts where it has no
English, its citation and licence note) is data, not interface, and is allowed by :func:`is_data`.
:func:`crawl` follows a signed-in person's links from the start page.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit

SKIPPED_TAGS = {"script", "style", "template"}
LITERAL_TAGS = {"code", "kbd", "samp"}  # commands, file headers, values to type: not in any language
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
SPOKEN_ATTRIBUTES = ("title", "alt", "aria-label", "placeholder")

# Names and abbreviations that stay as they are in a Russian interface.
ALLOWED_LATIN = (
    "SWOT",
    "PDF",
    "XLSX",
    "CSV",
    "JSON",
    "API",
    "GAD-7",
    "CBI",
    "MBI",
    "STAI",
    "XLSForm",
    "ODK",
    "KoboToolbox",
    "YAML",
    "Excel",
    "English",
    "surveys",
)
LATIN_WORD = r"[A-Za-z][A-Za-z]+(?:['’-][A-Za-z]+)*"
ENGLISH_RUN = re.compile(rf"(?<![\w@./:#=-]){LATIN_WORD}(?:[ \t\n]+{LATIN_WORD})+(?![\w@/.:=-]*[\w@/=])")
CYRILLIC_RUN = re.compile(r"[А-Яа-яЁё][А-Яа-яЁё\w\-]*(?:[\s,.;:!?«»\"()–—\-№/0-9]+[А-Яа-яЁё][А-Яа-яЁё\w\-]*)*")
SEPARATORS = re.compile(r"\s*[,;:·|/()«»\"]\s*|\s+[–—-]\s+")


class VisibleText(HTMLParser):
    """The visible (and spoken) text of an HTML page, as a list of chunks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self.page_lang: str | None = None
        self._stack: list[tuple[str, bool]] = []  # (tag, hides its text)

    def _hidden(self) -> bool:
        return any(hides for _tag, hides in self._stack)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "html":
            self.page_lang = attributes.get("lang")
        other_language = bool(attributes.get("lang")) and tag != "html" and attributes.get("lang") != self.page_lang
        hides = tag in SKIPPED_TAGS or tag in LITERAL_TAGS or other_language
        if not self._hidden() and not hides:
            for name in SPOKEN_ATTRIBUTES:
                if attributes.get(name):
                    self.chunks.append(attributes[name])
            if tag == "input" and attributes.get("type") in ("submit", "button") and attributes.get("value"):
                self.chunks.append(attributes["value"])
        if tag not in VOID:
            self._stack.append((tag, hides))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID and self._stack and self._stack[-1][0] == tag:
            self._stack.pop()

    def handle_endtag(self, tag):
        for index in range(len(self._stack) - 1, -1, -1):
            if self._stack[index][0] == tag:
                del self._stack[index:]
                return

    def handle_data(self, data):
        if self._hidden() or not data.strip():
            return
        if self._stack and self._stack[-1][0] == "textarea":  # a value typed one per line
            self.chunks.extend(" ".join(line.split()) for line in data.splitlines() if line.strip())
        else:
            self.chunks.append(" ".join(data.split()))


def visible_text(html: str) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    parser.close()
    return parser.chunks


def english_sentences(chunks: Iterable[str], data: str = "") -> list[str]:
    """Runs of two or more Latin words that are not the school's data, once the allowed names are taken out."""
    found = []
    for chunk in chunks:
        for name in ALLOWED_LATIN:
            chunk = re.sub(rf"(?<![\w-]){re.escape(name)}(?![\w-])", "·", chunk)
        found.extend(m.group(0) for m in ENGLISH_RUN.finditer(chunk) if not (data and is_data(m.group(0), data)))
    return found


def normalise(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").split()).casefold()


def is_data(run: str, data: str) -> bool:
    """True when ``run`` is the school's own text: all of it, or each of its list parts."""
    if normalise(run) in data:
        return True
    parts = [p for p in SEPARATORS.split(run) if re.search("[А-Яа-яЁёA-Za-z]", p)]
    return len(parts) > 1 and all(normalise(p) in data for p in parts)


def russian_runs(chunks: Iterable[str], data: str) -> list[str]:
    """Cyrillic text that is not the school's data (``data``: every stored text, normalised, joined)."""
    return [m.group(0) for chunk in chunks for m in CYRILLIC_RUN.finditer(chunk) if not is_data(m.group(0), data)]


# ---- following links -------------------------------------------------------------------------

LINK = re.compile(r"""<a\b[^>]*?\bhref=["']([^"'#]+)""", re.I)
NOT_PAGES = re.compile(r"(/logout|/lang/|/static/|^/s/|^/o/|\.(xlsx|csv|json|pdf|zip|svg|png|js|css)(\?|$))")


def pattern_of(url: str) -> str:
    """The URL with its numbers taken out: pages of one kind are visited a few times, not hundreds."""
    return re.sub(r"\d+", "N", url)


@dataclass
class Crawl:
    pages: dict[str, list[str]] = field(default_factory=dict)  # url → visible text chunks
    refused: dict[str, int] = field(default_factory=dict)  # url → status other than 200


def crawl(
    get: Callable[[str], tuple[int, str, str]],
    start: Iterable[str],
    per_pattern: int = 2,
    limit: int = 250,
) -> Crawl:
    """Follow same-site links breadth-first from ``start``. ``get(url)`` returns (status, content type, body)."""
    result = Crawl()
    queue = deque(start)
    seen: set[str] = set(queue)
    patterns: dict[str, int] = {}
    while queue and len(result.pages) < limit:
        url = queue.popleft()
        status, content_type, body = get(url)
        if status != 200:
            result.refused[url] = status
            continue
        if not content_type.startswith("text/html"):
            continue
        result.pages[url] = visible_text(body)
        for href in LINK.findall(body):
            href = href.replace("&amp;", "&")
            parts = urlsplit(href)
            if parts.netloc not in ("", "localhost") or not parts.path.startswith("/"):
                continue
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            if target in seen or NOT_PAGES.search(target):
                continue
            seen.add(target)
            kind = pattern_of(target)
            if patterns.get(kind, 0) < per_pattern:
                patterns[kind] = patterns.get(kind, 0) + 1
                queue.append(target)
    return result
