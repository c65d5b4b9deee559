"""HubSpot webhooks: who sent a request, what its events say, and what to read again.

HubSpot POSTs a JSON array of CRM events, signed with the app's client secret
(signature v3). :func:`verify_request` decides whether to trust a request,
:func:`parse_events` turns its body into :class:`WebhookEvent` values and
:func:`plan_refetch` reduces them to the objects to read again or drop. Events are
hints, not data: HubSpot may send them twice or out of order, so the plan only names
objects and the caller reads their current state. Pure Python, standard library only.
"""

import base64
import hashlib
import hmac
import json
import re
import time
from dataclasses import dataclass

SIGNATURE_HEADER = "x-hubspot-signature-v3"
TIMESTAMP_HEADER = "x-hubspot-request-timestamp"
#: HubSpot's own limit: a signed request older than 5 minutes is refused.
MAX_AGE_MS = 300_000
#: How far ahead of our clock a timestamp may be: clocks drift, but not by minutes.
MAX_SKEW_MS = 60_000
#: HubSpot sends at most 100 events per request.
MAX_EVENTS = 100

#: Kinds after which the object is read again, and kinds after which it is gone.
REREAD_KINDS = frozenset({"creation", "propertyChange", "restore", "merge", "associationChange"})
DELETE_KINDS = frozenset({"deletion", "privacyDeletion"})
KINDS = REREAD_KINDS | DELETE_KINDS

# The characters HubSpot decodes in the URI before signing, and only these. Hex digits
# are matched in either case: RFC 3986 makes %3a and %3A the same character.
_SIGNED_ESCAPES = re.compile(r"%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)", re.IGNORECASE)
# Epoch milliseconds, object and portal ids: at most 19 digits, as a 64-bit integer.
_DIGITS = re.compile(r"[0-9]{1,19}")


class WebhookRefused(Exception):
    """A request not to trust; ``reason`` is a short code for the log, the caller answers 401.

    Reasons: ``no_secret``, ``missing_header``, ``bad_timestamp``, ``bad_signature``,
    ``stale``, ``future``.
    """

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


class WebhookMalformed(Exception):
    """A trusted body that is no batch of events; ``reason`` is a short code.

    HubSpot retries any 4xx or 5xx answer, and a malformed batch stays malformed: the
    caller may log it and acknowledge it.

    Reasons: ``invalid_json``, ``not_a_list``, ``too_many_events``, ``not_an_object``.
    """

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class WebhookEvent:
    """One CRM event, the same for HubSpot's legacy and generic payloads.

    Object ids are strings, as in the CRM API. ``object_type`` is the API name
    (``contacts``); the association ends' types are API names too, or None when the
    registry does not know them.
    """

    portal_id: int
    object_type: str
    object_id: str
    kind: str
    occurred_at_ms: int
    event_id: int | None = None
    attempt: int | None = None
    property_name: str | None = None
    property_value: str | None = None
    primary_object_id: str | None = None
    merged_object_ids: tuple = ()
    new_object_id: str | None = None
    association_type: str | None = None
    from_object_type: str | None = None
    from_object_id: str | None = None
    to_object_type: str | None = None
    to_object_id: str | None = None
    association_removed: bool | None = None
    is_primary_association: bool | None = None


@dataclass(frozen=True)
class IgnoredEvent:
    """An event left out of a batch: its position in the body, why, and the item itself."""

    index: int
    reason: str
    event: dict


@dataclass
class RefetchWork:
    """For one portal and object type: ids to read again and ids deleted.

    Both map an object id to the latest ``occurredAt`` seen for it, so a caller can skip
    an object it already synced after that time. An id is in one of the two only.
    """

    refetch: dict
    deleted: dict


def decode_uri(uri):
    """``uri`` as HubSpot signs it: the listed escapes decoded, every other one kept."""
    return _SIGNED_ESCAPES.sub(lambda match: chr(int(match.group(1), 16)), uri)


def signature_v3(secret, method, uri, body, timestamp):
    """Base64 HMAC-SHA256 of ``method + uri + body + timestamp`` keyed with ``secret``.

    ``uri`` is the full URL HubSpot called (scheme, host, path, query). ``body`` is the raw
    body, bytes or text: it is signed as its UTF-8 bytes, so a body is never decoded and
    re-encoded on the way (which would change what was signed).
    """
    if isinstance(body, str):
        body = body.encode()
    message = f"{method}{decode_uri(uri)}".encode() + body + str(timestamp).encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def verify_request(
    secret,
    method,
    uri,
    body,
    headers,
    now_ms=None,
    max_age_ms=MAX_AGE_MS,
    max_skew_ms=MAX_SKEW_MS,
):
    """Return None for a request HubSpot signed within the time window, else raise.

    ``headers`` is any mapping of header names (in any case) to values. Raises
    :class:`WebhookRefused`; the signature is checked before the time, so a forged request
    is always reported as ``bad_signature``. Pair it with :func:`replay_key` to refuse the
    same signed request twice.
    """
    if not secret:
        # An empty key is one anybody can sign with.
        raise WebhookRefused("no_secret")
    signature, timestamp = _signed_headers(headers)
    if not _DIGITS.fullmatch(timestamp):
        raise WebhookRefused("bad_timestamp")
    expected = signature_v3(secret, method, uri, body, timestamp)
    # compare_digest only takes ASCII text.
    if not signature.isascii() or not hmac.compare_digest(expected, signature):
        raise WebhookRefused("bad_signature")
    now_ms = int(time.time() * 1000) if now_ms is None else now_ms
    if now_ms - int(timestamp) > max_age_ms:
        raise WebhookRefused("stale")
    if int(timestamp) - now_ms > max_skew_ms:
        raise WebhookRefused("future")


def replay_key(headers):
    """A key naming one signed request: ``"<timestamp>:<signature>"``.

    The signature covers the timestamp, so a key seen before is a replay. A request is
    accepted at most ``max_age_ms + max_skew_ms`` after it arrives, so a key can be forgotten
    that long after it was stored. HubSpot's own retries are signed anew: they get new keys.
    """
    signature, timestamp = _signed_headers(headers)
    return f"{timestamp}:{signature}"


def _signed_headers(headers):
    lowered = {str(name).lower(): value for name, value in headers.items()}
    signature = lowered.get(SIGNATURE_HEADER)
    timestamp = lowered.get(TIMESTAMP_HEADER)
    if not signature or not timestamp:
        raise WebhookRefused("missing_header")
    return str(signature), str(timestamp)


def parse_events(body, registry):
    """Return ``(events, ignored)``: :class:`WebhookEvent` and :class:`IgnoredEvent` lists.

    ``registry`` maps each synced object type's API name to its legacy event prefix and
    type id, e.g. ``{"contacts": ("contact", "0-1")}``; a prefix may be None for types
    that only have generic events. Raises :class:`WebhookMalformed` when the body is no
    JSON array of at most 100 objects. An event this sync cannot use (unregistered
    type, unknown kind, no object id) is ignored, never raised: the rest of the batch
    still counts.
    """
    try:
        items = json.loads(body)
    except (ValueError, RecursionError):
        # ValueError covers bad UTF-8 too; RecursionError, absurdly nested arrays.
        raise WebhookMalformed("invalid_json") from None
    if not isinstance(items, list):
        raise WebhookMalformed("not_a_list")
    if len(items) > MAX_EVENTS:
        raise WebhookMalformed("too_many_events")
    if not all(isinstance(item, dict) for item in items):
        raise WebhookMalformed("not_an_object")
    types = {}
    for api_name, (prefix, type_id) in registry.items():
        if prefix:
            types[prefix] = api_name
        types[type_id] = api_name
    events, ignored = [], []
    for index, item in enumerate(items):
        event = _event(item, types)
        if isinstance(event, str):
            ignored.append(IgnoredEvent(index, event, item))
        else:
            events.append(event)
    return events, ignored


def _event(item, types):
    """The :class:`WebhookEvent` of one payload item, or the reason to ignore it."""
    # HubSpot's field table says "eventType", its payloads say "subscriptionType".
    subscription = item.get("subscriptionType") or item.get("eventType")
    if not isinstance(subscription, str) or "." not in subscription:
        return "no_subscription_type"
    prefix, _, kind = subscription.partition(".")
    # Generic events name the type by id ("0-1"); legacy ones by prefix ("contact").
    type_key = item.get("objectTypeId") if prefix == "object" else prefix
    object_type = types.get(type_key) if isinstance(type_key, str) else None
    if not object_type:
        return "unregistered_type"
    if kind not in KINDS:
        return "unknown_kind"
    association = item.get("associationType")
    from_type, to_type = _association_ends(association, types)
    from_id = _object_id(item.get("fromObjectId"))
    to_id = _object_id(item.get("toObjectId"))
    object_id = _object_id(item.get("objectId"))
    if not object_id and kind == "associationChange":
        # Association events may carry only their two ends: the object is the end of the
        # event's own type (the "from" end when both are).
        object_id = {to_type: to_id, from_type: from_id}.get(object_type)
    if not object_id:
        return "missing_object_id"
    portal_id = _number(item.get("portalId"))
    if portal_id is None:
        return "missing_portal_id"
    occurred_at = _number(item.get("occurredAt"))
    if occurred_at is None:
        return "missing_occurred_at"
    merged = item.get("mergedObjectIds")
    return WebhookEvent(
        portal_id=portal_id,
        object_type=object_type,
        object_id=object_id,
        kind=kind,
        occurred_at_ms=occurred_at,
        event_id=_number(item.get("eventId")),
        attempt=_number(item.get("attemptNumber")),
        property_name=_text(item.get("propertyName")),
        property_value=_value(item.get("propertyValue")),
        primary_object_id=_object_id(item.get("primaryObjectId")),
        merged_object_ids=tuple(
            filter(None, map(_object_id, merged if isinstance(merged, list) else ()))
        ),
        new_object_id=_object_id(item.get("newObjectId")),
        association_type=_text(association),
        from_object_type=from_type,
        from_object_id=from_id,
        to_object_type=to_type,
        to_object_id=to_id,
        association_removed=_flag(item.get("associationRemoved")),
        is_primary_association=_flag(item.get("isPrimaryAssociation")),
    )


def _association_ends(association, types):
    """The registered types of ``CONTACT_TO_DEAL``'s two ends (None where unknown)."""
    if not isinstance(association, str):
        return None, None
    ends = re.split("_TO_", association, maxsplit=1, flags=re.IGNORECASE)
    if len(ends) != 2:
        return None, None
    return types.get(ends[0].lower()), types.get(ends[1].lower())


def _number(value):
    """A non-negative integer from a JSON number or digit string, else None."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str) and _DIGITS.fullmatch(value):
        return int(value)
    return None


def _object_id(value):
    number = _number(value)
    return str(number) if number else None


def _text(value):
    return value if isinstance(value, str) else None


def _value(value):
    """A property value as the CRM API writes it: text, JSON for a stray number or boolean."""
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value)


def _flag(value):
    return value if isinstance(value, bool) else None


def plan_refetch(events):
    """Group events into a :class:`RefetchWork` per ``(portal_id, object_type)``.

    Every event counts once per object, whatever its order or duplicates. Creations,
    property changes, restores, merges and association changes read the object again;
    merges also read the surviving record (``primaryObjectId``, ``newObjectId``), whose
    ``hs_merged_object_ids`` names the records merged into it; association changes also
    read both ends whose types are registered. Deletions and privacy deletions mark the
    object deleted, unless a later event (a restore) brought it back.
    """
    latest = {}  # (portal, type, id) -> [latest re-read time, latest deletion time]
    for event in events:
        deleted = event.kind in DELETE_KINDS
        for object_type, object_id in _touched(event):
            times = latest.setdefault((event.portal_id, object_type, object_id), [None, None])
            slot = 1 if deleted else 0
            if times[slot] is None or event.occurred_at_ms > times[slot]:
                times[slot] = event.occurred_at_ms
    plan = {}
    for (portal_id, object_type, object_id), (reread, deleted) in latest.items():
        work = plan.setdefault((portal_id, object_type), RefetchWork({}, {}))
        # On a tie the deletion wins: nothing is read that HubSpot no longer has.
        if deleted is not None and (reread is None or deleted >= reread):
            work.deleted[object_id] = deleted
        else:
            work.refetch[object_id] = reread
    return plan


def _touched(event):
    """The ``(object_type, object_id)`` pairs an event says something about."""
    pairs = [(event.object_type, event.object_id)]
    if event.kind == "merge":
        pairs += [
            (event.object_type, object_id)
            for object_id in (event.primary_object_id, event.new_object_id)
            if object_id
        ]
    elif event.kind == "associationChange":
        pairs += [
            (object_type, object_id)
            for object_type, object_id in (
                (event.from_object_type, event.from_object_id),
                (event.to_object_type, event.to_object_id),
            )
            if object_type and object_id
        ]
    return pairs
