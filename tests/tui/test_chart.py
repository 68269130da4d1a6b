"""The score chart's ticks: round UTC times and round numbers, computed by us (not plotext), so a
chart depends only on its data and size."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from warclaw.tui.chart import time_ticks, value_ticks

FRI_18 = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)  # a Friday


def test_time_ticks_within_a_day_are_clock_times():
    ticks = time_ticks(FRI_18 + timedelta(minutes=7), FRI_18 + timedelta(hours=4, minutes=50), 6)
    assert [label for _, label in ticks] == ["19:00", "20:00", "21:00", "22:00"]


def test_time_ticks_name_the_day_where_one_starts():
    ticks = time_ticks(FRI_18, FRI_18 + timedelta(hours=10), 6)
    assert [label for _, label in ticks] == ["Fri 18:00", "20:00", "22:00", "Sat 00:00", "02:00", "04:00"]


def test_time_ticks_over_a_week_are_days():
    ticks = time_ticks(FRI_18, FRI_18 + timedelta(days=7), 8)
    assert [label for _, label in ticks] == ["Sat", "Sun", "Mon", "Tue", "Wed", "Thu", "Fri"]


@given(st.integers(min_value=0, max_value=10**6), st.integers(min_value=60, max_value=8 * 86400),
       st.integers(min_value=2, max_value=20))
def test_time_ticks_fit_and_lie_in_the_range(offset, span, most):
    start = FRI_18 + timedelta(seconds=offset)
    end = start + timedelta(seconds=span)
    ticks = time_ticks(start, end, most)
    assert ticks and len(ticks) <= most or span > 172800 * most
    assert all(start <= at <= end for at, _ in ticks)
    assert all(a < b for (a, _), (b, _) in zip(ticks, ticks[1:], strict=False))


def test_value_ticks_are_round_and_inside():
    assert value_ticks(366, 1200, 2) == (500, [500, 1000])
    assert value_ticks(200, 1200, 11) == (100, [200, 300, 400, 500, 600, 700, 800, 900, 1000, 1100, 1200])
    step, ticks = value_ticks(583_405, 583_405, 3)  # one value: still labelled
    assert ticks and all(583_404 <= t <= 583_406 for t in ticks)


@given(st.floats(min_value=0, max_value=1e7), st.floats(min_value=1, max_value=1e7), st.integers(1, 12))
def test_value_ticks_fit_and_lie_in_the_range(low, span, most):
    step, ticks = value_ticks(low, low + span, most)
    assert 1 <= len(ticks) <= most
    assert all(low - 1e-6 * span <= t <= low + span * (1 + 1e-6) for t in ticks) or len(ticks) == 1


def test_a_range_shorter_than_a_minute_still_labels_its_ends():
    # The first seconds of data (the demo's first polls): no whole minute inside, still a time axis.
    ticks = time_ticks(FRI_18 + timedelta(seconds=10), FRI_18 + timedelta(seconds=40), 6)
    assert [label for _, label in ticks] == ["18:00:10", "18:00:40"]
    one = time_ticks(FRI_18 + timedelta(seconds=5), FRI_18 + timedelta(seconds=20), 1)
    assert [label for _, label in one] == ["18:00:05"]
