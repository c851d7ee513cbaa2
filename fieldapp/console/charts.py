"""Grouped bar charts as plain geometry for a server-side SVG template (no JavaScript, no library)."""

from __future__ import annotations

from dataclasses import dataclass, field

HEIGHT = 220
LEFT = 40  # room for the value axis
BOTTOM = 22  # room for category labels
TOP = 8
GROUP_WIDTH = 56
GROUP_GAP = 12
MIN_WIDTH = 320
TICKS = (0.0, 0.25, 0.5, 0.75, 1.0)


@dataclass(frozen=True)
class Bar:
    """One rectangle: which category and series, where, and its value as text."""

    x: float
    y: float
    width: float
    height: float
    series: int
    series_name: str
    label: str
    text: str


@dataclass(frozen=True)
class Chart:
    """Everything the SVG macro draws."""

    title: str
    width: int
    height: int
    left: int
    series: list[str]
    bars: list[Bar] = field(default_factory=list)
    labels: list[dict[str, object]] = field(default_factory=list)
    ticks: list[dict[str, object]] = field(default_factory=list)


def percent(value: float) -> str:
    """A fraction as a percentage with one decimal."""
    return f"{value * 100:.1f}%"


def rate_chart(title: str, categories: list[str], series: dict[str, list[float]]) -> Chart:
    """Bars of rates (fractions 0–1), one group per category and one bar per series."""
    names = list(series)
    plot_height = HEIGHT - TOP - BOTTOM
    width = max(MIN_WIDTH, LEFT + len(categories) * (GROUP_WIDTH + GROUP_GAP))
    bar_width = GROUP_WIDTH / max(1, len(names))
    bars, labels = [], []
    for index, category in enumerate(categories):
        group_x = LEFT + GROUP_GAP / 2 + index * (GROUP_WIDTH + GROUP_GAP)
        labels.append({"x": round(group_x + GROUP_WIDTH / 2, 1), "text": category[:6]})
        for number, name in enumerate(names):
            value = min(1.0, max(0.0, series[name][index]))
            height = round(value * plot_height, 1)
            bars.append(
                Bar(
                    x=round(group_x + number * bar_width, 1),
                    y=round(TOP + plot_height - height, 1),
                    width=round(bar_width - 2, 1),
                    height=height,
                    series=number,
                    series_name=name,
                    label=category,
                    text=percent(series[name][index]),
                )
            )
    ticks = [{"y": round(TOP + plot_height * (1 - t), 1), "label": f"{t * 100:.0f}%"} for t in TICKS]
    return Chart(title, width, HEIGHT, LEFT, names, bars, labels, ticks)
