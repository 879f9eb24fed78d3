"""Bar charts laid out on the server, drawn as SVG by a template: no script needed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["Bar", "Chart", "bar_chart"]

WIDTH = 400
ROW = 34
LABEL_Y = 13
BAR_Y = 17
BAR_HEIGHT = 12
VALUE_ROOM = 40  # room on the right for the largest bar's value


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: int
    href: str | None
    y: int
    width: float

    @property
    def label_y(self) -> int:
        return self.y + LABEL_Y

    @property
    def bar_y(self) -> int:
        return self.y + BAR_Y

    @property
    def value_x(self) -> float:
        return self.width + 6

    @property
    def value_y(self) -> int:
        return self.y + BAR_Y + BAR_HEIGHT - 1


@dataclass(frozen=True, slots=True)
class Chart:
    id: str
    title: str
    bars: list[Bar]
    width: int = WIDTH
    bar_height: int = BAR_HEIGHT

    @property
    def height(self) -> int:
        return max(1, len(self.bars)) * ROW + 4

    @property
    def total(self) -> int:
        return sum(b.value for b in self.bars)


def bar_chart(chart_id: str, title: str, items: Iterable[tuple[str, int, str | None]]) -> Chart:
    """One horizontal bar per (label, value, link), the label above its bar."""
    rows = list(items)
    top = max((v for _, v, _ in rows), default=0) or 1
    room = WIDTH - VALUE_ROOM
    bars = [
        Bar(label, value, href, i * ROW, round(room * value / top, 1) if value else 0.0)
        for i, (label, value, href) in enumerate(rows)
    ]
    return Chart(chart_id, title, bars)
