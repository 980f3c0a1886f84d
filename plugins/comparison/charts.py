"""Charts for the comparison page as plain SVG geometry: no JavaScript, no external assets.

Pure functions from report numbers to coordinates; the template draws them.
"""

from __future__ import annotations

from dataclasses import dataclass

WIDTH, HEIGHT, PAD = 320, 180, 24


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    direction: str  # "up", "down" or "same"


def _y(value: float, low: float, high: float) -> float:
    span = (high - low) or 1.0
    return round(HEIGHT - PAD - (value - low) / span * (HEIGHT - 2 * PAD), 1)


def slope_lines(pairs: list[list[float]], low: float | None = None, high: float | None = None) -> list[Line]:
    """One line per participant from the before score (left) to the after score (right)."""
    values = [v for pair in pairs for v in pair if v is not None]
    if not values:
        return []
    low = min(values) if low is None else low
    high = max(values) if high is None else high
    lines = []
    for before, after in pairs:
        direction = "up" if after > before else "down" if after < before else "same"
        lines.append(Line(PAD * 3, _y(before, low, high), WIDTH - PAD * 3, _y(after, low, high), direction))
    return lines


@dataclass(frozen=True)
class Bar:
    label: str
    count: int
    x: float
    width: float


def stacked_bar(counts: list[tuple[str, int]], width: float = WIDTH) -> list[Bar]:
    """Segments of one horizontal bar, proportional to the counts (e.g. improved / no change / worse)."""
    total = sum(count for _, count in counts)
    bars, x = [], 0.0
    for label, count in counts:
        share = count / total * width if total else 0.0
        bars.append(Bar(label, count, round(x, 1), round(share, 1)))
        x += share
    return bars
