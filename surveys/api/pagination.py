"""Pages of lists: ``?page=1&per_page=50`` (at most 200), answered as ``{items, page, per_page, total, pages}``.

Pages are counted from 1. A page past the last one is an empty page, not an error, so a
client can stop on ``items == []`` or on ``page >= pages``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Select, func, select

from ..extensions import db


def page_count(total: int, per_page: int) -> int:
    """How many pages ``total`` items fill (0 for none)."""
    return -(-total // per_page)


def page_body(items: list[Any], page: int, per_page: int, total: int) -> dict[str, Any]:
    """The body of one page."""
    return {"items": items, "page": page, "per_page": per_page, "total": total, "pages": page_count(total, per_page)}


def page_of_list(rows: Sequence[Any], args: dict[str, Any], convert: Callable[[Any], Any] = lambda row: row) -> dict:
    """One page of a list already in memory (small lists: instruments, participants)."""
    page, per_page = args["page"], args["per_page"]
    start = (page - 1) * per_page
    return page_body([convert(row) for row in rows[start : start + per_page]], page, per_page, len(rows))


def page_of_query(query: Select, args: dict[str, Any], convert: Callable[[Any], Any]) -> dict:
    """One page of a select (which must be ordered), counted in the database; ``convert`` makes each row an item."""
    page, per_page = args["page"], args["per_page"]
    total = db.session.execute(select(func.count()).select_from(query.order_by(None).subquery())).scalar_one()
    offset = (page - 1) * per_page
    rows = db.session.execute(query.limit(per_page).offset(offset)) if offset < total else []
    return page_body([convert(row) for row in rows], page, per_page, total)
