"""Client-side pacing so that a normal sync never meets HubSpot's 429.

HubSpot counts requests in a rolling window (``TEN_SECONDLY_ROLLING``: 100 or 190 per 10 s,
search: 5 per second). Waiting for a 429 and backing off wastes a whole window, so the client
keeps a sliding window and sleeps just long enough before each request instead: in this
process here, or shared by every process of a portal in ``shared_pacing``.
"""

import threading
import time
from collections import deque
from contextlib import contextmanager
from datetime import datetime, timezone


def local_limiter(scope, limit, interval):
    """The default limiter factory of the client: a window of this process only.

    A factory is called as ``factory(scope, limit, interval)``, ``scope`` naming which of the
    portal's limits it paces (``"requests"`` or ``"searches"``); a window that no other
    process sees needs no name.
    """
    return SlidingWindowLimiter(limit, interval)


class RateLimiter:
    """What :class:`~.client.HubspotClient` needs from a rate limiter.

    A request holds a slot from :meth:`acquire` to :meth:`release`; :meth:`observe` then feeds
    back what HubSpot's headers said. Subclasses decide where the window is kept: in this
    process, or shared by several (``shared_pacing``).
    """

    def __init__(self, limit, interval):
        if limit < 1 or interval <= 0:
            raise ValueError("a rate limit needs limit >= 1 and interval > 0")
        self.limit = int(limit)
        self.interval = float(interval)
        #: requests let through so far by this object
        self.admitted = 0
        self._daily = None

    def __repr__(self):
        return f"{type(self).__name__}(limit={self.limit}, interval={self.interval})"

    @contextmanager
    def slot(self):
        """Hold one request slot for the duration of the ``with`` block."""
        self.acquire()
        try:
            yield
        finally:
            self.release()

    def acquire(self):
        """Block until a request may be sent; return the seconds waited."""
        raise NotImplementedError

    def release(self):
        """Stamp the calling thread's finished request (answered or failed: HubSpot may have
        counted it)."""
        raise NotImplementedError

    def observe(self, limit=None, remaining=None, interval=None):
        """Correct the window from HubSpot's rate-limit headers; call it after :meth:`release`.

        When HubSpot says fewer requests remain than the window thinks (someone else uses the
        app), the difference is booked as requests made now.
        """
        raise NotImplementedError

    def observe_daily(self, limit=None, remaining=None):
        """Keep HubSpot's daily budget as its headers last said, for people to see; the
        daily limit itself is HubSpot's to enforce. True when the headers said it."""
        if limit is None or remaining is None:
            return False
        self._daily = (int(limit), max(int(remaining), 0), datetime.now(timezone.utc))
        return True

    def daily_usage(self):
        """``(daily limit, remaining, when HubSpot said so (UTC))``, or None if it never did."""
        return self._daily

    def _adopt(self, limit, interval):
        """Take ``limit`` and ``interval`` (seconds) from the headers when they are stricter:
        a lower configured budget is the operator's choice."""
        if limit is not None and 0 < limit < self.limit:
            self.limit = int(limit)
        if interval is not None and interval > self.interval:
            self.interval = float(interval)


class SlidingWindowLimiter(RateLimiter):
    """Allow at most ``limit`` requests in any ``interval`` seconds in this process; thread-safe.

    A request is stamped when its response has arrived, not when it was sent: HubSpot counts
    it at some moment in between, so the completion time is the stamp that can never expire
    before HubSpot's own does. Requests still in flight hold a slot without a stamp.

    ``clock`` and ``sleep`` are injectable so that the limiter can be tested without waiting.
    """

    def __init__(self, limit, interval, *, clock=time.monotonic, sleep=time.sleep):
        super().__init__(limit, interval)
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._stamps = deque()  # [time, number of requests], times ascending
        self._stamped = 0  # requests in self._stamps
        self._in_flight = 0

    def acquire(self):
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock()
                self._prune(now)
                if self._stamped + self._in_flight < self.limit:
                    self._in_flight += 1
                    self.admitted += 1
                    return waited
                # All slots taken: wait for the oldest stamp to leave the window, or, if every
                # slot is in flight (many threads), poll at the average request spacing.
                delay = (
                    self._stamps[0][0] + self.interval - now
                    if self._stamps
                    else self.interval / self.limit
                )
            delay = max(delay, 0.001)  # never spin on rounding noise
            self._sleep(delay)
            waited += delay

    def release(self):
        with self._lock:
            self._in_flight -= 1
            self._stamp(self._clock(), 1)

    def observe(self, limit=None, remaining=None, interval=None):
        # The window is compared as it was last pruned, when a request was admitted: HubSpot
        # counted the request later than that, so for this process's own traffic HubSpot
        # never reports more use than the window holds.
        with self._lock:
            self._adopt(limit, interval)
            if remaining is None:
                return
            missing = int(self.limit - self._stamped - self._in_flight - max(remaining, 0))
            if missing > 0:
                self._stamp(self._clock(), missing)

    def _stamp(self, now, count):
        self._stamps.append([now, count])
        self._stamped += count

    def _prune(self, now):
        while self._stamps and self._stamps[0][0] + self.interval <= now:
            self._stamped -= self._stamps.popleft()[1]
