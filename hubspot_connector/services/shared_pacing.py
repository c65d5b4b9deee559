"""Pacing windows kept in PostgreSQL, so that every process syncing a portal shares them.

HubSpot's limits are per app and account, not per process: several Odoo workers and cron
threads that each paced alone would together exceed them. Here each limit of a portal is one
row holding the same sliding window as :class:`~.pacing.SlidingWindowLimiter` (completion
stamps plus leases for requests in flight), changed by one atomic statement per step on a
connection of the limiter's own, in autocommit: a job's rollback cannot undo an admission, and
no lock outlives its statement, so none is held across a request or while waiting.

Plain DB-API: the caller passes a function that opens a connection (psycopg2's ``connect``).
"""

import hashlib
import threading
import time
from datetime import timezone

from .pacing import RateLimiter

TABLE = "hubspot_rate_budget"

_CREATE_TABLE = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    id serial PRIMARY KEY,
    name varchar NOT NULL UNIQUE,
    stamps float8[] DEFAULT '{{}}',
    leases float8[] DEFAULT '{{}}'
);
ALTER TABLE {TABLE} ADD COLUMN IF NOT EXISTS daily_limit integer,
                    ADD COLUMN IF NOT EXISTS daily_remaining integer,
                    ADD COLUMN IF NOT EXISTS daily_seen_at timestamp
"""
# Times are epoch seconds from clock_timestamp(), the time the row is judged: now() would be
# when the transaction began. Each statement locks the row first (FOR UPDATE returns its
# latest version), so the window it judges is the one it writes.
_NOW = "extract(epoch FROM clock_timestamp())::float8"
# A lease older than ``lease`` seconds is a request whose process died: HubSpot may have
# counted it until then, so from then on it is a stamp of that time.
_ADMIT = f"""
WITH locked AS (
    SELECT id, stamps, leases, {_NOW} AS now FROM {TABLE} WHERE name = %(name)s FOR UPDATE
), live AS (
    SELECT id, now,
           ARRAY(SELECT s FROM unnest(stamps) s WHERE s > now - %(keep)s)
           || ARRAY(SELECT l + %(lease)s FROM unnest(leases) l WHERE l <= now - %(lease)s)
           AS stamps,
           ARRAY(SELECT l FROM unnest(leases) l WHERE l > now - %(lease)s) AS leases
      FROM locked
), judged AS (
    SELECT live.*, used.n + cardinality(leases) < %(limit)s AS admitted, used.oldest
      FROM live,
           LATERAL (SELECT count(*) AS n, min(s) AS oldest FROM unnest(live.stamps) s
                     WHERE s > now - %(interval)s) used
), saved AS (
    UPDATE {TABLE} budget
       SET stamps = judged.stamps, leases = judged.leases || judged.now
      FROM judged
     WHERE budget.id = judged.id AND judged.admitted
)
SELECT CASE WHEN admitted THEN now END,
       coalesce(oldest + %(interval)s - now, %(interval)s / %(limit)s)
  FROM judged
"""
_RELEASE = f"""
UPDATE {TABLE}
   SET leases = CASE WHEN array_position(leases, %(lease)s) IS NULL THEN leases
                ELSE leases[:array_position(leases, %(lease)s) - 1]
                     || leases[array_position(leases, %(lease)s) + 1:] END,
       stamps = stamps || {_NOW}
 WHERE name = %(name)s
"""
# HubSpot counted the request after its admission, so every request still in HubSpot's window
# has a stamp newer than the admission minus the interval: those are compared, not the window
# as it is now (stamps that left it meanwhile would look like someone else's use).
_OBSERVE = f"""
WITH locked AS (
    SELECT id, stamps, leases FROM {TABLE} WHERE name = %(name)s FOR UPDATE
), missing AS (
    SELECT id, %(limit)s - cardinality(leases) - %(remaining)s
               - (SELECT count(*) FROM unnest(stamps) s WHERE s > %(since)s) AS n
      FROM locked
)
UPDATE {TABLE} budget
   SET stamps = budget.stamps || array_fill({_NOW}, ARRAY[missing.n::int])
  FROM missing
 WHERE budget.id = missing.id AND missing.n > 0
"""
# HubSpot's daily budget as its last answer said, for the sync's overview (UTC times).
_DAILY = f"""
UPDATE {TABLE}
   SET daily_limit = %(limit)s, daily_remaining = %(remaining)s,
       daily_seen_at = clock_timestamp() at time zone 'UTC'
 WHERE name = %(name)s
"""
_READ_DAILY = f"SELECT daily_limit, daily_remaining, daily_seen_at FROM {TABLE} WHERE name = %s"
_ADD_ROW = f"INSERT INTO {TABLE} (name) VALUES (%(name)s) ON CONFLICT (name) DO NOTHING"


def create_table(cursor):
    """Create the budget table if it is missing (the addon does it at install)."""
    cursor.execute(_CREATE_TABLE)


def portal_key(access_token, base_url):
    """Names a portal's budget without the token: its hash, and where it is used."""
    return f"{hashlib.sha256(access_token.encode()).hexdigest()} {base_url.rstrip('/')}"


class SharedBudget:
    """Limiter factory for :class:`~.client.HubspotClient`: the windows of one portal, shared.

    Its limiters share one connection, opened on first use by ``connect()`` and again after a
    failure. ``lease`` is how long a request in flight may hold its slot before it is deemed
    lost (a process that died mid-request); keep it above the client's timeout.
    """

    def __init__(self, connect, key, *, lease=60.0, sleep=time.sleep):
        self.key = key
        self.lease = lease
        self.sleep = sleep
        self._connect = connect
        self._connection = None
        self._lock = threading.Lock()

    def __call__(self, scope, limit, interval):
        return SharedWindowLimiter(self, f"{self.key} {scope}", limit, interval)

    def execute(self, query, params):
        """Run one statement in autocommit; returns its first row, if it has rows."""
        # The lock only serialises this process's threads on the connection; the statement
        # is short and nobody sleeps while holding it.
        with self._lock:
            if self._connection is None:
                self._connection = self._connect()
                self._connection.autocommit = True
            try:
                with self._connection.cursor() as cursor:
                    cursor.execute(query, params)
                    return cursor.fetchone() if cursor.description else None
            except Exception:
                # Whatever failed, the next call starts on a fresh connection.
                self._connection.close()
                self._connection = None
                raise

    def close(self):
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None


class SharedWindowLimiter(RateLimiter):
    """A sliding window kept in the budget table's row ``name``; thread-safe.

    Each thread remembers the admission of its request in flight (a thread sends one request
    at a time through a limiter), which :meth:`release` and :meth:`observe` refer to.
    """

    def __init__(self, budget, name, limit, interval):
        super().__init__(limit, interval)
        self.name = name
        self._budget = budget
        self._admitted_lock = threading.Lock()
        self._local = threading.local()

    def acquire(self):
        waited = 0.0
        while True:
            params = {
                "name": self.name,
                "limit": self.limit,
                "interval": self.interval,
                "lease": self._budget.lease,
                # Stamps stay until no request admitted with them in its window can report.
                "keep": self.interval + self._budget.lease,
            }
            row = self._budget.execute(_ADMIT, params)
            if row is None:  # the portal's first request here (or the row was deleted)
                self._budget.execute(_ADD_ROW, params)
                continue
            admitted_at, delay = row
            if admitted_at is not None:
                self._local.admitted_at = admitted_at
                with self._admitted_lock:
                    self.admitted += 1
                return waited
            # Refused: wait, holding nothing, for the oldest stamp to leave the window (or,
            # with every slot in flight, for the average request spacing), then ask again.
            delay = max(delay, 0.001)
            self._budget.sleep(delay)
            waited += delay

    def release(self):
        self._budget.execute(_RELEASE, {"name": self.name, "lease": self._local.admitted_at})

    def observe_daily(self, limit=None, remaining=None):
        observed = super().observe_daily(limit, remaining)
        if observed:
            # Every process's jobs, in the overview of any: the portal's row says it.
            limit, remaining, _at = self._daily
            self._budget.execute(
                _DAILY, {"name": self.name, "limit": limit, "remaining": remaining}
            )
        return observed

    def daily_usage(self):
        # What any process last heard from HubSpot, not only this one.
        row = self._budget.execute(_READ_DAILY, (self.name,))
        if not row or row[0] is None:
            return None
        limit, remaining, seen_at = row
        return limit, remaining, seen_at.replace(tzinfo=timezone.utc)

    def observe(self, limit=None, remaining=None, interval=None):
        self._adopt(limit, interval)
        if remaining is None:
            return
        self._budget.execute(
            _OBSERVE,
            {
                "name": self.name,
                "limit": self.limit,
                "remaining": max(int(remaining), 0),
                "since": self._local.admitted_at - self.interval,
            },
        )
