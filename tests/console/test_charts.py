"""Bar geometry for the server-side SVG charts."""

from __future__ import annotations

from itertools import pairwise

from fieldapp.console.charts import BOTTOM, HEIGHT, TOP, rate_chart

PLOT = HEIGHT - TOP - BOTTOM


def test_bars_stand_on_the_axis_and_reach_their_share_of_the_plot() -> None:
    chart = rate_chart("t", ["东村", "西村"], {"control": [1.0, 0.25], "standardized": [0.0, 0.5]})
    heights = {(bar.label, bar.series_name): bar.height for bar in chart.bars}
    assert heights == {
        ("东村", "control"): PLOT, ("西村", "control"): PLOT / 4,
        ("东村", "standardized"): 0.0, ("西村", "standardized"): PLOT / 2,
    }  # fmt: skip
    assert all(bar.y + bar.height == TOP + PLOT for bar in chart.bars)
    assert [bar.text for bar in chart.bars] == ["100.0%", "0.0%", "25.0%", "50.0%"]


def test_groups_do_not_overlap_and_the_chart_widens_with_categories() -> None:
    few = rate_chart("t", ["a"], {"s": [0.5]})
    many = rate_chart("t", [str(m) for m in range(1, 13)], {"a": [0.1] * 12, "b": [0.2] * 12})
    assert many.width > few.width
    xs = [(bar.x, bar.x + bar.width) for bar in many.bars]
    assert all(end <= start for (_s, end), (start, _e) in pairwise(xs))


def test_values_outside_zero_to_one_are_drawn_clipped_but_labelled_truly() -> None:
    bar = rate_chart("t", ["x"], {"s": [1.5]}).bars[0]
    assert bar.height == PLOT and bar.text == "150.0%"
