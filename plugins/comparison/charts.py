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
    count: int = 1  # how many people made this change
    width: float = 1.5  # stroke width: MIN_WIDTH for one person, up to MAX_WIDTH for the most common change


MIN_WIDTH, MAX_WIDTH = 1.5, 6.0


def _y(value: float, low: float, high: float) -> float:
    span = (high - low) or 1.0
    return float(round(HEIGHT - PAD - (value - low) / span * (HEIGHT - 2 * PAD)))  # whole pixels


def slope_lines(pairs: list[list[float]], low: float | None = None, high: float | None = None) -> list[Line]:
    """Lines from the before score (left) to the after score (right), one per change drawn.

    ``pairs`` are ``[before, after]`` or ``[before, after, count]``. Changes that land on the same
    pixels are drawn once, thicker by the square root of how many people made them, so a
    campaign of thousands draws at most a few thousand lines.
    """
    values = [v for pair in pairs for v in pair[:2] if v is not None]
    if not values:
        return []
    low = min(values) if low is None else low
    high = max(values) if high is None else high
    merged: dict[tuple[float, float], int] = {}
    for pair in pairs:
        key = (_y(pair[0], low, high), _y(pair[1], low, high))
        merged[key] = merged.get(key, 0) + (int(pair[2]) if len(pair) > 2 else 1)
    most = max(merged.values())
    lines = []
    for (y1, y2), count in sorted(merged.items()):
        direction = "up" if y2 < y1 else "down" if y2 > y1 else "same"  # SVG y grows downwards
        share = ((count - 1) / (most - 1)) ** 0.5 if most > 1 else 0.0
        width = round(MIN_WIDTH + (MAX_WIDTH - MIN_WIDTH) * share, 1)
        lines.append(Line(PAD * 3, y1, WIDTH - PAD * 3, y2, direction, count, width))
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
