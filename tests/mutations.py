"""Random damage to a valid document tree, for the hostile-input property tests."""

from __future__ import annotations

import copy


def paths(node, prefix=()):
    """Every path into a tree of dicts and lists, the root's empty path first."""
    yield prefix
    children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, child in children:
        yield from paths(child, (*prefix, key))


def mutate(draw, st, tree, kinds: list[str], values, keys, special=None):
    """A deep copy of ``tree`` with one to four mutations drawn from ``kinds``.

    Kinds: "replace" (a value from ``values``), "delete", "duplicate" (a list item, so ids
    repeat), "add key" (a key from ``keys``); any other kind is handed to
    ``special(draw, parent, key, kind)``.
    """
    tree = copy.deepcopy(tree)
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from(list(paths(tree))[1:]))
        parent = tree
        for step in path[:-1]:
            parent = parent[step]
        kind = draw(st.sampled_from(kinds))
        if kind == "replace":
            parent[path[-1]] = draw(values)
        elif kind == "delete":
            del parent[path[-1]]
        elif kind == "duplicate" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[path[-1]]))
        elif kind == "add key" and isinstance(parent, dict):
            parent[draw(keys)] = draw(values)
        elif special is not None:
            special(draw, parent, path[-1], kind)
    return tree
