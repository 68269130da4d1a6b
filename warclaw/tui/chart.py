"""The Matchup screen's score chart: a plotext plot whose ticks are computed here, not by plotext.

Ticks are ours so that the axes read as a commander reads them (UTC wall-clock times, ``583k``) and
so that the drawing depends only on the data and the widget's size: plotext's automatic ticks are
fractions of the data range, which shift with every new sample.

Imported the first time a score history is shown: plotext costs ~40 ms and ~1.5 MB at start.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from rich.text import Text
from textual.app import RenderResult
from textual_plotext import PlotextPlot

from warclaw.common import compact_number

# Tick spacings on the time axis, seconds: each divides a day (or is whole days), so ticks fall on
# round UTC times (18:00, 18:30, ...).
TIME_STEPS = (60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800)
DAY = 86400


@dataclass(frozen=True)
class Series:
    label: str
    rgb: tuple[int, int, int]
    values: Sequence[float]


def time_ticks(start: datetime, end: datetime, max_ticks: int) -> list[tuple[datetime, str]]:
    """Round UTC times between ``start`` and ``end`` (at most ``max_ticks``), labelled ``18:30``;
    when the range spans days a tick that starts a day says which (``Fri 20:00``, ``22:00``,
    ``Sat 00:00``), and day-long steps are labelled by the day alone (``Sat``)."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    t0, t1 = start.timestamp(), end.timestamp()
    max_ticks = max(1, max_ticks)
    step = next((s for s in TIME_STEPS if math.floor(t1 / s) - math.ceil(t0 / s) + 1 <= max_ticks),
                TIME_STEPS[-1])
    one_day = start.date() == end.date()
    ticks: list[tuple[datetime, str]] = []
    previous_day = None
    for k in range(math.ceil(t0 / step), math.floor(t1 / step) + 1):
        at = datetime.fromtimestamp(k * step, UTC)
        if step >= DAY:
            label = f"{at:%a}"
        elif one_day or at.date() == previous_day:
            label = f"{at:%H:%M}"
        else:
            label = f"{at:%a %H:%M}"
        previous_day = at.date()
        ticks.append((at, label))
    if not ticks:
        # A range shorter than the smallest step (the first minutes of data): its two ends, to
        # the second, so the axis still says when.
        ticks = [(start, f"{start:%H:%M:%S}")] + ([(end, f"{end:%H:%M:%S}")] if max_ticks > 1 and end > start else [])
    return ticks


def value_ticks(low: float, high: float, max_ticks: int) -> tuple[float, list[float]]:
    """The finest round step (1, 2 or 5 × 10^k) with at most ``max_ticks`` multiples of it within
    ``low``..``high``, and those multiples (at least one: the axis is never unlabelled)."""
    max_ticks = max(1, max_ticks)
    if high <= low:
        low, high = low - 1, high + 1
    mag = 10 ** math.floor(math.log10((high - low) / max_ticks))
    for mult in (1, 2, 5, 10, 20, 50, 100):
        step = mult * mag
        ticks = [k * step for k in range(math.ceil(low / step), math.floor(high / step) + 1)]
        if len(ticks) <= max_ticks:
            break
    return step, ticks or [low]


def hex_rgb(color: str) -> tuple[int, int, int]:
    """``#ff6b6b`` (a team colour) as plotext's (r, g, b)."""
    h = color.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


class ScoreChart(PlotextPlot):
    """One braille line per team over wall-clock time; the legend is the line above it (Matchup)."""

    def __init__(self, **kw) -> None:
        super().__init__(**kw)
        self._times: list[datetime] = []
        self._series: list[Series] = []

    def show(self, times: list[datetime], series: list[Series]) -> None:
        self._times, self._series = times, series
        self.refresh()

    def render(self) -> RenderResult:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        width, height = self.size
        if not self._times or width < 20 or height < 4:
            return Text("")
        start, end = self._times[0], self._times[-1]
        if end <= start:
            start, end = start - timedelta(minutes=1), end + timedelta(minutes=1)
        xs = [(t - start).total_seconds() for t in self._times]
        values = [v for s in self._series for v in s.values] or [0.0]
        # The plot's rows: the widget less the frame and the time labels. A y tick per three rows
        # (three on the few rows of 80x24); an x tick per 12 columns (a "Fri 20:00" and a gap).
        low, high = min(values), max(values)
        if high <= low:
            low, high = low - 1, high + 1
        step, yt = value_ticks(low, high, max(3, (height - 3) // 3))
        ylabels = [compact_number(v, step) for v in yt]
        xt = time_ticks(start, end, (width - max(map(len, ylabels)) - 4) // 12)
        for s in self._series:
            plt.plot(xs, list(s.values), color=s.rgb, marker="braille")
        plt.xlim(0, (end - start).total_seconds())
        plt.ylim(low, high)
        plt.xticks([(at - start).total_seconds() for at, _ in xt], [label for _, label in xt])
        plt.yticks(yt, ylabels)
        return super().render()
