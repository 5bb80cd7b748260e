"""Time at a position of the text, interpolated by characters between sync points (pure)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from interviews.recordings.sync import (
    RANK_FILE,
    RANK_MANUAL,
    RANK_TURN,
    Point,
    clock,
    consistent,
    position_at,
    time_at,
)


def test_between_two_points_time_runs_evenly_over_the_characters():
    points = [Point(100, 10.0), Point(300, 30.0)]
    assert time_at(points, 100) == 10.0
    assert time_at(points, 200) == 20.0
    assert time_at(points, 250) == 25.0
    assert time_at(points, 300) == 30.0


def test_before_the_first_point_time_runs_from_the_texts_start_at_zero():
    assert time_at([Point(100, 10.0)], 50) == 5.0
    assert time_at([Point(100, 10.0)], 0) == 0.0


def test_after_the_last_point_time_runs_to_the_recordings_end():
    points = [Point(0, 0.0), Point(100, 10.0)]
    assert time_at(points, 150, length=200, duration=30.0) == 20.0
    assert time_at(points, 200, length=200, duration=30.0) == 30.0


def test_without_a_duration_the_last_pace_goes_on():
    assert time_at([Point(0, 0.0), Point(100, 10.0)], 150) == 15.0


def test_without_any_point_the_duration_spreads_over_the_text():
    assert time_at([], 50, length=100, duration=60.0) == 30.0
    assert time_at([], 50) is None


def test_a_point_set_by_hand_wins_over_a_turn_that_disagrees():
    kept = consistent(
        [Point(0, 0.0, RANK_TURN), Point(100, 50.0, RANK_TURN), Point(200, 20.0, RANK_MANUAL)]
    )
    assert kept == [Point(0, 0.0, RANK_TURN), Point(200, 20.0, RANK_MANUAL)]


def test_at_one_position_the_higher_rank_is_kept():
    kept = consistent([Point(10, 5.0, RANK_TURN), Point(10, 6.0, RANK_FILE)])
    assert kept == [Point(10, 6.0, RANK_FILE)]


def test_clock_labels():
    assert clock(751.4) == "00:12:31"
    assert clock(3 * 3600 + 2) == "03:00:02"
    assert clock(None) == ""


raw_points = st.lists(
    st.builds(
        Point,
        st.integers(0, 10_000),
        st.floats(0, 10_000, allow_nan=False, allow_infinity=False),
        st.sampled_from([RANK_TURN, RANK_FILE, RANK_MANUAL]),
    ),
    max_size=30,
)


@settings(deadline=None)  # pure functions; a busy machine must not fail them
@given(raw_points)
def test_kept_points_rise_in_position_and_time(points):
    kept = consistent(points)
    for a, b in zip(kept, kept[1:], strict=False):
        assert a.position < b.position
        assert a.time < b.time
    assert set(kept) <= set(points)


@settings(deadline=None)  # pure functions; a busy machine must not fail them
@given(raw_points)
def test_every_manual_point_that_fits_the_others_set_by_hand_is_kept(points):
    manual = consistent([p for p in points if p.rank == RANK_MANUAL])
    assert set(manual) <= set(consistent(points))


@settings(deadline=None)  # pure functions; a busy machine must not fail them
@given(raw_points, st.integers(0, 12_000), st.integers(0, 12_000))
def test_time_never_runs_backwards(points, a, b):
    kept = consistent(points)
    low, high = sorted((a, b))
    t_low, t_high = time_at(kept, low), time_at(kept, high)
    if kept:
        assert t_low <= t_high + 1e-9
        assert t_low >= 0


@settings(deadline=None)  # pure functions; a busy machine must not fail them
@given(raw_points)
def test_the_time_at_a_kept_point_is_its_own(points):
    kept = consistent(points)
    for point in kept:
        assert time_at(kept, point.position) == pytest.approx(point.time)


@settings(deadline=None)  # pure functions; a busy machine must not fail them
@given(
    raw_points,
    st.integers(1, 12_000),
    st.floats(0.5, 20_000, allow_nan=False, allow_infinity=False),
    st.data(),
)
def test_time_stays_within_the_recording(points, length, duration, data):
    kept = consistent([p for p in points if p.position <= length and p.time <= duration])
    position = data.draw(st.integers(0, length))
    seconds = time_at(kept, position, length=length, duration=duration)
    assert 0 <= seconds <= duration


@settings(deadline=None)  # pure functions; a busy machine must not fail them
@given(raw_points, st.data())
def test_position_at_undoes_time_at(points, data):
    kept = consistent([p for p in points if p.position <= 10_000])
    length = 10_000
    duration = max([p.time for p in kept], default=0) + 100
    position = data.draw(st.integers(0, length))
    seconds = time_at(kept, position, length=length, duration=duration)
    back = position_at(kept, seconds, length=length, duration=duration)
    # Exact up to the rounding down of a fractional position; a stretch of text spoken at
    # one instant (before a first point at time 0) maps back to its start.
    assert back <= position
    assert time_at(kept, back, length=length, duration=duration) == pytest.approx(
        seconds, abs=max(1e-6, (duration / 1) * 1e-9) + _pace(kept, length, duration)
    )


def _pace(points, length, duration) -> float:
    """The most time one character can take (the steepest stretch), for rounding."""
    anchors = [(0, 0.0), *[(p.position, p.time) for p in points], (length, duration)]
    steep = 0.0
    for (p0, t0), (p1, t1) in zip(anchors, anchors[1:], strict=False):
        if p1 > p0 and t1 >= t0:
            steep = max(steep, (t1 - t0) / (p1 - p0))
    return steep + 1e-6


def test_position_at_holds_where_floating_point_puts_characters_at_one_time():
    # Before a point at the smallest positive time, characters 3 and 4 both round to it.
    points = [Point(4, 5e-324, RANK_TURN)]
    seconds = time_at(points, 3, length=10_000, duration=100.0)
    assert seconds == time_at(points, 4, length=10_000, duration=100.0) == 5e-324
    assert time_at(points, 2, length=10_000, duration=100.0) == 0.0
    assert position_at(points, seconds, length=10_000, duration=100.0) == 3


def test_position_at_gives_the_character_being_spoken():
    points = [Point(100, 10.0), Point(300, 30.0)]
    assert position_at(points, 20.0, length=400) == 200
    assert position_at(points, 20.05, length=400) == 200
    assert position_at(points, 10.0, length=400) == 100
    assert position_at(points, 0.0, length=400) == 0
    assert position_at(points, 5000.0, length=400) == 400
