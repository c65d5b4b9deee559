"""Webhooks: the sandbox sends its CRM change events to an app's target URL, as HubSpot does.

``WebhookSender.configure`` (``POST /_sandbox/webhooks``) sets the target URL, the app's client
secret, its app id and its subscriptions. Every change the store reports (``Store._emit``)
becomes one webhook event per matching subscription (one per changed property for
``propertyChange``); the store's listener only queues them, so the API call that made the
change never waits for a delivery. Worker threads gather the events that arrive within
``batch_window`` seconds into requests of up to 100, sign each request (signature v3) and POST
it. A request that fails (no answer within ``timeout``, no connection, any status but 2xx) is
sent again after the next delay of ``retry_delays``, signed anew, with ``attemptNumber`` one
higher, until the delays run out. On request a batch is reordered or partly held back
(``disorder``) or sent twice (``duplicate``): HubSpot guarantees neither order nor uniqueness.
``flush`` sends what waits and blocks until every event is delivered or given up, so tests
need no sleeps.

Facts from HubSpot's webhooks documentation: up to 100 events per request, a 5 s timeout,
retries on timeouts, 4xx and 5xx (10 over 24 hours; the sandbox's default schedule is minutes),
the payload fields and the signature.
"""

import base64
import hashlib
import heapq
import hmac
import itertools
import json
import random
import re
import threading
import time
from collections import deque
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from http.client import HTTPConnection, HTTPException, HTTPSConnection
from urllib.parse import urlsplit

from .defaults import PORTAL_ID
from .object_types import OBJECT_TYPES
from .values import now_ms

MAX_BATCH = 100  # HubSpot: "Each request can contain up to 100 events."
TIMEOUT = 5.0  # HubSpot: a batch not answered within 5 seconds is retried
# HubSpot retries 10 times over 24 hours; a sandbox run is short, so its schedule is minutes.
RETRY_DELAYS = (1, 2, 4, 8, 15, 30, 60, 120, 180, 300)
CONCURRENCY = 10  # HubSpot's in-flight requests per installing account
KINDS = (
    "creation",
    "propertyChange",
    "deletion",
    "restore",
    "merge",
    "associationChange",
    "privacyDeletion",
)
# reverse or shuffle each request's events; delay_first holds each batch's first event back
# ``delay_seconds``, so that later events, in later requests too, overtake it.
DISORDERS = ("reverse", "shuffle", "delay_first")
MERGE_FIELDS = ("primaryObjectId", "mergedObjectIds", "newObjectId", "numberOfPropertiesMoved")
# HubSpot refuses subscriptions to these: they change on every write.
UNSUBSCRIBABLE = ("hs_lastmodifieddate", "num_unique_conversion_events")
# The escapes HubSpot decodes in the URI before signing it, and only these.
_SIGNED_ESCAPES = {
    "%3A": ":",
    "%2F": "/",
    "%3F": "?",
    "%40": "@",
    "%21": "!",
    "%24": "$",
    "%27": "'",
    "%28": "(",
    "%29": ")",
    "%2A": "*",
    "%2C": ",",
    "%3B": ";",
}
_SIGNED_ESCAPE = re.compile("|".join(_SIGNED_ESCAPES), re.IGNORECASE)
_BY_NAME = {t.name: t for t in OBJECT_TYPES}
# Legacy subscriptions name a type by prefix ("contact"), generic ones by id ("0-1"); HubSpot
# has legacy ones for contacts, companies and deals, not for activities.
_BY_PREFIX = {t.singular: t for t in OBJECT_TYPES if t.legacy_webhooks}
_BY_TYPE_ID = {t.type_id: t for t in OBJECT_TYPES}

_origin = threading.local()


@contextmanager
def api_changes():
    """Mark the changes made inside (in this thread) as made by the app through the API.

    The store's listeners run in the thread that made the change, so the flag tells an API
    write (changeSource ``INTEGRATION``) from one made through the store or a control endpoint,
    which plays a user in HubSpot's UI (``CRM_UI``).
    """
    _origin.api = True
    try:
        yield
    finally:
        _origin.api = False


def sign_v3(secret, method, uri, body, timestamp):
    """HubSpot's ``X-HubSpot-Signature-v3``: base64 HMAC-SHA256 keyed with the client secret
    of ``method + uri + body + timestamp``, after decoding the URI's listed escapes.

    ``uri`` is the full URL called, ``body`` the raw bytes sent, ``timestamp`` epoch ms.
    """
    decoded = _SIGNED_ESCAPE.sub(lambda found: _SIGNED_ESCAPES[found.group().upper()], uri)
    message = f"{method}{decoded}".encode() + body + str(timestamp).encode()
    return base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest()).decode()


@dataclass(frozen=True)
class Subscription:
    """One active subscription: ``contact.creation``, or ``object.creation`` with a type id."""

    id: int
    event_type: str
    object_type_id: str
    property_name: str = None

    @property
    def kind(self):
        return self.event_type.partition(".")[2]

    @property
    def key(self):
        """What a change must be to fire it: ``(type id, kind, property name or None)``."""
        return self.object_type_id, self.kind, self.property_name

    def shape(self):
        """The subscription as the control endpoint shows it (HubSpot's field names)."""
        shown = {"id": self.id, "eventType": self.event_type}
        if self.event_type.startswith("object."):
            shown["objectTypeId"] = self.object_type_id
        if self.property_name:
            shown["propertyName"] = self.property_name
        return shown


def parse_subscription(item, default_id):
    """A ``Subscription`` from HubSpot's subscription body; None if paused; ValueError if bad.

    ``{"eventType": "contact.propertyChange", "propertyName": "email"}`` (legacy) or
    ``{"eventType": "object.creation", "objectTypeId": "0-2"}`` (generic); ``active`` false
    pauses it; ``id`` defaults to ``default_id``.
    """
    if not isinstance(item, dict):
        raise ValueError(f"A subscription is an object, not {item!r}")
    event_type = str(item.get("eventType", ""))
    prefix, _, kind = event_type.partition(".")
    if prefix == "object":
        object_type = _BY_TYPE_ID.get(item.get("objectTypeId"))
    else:
        object_type = _BY_PREFIX.get(prefix)
    if object_type is None or kind not in KINDS:
        raise ValueError(f"Unknown subscription {item!r}")
    if kind == "privacyDeletion" and not object_type.privacy_deletion:
        raise ValueError(f"{object_type.name} have no privacy deletion")
    property_name = item.get("propertyName") or None
    if (kind == "propertyChange") != bool(property_name):
        raise ValueError(f"propertyChange subscriptions, and only they, name a property: {item!r}")
    if property_name in (*UNSUBSCRIBABLE, *object_type.unsubscribable):
        raise ValueError(f"{property_name} cannot be subscribed to")
    if not item.get("active", True):
        return None
    return Subscription(
        int(item.get("id", default_id)), event_type, object_type.type_id, property_name
    )


def all_subscriptions():
    """Every kind of every type, and ``propertyChange`` for each standard property but the
    last-modified date and those HubSpot refuses: the default. Types with legacy
    subscriptions get them (``contact.creation``), the others generic ones
    (``object.creation`` with ``objectTypeId``), the only kind HubSpot offers for them."""
    items = []
    for object_type in OBJECT_TYPES:
        if object_type.legacy_webhooks:
            prefix, shape = object_type.singular, {}
        else:
            prefix, shape = "object", {"objectTypeId": object_type.type_id}
        kinds = [k for k in KINDS if k != "propertyChange"]
        if not object_type.privacy_deletion:
            kinds.remove("privacyDeletion")
        items += [{"eventType": f"{prefix}.{k}", **shape} for k in kinds]
        excluded = (*UNSUBSCRIBABLE, *object_type.unsubscribable, object_type.modified_property)
        items += [
            {"eventType": f"{prefix}.propertyChange", "propertyName": p["name"], **shape}
            for p in object_type.properties()
            if p["name"] not in excluded
        ]
    return items


@dataclass(frozen=True)
class Settings:
    """One webhook configuration, checked; times in seconds."""

    target_url: str = None  # None: webhooks off
    client_secret: str = ""
    app_id: int = 0
    subscriptions: tuple = ()  # of Subscription
    timeout: float = TIMEOUT
    retry_delays: tuple = RETRY_DELAYS  # one per retry
    batch_window: float = 0.1  # how long the first event of a batch waits for others
    concurrency: int = CONCURRENCY
    disorder: str = None  # one of DISORDERS
    delay_seconds: float = 0.5  # how long delay_first holds an event back
    duplicate: bool = False  # send every request twice
    seed: int = None  # of the shuffle

    def __post_init__(self):
        if self.target_url is not None:
            parts = urlsplit(self.target_url)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ValueError(f"target_url must be an http(s) URL, not {self.target_url!r}")
            if not self.client_secret:
                raise ValueError("Requests are signed with the app's client_secret: set it")
        if self.disorder is not None and self.disorder not in DISORDERS:
            raise ValueError(f"Unknown disorder {self.disorder!r}; known: {list(DISORDERS)}")
        if self.timeout <= 0 or self.batch_window < 0 or self.concurrency < 1:
            raise ValueError("timeout and concurrency must be positive, batch_window not negative")
        if any(delay < 0 for delay in self.retry_delays):
            raise ValueError("retry_delays are seconds, none negative")

    def shape(self):
        """The configuration as the control endpoint shows it, the secret left out."""
        return {
            "target_url": self.target_url,
            "client_secret_set": bool(self.client_secret),
            "app_id": self.app_id,
            "subscriptions": [s.shape() for s in self.subscriptions],
            "timeout": self.timeout,
            "retry_delays": list(self.retry_delays),
            "batch_window": self.batch_window,
            "concurrency": self.concurrency,
            "disorder": self.disorder,
            "delay_seconds": self.delay_seconds,
            "duplicate": self.duplicate,
            "seed": self.seed,
        }


class WebhookSender:
    """Sends the store's change events to one target, HubSpot-style; off until configured."""

    def __init__(self, store, portal_id=PORTAL_ID):
        self.store = store
        self.portal_id = portal_id
        self._cond = threading.Condition()
        self._event_ids = itertools.count(1)
        self._order = itertools.count()  # ties in the schedule heap keep their order
        self._generation = 0
        self.configure()

    # ---------------------------------------------------------------- configuration

    def configure(self, subscriptions=None, **settings):
        """Replace the whole configuration and start afresh (ValueError on a bad one).

        ``settings`` are the fields of ``Settings``; no ``target_url``: webhooks off.
        ``subscriptions`` are HubSpot subscription bodies (see ``parse_subscription``); None
        subscribes to everything (``all_subscriptions``). What was queued under the previous
        configuration is dropped, and the stats start from zero.
        """
        items = all_subscriptions() if subscriptions is None else subscriptions
        parsed = (parse_subscription(item, number) for number, item in enumerate(items, 1))
        settings = Settings(subscriptions=tuple(s for s in parsed if s is not None), **settings)
        with self._cond:
            self._generation += 1  # workers and deliveries of the old configuration stop
            self._settings = settings
            self._watching = {}
            for subscription in settings.subscriptions:
                self._watching.setdefault(subscription.key, []).append(subscription)
            self._random = random.Random(settings.seed)
            self._pending = []  # events waiting for their batch
            self._window_start = None  # when the oldest pending event came (monotonic)
            self._scheduled = []  # heap of (due, order, events, attempt): retries, held events
            self._ready = deque()  # (events, attempt) to send now
            self._in_flight = 0  # events being sent
            self._flushing = 0  # callers of flush waiting
            self._stats = dict.fromkeys(("requests", "sent", "retried", "failed", "duplicated"), 0)
            self._stats["last_status"] = None
            self._cond.notify_all()
            for _ in range(settings.concurrency if settings.target_url else 0):
                threading.Thread(
                    target=self._work,
                    args=(self._generation,),
                    name="hubspot-sandbox webhooks",
                    daemon=True,
                ).start()
        with suppress(ValueError):  # not listening yet, or the store was reset
            self.store.remove_listener(self._listen)
        if settings.target_url:
            self.store.add_listener(self._listen)

    def reset(self):
        """Webhooks off, nothing queued, stats zeroed: a fresh portal's app."""
        self.configure()

    def config(self):
        with self._cond:
            return self._settings.shape()

    def stats(self):
        """Counts since the configuration: ``requests`` made (``retried``: retries among them),
        events ``sent`` (acknowledged with 2xx), ``failed`` (given up), ``duplicated`` (sent
        twice on purpose), ``pending`` (not yet sent, acknowledged or given up) and
        ``last_status`` (an HTTP status, ``timeout`` or ``error``, None before any request)."""
        with self._cond:
            waiting = sum(len(events) for _, _, events, _ in self._scheduled)
            waiting += sum(len(events) for events, _ in self._ready)
            return {**self._stats, "pending": len(self._pending) + waiting + self._in_flight}

    def flush(self, timeout=10.0):
        """Send the events waiting for their batch now, then wait until every event is
        delivered or given up, retries and held-back events included; False on ``timeout``."""
        with self._cond:
            self._flushing += 1
            self._cond.notify_all()
            try:
                return self._cond.wait_for(self._idle, timeout)
            finally:
                self._flushing -= 1

    def _idle(self):
        return not (self._pending or self._scheduled or self._ready or self._in_flight)

    # ---------------------------------------------------------------- events

    def _listen(self, change):
        """The store listener, run under the store lock: queue the change's events, return."""
        with self._cond:
            settings, watching = self._settings, self._watching
        events = [
            self._event(settings, subscription, change, name)
            for subscription, name in _fired(watching, change)
        ]
        if not events:
            return
        with self._cond:
            if settings is not self._settings:
                return  # reconfigured meanwhile
            if not self._pending:
                self._window_start = time.monotonic()
            self._pending += events
            # Waiting workers already wake when the window closes: wake them only to start
            # one, or for a full batch.
            if len(self._pending) == len(events) or len(self._pending) >= MAX_BATCH:
                self._cond.notify_all()

    def _event(self, settings, subscription, change, property_name):
        """One event in HubSpot's payload shape (``attemptNumber`` is set per request)."""
        if getattr(_origin, "api", False):
            source, source_id = "INTEGRATION", str(settings.app_id)
        else:
            owner = next(iter(self.store.owners.values()))
            source, source_id = "CRM_UI", f"userId:{owner['userId']}"
        event = {
            "eventId": next(self._event_ids),
            "subscriptionId": subscription.id,
            "portalId": self.portal_id,
            "appId": settings.app_id,
            "occurredAt": change["occurredAt"],
            "subscriptionType": subscription.event_type,
            "attemptNumber": 0,
            "objectId": change["objectId"],
            "changeSource": source,
            "sourceId": source_id,
        }
        if subscription.event_type.startswith("object."):
            event["objectTypeId"] = subscription.object_type_id
        kind = change["kind"]
        if property_name is not None:
            event["propertyName"] = property_name
            event["propertyValue"] = change["properties"][property_name]
        elif kind == "creation":
            event["changeFlag"] = "NEW"
        elif kind == "merge":
            event.update({name: change[name] for name in MERGE_FIELDS})
        elif kind == "associationChange":
            ends = (_BY_TYPE_ID[change["objectTypeId"]], _BY_NAME[change["toObjectType"]])
            event.update(
                associationType="_TO_".join(t.singular.upper() for t in ends),
                fromObjectId=change["fromObjectId"],
                toObjectId=change["toObjectId"],
                associationRemoved=change["associationRemoved"],
                isPrimaryAssociation=change["isPrimaryAssociation"],
            )
        return event

    # ---------------------------------------------------------------- delivery

    def _work(self, generation):
        """A worker: take a request that is due, send it, record the answer; until the
        configuration changes."""
        while True:
            with self._cond:
                job = self._take(generation)
                if job is None:
                    return
                settings = self._settings
            status = _post(settings, *job)
            with self._cond:
                if generation == self._generation:
                    self._record(settings, *job, status)

    def _take(self, generation):
        """The next ``(events, attempt)`` to send, waiting for one; None once reconfigured."""
        while generation == self._generation:
            now = time.monotonic()
            self._release(now)
            if self._ready:
                events, attempt = self._ready.popleft()
                self._in_flight += len(events)
                return events, attempt
            self._cond.wait(self._until_due(now))
        return None

    def _release(self, now):
        """Move what is due to ``_ready``: scheduled requests, and the pending events once
        their window closes, a batch is full or a caller flushes."""
        while self._scheduled and self._scheduled[0][0] <= now:
            _, _, events, attempt = heapq.heappop(self._scheduled)
            self._ready.append((events, attempt))
        settings = self._settings
        closed = self._window_start is not None and (
            self._flushing or now - self._window_start >= settings.batch_window
        )
        if not (closed or len(self._pending) >= MAX_BATCH):
            return
        while self._pending and (closed or len(self._pending) >= MAX_BATCH):
            batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
            self._batch(settings, batch, now)
        self._window_start = now if self._pending else None

    def _batch(self, settings, events, now):
        """Queue one batch, disordered or duplicated as configured."""
        if settings.disorder == "reverse":
            events.reverse()
        elif settings.disorder == "shuffle":
            self._random.shuffle(events)
        elif settings.disorder == "delay_first":
            self._schedule(now + settings.delay_seconds, events[:1], 0)
            events = events[1:]
        if not events:
            return
        self._ready.append((events, 0))
        if settings.duplicate:
            self._ready.append((events, 0))
            self._stats["duplicated"] += len(events)

    def _schedule(self, due, events, attempt):
        heapq.heappush(self._scheduled, (due, next(self._order), events, attempt))

    def _until_due(self, now):
        """Seconds until something is due (None: nothing queued, wait to be woken)."""
        times = [due for due, *_ in self._scheduled[:1]]
        if self._window_start is not None:
            times.append(self._window_start + self._settings.batch_window)
        return max(0.0, min(times) - now) if times else None

    def _record(self, settings, events, attempt, status):
        """Count an answer; schedule the retry of a failed request, or give it up."""
        self._in_flight -= len(events)
        self._stats["requests"] += 1
        self._stats["retried"] += int(attempt > 0)
        self._stats["last_status"] = status
        if isinstance(status, int) and 200 <= status < 300:
            self._stats["sent"] += len(events)
        elif attempt < len(settings.retry_delays):
            self._schedule(time.monotonic() + settings.retry_delays[attempt], events, attempt + 1)
        else:
            self._stats["failed"] += len(events)
        self._cond.notify_all()


def _fired(watching, change):
    """``(subscription, property name or None)`` for each event a change fires."""
    kind, type_id = change["kind"], change["objectTypeId"]
    fired = []
    if kind != "propertyChange":
        fired += [(s, None) for s in watching.get((type_id, kind, None), ())]
    if kind in ("creation", "propertyChange"):
        # HubSpot reports the values a creation sets as property changes too.
        for name in change["properties"]:
            fired += [(s, name) for s in watching.get((type_id, "propertyChange", name), ())]
    return fired


def _post(settings, events, attempt):
    """POST one signed request; the answer's status, ``timeout`` or ``error``."""
    body = json.dumps([{**event, "attemptNumber": attempt} for event in events]).encode()
    timestamp = str(now_ms())
    headers = {
        "Content-Type": "application/json",
        "X-HubSpot-Signature-v3": sign_v3(
            settings.client_secret, "POST", settings.target_url, body, timestamp
        ),
        "X-HubSpot-Signature-Version": "v3",
        "X-HubSpot-Request-Timestamp": timestamp,
    }
    parts = urlsplit(settings.target_url)
    connection_class = HTTPSConnection if parts.scheme == "https" else HTTPConnection
    connection = connection_class(parts.netloc, timeout=settings.timeout)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("POST", path, body, headers)
        response = connection.getresponse()
        response.read()
        return response.status
    except TimeoutError:
        return "timeout"
    except (OSError, HTTPException):
        return "error"
    finally:
        connection.close()
