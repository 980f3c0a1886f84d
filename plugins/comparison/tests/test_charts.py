"""The SVG geometry of the comparison page's charts."""

from __future__ import annotations

from plugins.comparison.charts import HEIGHT, MAX_WIDTH, MIN_WIDTH, PAD, slope_lines, stacked_bar


def test_slope_lines_merge_equal_changes_and_thicken_with_the_count():
    lines = slope_lines([[0.0, 10.0, 1], [10.0, 0.0, 9], [5.0, 5.0, 4], [5.0, 5.0, 1]])
    assert sorted((line.count, line.direction) for line in lines) == [(1, "up"), (5, "same"), (9, "down")]
    by_count = {line.count: line for line in lines}
    assert by_count[1].width == MIN_WIDTH and by_count[9].width == MAX_WIDTH
    assert MIN_WIDTH < by_count[5].width < MAX_WIDTH
    # 0 is the bottom of the plot and 10 the top (SVG y grows downwards).
    assert (by_count[1].y1, by_count[1].y2) == (HEIGHT - PAD, PAD)
    assert sum(line.count for line in lines) == 15


def test_slope_lines_take_plain_pairs_and_merge_what_lands_on_the_same_pixels():
    pairs = [[float(i) / 1000, 1.0] for i in range(1000)] + [[0.0, 0.0]]  # 1000 befores over 132 px
    lines = slope_lines(pairs)
    assert sum(line.count for line in lines) == 1001 and len(lines) <= HEIGHT
    assert slope_lines([]) == []
    assert [line.width for line in slope_lines([[1, 2], [3, 4]])] == [MIN_WIDTH, MIN_WIDTH]


def test_stacked_bar_is_proportional():
    bars = stacked_bar([("improved", 1), ("same", 2), ("worse", 1)], width=100)
    assert [(b.x, b.width) for b in bars] == [(0.0, 25.0), (25.0, 50.0), (75.0, 25.0)]
    assert [b.width for b in stacked_bar([("a", 0), ("b", 0)])] == [0.0, 0.0]
