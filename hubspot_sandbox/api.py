"""HubSpot endpoints: routing table and one handler per operation.

Handlers take a ``Request`` and return ``(status, body)`` (body None for 204) or raise
``ApiError``. They hold the store lock for the whole operation so a batch is all-or-nothing
where HubSpot's is, and reads see a consistent state. Shapes follow HubSpot's API
documentation and the models of its Python SDK (v12), which must parse every answer.
"""

import base64
import binascii
import json
import re
from bisect import bisect_left
from dataclasses import dataclass, field
from urllib.parse import unquote, urlencode

from . import search
from .defaults import PORTAL_ID
from .errors import ApiError, not_found, validation_error
from .object_types import ASSOCIATION_TYPES, OBJECT_TYPE_ALIASES, PRIMARY_LABEL
from .store import non_unique_property, parse_id, requests_primary
from .values import iso, now_ms, unique_key

BATCH_LIMIT = 100
ASSOCIATION_READ_LIMIT = 1000
ASSOCIATION_WRITE_LIMIT = 2000
LIST_LIMIT = 100
OWNER_LIMIT = 500
ASSOCIATION_PAGE = 500
# What a token without the needed scope reads instead of a value: the word HubSpot's webhooks
# send for the values of sensitive properties.
REDACTED = "REDACTED"


@dataclass
class Request:
    """What a handler needs from an HTTP request."""

    store: object
    method: str
    path: str
    params: dict
    query: dict  # name -> list of values, as parse_qs gives them
    raw_body: bytes = b""
    base_url: str = ""
    scopes: frozenset = None  # the token's scopes; None: every scope
    _json: object = field(default=None, repr=False)

    def render(self, table, record, names=None, associations=(), full=False):
        """A record as the store renders it, with what the token may not read redacted.

        E-mail content needs the ``sales-email-read`` scope; HubSpot redacts it otherwise.
        """
        body = self.store.render(table, record, names, associations, full)
        scope = table.type.content_scope
        if scope and self.scopes is not None and scope not in self.scopes:
            shown = body["properties"]
            for name in table.type.scoped_properties:
                if shown.get(name) is not None:
                    shown[name] = REDACTED
        return body

    def json(self):
        """The parsed JSON body (400 VALIDATION_ERROR when it is not JSON)."""
        if self._json is None:
            try:
                self._json = json.loads(self.raw_body or b"null")
            except ValueError as error:
                raise validation_error(f"Invalid input JSON: {error}") from None
        return self._json

    def json_object(self):
        """The body as a JSON object; an empty body counts as ``{}``."""
        body = self.json() if self.raw_body.strip() else {}
        if not isinstance(body, dict):
            raise validation_error("The request body must be a JSON object")
        return body

    def arg(self, name, default=None):
        values = self.query.get(name)
        return values[-1] if values else default

    def flag(self, name):
        return str(self.arg(name, "false")).lower() == "true"

    def names(self, name):
        """A list parameter, sent repeated (SDK) or comma-separated (docs): accept both."""
        return [
            n.strip() for value in self.query.get(name, []) for n in value.split(",") if n.strip()
        ]

    def offset(self):
        """``after`` of endpoints that page by position (owners, v4 association lists)."""
        after = str(self.arg("after") or "0")
        if not after.isdigit():
            raise validation_error(f"after must be an integer offset, got {after!r}")
        return int(after)

    def limit(self, default, maximum):
        """``limit`` query parameter, capped like HubSpot's list endpoints."""
        try:
            return max(1, min(int(self.arg("limit", default)), maximum))
        except ValueError:
            raise validation_error(f"limit must be an integer, got {self.arg('limit')!r}") from None


# ---------------------------------------------------------------------------- helpers


def _batch_envelope(results, errors=(), started=None):
    """HubSpot's batch response; the status code is 207 when some inputs failed."""
    body = {
        "status": "COMPLETE",
        "results": results,
        "startedAt": iso(started or now_ms()),
        "completedAt": iso(now_ms()),
    }
    if errors:
        body["errors"] = list(errors)
        body["numErrors"] = len(errors)
    return body


def _require(body, names):
    """HubSpot refuses a body lacking a required field (null counts as missing) as a whole."""
    missing = [name for name in names if body.get(name) is None]
    if missing:
        raise validation_error(
            f"Invalid input JSON: some of required attributes are not set [{', '.join(missing)}]",
            context={"missing": missing},
        )


def _inputs(req, limit=BATCH_LIMIT, required=()):
    """The batch's ``inputs``; each must carry the ``required`` fields HubSpot demands."""
    inputs = req.json_object().get("inputs")
    if not isinstance(inputs, list):
        raise validation_error("inputs must be a list")
    if len(inputs) > limit:
        raise validation_error(
            f"Too many inputs: {len(inputs)}. The maximum is {limit} per request",
            context={"maximum": [str(limit)]},
        )
    if not all(isinstance(i, dict) for i in inputs):
        raise validation_error("Each input must be an object")
    for item in inputs:
        _require(item, required)
    return inputs


def _encode_cursor(record_id):
    return base64.urlsafe_b64encode(f"{record_id}\n".encode()).decode()


def _decode_cursor(cursor):
    if not cursor:
        return 0
    try:
        return int(base64.urlsafe_b64decode(cursor.encode()).decode())
    except (ValueError, binascii.Error):
        raise validation_error(f"Invalid paging cursor after={cursor!r}") from None


def _next_page(req, after):
    query = {k: v for k, v in req.query.items() if k != "after"}
    query["after"] = [after]
    return {"next": {"after": after, "link": f"{req.base_url}{req.path}?{urlencode(query, True)}"}}


def _association_tables(req, table):
    """Tables named by the ``associations`` query parameter (types without a pair are ignored)."""
    names = {OBJECT_TYPE_ALIASES.get(n.lower()) for n in req.names("associations")}
    return [
        req.store.tables[n] for n in sorted(names - {None}) if (table.name, n) in ASSOCIATION_TYPES
    ]


def _live(store, table, id_value):
    record = store.find(table, id_value)
    if record is None:
        raise not_found(context={"id": [str(id_value)]})
    return record


def _missing_objects_error(table, ids):
    kind = table.type.singular.upper()
    return not_found(
        f"Could not get some {kind} objects, they may be deleted or not exist. "
        "Check that ids are valid.",
        context={"ids": [str(i) for i in ids]},
    )


# ---------------------------------------------------------------------------- objects


def list_objects(req):
    store = req.store
    table = store.table(req.params["type"])
    limit = req.limit(10, LIST_LIMIT)
    start = _decode_cursor(req.arg("after"))
    with store.lock:
        index = table.archived if req.flag("archived") else table.live["hs_object_id"]
        position = bisect_left(index, (start,))
        chunk = index[position : position + limit + 1]
        names, linked = req.names("properties"), _association_tables(req, table)
        results = [req.render(table, table.records[i], names, linked) for _, i in chunk[:limit]]
    body = {"results": results}
    if len(chunk) > limit:
        body["paging"] = _next_page(req, _encode_cursor(chunk[limit][1]))
    return 200, body


def get_object(req):
    store = req.store
    table = store.table(req.params["type"])
    with store.lock:
        record = store.find(table, req.params["id"], req.arg("idProperty"), req.flag("archived"))
        if record is None:
            raise not_found(context={"id": [req.params["id"]]})
        linked = _association_tables(req, table)
        return 200, req.render(table, record, req.names("properties"), linked)


def create_object(req):
    store = req.store
    table = store.table(req.params["type"])
    body = req.json_object()
    _require(body, ("properties",))  # associations are optional
    with store.lock:
        changes = store.prepare(table, None, body["properties"])
        links = _creation_links(store, table, body.get("associations"))
        record = store.insert(table, changes)
        for other, target, primary in links:
            store.link(table, record.id, other, target, primary)
        return 201, req.render(table, record, full=True)


def _creation_links(store, table, associations):
    """Validate the ``associations`` of a create body; returns ``[(table, id, primary?)]``."""
    links = []
    for association in associations or []:
        target_id = parse_id((association.get("to") or {}).get("id", ""))
        for spec in association.get("types") or []:
            type_id = spec.get("associationTypeId")
            kind = next(
                (
                    k
                    for k in ASSOCIATION_TYPES.values()
                    if k.from_type == table.name and type_id in k.type_ids()
                ),
                None,
            )
            if kind is None:
                raise validation_error(
                    f"Association type {type_id} is not valid from {table.name}",
                    context={"associationTypeId": [str(type_id)]},
                )
            other = store.tables[kind.to_type]
            if target_id is None or store.find(other, target_id) is None:
                raise validation_error(
                    f"Cannot associate to {other.type.singular} {target_id}: it does not exist"
                )
            links.append((other, target_id, type_id == kind.primary_type_id))
    return links


def update_object(req):
    store = req.store
    table = store.table(req.params["type"])
    with store.lock:
        record = store.find(table, req.params["id"], req.arg("idProperty"))
        if record is None:
            raise not_found(context={"id": [req.params["id"]]})
        changes = store.prepare(table, record, req.json_object().get("properties"))
        store.modify(table, record, changes)
        return 200, req.render(table, record, full=True)


def archive_object(req):
    store = req.store
    table = store.table(req.params["type"])
    with store.lock:
        record = store.find(table, req.params["id"])
        if record is not None:
            store.archive(table, record)
    return 204, None


def gdpr_delete(req):
    """``POST .../gdpr-delete``: contacts only, by id or ``idProperty`` (e.g. email)."""
    store = req.store
    table = store.table(req.params["type"])
    if not table.type.privacy_deletion:
        return unknown_route(req)
    body = req.json_object()
    _require(body, ("objectId",))
    with store.lock:
        record = store.find(table, body["objectId"], body.get("idProperty"))
        record = record or store.find(table, body["objectId"], body.get("idProperty"), True)
        if record is None:
            raise not_found(context={"id": [str(body["objectId"])]})
        store.purge(table, record)
    return 204, None


def merge_objects(req):
    store = req.store
    table = store.table(req.params["type"])
    if not table.type.mergeable:  # HubSpot has no merge endpoint for activities
        return unknown_route(req)
    body = req.json_object()
    _require(body, ("primaryObjectId", "objectIdToMerge"))
    with store.lock:
        primary = _live(store, table, body["primaryObjectId"])
        other = _live(store, table, body["objectIdToMerge"])
        return 200, req.render(table, store.merge(table, primary, other), full=True)


def search_objects(req):
    store = req.store
    table = store.table(req.params["type"])
    query = search.parse(table, req.json_object(), len(req.raw_body.decode("utf-8", "replace")))
    with store.lock:
        total, records, after = search.run(store, table, query)
        results = [req.render(table, r, query.properties) for r in records]
    body = {"total": total, "results": results}
    if after is not None:
        body["paging"] = {"next": {"after": str(after)}}
    return 200, body


# ---------------------------------------------------------------------------- batches


def batch_read(req):
    store = req.store
    table = store.table(req.params["type"])
    inputs = _inputs(req, required=("id",))
    body = req.json_object()
    id_property = body.get("idProperty")
    archived = req.flag("archived")
    with store.lock:
        results, missing, seen = [], [], set()
        for item in inputs:
            record = store.find(table, item["id"], id_property, archived)
            if record is None:
                missing.append(item["id"])
            elif record.id not in seen:
                seen.add(record.id)
                results.append(req.render(table, record, body.get("properties") or []))
    errors = [_missing_objects_error(table, missing).batch_error()] if missing else []
    return (207 if errors else 200), _batch_envelope(results, errors)


def batch_create(req):
    def plan(store, table, item):
        changes = store.prepare(table, None, item["properties"])
        return None, changes, _creation_links(store, table, item.get("associations"))

    return _batch_write(req, plan, success_status=201)


def batch_update(req):
    def plan(store, table, item):
        record = store.find(table, item["id"], item.get("idProperty"))
        if record is None:
            raise _missing_objects_error(table, [item["id"]])
        return record, store.prepare(table, record, item["properties"]), []

    return _batch_write(req, plan, check_ids=True)


def batch_upsert(req):
    def plan(store, table, item):
        id_property = item.get("idProperty")
        if id_property not in table.unique:
            raise non_unique_property(table, id_property or "hs_object_id")
        record = store.find(table, item["id"], id_property)
        properties = dict(item["properties"])
        if record is None:
            properties[id_property] = item["id"]
        return record, store.prepare(table, record, properties), []

    return _batch_write(req, plan, check_ids=True, upsert=True)


def _batch_write(req, plan, success_status=200, check_ids=False, upsert=False):
    """Validate every input, then apply them all (shared by create, update and upsert).

    With an ``objectWriteTraceId`` on every input HubSpot answers 207 with per-input errors
    (multi-status mode); otherwise the first invalid input fails the whole batch. A taken
    e-mail always fails the whole batch with 409, as HubSpot does.
    """
    store = req.store
    table = store.table(req.params["type"])
    inputs = _inputs(req, required=("id", "properties") if check_ids else ("properties",))
    started = now_ms()
    if check_ids:
        _reject_duplicate_ids(inputs)
    multi_status = bool(inputs) and all(i.get("objectWriteTraceId") for i in inputs)
    with store.lock:
        plans, errors = [], []
        for item in inputs:
            trace = item.get("objectWriteTraceId")
            try:
                record, changes, links = plan(store, table, item)
            except ApiError as error:
                if error.status == 409 or not (multi_status or error.status == 404):
                    raise
                errors.append(error.batch_error({"objectWriteTraceId": [trace]} if trace else {}))
                continue
            plans.append((record, changes, links, trace))
        _reject_shared_unique_values(table, plans)
        results = []
        for record, changes, links, trace in plans:
            is_new = record is None
            if is_new:
                record = store.insert(table, changes)
            else:
                store.modify(table, record, changes)
            for other, target, primary in links:
                store.link(table, record.id, other, target, primary)
            result = req.render(table, record, full=True)
            if trace:
                result["objectWriteTraceId"] = trace
            if upsert:
                result["new"] = is_new
            results.append(result)
    return (207 if errors else success_status), _batch_envelope(results, errors, started)


def _reject_duplicate_ids(inputs):
    ids = [unique_key(str(i.get("id", ""))) for i in inputs]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise validation_error(
            f"Duplicate IDs found in batch input: {duplicates}. IDs must be unique",
            context={"ids": duplicates},
        )


def _reject_shared_unique_values(table, plans):
    """Two inputs of one batch may not claim the same unique value (e.g. e-mail)."""
    for name in table.unique:
        seen = set()
        for _, changes, _, _ in plans:
            value = unique_key(changes.get(name) or "")
            if value and value in seen:
                raise validation_error(
                    f"Duplicate {name} in batch input: {changes[name]}",
                    context={name: [changes[name]]},
                )
            seen.add(value)


def batch_archive(req):
    store = req.store
    table = store.table(req.params["type"])
    inputs = _inputs(req, required=("id",))
    with store.lock:
        for item in inputs:
            record = store.find(table, item["id"])
            if record is not None:
                store.archive(table, record)
    return 204, None


# ---------------------------------------------------------------------------- properties


def list_properties(req):
    store = req.store
    table = store.table(req.params["type"])
    with store.lock:
        definitions = [] if req.flag("archived") else list(table.properties.values())
        return 200, {"results": [store.render_property(table, d) for d in definitions]}


def get_property(req):
    store = req.store
    table = store.table(req.params["type"])
    with store.lock:
        definition = table.properties.get(req.params["name"])
        if definition is None:
            raise not_found(f"Unable to find property {req.params['name']}")
        return 200, store.render_property(table, definition)


def create_property(req):
    store = req.store
    table = store.table(req.params["type"])
    with store.lock:
        return 201, store.define_property(table, req.json())


# ---------------------------------------------------------------------------- account


def account_details(req):
    """The portal's account details, as HubSpot's account-info API gives them."""
    store = req.store
    with store.lock:
        return 200, {
            "portalId": PORTAL_ID,
            "accountType": "STANDARD",
            "timeZone": "US/Eastern",
            "companyCurrency": store.home_currency,
            "additionalCurrencies": sorted(store.exchange_rates),
            "utcOffset": "-05:00",
            "utcOffsetMilliseconds": -18000000,
            "uiDomain": "app.hubspot.com",
            "dataHostingLocation": "na1",
        }


# ---------------------------------------------------------------------------- calling


def call_dispositions(req):
    """``GET /calling/v1/dispositions``: the portal's call outcomes, a bare list of
    ``{"id", "label"}`` (what a call's ``hs_call_disposition`` holds is such an id)."""
    with req.store.lock:
        outcomes = req.store.call_dispositions.items()
        return 200, [{"id": outcome, "label": label} for outcome, label in outcomes]


# ---------------------------------------------------------------------------- pipelines, owners


def _deal_pipelines(req):
    if not req.store.table(req.params["type"]).type.has_pipelines:
        raise validation_error("Only deal pipelines exist in this sandbox")
    return req.store.pipelines


def _pipeline(req):
    pipeline = _deal_pipelines(req).get(req.params["pipeline"])
    if pipeline is None:
        raise not_found(f"Unable to find pipeline {req.params['pipeline']}")
    return pipeline


def list_pipelines(req):
    with req.store.lock:
        return 200, {"results": list(_deal_pipelines(req).values())}


def get_pipeline(req):
    with req.store.lock:
        return 200, _pipeline(req)


def list_stages(req):
    with req.store.lock:
        return 200, {"results": _pipeline(req)["stages"]}


def get_stage(req):
    with req.store.lock:
        stage_id = req.params["stage"]
        stage = next((s for s in _pipeline(req)["stages"] if s["id"] == stage_id), None)
        if stage is None:
            raise not_found(f"Unable to find stage {stage_id}")
        return 200, stage


def list_owners(req):
    store = req.store
    limit = req.limit(100, OWNER_LIMIT)
    start = req.offset()
    email = (req.arg("email") or "").strip().lower()
    with store.lock:
        archived = req.flag("archived")
        owners = [o for o in store.owners.values() if o["archived"] == archived]
    owners = [o for o in owners if not email or o["email"].lower() == email]
    body = {"results": owners[start : start + limit]}
    if start + limit < len(owners):
        body["paging"] = _next_page(req, str(start + limit))
    return 200, body


def get_owner(req):
    store = req.store
    owner_id = req.params["owner"]
    by_user = req.arg("idProperty") == "userId"
    with store.lock:
        owner = next(
            (o for o in store.owners.values() if str(o["userId" if by_user else "id"]) == owner_id),
            None,
        )
    if owner is None:
        raise not_found(f"Unable to find owner {owner_id}")
    return 200, owner


# ---------------------------------------------------------------------------- associations v4


def _pair_records(store, from_table, to_table, from_id, to_id):
    """Both live records of an association or a 404 naming the missing one."""
    source, target = store.find(from_table, from_id), store.find(to_table, to_id)
    if source is None or target is None:
        raise not_found(
            f"No {from_table.type.singular} {from_id} or {to_table.type.singular} {to_id}",
            context={"id": [str(from_id) if source is None else str(to_id)]},
        )
    return source, target


def _labels_pair(from_table, to_table, source, target, primary):
    return {
        "fromObjectTypeId": from_table.type.type_id,
        "fromObjectId": source.id,
        "toObjectTypeId": to_table.type.type_id,
        "toObjectId": target.id,
        "labels": [PRIMARY_LABEL] if primary else [],
    }


def _default_association(from_table, to_table, source, target, primary):
    return {
        "from": {"id": str(source.id)},
        "to": {"id": str(target.id)},
        "associationSpec": {
            "associationCategory": "HUBSPOT_DEFINED",
            "associationTypeId": ASSOCIATION_TYPES[(from_table.name, to_table.name)].type_id,
        },
    }


def _associated(store, from_table, record, to_table):
    """A record's associations as v4 lists them: the primary with both of its types."""
    kind = store.association(from_table, to_table)
    return [
        {
            "toObjectId": i,
            "associationTypes": [kind.spec(True), kind.spec()] if primary else [kind.spec()],
        }
        for i, primary in store.associations(from_table, record, to_table)
    ]


def _association_pair(req):
    store = req.store
    from_table, to_table = store.table(req.params["type"]), store.table(req.params["to"])
    store.association(from_table, to_table)
    return from_table, to_table


def _association_inputs(req, limit, required):
    """Batch association inputs; ``from`` and ``to`` (or each ``to``) must carry an ``id``."""
    inputs = _inputs(req, limit, required)
    for item in inputs:
        ends = item["to"] if isinstance(item["to"], list) else [item["to"]]
        for end in (item["from"], *ends):
            if not isinstance(end, dict):
                raise validation_error("from and to must be objects with an id")
            _require(end, ("id",))
        if not isinstance(item.get("types", []), list):
            raise validation_error("types must be a list of association specs")
    return inputs


def associations_batch_read(req):
    store = req.store
    from_table, to_table = _association_pair(req)
    inputs = _inputs(req, ASSOCIATION_READ_LIMIT, required=("id",))
    results, errors = [], []
    with store.lock:
        for item in inputs:
            record = store.find(from_table, item["id"])
            associated = _associated(store, from_table, record, to_table) if record else []
            if associated:
                results.append({"from": {"id": str(record.id)}, "to": associated})
                continue
            message = (
                f"No {to_table.type.singular} is associated with "
                f"{from_table.type.singular} {item['id']}."
            )
            error = ApiError(
                404,
                "OBJECT_NOT_FOUND",
                message,
                context={"fromObjectId": [str(item["id"])]},
                sub_category="crm.associations.NO_ASSOCIATIONS_FOUND",
            )
            errors.append(error.batch_error())
    return (207 if errors else 200), _batch_envelope(results, errors)


def _association_batch(req, build, success_status, required):
    """Shared loop of batch create and associate/default: link each pair, collect results.

    Type ids are checked for the whole batch first (one wrong type fails it); unknown
    records are reported per input.
    """
    store = req.store
    from_table, to_table = _association_pair(req)
    inputs = _association_inputs(req, ASSOCIATION_WRITE_LIMIT, required)
    wanted = [requests_primary(from_table, to_table, i.get("types") or []) for i in inputs]
    results, errors = [], []
    with store.lock:
        for item, primary in zip(inputs, wanted, strict=True):
            try:
                source, target = _pair_records(
                    store, from_table, to_table, item["from"]["id"], item["to"]["id"]
                )
            except ApiError as error:
                errors.append(error.batch_error())
                continue
            store.link(from_table, source.id, to_table, target.id, primary)
            results.append(build(from_table, to_table, source, target, primary))
    return (207 if errors else success_status), _batch_envelope(results, errors)


def associations_batch_create(req):
    return _association_batch(req, _labels_pair, 201, ("from", "to", "types"))


def associations_batch_default(req):
    return _association_batch(req, _default_association, 200, ("from", "to"))


def _unlink_found(store, from_table, from_id, to_table, to_id, primary_only=False):
    """Remove an association (or its Primary label) if both records exist."""
    source, target = store.find(from_table, from_id), store.find(to_table, to_id)
    if source is not None and target is not None:
        store.unlink(from_table, source.id, to_table, target.id, primary_only)


def associations_batch_archive(req):
    store = req.store
    from_table, to_table = _association_pair(req)
    inputs = _association_inputs(req, ASSOCIATION_WRITE_LIMIT, required=("from", "to"))
    with store.lock:
        for item in inputs:
            for target in item["to"]:
                _unlink_found(store, from_table, item["from"]["id"], to_table, target["id"])
    return 204, None


def associations_batch_archive_labels(req):
    """Remove the given types only: the Primary label alone leaves the unlabelled association;
    the unlabelled type takes every association between the pair with it."""
    store = req.store
    from_table, to_table = _association_pair(req)
    inputs = _association_inputs(req, ASSOCIATION_WRITE_LIMIT, required=("from", "to", "types"))
    unlabelled = ASSOCIATION_TYPES[(from_table.name, to_table.name)].type_id
    plans = []
    for item in inputs:
        requests_primary(from_table, to_table, item["types"])  # validates the type ids
        everything = any(s["associationTypeId"] == unlabelled for s in item["types"])
        if item["types"]:
            plans.append((item["from"]["id"], item["to"]["id"], not everything))
    with store.lock:
        for from_id, to_id, primary_only in plans:
            _unlink_found(store, from_table, from_id, to_table, to_id, primary_only)
    return 204, None


def associations_list(req):
    store = req.store
    from_table, to_table = _association_pair(req)
    limit = req.limit(ASSOCIATION_PAGE, ASSOCIATION_PAGE)
    start = req.offset()
    with store.lock:
        associated = _associated(
            store, from_table, _live(store, from_table, req.params["id"]), to_table
        )
    body = {"results": associated[start : start + limit]}
    if start + limit < len(associated):
        body["paging"] = _next_page(req, str(start + limit))
    return 200, body


def associate_default(req):
    store = req.store
    from_table, to_table = _association_pair(req)
    with store.lock:
        pair = _pair_records(store, from_table, to_table, req.params["id"], req.params["to_id"])
        store.link(from_table, pair[0].id, to_table, pair[1].id)
        result = _default_association(from_table, to_table, *pair, False)
        return 200, _batch_envelope([result])


def associate_labelled(req):
    store = req.store
    from_table, to_table = _association_pair(req)
    specs = req.json()
    if not isinstance(specs, list):
        raise validation_error("The body must be a list of association specs")
    primary = requests_primary(from_table, to_table, specs)
    with store.lock:
        pair = _pair_records(store, from_table, to_table, req.params["id"], req.params["to_id"])
        store.link(from_table, pair[0].id, to_table, pair[1].id, primary)
        return 201, _labels_pair(from_table, to_table, *pair, primary)


def dissociate(req):
    store = req.store
    from_table, to_table = _association_pair(req)
    with store.lock:
        _unlink_found(store, from_table, req.params["id"], to_table, req.params["to_id"])
    return 204, None


# ---------------------------------------------------------------------------- routing

_OBJECTS = "/crm/v3/objects/{type}"
_V4_BATCH = "/crm/v4/associations/{type}/{to}/batch"
_V4_OBJECT = "/crm/v4/objects/{type}/{id}/associations"
ROUTES = [
    ("GET", _OBJECTS, list_objects),
    ("POST", _OBJECTS, create_object),
    ("POST", _OBJECTS + "/search", search_objects),
    ("POST", _OBJECTS + "/merge", merge_objects),
    ("POST", _OBJECTS + "/gdpr-delete", gdpr_delete),
    ("POST", _OBJECTS + "/batch/read", batch_read),
    ("POST", _OBJECTS + "/batch/create", batch_create),
    ("POST", _OBJECTS + "/batch/update", batch_update),
    ("POST", _OBJECTS + "/batch/upsert", batch_upsert),
    ("POST", _OBJECTS + "/batch/archive", batch_archive),
    ("GET", _OBJECTS + "/{id}", get_object),
    ("PATCH", _OBJECTS + "/{id}", update_object),
    ("DELETE", _OBJECTS + "/{id}", archive_object),
    ("GET", "/crm/v3/properties/{type}", list_properties),
    ("POST", "/crm/v3/properties/{type}", create_property),
    ("GET", "/crm/v3/properties/{type}/{name}", get_property),
    ("GET", "/crm/v3/pipelines/{type}", list_pipelines),
    ("GET", "/crm/v3/pipelines/{type}/{pipeline}", get_pipeline),
    ("GET", "/crm/v3/pipelines/{type}/{pipeline}/stages", list_stages),
    ("GET", "/crm/v3/pipelines/{type}/{pipeline}/stages/{stage}", get_stage),
    ("GET", "/account-info/v3/details", account_details),
    ("GET", "/calling/v1/dispositions", call_dispositions),
    ("GET", "/crm/v3/owners", list_owners),
    ("GET", "/crm/v3/owners/{owner}", get_owner),
    ("POST", _V4_BATCH + "/read", associations_batch_read),
    ("POST", _V4_BATCH + "/create", associations_batch_create),
    ("POST", _V4_BATCH + "/associate/default", associations_batch_default),
    ("POST", _V4_BATCH + "/archive", associations_batch_archive),
    ("POST", _V4_BATCH + "/labels/archive", associations_batch_archive_labels),
    ("GET", _V4_OBJECT + "/{to}", associations_list),
    ("PUT", _V4_OBJECT + "/default/{to}/{to_id}", associate_default),
    ("PUT", _V4_OBJECT + "/{to}/{to_id}", associate_labelled),
    ("DELETE", _V4_OBJECT + "/{to}/{to_id}", dissociate),
]
_TYPE_PARAMS = ("type", "to")


def _compile(template):
    pattern = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template)
    return re.compile(f"^{pattern}$")


_COMPILED = [(method, _compile(t), t, handler) for method, t, handler in ROUTES]


def unknown_route(req):
    raise ApiError(404, "OBJECT_NOT_FOUND", f"No route for {req.method} {req.path}")


def match(method, path):
    """``(handler, path params, stats key)`` for a request; unknown routes get a 404 handler.

    The stats key is the route template with object types filled in and ids as ``{id}``.
    """
    path = path.rstrip("/") or "/"
    for route_method, pattern, template, handler in _COMPILED:
        found = pattern.match(path) if route_method == method else None
        if found:
            params = {k: unquote(v) for k, v in found.groupdict().items()}
            key = template
            for name, value in params.items():
                shown = (
                    OBJECT_TYPE_ALIASES.get(value.lower(), value)
                    if name in _TYPE_PARAMS
                    else "{id}"
                )
                key = key.replace("{" + name + "}", shown)
            return handler, params, key
    return unknown_route, {}, path


def is_search(path):
    """Search endpoints have their own rate limit and no rate-limit headers."""
    return path.rstrip("/").endswith("/search")
