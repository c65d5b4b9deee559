"""HubSpot's rate limits for private-app tokens.

* a rolling window per token (default 190 requests per 10 s), reported in
  ``X-HubSpot-RateLimit-*`` headers on every non-search response;
* search endpoints: 5 requests per second, with no rate-limit headers at all;
* a daily budget per token (default 625,000), reset at midnight UTC.

Requests refused with 429 do not use up budget. A limit of 0 turns that limit off.
"""

import threading
import time
from collections import defaultdict, deque
from datetime import datetime, timezone

TEN_SECONDLY = ("TEN_SECONDLY_ROLLING", "You have reached your ten_secondly_rolling limit.")
SECONDLY = ("SECONDLY", "You have reached your secondly limit.")
DAILY = ("DAILY", "You have reached your daily limit.")


class RateLimiter:
    """Admits or refuses requests per token and says which headers to send."""

    def __init__(self, rate_limit=190, rate_interval=10.0, search_rate=5, daily_limit=625000):
        self.rate_limit = rate_limit
        self.rate_interval = rate_interval
        self.search_rate = search_rate
        self.daily_limit = daily_limit
        self._lock = threading.Lock()
        self.reset()

    def reset(self):
        """Forget all usage."""
        with self._lock:
            self._window = defaultdict(deque)
            self._search_window = defaultdict(deque)
            self._daily = {}  # token -> (UTC date, count)

    def admit(self, token, search=False):
        """``(refusal, headers)``: refusal is None or a ``(policyName, message)`` pair."""
        now = time.monotonic()
        today = datetime.now(timezone.utc).date()
        with self._lock:
            day, used_today = self._daily.get(token, (today, 0))
            used_today = used_today if day == today else 0
            window = self._window[token]
            _expire(window, now - self.rate_interval)
            refusal = None
            if self.daily_limit and used_today >= self.daily_limit:
                refusal = DAILY
            elif search:
                searches = self._search_window[token]
                _expire(searches, now - 1.0)
                if self.search_rate and len(searches) >= self.search_rate:
                    refusal = SECONDLY
                else:
                    searches.append(now)
            elif self.rate_limit and len(window) >= self.rate_limit:
                refusal = TEN_SECONDLY
            else:
                window.append(now)
            if refusal is None:
                used_today += 1
            self._daily[token] = (today, used_today)
            headers = {} if search else self.headers(len(window), used_today)
        return refusal, headers

    def headers(self, used_in_window, used_today):
        """The ``X-HubSpot-RateLimit-*`` headers for the given usage."""
        headers = {}
        if self.rate_limit:
            headers["X-HubSpot-RateLimit-Max"] = str(self.rate_limit)
            headers["X-HubSpot-RateLimit-Remaining"] = str(max(0, self.rate_limit - used_in_window))
            headers["X-HubSpot-RateLimit-Interval-Milliseconds"] = str(
                int(self.rate_interval * 1000)
            )
        if self.daily_limit:
            headers["X-HubSpot-RateLimit-Daily"] = str(self.daily_limit)
            headers["X-HubSpot-RateLimit-Daily-Remaining"] = str(
                max(0, self.daily_limit - used_today)
            )
        return headers


def _expire(window, horizon):
    while window and window[0] <= horizon:
        window.popleft()
