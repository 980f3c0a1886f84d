"""The scales of a questionnaire file: checked against its items and built (called by the loader).

A reverse key copied from a manual is often a list of item numbers (``reverse: [3, 5]``): a number
stands for the one item of the scale whose id ends in that number (``q3``, ``stai_05``); when no item
or several match, the message lists the scale's ids and says how to write the key.
"""

from __future__ import annotations

import re
from typing import Any

from flask_babel import gettext as _

from .definitions import Band, Norm, NormRow, Scale
from .schema import ScaleSchema

RANGED = ("sum", "mean", "linear")  # methods whose items must be numeric (rating questions, matrix rows)


def _scale_items(data: dict, path: list, item_ranges, answer_keys, problems) -> None:
    """Check that a scale's items exist, and carry what its method needs."""
    method = data["method"]
    for key in ("items", "reverse"):
        for i, item in enumerate(data[key]):
            if method in RANGED and item not in item_ranges:
                message = _("'%(id)s' is not a scoreable item (a rating question or a matrix row)", id=item)
                problems.add([*path, key, i], message)
            elif method in ("key_match", "weighted") and item not in answer_keys:
                problems.add([*path, key, i], _("'%(id)s' is not an answer key of this instrument", id=item))
    stray = set(data["reverse"]) - set(data["items"])
    if stray:
        problems.add([*path, "reverse"], _("reverse-keyed items not in 'items': %(ids)s", ids=", ".join(sorted(stray))))
    if data["reverse"] and method in ("key_match", "weighted"):
        message = _("'%(method)s' scales have no reverse keys: put the keyed answers in the key", method=method)
        problems.add([*path, "reverse"], message)
    for option, needed_by in (("key", "key_match"), ("weights", "weighted")):
        given = data.get(option)
        if method == needed_by:
            missing_items = [item for item in data["items"] if item not in (given or {})]
            if missing_items:
                problems.add(
                    [*path, option], _("no %(option)s for: %(ids)s", option=option, ids=", ".join(missing_items))
                )
            extra = sorted(set(given or {}) - set(data["items"]))
            if extra:
                message = _("%(option)s for items not in 'items': %(ids)s", option=option, ids=", ".join(extra))
                problems.add([*path, option], message)
        elif given is not None:
            problems.add(
                [*path, option], _("only '%(method)s' scales have %(option)s", method=needed_by, option=option)
            )
    if "constant" in data and data["constant"] and method != "linear":
        problems.add([*path, "constant"], _("only 'linear' scales have a constant"))


def _norms(data: dict, path: list, problems) -> tuple[Norm, ...]:
    norms = []
    for index, raw in enumerate(data["norms"]):
        rows = sorted(raw["table"], key=lambda row: row["min"])
        for before, after in zip(rows, rows[1:], strict=False):
            if after["min"] <= before["max"]:
                problems.add(
                    [*path, "norms", index, "table"],
                    _(
                        "rows %(a)s–%(b)s and %(c)s–%(d)s overlap",
                        a=before["min"],
                        b=before["max"],
                        c=after["min"],
                        d=after["max"],
                    ),
                )
        norms.append(
            Norm(
                kind=raw["kind"],
                table=tuple(NormRow(r["min"], r["max"], r["value"]) for r in raw["table"]),
                sex=raw["sex"],
                age=tuple(raw["age"]) if raw.get("age") else None,
                source=raw.get("source", ""),
            )
        )
    return tuple(norms)


def _as_tuple(value: Any) -> tuple:
    return tuple(value) if isinstance(value, list) else (value,)


_TRAILING_NUMBER = re.compile(r"(\d+)$")


def _numbers_as_ids(raw: Any, path: list, problems) -> bool:
    """Replace each item number in ``reverse`` by the one item of ``items`` whose id ends in it;
    False (and a problem for each) when a number matches no item or several."""
    if not isinstance(raw, dict) or not isinstance(raw.get("reverse"), list) or not isinstance(raw.get("items"), list):
        return True
    resolved = True
    ids = [item for item in raw["items"] if isinstance(item, str)]
    if len(ids) < len(raw["items"]):  # items written as numbers too: the schema says how to write both
        return True
    by_number: dict[int, list[str]] = {}
    for item in ids:
        found = _TRAILING_NUMBER.search(item)
        if found:
            by_number.setdefault(int(found[1]), []).append(item)
    for index, entry in enumerate(raw["reverse"]):
        if isinstance(entry, bool) or not isinstance(entry, int):
            continue
        matches = by_number.get(entry, [])
        if len(matches) == 1:
            raw["reverse"][index] = matches[0]
            continue
        message = _(
            "%(n)s: no single item of this scale has an id ending in %(n)s; write the reverse-keyed items by "
            "their ids, e.g. reverse: [%(example)s]; the items of this scale: %(ids)s",
            n=entry,
            example=", ".join(ids[:2]) or "q1",
            ids=", ".join(ids) or "—",
        )
        problems.add([*path, "reverse", index], message)
        resolved = False
    return resolved


def build_scales(raw_scales, item_ranges, answer_keys, problems) -> list[Scale]:
    """Each scale of ``raw_scales`` checked and built; problems go to the loader's collector."""
    scales, ids = [], set()
    for index, raw in enumerate(raw_scales):
        path = ["scales", index]
        if not _numbers_as_ids(raw, path, problems):
            continue
        data = problems.load(ScaleSchema(), raw, path)
        if data is None:
            continue
        if data["id"] in ids:
            problems.add([*path, "id"], _("scale id '%(id)s' is used twice", id=data["id"]))
        ids.add(data["id"])
        if data["method"] != "custom":
            _scale_items(data, path, item_ranges, answer_keys, problems)
        if data.get("min_answered", 0) > len(data["items"]):
            problems.add([*path, "min_answered"], _("is larger than the number of items"))
        scales.append(
            Scale(
                id=data["id"],
                title=data["title"],
                items=tuple(data["items"]),
                method=data["method"],
                reverse=tuple(data["reverse"]),
                min_answered=data.get("min_answered"),
                bands=tuple(Band(**b) for b in data["bands"]),
                higher_is=data.get("higher_is"),
                prorate=data["prorate"],
                constant=data["constant"],
                key={item: _as_tuple(value) for item, value in (data.get("key") or {}).items()},
                weights={item: dict(points) for item, points in (data.get("weights") or {}).items()},
                norms=_norms(data, path, problems),
                reliability=(data.get("reliability") or {}).get("value"),
                reliability_source=(data.get("reliability") or {}).get("source"),
            )
        )
    return scales
