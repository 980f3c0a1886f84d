"""The charts drawn by matplotlib: SVG images with their numbers, colours by the scale's direction."""

from __future__ import annotations

import base64
import re

from surveys.reporting.charts import DOWN, SAME, UP, slope_chart, stacked_share, trend_chart


def colours(svg: str) -> dict[str, str]:
    """The stroke colour of each drawn change, by its gid (change-<index>-<count>)."""
    found = {}
    for gid, body in re.findall(r'<g id="(change-\d+-\d+)">(.*?)</g>', svg, re.S):
        found[gid] = re.search(r"stroke: (#[0-9a-f]{6})", body).group(1)
    return found


def test_changes_are_coloured_by_the_scales_direction():
    pairs = [[5, 3, 2], [3, 5, 1], [4, 4, 3]]  # down for two people, up for one, no change for three
    worse = colours(slope_chart(pairs, "до", "после", "Тревожность", "alt", higher_is="worse").svg)
    better = colours(slope_chart(pairs, "до", "после", "Благополучие", "alt", higher_is="better").svg)
    assert worse == {"change-0-2": UP, "change-1-1": DOWN, "change-2-3": SAME}  # less anxiety is better
    assert better == {"change-0-2": DOWN, "change-1-1": UP, "change-2-3": SAME}
    assert colours(slope_chart(pairs, "до", "после", "Шкала", "alt").svg) == better


def test_images_are_self_contained_svg_with_text_kept_as_text():
    chart = stacked_share([("улучшение", 5), ("без изменений", 10), ("ухудшение", 0)], "Изменения", "alt")
    assert chart.svg.startswith("<?xml") and "<script" not in chart.svg and "улучшение: 5" in chart.svg
    assert base64.b64decode(chart.data_uri.split(",", 1)[1]).decode("utf-8") == chart.svg
    assert "ухудшение: 0" not in chart.svg  # an empty category draws no bar and no legend entry
    trend = trend_chart(["2025-09", "2025-10"], [60.0, 75.0], 80.0, "Посещаемость", "alt", "%")
    assert 'id="values"' in trend.svg and 'id="target"' in trend.svg and "2025-10" in trend.svg
    assert "target" not in trend_chart(["2025-09"], [60.0], None, "П", "alt").svg.split('id="values"')[1]
    # Deterministic: the same numbers give the same file.
    again = stacked_share([("улучшение", 5), ("без изменений", 10), ("ухудшение", 0)], "Изменения", "alt")
    assert again.svg == chart.svg
