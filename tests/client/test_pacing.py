"""Unit tests of the sliding-window limiter, on a fake clock (no real waiting)."""

import threading
import time

import pytest

from hubspot_connector.services.pacing import SlidingWindowLimiter


class FakeClock:
    """A clock that only moves when the limiter sleeps or the test says so."""

    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock():
    return FakeClock()


def limiter(clock, limit, interval):
    return SlidingWindowLimiter(limit, interval, clock=clock, sleep=clock.sleep)


def run(window, clock, duration=0.0):
    """One request that takes ``duration`` seconds."""
    with window.slot():
        clock.now += duration


def test_requests_within_the_limit_do_not_wait(clock):
    window = limiter(clock, 3, 10.0)
    for _ in range(3):
        run(window, clock)
    assert clock.sleeps == []
    assert window.admitted == 3


def test_request_over_the_limit_waits_until_the_oldest_leaves_the_window(clock):
    window = limiter(clock, 3, 10.0)
    for _ in range(3):
        run(window, clock, duration=1.0)  # stamped at 1, 2 and 3
    run(window, clock)
    assert clock.sleeps == [pytest.approx(8.0)]  # at 3, wait until 1 + 10
    assert clock.now == pytest.approx(11.0)


def test_request_is_stamped_when_it_completes_not_when_it_starts(clock):
    window = limiter(clock, 1, 10.0)
    run(window, clock, duration=4.0)
    run(window, clock)
    assert clock.now == pytest.approx(14.0)


def test_window_slides_one_request_at_a_time(clock):
    window = limiter(clock, 2, 1.0)
    for _ in range(10):
        run(window, clock, duration=0.1)
    # 2 per second at most: request 10 cannot start before 4 windows have passed.
    assert clock.now >= 4.0


def test_server_reporting_fewer_remaining_slows_us_down(clock):
    window = limiter(clock, 10, 10.0)
    run(window, clock)
    window.observe(limit=10, remaining=2, interval=10.0)  # another process used 7
    run(window, clock)
    run(window, clock)
    assert clock.sleeps == []
    run(window, clock)
    assert clock.sleeps == [pytest.approx(10.0)]


def test_server_reporting_more_remaining_changes_nothing(clock):
    window = limiter(clock, 3, 10.0)
    run(window, clock)
    window.observe(limit=3, remaining=2, interval=10.0)
    run(window, clock)
    run(window, clock)
    assert clock.sleeps == []


def test_headers_only_ever_make_the_limit_stricter(clock):
    window = limiter(clock, 100, 10.0)
    window.observe(limit=190, interval=1.0)
    assert (window.limit, window.interval) == (100, 10.0)
    window.observe(limit=50, interval=20.0)
    assert (window.limit, window.interval) == (50, 20.0)


def test_all_slots_in_flight_polls_until_one_is_released(clock):
    released = []

    def sleep(seconds):
        clock.sleep(seconds)
        if not released:  # one of the two requests in flight completes meanwhile
            released.append(clock.now)
            window.release()

    window = SlidingWindowLimiter(2, 10.0, clock=clock, sleep=sleep)
    window.acquire()
    window.acquire()
    window.acquire()
    # Polled once at interval / limit, then waited for the new stamp (at 5 s) to expire.
    assert clock.sleeps == [pytest.approx(5.0), pytest.approx(10.0)]


def test_invalid_limits_are_refused():
    with pytest.raises(ValueError):
        SlidingWindowLimiter(0, 10.0)


def test_threads_share_one_window():
    """Real clock: 4 threads, 100 requests, never more than 20 in any 0.2 s."""
    window = SlidingWindowLimiter(20, 0.2)
    starts, lock = [], threading.Lock()

    def worker():
        for _ in range(25):
            with window.slot():
                with lock:
                    starts.append(time.monotonic())

    threads = [threading.Thread(target=worker) for _ in range(4)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    starts.sort()
    assert window.admitted == 100
    assert all(later - earlier >= 0.2 for earlier, later in zip(starts, starts[20:], strict=False))
    assert time.monotonic() - began >= 0.8  # 5 windows' worth, the first one free
