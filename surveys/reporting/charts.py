"""Charts drawn by matplotlib as SVG images: offline, no JavaScript, the same in the browser and in print.

Each function takes plain numbers and returns a :class:`ChartImage`: the SVG text and a
``data:`` URI to put in an ``<img>`` (the page's Content-Security-Policy allows ``data:``
images, and an image keeps matplotlib's styles to itself). The ``alt`` text says in words what
the chart shows, for screen readers; pages put the numbers in a table beside it too. The SVG
carries the same words itself (``role="img"``, ``aria-label``, ``<title>`` and ``<desc>``), so the
file opened on its own or embedded in the PDF describes itself in the interface language; callers
pass ``title`` and ``alt`` already translated, and matplotlib's own English credit is left out.

Figures are made with :class:`matplotlib.figure.Figure` (no pyplot and no global state, so
requests in threads do not share figures). Text stays text in the SVG (``svg.fonttype: none``)
so it is small and searchable, and the output is deterministic (no date, a fixed hash salt).
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

import matplotlib

matplotlib.use("svg")  # never a window; set before pyplot could be imported anywhere

from matplotlib import rc_context  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

UP, DOWN, SAME = "#0b5cad", "#8a4b00", "#6b6b6b"  # contrast ≥ 4.5 on white
RCI_COLOURS = ("#0b5cad", "#9a9a9a", "#b3261e")  # improved, no reliable change, deteriorated
STYLE = {
    "svg.fonttype": "none",
    "svg.hashsalt": "surveys",
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


@dataclass(frozen=True)
class ChartImage:
    svg: str
    alt: str

    @property
    def data_uri(self) -> str:
        return "data:image/svg+xml;base64," + base64.b64encode(self.svg.encode("utf-8")).decode("ascii")


def _render(fig: Figure, title: str, alt: str) -> ChartImage:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None})
    svg = buffer.getvalue()
    start = svg.index("<svg ")
    end = svg.index(">", start)
    label = escape(alt, {'"': "&quot;"})
    head = f'{svg[start:end]} role="img" aria-label="{label}">'
    described = f"<title>{escape(title)}</title><desc>{escape(alt)}</desc>"
    return ChartImage(svg[:start] + head + described + svg[end + 1 :], alt)


def slope_chart(
    pairs: Sequence[Sequence[float]],
    before: str,
    after: str,
    title: str,
    alt: str,
    width: float = 3.6,
    higher_is: str | None = None,
) -> ChartImage:
    """Each person's change from ``before`` (left) to ``after`` (right): ``pairs`` are ``[b, a]`` or
    ``[b, a, count]``; the same change drawn once, thicker for more people.

    Colours follow the scale's direction: blue for a change for the better, brown for the worse,
    grey for none (``higher_is`` "better" or "worse"; without it, blue up and brown down)."""
    better_up = higher_is != "worse"
    with rc_context(STYLE):
        fig = Figure(figsize=(width, 2.4))
        ax = fig.subplots()
        counts = [int(p[2]) if len(p) > 2 else 1 for p in pairs]
        most = max(counts or [1])
        for index, (pair, count) in enumerate(zip(pairs, counts, strict=True)):
            b, a = float(pair[0]), float(pair[1])
            colour = SAME if a == b else UP if (a > b) == better_up else DOWN
            width = 1 + 4 * (count / most) ** 0.5
            ax.plot([0, 1], [b, a], color=colour, alpha=0.75, linewidth=width, gid=f"change-{index}-{count}")
        ax.set_xticks([0, 1], [before, after])
        ax.set_xlim(-0.15, 1.15)
        ax.set_title(title, loc="left")
        return _render(fig, title, alt)


def stacked_share(
    counts: Sequence[tuple[str, int]], title: str, alt: str, colours: Sequence[str] = RCI_COLOURS
) -> ChartImage:
    """One horizontal bar split by category (improved / no reliable change / deteriorated), with counts."""
    with rc_context(STYLE):
        fig = Figure(figsize=(3.6, 0.9))
        ax = fig.subplots()
        left = 0
        for (label, count), colour in zip(counts, colours, strict=False):
            if count:
                ax.barh([0], [count], left=left, color=colour, label=f"{label}: {count}")
            left += count
        ax.set_yticks([])
        ax.set_xlim(0, max(left, 1))
        ax.spines["left"].set_visible(False)
        ax.set_title(title, loc="left")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.35), ncol=3, frameon=False, fontsize=8)
        return _render(fig, title, alt)


def trend_chart(
    periods: Sequence[str], values: Sequence[float], target: float | None, title: str, alt: str, unit: str = ""
) -> ChartImage:
    """An indicator over periods as a line with points, and its target as a dashed line."""
    with rc_context(STYLE):
        fig = Figure(figsize=(4.2, 2.2))
        ax = fig.subplots()
        ax.plot(list(periods), list(values), marker="o", color=UP, gid="values")
        if target is not None:
            ax.axhline(target, color=DOWN, linestyle="--", linewidth=1, gid="target")
            ax.annotate(
                str(target), (1, target), xycoords=("axes fraction", "data"), ha="right", va="bottom", color=DOWN
            )
        ax.set_ylabel(unit)
        ax.set_title(title, loc="left")
        ax.tick_params(axis="x", labelrotation=30)
        return _render(fig, title, alt)


def share_rows(
    rows: Sequence[tuple[str, Sequence[tuple[str, int]]]], title: str, alt: str, colours: Sequence[str]
) -> ChartImage:
    """One horizontal bar per row (e.g. a wave), split into the shares of its categories, in per cent.

    ``rows`` are ``(label, [(category, count), …])`` with the same categories in the same order;
    the legend names each category once. Empty rows are drawn as an empty bar."""
    with rc_context(STYLE):
        fig = Figure(figsize=(4.2, 0.6 + 0.45 * len(rows)))
        ax = fig.subplots()
        named: set[str] = set()
        for index, (_label, counts) in enumerate(rows):
            total = sum(n for _, n in counts) or 1
            left = 0.0
            for (category, count), colour in zip(counts, colours, strict=False):
                share = 100 * count / total
                label = category if category not in named and count else None
                if count:
                    named.add(category)
                    ax.barh([index], [share], left=left, color=colour, label=label, gid=f"share-{index}-{category}")
                left += share
        ax.set_yticks(range(len(rows)), [label for label, _ in rows])
        ax.invert_yaxis()
        ax.set_xlim(0, 100)
        ax.set_xlabel("%")
        ax.set_title(title, loc="left")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.45), ncol=3, frameon=False, fontsize=8)
        return _render(fig, title, alt)


def means_chart(
    groups: Sequence[tuple[str, float, float]],
    before: str,
    after: str,
    title: str,
    alt: str,
    higher_is: str | None = None,
) -> ChartImage:
    """Each group's mean before (hollow circle) and after (filled), joined by a line coloured by
    the direction of the change (as in :func:`slope_chart`)."""
    better_up = higher_is != "worse"
    with rc_context(STYLE):
        fig = Figure(figsize=(4.2, 0.7 + 0.4 * len(groups)))
        ax = fig.subplots()
        for index, (_label, b, a) in enumerate(groups):
            colour = SAME if a == b else UP if (a > b) == better_up else DOWN
            ax.plot([b, a], [index, index], color=colour, linewidth=2, gid=f"means-{index}")
            ax.scatter(
                [b], [index], facecolors="white", edgecolors=colour, zorder=3, label=before if not index else None
            )
            ax.scatter([a], [index], color=colour, zorder=3, label=after if not index else None)
        ax.set_yticks(range(len(groups)), [label for label, _, _ in groups])
        ax.invert_yaxis()
        ax.set_ylim(len(groups) - 0.5, -0.5)
        ax.set_title(title, loc="left")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.25), ncol=2, frameon=False, fontsize=8)
        return _render(fig, title, alt)
