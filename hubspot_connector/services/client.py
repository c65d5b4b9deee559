"""Plain-Python HubSpot CRM client: HTTP, paging, batching, pacing and retries; no Odoo.

Every call goes through :meth:`HubspotClient._request`, which sets the Bearer header and an
explicit timeout, paces requests under the account's limits, retries what is safe to retry
and turns every failure into a named :class:`~.exceptions.HubspotError`. The sync code above
never sees ``requests``.
"""

import json
import logging
import random
import time
from contextlib import nullcontext, suppress
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import quote

import requests
from urllib3.exceptions import NewConnectionError

from .cleaning import parse_datetime
from .exceptions import (
    HubspotConflict,
    HubspotError,
    HubspotNetworkError,
    HubspotNotFound,
    HubspotValidationError,
    error_from_payload,
)
from .pacing import local_limiter

_logger = logging.getLogger(__name__)

#: Search sorts and filters on this property to find what changed (it differs per type).
#: Largest batch for object batch read/create/update/upsert/archive.
BATCH_SIZE = 100
#: Largest batch for v4 association reads and writes.
ASSOCIATION_BATCH_SIZE = 1000
LIST_PAGE_MAX = 100
SEARCH_PAGE_MAX = 200
#: HubSpot answers 400 to a search page that reaches past this many results.
SEARCH_RESULT_CAP = 10_000
MERGED_IDS_PROPERTY = "hs_merged_object_ids"

#: POST endpoints that give the same outcome when sent twice, so a request that may or may not
#: have reached HubSpot can be sent again. Creates and merges are not among them: replaying a
#: create whose answer was lost would make a duplicate.
_REPLAY_SAFE_POSTS = (
    "/search",
    "/batch/read",
    "/batch/update",
    "/batch/upsert",
    "/batch/archive",
    "/batch/associate/default",
)
#: Transport failures worth another try (the last two: a connection dropped mid-answer).
_TRANSIENT_FAILURES = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.JSONDecodeError,
)
#: Whole-chunk answers caused by some input of the chunk: bisect to find which.
_INPUT_ERRORS = (HubspotValidationError, HubspotConflict, HubspotNotFound)
_NO_OUTCOME = "HubSpot returned no outcome for this input."


@dataclass
class BatchResult:
    """Outcome of a batch call: every input index lands in exactly one of the two dicts."""

    #: input index -> the HubSpot object written or read
    results: dict = field(default_factory=dict)
    #: input index -> the :class:`HubspotError` for that input
    errors: dict = field(default_factory=dict)
    #: batch_read only: requested id -> the object HubSpot answered with. Its ``id`` differs
    #: from the requested one when that record was merged into another.
    by_requested_id: dict = field(default_factory=dict)


class HubspotClient:
    """Client for the HubSpot CRM v3/v4 API with a private-app access token.

    ``limiters`` builds the pacing windows (see :func:`~.pacing.local_limiter`); pass a
    :class:`~.shared_pacing.SharedBudget` to share them with other processes.
    """

    def __init__(
        self,
        access_token,
        base_url="https://api.hubapi.com",
        *,
        requests_per_interval=100,
        interval_seconds=10.0,
        searches_per_second=5,
        timeout=(5, 30),
        max_tries=6,
        backoff_base=0.5,
        backoff_max=30.0,
        session=None,
        limiters=local_limiter,
    ):
        if not access_token:
            raise ValueError("a HubSpot access token is required")
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.max_tries = max(1, int(max_tries))
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self._token = access_token
        self._session = session or requests.Session()
        self._rate = limiters("requests", requests_per_interval, interval_seconds)
        self._search_rate = limiters("searches", searches_per_second, 1.0)

    def __repr__(self):
        return f"HubspotClient(base_url={self.base_url!r})"

    @property
    def requests_made(self):
        """HTTP requests sent so far, retries included."""
        return self._rate.admitted

    # ------------------------------------------------------------------ the choke point

    def _request(self, method, path, *, params=None, json=None):
        """Send one API call and return its decoded JSON body (``None`` for 204).

        Retries, with exponential backoff and jitter, whatever HubSpot or the network may
        answer differently next time: a rolling or per-second 429, 423, 477, 5xx, timeouts
        and dropped connections. A daily 429 is never retried. A request that may already
        have been applied (a create whose answer was lost) is only sent again when its
        endpoint is replay-safe. Raises the named :class:`HubspotError` otherwise.
        """
        if not path.startswith("/"):
            raise ValueError(f"API paths are relative to the base URL, got {path!r}")
        replay_safe = method != "POST" or path.endswith(_REPLAY_SAFE_POSTS)
        for attempt in range(1, self.max_tries + 1):
            try:
                response = self._send(method, path, params, json)
                if response.status_code < 400:
                    return response.json() if response.content else None
            except requests.RequestException as exc:
                error = HubspotNetworkError(
                    self._scrub(f"{HubspotNetworkError.summary}: {exc}"), context={"path": path}
                )
                error.__cause__ = exc
                retryable = isinstance(exc, _TRANSIENT_FAILURES) and (
                    replay_safe or _never_sent(exc)
                )
                wait_hint = None
            else:
                error, retryable, wait_hint = self._judge(response, path, replay_safe)
            if not retryable or attempt == self.max_tries:
                raise error
            delay = self._backoff(attempt, wait_hint)
            if delay is None:
                raise error
            _logger.warning(
                "HubSpot %s %s failed (%s); retry %d of %d in %.1f s",
                method,
                path,
                error.status or type(error.__cause__).__name__,
                attempt,
                self.max_tries - 1,
                delay,
            )
            time.sleep(delay)
        raise AssertionError("unreachable: the last try returns or raises")

    def _send(self, method, path, params, json):
        """One HTTP exchange inside the pacing windows; feeds HubSpot's rate headers back."""
        is_search = path.endswith("/search")
        with self._rate.slot(), self._search_rate.slot() if is_search else nullcontext():
            response = self._session.request(
                method,
                self.base_url + path,
                params=params,
                json=json,
                headers={"Authorization": f"Bearer {self._token}", "Accept": "application/json"},
                timeout=self.timeout,
            )
            _logger.debug("HubSpot %s %s -> %s", method, path, response.status_code)
        headers = response.headers
        self._rate.observe(
            limit=_header_number(headers, "X-HubSpot-RateLimit-Max"),
            remaining=_header_number(headers, "X-HubSpot-RateLimit-Remaining"),
            interval=_seconds(_header_number(headers, "X-HubSpot-RateLimit-Interval-Milliseconds")),
        )
        self._rate.observe_daily(
            limit=_header_number(headers, "X-HubSpot-RateLimit-Daily"),
            remaining=_header_number(headers, "X-HubSpot-RateLimit-Daily-Remaining"),
        )
        return response

    def _judge(self, response, path, replay_safe):
        """Map an error answer to ``(error, retryable, seconds HubSpot asks us to wait)``."""
        status = response.status_code
        try:
            body = json.loads(self._scrub(response.text))
        except ValueError:
            body = {"message": f"HTTP {status} {response.reason}"}
        body = body if isinstance(body, dict) else {}
        message = str(body.get("message"))
        daily = status == 429 and (body.get("policyName") == "DAILY" or "daily limit" in message)
        error = error_from_payload(body, status, daily=daily)
        error.context.setdefault("path", path)
        retry_after = _retry_after(response)
        if status == 429:
            if path.endswith("/search") or "secondly limit" in message:
                window = 1.0
            else:
                window = _seconds(
                    _header_number(response.headers, "X-HubSpot-RateLimit-Interval-Milliseconds")
                )
            # Retry-After is documented only for 477; on a 429 some report milliseconds.
            if retry_after is not None and retry_after > 60:
                retry_after /= 1000
            return error, not daily, retry_after or window or self._rate.interval
        if status == 423:  # HubSpot locks a record for 2 s during high-volume syncs
            return error, True, max(retry_after or 0.0, 2.0)
        if status == 477:  # account migration: HubSpot says how long, in seconds
            return error, True, retry_after
        if status >= 500:
            return error, replay_safe, retry_after
        return error, False, None

    def _backoff(self, attempt, wait_hint):
        """Seconds before the next try, or ``None`` when HubSpot asks for more than we allow.

        Waiting less than HubSpot asks only burns tries, so a longer hint ends the retries.
        The jitter (up to +10 %) spreads the retries of parallel workers.
        """
        if wait_hint is not None and wait_hint > self.backoff_max:
            return None
        exponential = min(self.backoff_base * 2 ** (attempt - 1), self.backoff_max)
        return max(wait_hint or 0.0, exponential) * (1 + random.random() / 10)

    def _scrub(self, text):
        """Remove the token from text that may end up in a log or on screen."""
        return text.replace(self._token, "[token]")

    # ------------------------------------------------------------------ connection

    def daily_usage(self):
        """``(daily limit, remaining, as of (UTC))`` as HubSpot's answers last said, or None."""
        return self._rate.daily_usage()

    def check_connection(self, object_types):
        """Prove that the token works: read one record of each type and one owner.

        Returns what was verified; raises the named error of the first failure, so the
        settings form can say exactly what is wrong (token, scope, network...).
        """
        verified = []
        for object_type in object_types:
            self._request("GET", f"/crm/v3/objects/{object_type}", params={"limit": 1})
            verified.append(f"{object_type} read")
        self._request("GET", "/crm/v3/owners", params={"limit": 1})
        verified.append("owners read")
        return {"base_url": self.base_url, "verified": verified}

    # ------------------------------------------------------------------ reading objects

    def iter_objects(
        self, object_type, properties, *, associations=(), archived=False, page_size=100
    ):
        """Yield every object of a type, one list page (at most 100) at a time."""
        params = {
            "limit": min(page_size, LIST_PAGE_MAX),
            "properties": ",".join(properties),
            "archived": _flag(archived),
        }
        if associations:
            params["associations"] = ",".join(associations)
        return self._iter_list(f"/crm/v3/objects/{object_type}", params)

    def iter_modified_since(
        self,
        object_type,
        since_ms,
        properties,
        *,
        modified_property,
        page_size=200,
        read_at_since=(),
    ):
        """Yield every object modified at or after ``since_ms`` (epoch ms; None: all), oldest first.

        ``modified_property`` is the type's last-modified property (``lastmodifieddate``
        for contacts, ``hs_lastmodifieddate`` for most other types).

        Search stops at 10,000 results per query, so the query restarts from the newest
        timestamp seen, skipping the ids already yielded at that timestamp. If a whole
        window shares a single timestamp, that timestamp is paged through by record id.
        ``read_at_since``: ids modified at ``since_ms`` a caller already has, to resume
        exactly where an earlier read stopped.
        """
        prop = modified_property
        page_size = min(page_size, SEARCH_PAGE_MAX)
        properties = _with_properties(properties, prop)
        floor, operator, seen_at_floor = since_ms, "GTE", set(read_at_since)
        while True:
            filters = [] if floor is None else [_filter(prop, operator, floor)]
            newest, newest_ids = floor, set(seen_at_floor)
            for page in self._search_pages(object_type, filters, prop, properties, page_size):
                for record in page.get("results", []):
                    if record["id"] in seen_at_floor:
                        continue
                    yield record
                    modified = _epoch_ms(record["properties"].get(prop))
                    if modified != newest:
                        newest, newest_ids = modified, set()
                    newest_ids.add(record["id"])
            if _next_after(page) is None:  # the data ended before the cap
                return
            if newest == floor:
                yield from self._iter_one_timestamp(
                    object_type, prop, floor, properties, page_size, newest_ids
                )
                operator, seen_at_floor = "GT", set()
            else:
                floor, operator, seen_at_floor = newest, "GTE", newest_ids

    @staticmethod
    def modified_ms(modified_property, record):
        """When ``record`` was last modified, as the searches above order it (epoch ms)."""
        return _epoch_ms(record["properties"].get(modified_property))

    def _iter_one_timestamp(self, object_type, prop, timestamp, properties, page_size, seen):
        """Yield the not yet ``seen`` objects modified exactly at ``timestamp``, by id."""
        last_id = None
        while True:
            filters = [_filter(prop, "EQ", timestamp)]
            if last_id is not None:
                filters.append(_filter("hs_object_id", "GT", last_id))
            for page in self._search_pages(
                object_type, filters, "hs_object_id", properties, page_size
            ):
                for record in page.get("results", []):
                    last_id = record["id"]
                    if record["id"] not in seen:
                        yield record
            if _next_after(page) is None:
                return

    def _search_pages(self, object_type, filters, sort_property, properties, page_size):
        """Yield the pages of one search sorted ascending, up to HubSpot's 10,000-result cap.

        When the last page yielded still has a next page, the cap stopped the paging: the
        caller must restart with a narrower query.
        """
        body = {
            "filterGroups": [{"filters": filters}] if filters else [],
            "sorts": [{"propertyName": sort_property, "direction": "ASCENDING"}],
            "properties": properties,
            "limit": page_size,
        }
        path = f"/crm/v3/objects/{object_type}/search"
        while True:
            page = self._request("POST", path, json=body)
            yield page
            after = _next_after(page)
            if after is None or int(after) + page_size > SEARCH_RESULT_CAP:
                return
            body = {**body, "after": after}

    def get_object(
        self,
        object_type,
        object_id,
        properties,
        *,
        id_property=None,
        associations=(),
        archived=False,
    ):
        """Read one object; after a merge HubSpot answers with the survivor's (other) id."""
        params = {"properties": ",".join(properties), "archived": _flag(archived)}
        if id_property:
            params["idProperty"] = id_property
        if associations:
            params["associations"] = ",".join(associations)
        return self._request("GET", _object_path(object_type, object_id), params=params)

    def batch_read(self, object_type, ids, properties, *, id_property=None, archived=False):
        """Read objects by id (or by a unique property), 100 per request.

        Ids HubSpot does not know come back as :class:`HubspotNotFound` in ``errors``. Merged
        ids come back as the surviving record; HubSpot does not say which requested id it
        answers, so ``hs_merged_object_ids`` is requested and used to map them.
        """
        ids = [str(object_id) for object_id in ids]
        extra = [MERGED_IDS_PROPERTY] + ([id_property] if id_property else [])
        body = {"properties": _with_properties(properties, *extra)}
        if id_property:
            body["idProperty"] = id_property

        def collect(chunk, answer, outcome):
            wanted = {}
            for index, item in chunk:
                wanted.setdefault(_match_key(item["id"], id_property), []).append(index)
            for record in answer.get("results", []):
                for key in _read_keys(record, id_property) & wanted.keys():
                    for index in wanted[key]:
                        outcome.results[index] = record
                        outcome.by_requested_id[ids[index]] = record
            for item in answer.get("errors", []):
                error = error_from_payload(item)
                for object_id in (item.get("context") or {}).get("ids", []):
                    for index in wanted.get(_match_key(object_id, id_property), []):
                        outcome.errors[index] = error

        return self._run_batch(
            f"/crm/v3/objects/{object_type}/batch/read",
            [{"id": object_id} for object_id in ids],
            collect,
            body=body,
            params={"archived": _flag(archived)},
        )

    # ------------------------------------------------------------------ writing objects

    def batch_create(self, object_type, inputs):
        """Create objects (``{"properties": {...}, "associations"?: [...]}`` each).

        Not replayed after a lost answer (that could create twice): such inputs end with a
        :class:`HubspotNetworkError`. Prefer :meth:`batch_upsert` where a unique property exists.
        """
        return self._batch_write(object_type, "create", inputs, key=None)

    def batch_update(self, object_type, inputs):
        """Update objects (``{"id": ..., "properties": {...}}`` each)."""
        return self._batch_write(object_type, "update", inputs, key=_result_id)

    def batch_upsert(self, object_type, inputs, id_property):
        """Create or update objects by a unique property (``{"id": value, "properties": ...}``).

        Safe to retry: sending the same upsert twice never makes a second record.
        """
        inputs = [{**item, "idProperty": id_property} for item in inputs]
        return self._batch_write(
            object_type, "upsert", inputs, key=lambda record: _unique_value(record, id_property)
        )

    def batch_archive(self, object_type, ids):
        """Archive (soft-delete) objects; HubSpot answers 204 even for unknown ids."""
        return self._run_batch(
            f"/crm/v3/objects/{object_type}/batch/archive",
            [{"id": str(object_id)} for object_id in ids],
        )

    def _batch_write(self, object_type, action, inputs, key):
        """Run a batch create/update/upsert and map each outcome back to its input index.

        Each input carries ``objectWriteTraceId`` (its index unless the caller set one), which
        HubSpot echoes on results and errors; ``key`` (the input's ``id``) is the fallback.
        """

        def collect(chunk, answer, outcome):
            by_trace = {item["objectWriteTraceId"]: index for index, item in chunk}
            by_key = {str(item.get("id")): index for index, item in chunk if key}
            for record in answer.get("results", []):
                index = _lookup(by_trace, record.get("objectWriteTraceId"))
                if index is None and key:
                    index = _lookup(by_key, key(record))
                if index is not None:
                    outcome.results[index] = record
            for item in answer.get("errors", []):
                error = error_from_payload(item)
                context = item.get("context") or {}
                traces = [item.get("objectWriteTraceId"), *context.get("objectWriteTraceId", [])]
                indexes = {_lookup(by_trace, trace) for trace in traces}
                indexes |= {_lookup(by_key, object_id) for object_id in context.get("ids", [])}
                for index in indexes - {None}:
                    outcome.errors[index] = error

        return self._run_batch(
            f"/crm/v3/objects/{object_type}/batch/{action}",
            [{"objectWriteTraceId": str(index), **item} for index, item in enumerate(inputs)],
            collect,
        )

    def _run_batch(self, path, items, collect=None, *, body=None, params=None, size=BATCH_SIZE):
        """POST ``items`` in chunks of ``size`` as ``inputs``; map outcomes to item indexes.

        ``collect(chunk, answer, outcome)`` files the results and errors of one answer, chunk
        being ``(index, item)`` pairs; without it (204 endpoints) every item is acknowledged.
        A chunk refused as a whole for its content (400, 404, 409: HubSpot fails a whole
        create on one duplicate e-mail) is bisected until every bad item has its own error
        and every good one went through. Any other failure (after the retries) stops the
        batch: it becomes the error of every item not done yet, and earlier outcomes are
        kept, so the caller always learns what was already written.
        """
        outcome = BatchResult()

        def settled(index):
            return index in outcome.results or index in outcome.errors

        def send(chunk):
            inputs = [item for _index, item in chunk]
            try:
                answer = self._request(
                    "POST", path, params=params, json={**(body or {}), "inputs": inputs}
                )
            except _INPUT_ERRORS as error:
                if len(chunk) == 1:
                    outcome.errors[chunk[0][0]] = error
                    return
                _logger.info(
                    "HubSpot refused a batch of %d on %s (%s); splitting it to find the cause",
                    len(chunk),
                    path,
                    error.status,
                )
                send(chunk[: len(chunk) // 2])
                send(chunk[len(chunk) // 2 :])
                return
            if collect is None:  # the endpoint answers 204: every item went through
                outcome.results.update(chunk)
            else:
                collect(chunk, answer, outcome)
            for index, _item in chunk:
                if not settled(index):
                    outcome.errors[index] = HubspotError(_NO_OUTCOME)

        indexed = list(enumerate(items))
        for start in range(0, len(indexed), size):
            try:
                send(indexed[start : start + size])
            except HubspotError as error:
                for index, _item in indexed[start:]:
                    if not settled(index):
                        outcome.errors[index] = error
                break
        return outcome

    def create_object(self, object_type, properties, *, associations=()):
        """Create one object; a duplicate e-mail raises :class:`HubspotConflict`."""
        body = {"properties": properties}
        if associations:
            body["associations"] = list(associations)
        return self._request("POST", f"/crm/v3/objects/{object_type}", json=body)

    def update_object(self, object_type, object_id, properties, *, id_property=None):
        params = {"idProperty": id_property} if id_property else None
        return self._request(
            "PATCH",
            _object_path(object_type, object_id),
            params=params,
            json={"properties": properties},
        )

    def archive_object(self, object_type, object_id):
        """Archive (soft-delete) one object; unknown ids are not an error for HubSpot."""
        self._request("DELETE", _object_path(object_type, object_id))

    def merge(self, object_type, primary_id, merged_id):
        """Merge ``merged_id`` into ``primary_id``; returns the survivor (its id may be new)."""
        return self._request(
            "POST",
            f"/crm/v3/objects/{object_type}/merge",
            json={"primaryObjectId": str(primary_id), "objectIdToMerge": str(merged_id)},
        )

    # ------------------------------------------------------------------ schema and owners

    def get_account_details(self):
        """The portal's details, its company (home) currency among them."""
        return self._request("GET", "/account-info/v3/details")

    def get_pipelines(self, object_type="deals"):
        return self._request("GET", f"/crm/v3/pipelines/{object_type}").get("results", [])

    def get_call_dispositions(self):
        """The portal's call outcomes: ``[{"id", "label"}]``."""
        return self._request("GET", "/calling/v1/dispositions")

    def get_properties(self, object_type):
        return self._request("GET", f"/crm/v3/properties/{object_type}").get("results", [])

    def get_property(self, object_type, name):
        return self._request("GET", f"/crm/v3/properties/{object_type}/{quote(name, safe='')}")

    def create_property(self, object_type, definition):
        return self._request("POST", f"/crm/v3/properties/{object_type}", json=definition)

    def iter_owners(self, *, archived=False):
        return self._iter_list(
            "/crm/v3/owners", {"limit": LIST_PAGE_MAX, "archived": _flag(archived)}
        )

    def _iter_list(self, path, params):
        """Yield the results of a GET list endpoint, following ``paging.next.after``."""
        params = dict(params)
        while True:
            page = self._request("GET", path, params=params)
            yield from page.get("results", [])
            after = _next_after(page)
            if after is None:
                return
            params["after"] = after

    # ------------------------------------------------------------------ associations (v4)

    def batch_read_associations(self, from_type, to_type, ids):
        """Map each id to the ids it is associated with, 1,000 ids per request."""
        return {
            from_id: list(targets)
            for from_id, targets in self.batch_read_association_types(
                from_type, to_type, ids
            ).items()
        }

    def batch_read_association_types(self, from_type, to_type, ids):
        """Map each id to ``{associated id: set of association type ids}``, 1,000 ids per request.

        HubSpot pages associations per id; follow-up pages of several ids share a request.
        """
        found = {str(object_id): {} for object_id in ids}
        pending = [{"id": object_id} for object_id in found]
        path = f"/crm/v4/associations/{from_type}/{to_type}/batch/read"
        while pending:
            chunk, pending = pending[:ASSOCIATION_BATCH_SIZE], pending[ASSOCIATION_BATCH_SIZE:]
            answer = self._request("POST", path, json={"inputs": chunk})
            for item in answer.get("results", []):
                from_id = str(item["from"]["id"])
                targets = found.setdefault(from_id, {})
                for target in item.get("to", []):
                    types = targets.setdefault(str(target["toObjectId"]), set())
                    types.update(kind["typeId"] for kind in target.get("associationTypes") or ())
                after = _next_after(item)
                if after is not None:
                    pending.append({"id": from_id, "after": after})
        return found

    def batch_associate_default(self, from_type, to_type, pairs):
        """Create the default (unlabelled) association for each ``(from_id, to_id)`` pair.

        Outcomes are keyed by pair index; a pair naming a record HubSpot does not have gets
        a :class:`HubspotNotFound`.
        """

        def collect(chunk, answer, outcome):
            by_pair = {(item["from"]["id"], item["to"]["id"]): index for index, item in chunk}
            for result in answer.get("results", []):
                index = by_pair.get((str(result["from"]["id"]), str(result["to"]["id"])))
                if index is not None:
                    outcome.results[index] = result
            for item in answer.get("errors", []):
                error = error_from_payload(item)
                named = {
                    str(value)
                    for values in (item.get("context") or {}).values()
                    if isinstance(values, list)
                    for value in values
                }
                for index, pair in chunk:
                    ends = {pair["from"]["id"], pair["to"]["id"]}
                    if index not in outcome.results and named & ends:
                        outcome.errors[index] = error

        return self._run_batch(
            f"/crm/v4/associations/{from_type}/{to_type}/batch/associate/default",
            [{"from": {"id": str(a)}, "to": {"id": str(b)}} for a, b in pairs],
            collect,
            size=ASSOCIATION_BATCH_SIZE,
        )

    def batch_create_associations(self, from_type, to_type, pairs, type_ids):
        """Associate each ``(from_id, to_id)`` pair with HubSpot-defined ``type_ids``
        (a primary label with its unlabelled type, for example)."""
        return self._run_batch(
            f"/crm/v4/associations/{from_type}/{to_type}/batch/create",
            [_association_input(a, b, type_ids) for a, b in pairs],
            size=ASSOCIATION_BATCH_SIZE,
        )

    def batch_archive_association_labels(self, from_type, to_type, pairs, type_ids):
        """Remove only ``type_ids`` (a primary label) between each pair; the rest stays."""
        return self._run_batch(
            f"/crm/v4/associations/{from_type}/{to_type}/batch/labels/archive",
            [_association_input(a, b, type_ids) for a, b in pairs],
            size=ASSOCIATION_BATCH_SIZE,
        )

    def batch_archive_associations(self, from_type, to_type, pairs):
        """Remove every association between each ``(from_id, to_id)`` pair."""
        return self._run_batch(
            f"/crm/v4/associations/{from_type}/{to_type}/batch/archive",
            [{"from": {"id": str(a)}, "to": [{"id": str(b)}]} for a, b in pairs],
            size=ASSOCIATION_BATCH_SIZE,
        )


# ---------------------------------------------------------------------- helpers


def _association_input(from_id, to_id, type_ids):
    return {
        "from": {"id": str(from_id)},
        "to": {"id": str(to_id)},
        "types": [
            {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": type_id}
            for type_id in type_ids
        ],
    }


def _never_sent(exc):
    """True when the connection failed before the request could reach HubSpot."""
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(exc, requests.ConnectTimeout) or isinstance(reason, NewConnectionError)


def _header_number(headers, name):
    try:
        return float(headers[name])
    except (KeyError, ValueError):
        return None


def _seconds(milliseconds):
    return None if milliseconds is None else milliseconds / 1000


def _retry_after(response):
    """Seconds from a ``Retry-After`` header in either of its forms, or None."""
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    with suppress(ValueError):  # not seconds: an HTTP date
        return max(float(value), 0.0)
    try:
        return max((parsedate_to_datetime(value) - datetime.now().astimezone()).total_seconds(), 0)
    except (TypeError, ValueError):
        return None


def _next_after(page):
    return ((page.get("paging") or {}).get("next") or {}).get("after")


def _flag(value):
    return "true" if value else "false"


def _filter(prop, operator, value):
    return {"propertyName": prop, "operator": operator, "value": str(value)}


def _with_properties(properties, *extra):
    """The requested property names plus ``extra`` ones, without duplicates, order kept."""
    return list(dict.fromkeys([*properties, *extra]))


def _object_path(object_type, object_id):
    return f"/crm/v3/objects/{object_type}/{quote(str(object_id), safe='')}"


def _epoch_ms(value):
    """A HubSpot datetime property (ISO string or epoch-ms string) as epoch milliseconds."""
    if value is None:
        return None
    if str(value).isdigit():
        return int(value)
    return round(parse_datetime(value).replace(tzinfo=timezone.utc).timestamp() * 1000)


def _match_key(value, id_property):
    """Unique-property values match case-insensitively (as HubSpot matches e-mails)."""
    return str(value).lower() if id_property else str(value)


def _read_keys(record, id_property):
    """The requested ids a batch-read result may answer: its id, absorbed ids, unique value."""
    properties = record.get("properties") or {}
    if id_property:
        return {_match_key(properties.get(id_property), id_property)}
    merged = properties.get(MERGED_IDS_PROPERTY) or ""
    return {str(record["id"]), *filter(None, merged.split(";"))}


def _lookup(mapping, key):
    return mapping.get(str(key)) if key is not None else None


def _result_id(record):
    return record.get("id")


def _unique_value(record, id_property):
    return (record.get("properties") or {}).get(id_property)
