"""A campaign's export as one file: XLSX, CSV (a ZIP of one CSV per table) or JSON (docs/exports.md).

:func:`write_export` writes the tables of :mod:`.export_tables` into ``target`` through a
``.part`` file that is renamed only when complete, so an interrupted export never leaves a
broken file behind. The same tables go into every format.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
import unicodedata
from collections.abc import Callable
from pathlib import Path

from surveys.core.export import WriteReport, write_workbook
from surveys.core.export_text import write_csv, write_json
from surveys.core.models import Campaign
from surveys.exports.plan import ExportRequest
from surveys.exports.tables import export_sheets, plan_export

FORMATS = {
    "xlsx": (".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "csv": (".zip", "application/zip"),
    "json": (".json", "application/json"),
}
DELIMITERS = (",", ";")
UNSAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]+")


CYRILLIC = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        [
            "a",
            "b",
            "v",
            "g",
            "d",
            "e",
            "yo",
            "zh",
            "z",
            "i",
            "y",
            "k",
            "l",
            "m",
            "n",
            "o",
            "p",
            "r",
            "s",
            "t",
            "u",
            "f",
            "kh",
            "ts",
            "ch",
            "sh",
            "shch",
            "",
            "y",
            "",
            "e",
            "yu",
            "ya",
        ],
        strict=True,
    )
)


def _latin(text: str) -> str:
    """Russian letters in Latin (a simple transliteration, for file names only)."""
    out = []
    for c in text:
        latin = CYRILLIC.get(c.lower())
        out.append(c if latin is None else latin.capitalize() if c != c.lower() else latin)
    return "".join(out)


def download_name(campaign: Campaign, fmt: str, when: dt.datetime | None = None) -> str:
    """A safe file name: ASCII letters, digits, ``-``, ``_`` and ``.`` only (Cyrillic transliterated),
    never a path, at most about 100 characters; every browser and HTTP header takes it as it is."""
    when = when or dt.datetime.now(dt.UTC)
    return f"campaign-{campaign.id}-{file_slug(campaign.name, 'campaign')}-{when:%Y%m%d-%H%M}{FORMATS[fmt][0]}"


def file_slug(name: str, fallback: str) -> str:
    """A name as a piece of a file name: transliterated to ASCII, unsafe characters as ``-``, ≤ 60 long."""
    ascii_name = unicodedata.normalize("NFKD", _latin(name)).encode("ascii", "ignore").decode()
    return re.sub(r"[-.]{2,}", "-", UNSAFE_NAME.sub("-", ascii_name)).strip("-._")[:60] or fallback


def write_export(
    campaign: Campaign,
    request: ExportRequest,
    fmt: str,
    target: str | Path,
    delimiter: str = ",",
    progress: Callable[[int], None] | None = None,
) -> WriteReport:
    """Write the export to ``target``; ``progress`` gets the percentage done (0–99, then 100)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}: choose one of {', '.join(FORMATS)}")
    if delimiter not in DELIMITERS:
        raise ValueError("the CSV delimiter must be ',' or ';'")
    target = Path(target)
    plan = plan_export(campaign, request)
    sheets = export_sheets(plan)
    report = WriteReport()

    def tick(rows: int) -> None:
        if progress is not None:
            progress(min(99, rows * 100 // plan.estimated_rows))

    handle, part = tempfile.mkstemp(prefix=target.name + ".", suffix=".part", dir=target.parent)
    os.close(handle)
    try:
        if fmt == "xlsx":
            write_workbook(sheets, part, progress=tick, report=report)
        elif fmt == "csv":
            write_csv(sheets, part, delimiter=delimiter, progress=tick, report=report)
        else:
            write_json(sheets, part, meta=plan.meta, progress=tick, report=report)
        os.replace(part, target)
    except BaseException:
        Path(part).unlink(missing_ok=True)
        raise
    if progress is not None:
        progress(100)
    return report


def campaign_workbook(campaign: Campaign, request: ExportRequest | None = None) -> bytes:
    """The XLSX export in memory (small campaigns; the caller checks who may see individual data)."""
    request = request or ExportRequest(individual=True)
    return write_workbook(export_sheets(plan_export(campaign, request)))
