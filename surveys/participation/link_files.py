"""The links just made, kept without reissuing them: as an XLSX or CSV file, or as printed slips.

Links exist in clear only in the answer that made them; the database keeps their hashes. So the
links page sends the fresh tokens back in a form, and :func:`live_links` keeps only those that are a
live (not revoked) invitation of that wave: a forged, mistyped, revoked or other wave's token is
ignored and counted, never trusted. Every row of a file is then built from the database (code,
group, role), so nothing the browser sent is written except a token that matched.

The files hold no names: the code, the class or group, the role and the link. Text a spreadsheet
would read as a formula (a group named ``=HYPERLINK(…)``) is written as text: a quote prefix in the
workbook, a leading apostrophe in the CSV file.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import xlsxwriter
from sqlalchemy.orm import joinedload

from surveys.audit import record
from surveys.core.export import clean_text, is_risky
from surveys.core.export_text import csv_cell
from surveys.core.models import Invitation, Participant, Wave, hash_token, normalise_token
from surveys.extensions import db
from surveys.participation.links import MAX_TOKEN_LENGTH
from surveys.participation.slip_printing import group_names, natural_key

MAX_TOKENS = 5000  # more than any school has in one wave; the rest of a longer form is ignored
CHUNK = 500  # hashes per query, well under any database's limit of bound parameters
FORMATS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


@dataclass(frozen=True)
class KeptLinks:
    """The live links of a wave found among the tokens sent, in print order, and how many were ignored."""

    links: list[tuple[Participant, str]]
    groups: dict[int, str]
    ignored: int


def live_links(wave: Wave, tokens: Iterable[str]) -> KeptLinks:
    """The (participant, token) pairs among ``tokens`` that are live invitations of ``wave``, by group then
    code; every other token (unknown, revoked, another wave's, too long, repeated) is counted as ignored."""
    sent = [token for token in tokens if token]
    by_hash: dict[str, str] = {}
    for token in sent[:MAX_TOKENS]:
        if len(token) <= MAX_TOKEN_LENGTH:
            by_hash.setdefault(hash_token(token), normalise_token(token))
    hashes = list(by_hash)
    found: list[Invitation] = []
    for start in range(0, len(hashes), CHUNK):
        query = (
            db.select(Invitation)
            .where(
                Invitation.wave_id == wave.id,
                Invitation.revoked_at.is_(None),
                Invitation.token_hash.in_(hashes[start : start + CHUNK]),
            )
            .options(joinedload(Invitation.participant))
        )
        found.extend(db.session.execute(query).scalars())
    groups = group_names(wave)
    found.sort(key=lambda i: (natural_key(groups.get(i.participant_id, "")), i.participant.code))
    links = [(i.participant, by_hash[i.token_hash]) for i in found]
    return KeptLinks(links, groups, len(sent) - len(links))


def link_rows(
    kept: KeptLinks, role_label: Callable[[str], str], url_of: Callable[[str], str]
) -> list[tuple[str, str, str, str]]:
    """One row per link: code, class or group, role (as ``role_label`` words it) and the full link."""
    return [(p.code, kept.groups.get(p.id, ""), role_label(p.role), url_of(token)) for p, token in kept.links]


def links_xlsx(headers: Sequence[str], rows: Sequence[Sequence[str]], sheet: str) -> bytes:
    """A one-sheet workbook: every cell a string (never a formula, a number or a hyperlink)."""
    buffer = io.BytesIO()
    options = {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    book = xlsxwriter.Workbook(buffer, options)
    bold, quoted = book.add_format({"bold": True}), book.add_format({"quote_prefix": True})
    worksheet = book.add_worksheet(clean_text(sheet)[:31])
    for col, title in enumerate(headers):
        worksheet.write_string(0, col, title, bold)
    widths = [max([len(h) for h in headers[i : i + 1]] + [len(r[i]) for r in rows]) for i in range(len(headers))]
    for number, row in enumerate(rows, start=1):
        for col, value in enumerate(row):
            text = clean_text(value)
            worksheet.write_string(number, col, text, quoted if is_risky(text) else None)
    for col, width in enumerate(widths):
        worksheet.set_column(col, col, min(max(width, 8) + 2, 80))
    worksheet.freeze_panes(1, 0)
    book.close()
    return buffer.getvalue()


def links_csv(headers: Sequence[str], rows: Sequence[Sequence[str]], _sheet: str = "") -> bytes:
    """UTF-8 with a byte order mark (Excel then reads Cyrillic), ``;``-separated as Russian Excel expects;
    risky text gets a leading apostrophe. (``_sheet``: a CSV file has no sheet name; the argument keeps
    both writers alike.)"""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([csv_cell(title, ";") for title in headers])
    writer.writerows([csv_cell(value, ";") for value in row] for row in rows)
    return buffer.getvalue().encode("utf-8-sig")


def record_download(wave: Wave, fmt: str, kept: KeptLinks) -> None:
    """Audit a download of links: the format and the counts, never a token."""
    record(f"export.links_{fmt}", f"wave:{wave.id}", count=len(kept.links), ignored=kept.ignored)
