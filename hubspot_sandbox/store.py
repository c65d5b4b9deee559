"""In-memory portal state: records, properties, pipelines, owners and associations.

One re-entrant lock guards everything. Public methods (the test helpers at the end of ``Store``)
take it themselves; the lower-level methods used by the API handlers expect the caller to hold
``store.lock`` so that a whole batch is validated and applied atomically.

Records are kept in a dict by numeric id. Three sorted lists of ``(key, id)`` pairs index the live
records by id, create date and last-modified date, so that list pages and the usual incremental
sync search ("modified since X, ascending") cost O(log N + page) instead of O(N).
"""

import itertools
import threading
from bisect import bisect_left, insort

from . import defaults
from .defaults import CONTACTS, DEALS, OWNER_PROPERTY
from .errors import ApiError, conflict, invalid_properties, not_found, validation_error
from .values import InvalidValue, iso, normalize, now_ms, parse_timestamp, to_ms

FIRST_ID = 10001
# Read-only properties computed from the record or the deal stage rather than stored.
DEAL_STAGE_PROPERTIES = ("hs_deal_stage_probability", "hs_is_closed", "hs_is_closed_won")
HOME_AMOUNT_PROPERTY = "amount_in_home_currency"
# The property types and field types HubSpot accepts when a property is created.
PROPERTY_TYPES = ("bool", "date", "datetime", "enumeration", "number", "phone_number", "string")
FIELD_TYPES = (
    "booleancheckbox",
    "calculation_equation",
    "checkbox",
    "date",
    "file",
    "html",
    "number",
    "phonenumber",
    "radio",
    "select",
    "text",
    "textarea",
)


class Record:
    """One CRM object. ``props`` holds only non-empty, stored (not computed) values."""

    __slots__ = ("id", "props", "created", "updated", "archived_at")

    def __init__(self, record_id, props, created, updated):
        self.id = record_id
        self.props = props
        self.created = created
        self.updated = updated
        self.archived_at = None


class ObjectTable:
    """The records of one object type, their property definitions and their indexes."""

    def __init__(self, object_type, properties):
        self.type = object_type
        self.name = object_type.name
        self.properties = {p["name"]: p for p in properties}
        self.records = {}  # id -> Record, live and archived
        self.aliases = {}  # id merged away -> id it was merged into
        self.index_names = ("hs_object_id", "createdate", object_type.modified_property)
        # Read-only properties computed from the record (or its deal stage), never stored.
        self.computed = self.index_names + (
            (*DEAL_STAGE_PROPERTIES, HOME_AMOUNT_PROPERTY) if object_type is DEALS else ()
        )
        self.live = {name: [] for name in self.index_names}  # name -> sorted [(key, id)]
        self.archived = []  # sorted [(id, id)]
        self.unique = {}  # id property -> {normalized value: id} over live records
        if object_type is CONTACTS:
            self.unique["email"] = {}
        for definition in properties:
            if definition["hasUniqueValue"]:
                self.unique[definition["name"]] = {}

    def index_keys(self, record):
        """The key of ``record`` in each live index, in ``index_names`` order."""
        return ((record.id, record.id), (record.created, record.id), (record.updated, record.id))


def unique_key(value):
    """How unique values (e-mail, unique custom properties) are compared: trimmed, any case."""
    return value.strip().lower()


def _sorted_remove(items, key):
    del items[bisect_left(items, key)]


def non_unique_property(table, name):
    """The 400 HubSpot answers when a record is addressed by a property that is not unique."""
    return validation_error(
        f"Unable to perform update/upsert by non-unique {table.type.type_id} property {name} "
        f"in portal ID {defaults.PORTAL_ID}"
    )


def parse_id(value):
    """A record id as the int the store uses, or None if it cannot be one."""
    text = str(value).strip()
    return int(text) if text.isdigit() else None


class Store:
    """The whole state of one sandbox portal."""

    def __init__(self):
        self.lock = threading.RLock()
        self.reset()

    def reset(self):
        """Back to what a new portal holds."""
        with self.lock:
            self.tables = {
                CONTACTS.name: ObjectTable(CONTACTS, defaults.contact_properties()),
                DEALS.name: ObjectTable(DEALS, defaults.deal_properties()),
            }
            self.pipelines = {}
            self.stages = {}  # (pipeline id, stage id) -> stage
            self._register_pipeline(defaults.default_pipeline())
            self.owners = {}
            for owner in defaults.DEFAULT_OWNERS:
                self._put_owner(owner)
            self.links = {("contacts", "deals"): {}, ("deals", "contacts"): {}}
            # The portal's company currency and, per other currency, how many units of it
            # one unit of the company currency buys (Settings > Account Defaults > Currency).
            self.home_currency = defaults.HOME_CURRENCY
            self.exchange_rates = {}
            self._ids = itertools.count(FIRST_ID)
            self._last_id = FIRST_ID - 1

    # ------------------------------------------------------------------ lookups (hold the lock)

    def table(self, object_type):
        """The table of an object type given by name or id (``contacts``, ``0-1``...)."""
        name = defaults.OBJECT_TYPE_ALIASES.get(str(object_type).lower())
        if name is None:
            raise validation_error(f"Unable to infer object type from: {object_type}")
        return self.tables[name]

    def find(self, table, id_value, id_property=None, archived=False):
        """The record an API id designates, following merges; None if there is none.

        ``id_property`` lets the id be the value of ``email`` or of a unique property.
        ``archived`` selects archived records instead of live ones, like HubSpot's parameter.
        """
        if id_property in (None, "", "hs_object_id"):
            record_id = parse_id(id_value)
            while record_id in table.aliases:
                record_id = table.aliases[record_id]
            record = table.records.get(record_id)
        elif id_property in table.unique:
            key = unique_key(str(id_value))
            if archived:
                candidates = (table.records[i] for _, i in table.archived)
                record = next(
                    (r for r in candidates if unique_key(r.props.get(id_property, "")) == key),
                    None,
                )
            else:
                record = table.records.get(table.unique[id_property].get(key))
        else:
            raise non_unique_property(table, id_property)
        if record is None or (record.archived_at is not None) != archived:
            return None
        return record

    def value(self, table, record, name):
        """The string value of a property of a record, computed ones included; None if empty."""
        if name == "hs_object_id":
            return str(record.id)
        if name == "createdate":
            return iso(record.created)
        if name == table.type.modified_property:
            return iso(record.updated)
        if table.type is DEALS and name in DEAL_STAGE_PROPERTIES:
            return self._stage_value(record, name)
        if table.type is DEALS and name == HOME_AMOUNT_PROPERTY:
            return self._home_amount(record)
        return record.props.get(name)

    def _home_amount(self, record):
        """The deal amount in the company currency, at the portal's exchange rate."""
        amount = record.props.get("amount")
        currency = record.props.get("deal_currency_code") or self.home_currency
        if amount is None:
            return None
        if currency == self.home_currency:
            return amount
        rate = self.exchange_rates.get(currency)
        return None if rate is None else f"{float(amount) / rate:g}"

    def _stage_value(self, record, name):
        stage = self.stages.get((record.props.get("pipeline"), record.props.get("dealstage")))
        if stage is None:
            return None
        probability = stage["metadata"]["probability"]
        if name == "hs_deal_stage_probability":
            return probability
        closed = stage["metadata"]["isClosed"] == "true"
        if name == "hs_is_closed":
            return "true" if closed else "false"
        return "true" if closed and float(probability) >= 1.0 else "false"

    def options(self, table, name):
        """Allowed values of an enumeration property, the portal's owners and stages included."""
        if name == OWNER_PROPERTY:
            return list(self.owners)
        if (table.name, name) == (DEALS.name, "pipeline"):
            return list(self.pipelines)
        if (table.name, name) == (DEALS.name, "dealstage"):
            return [stage_id for _, stage_id in self.stages]
        return [option["value"] for option in table.properties[name]["options"]]

    def linked(self, from_table, record, to_table):
        """Ids of the live records of ``to_table`` associated with ``record``, ascending."""
        targets = self.links[(from_table.name, to_table.name)].get(record.id, ())
        return sorted(
            i for i in targets if i in to_table.records and to_table.records[i].archived_at is None
        )

    # ------------------------------------------------------------------ rendering (hold the lock)

    def render(self, table, record, names=None, associations=(), full=False):
        """A record in HubSpot's ``SimplePublicObject`` shape.

        ``names`` are the requested properties (defaults when empty); requested properties
        without a value come back as null. ``full`` returns every property that has a value, as
        HubSpot does in write responses. ``associations`` are tables to list associations to.
        """
        if full:
            names = [*record.props, *table.computed]
        elif not names:
            names = table.type.default_properties
        created, updated = iso(record.created), iso(record.updated)
        known = {"createdate": created, table.type.modified_property: updated}  # formatted once
        properties = {
            n: known.get(n) or self.value(table, record, n) for n in names if n in table.properties
        }
        if full:
            properties = {n: v for n, v in properties.items() if v is not None}
        body = {
            "id": str(record.id),
            "properties": properties,
            "createdAt": created,
            "updatedAt": updated,
            "archived": record.archived_at is not None,
        }
        if record.archived_at is not None:
            body["archivedAt"] = iso(record.archived_at)
        linked = {}
        for other in associations:
            ids = self.linked(table, record, other)
            if ids:
                kind = f"{table.type.singular}_to_{other.type.singular}"
                linked[other.name] = {"results": [{"id": str(i), "type": kind} for i in ids]}
        if linked:
            body["associations"] = linked
        return body

    def render_property(self, table, definition):
        """A property definition with its current options (owners and stages change)."""
        name = definition["name"]
        if name == OWNER_PROPERTY:
            options = [
                {"label": f"{o['firstName']} {o['lastName']}", "value": o["id"]}
                for o in self.owners.values()
            ]
        elif (table.name, name) == (DEALS.name, "pipeline"):
            options = [{"label": p["label"], "value": p["id"]} for p in self.pipelines.values()]
        elif (table.name, name) == (DEALS.name, "dealstage"):
            options = [
                {"label": s["label"], "value": s["id"]}
                for p in self.pipelines.values()
                for s in p["stages"]
            ]
        else:
            return definition
        for order, option in enumerate(options):
            option.update(displayOrder=order, hidden=False, description="")
        return {**definition, "options": options}

    # ------------------------------------------------------------------ writes (hold the lock)

    def prepare(self, table, record, properties, trusted=False):
        """Validate property writes and return them normalized, without applying them.

        ``record`` is None for a create. Untrusted (API) writes may not touch read-only
        properties. Raises 400 listing every invalid property, 409 for a taken e-mail and 400
        for a taken unique value.
        """
        if not isinstance(properties, dict):
            raise validation_error("properties must be an object of property names to values")
        problems = []
        changes = {}
        for name, value in properties.items():
            definition = table.properties.get(name)
            if definition is None:
                message = f'Property "{name}" does not exist'
                problems.append((name, "PROPERTY_DOESNT_EXIST", message))
            elif definition["modificationMetadata"]["readOnlyValue"] and not trusted:
                message = f'"{name}" is a read only property; its value cannot be set.'
                problems.append((name, "READ_ONLY_VALUE", message))
            else:
                options = self.options(table, name) if definition["type"] == "enumeration" else None
                try:
                    changes[name] = normalize(definition, value, options)
                except InvalidValue as error:
                    problems.append((name, error.code, error.message))
        if table.type is DEALS:
            self._check_deal_stage(record, changes, problems)
        if problems:
            raise invalid_properties(problems)
        self._check_unique(table, record, changes)
        return changes

    def _check_deal_stage(self, record, changes, problems):
        """A deal's stage must belong to its pipeline; new deals default to ``default``."""
        current = record.props if record is not None else {}
        if record is None and not changes.get("pipeline"):
            changes["pipeline"] = "default"
        if "pipeline" not in changes and "dealstage" not in changes:
            return
        if any(name in ("pipeline", "dealstage") for name, _, _ in problems):
            return
        pipeline = changes.get("pipeline", current.get("pipeline"))
        stage = changes.get("dealstage", current.get("dealstage"))
        if stage and (pipeline, stage) not in self.stages:
            message = f"{stage} is not a valid deal stage of pipeline {pipeline}"
            problems.append(("dealstage", "INVALID_OPTION", message))

    def _check_unique(self, table, record, changes):
        for name, owners in table.unique.items():
            value = changes.get(name)
            owner = owners.get(unique_key(value)) if value else None
            if owner is None or (record is not None and owner == record.id):
                continue
            if name == "email":
                raise conflict(f"Contact already exists. Existing ID: {owner}")
            message = (
                f"{value} already has that value: {table.type.singular} {owner} holds it. "
                f"Existing ID: {owner}"
            )
            raise invalid_properties([(name, "DUPLICATE_UNIQUE_VALUE", message)])

    def _split(self, table, changes):
        """Stored properties apart from the create/modify timestamps a trusted write may set."""
        stored = {k: v for k, v in changes.items() if k not in table.computed}
        created = changes.get("createdate")
        modified = changes.get(table.type.modified_property)
        return (
            stored,
            parse_timestamp(created) if created else None,
            parse_timestamp(modified) if modified else None,
        )

    def insert(self, table, changes, created=None, updated=None, record_id=None, index=True):
        """Create a record from prepared changes; ``index=False`` defers indexing (bulk seed)."""
        stored, created_prop, updated_prop = self._split(table, changes)
        if record_id is None:
            record_id = self._new_id()
        elif record_id in table.records or record_id in table.aliases:
            raise conflict(f"A {table.type.singular} with id {record_id} already exists")
        else:
            self._reserve_id(record_id)
        now = now_ms()
        created = created if created is not None else created_prop
        created = created if created is not None else now
        updated = updated if updated is not None else updated_prop
        updated = updated if updated is not None else max(now, created)
        record = Record(record_id, {k: v for k, v in stored.items() if v}, created, updated)
        table.records[record_id] = record
        if index:
            self._index(table, record)
        return record

    def modify(self, table, record, changes, modified_at=None):
        """Apply prepared changes; the record's modified date moves only if a value changed."""
        stored, created, updated = self._split(table, changes)
        diff = {k: v for k, v in stored.items() if record.props.get(k, "") != v}
        updated = modified_at if modified_at is not None else updated
        if not diff and created is None and updated is None:
            return False
        before = self._entries(table, record)
        for name, value in diff.items():
            if value:
                record.props[name] = value
            else:
                record.props.pop(name, None)
        record.created = created if created is not None else record.created
        record.updated = updated if updated is not None else now_ms()
        if record.archived_at is None:
            self._move_entries(table, record, before, self._entries(table, record))
        return True

    def archive(self, table, record):
        """Move a record to the recycle bin (HubSpot's soft delete)."""
        if record.archived_at is not None:
            return
        self._unindex(table, record)
        record.archived_at = now_ms()
        insort(table.archived, (record.id, record.id))

    def merge(self, table, primary, other):
        """Merge ``other`` into ``primary`` the way HubSpot does; returns the survivor.

        Contacts: a new record with a new id replaces both; both old ids resolve to it.
        Deals: the primary keeps its id and the other id resolves to it. Primary values win,
        blanks are filled from the other record; the survivor lists the absorbed ids in
        ``hs_merged_object_ids`` and contacts keep the other e-mail as an additional one.
        """
        if primary.id == other.id:
            raise validation_error("Cannot merge an object with itself")
        props = {**other.props, **primary.props}
        merged_ids = [
            *filter(None, primary.props.get("hs_merged_object_ids", "").split(";")),
            *filter(None, other.props.get("hs_merged_object_ids", "").split(";")),
        ]
        absorbed = [primary.id, other.id] if table.type is CONTACTS else [other.id]
        props["hs_merged_object_ids"] = ";".join(merged_ids + [str(i) for i in absorbed])
        if table.type is CONTACTS:
            props["hs_additional_emails"] = self._merged_emails(primary, other)
        for record in (primary, other):
            self._unindex(table, record)
            del table.records[record.id]
        survivor = Record(
            self._new_id() if table.type is CONTACTS else primary.id,
            {k: v for k, v in props.items() if v},
            min(primary.created, other.created),
            now_ms(),
        )
        table.records[survivor.id] = survivor
        for record in (primary, other):
            if record.id != survivor.id:
                table.aliases[record.id] = survivor.id
            self._move_links(table, record.id, survivor.id)
        self._index(table, survivor)
        return survivor

    @staticmethod
    def _merged_emails(primary, other):
        emails = []
        for record in (primary, other):
            emails += record.props.get("hs_additional_emails", "").split(";")
        emails.append(other.props.get("email", ""))
        kept = primary.props.get("email") or other.props.get("email", "")
        seen = {unique_key(kept)}
        result = []
        for email in filter(None, (e.strip() for e in emails)):
            if unique_key(email) not in seen:
                seen.add(unique_key(email))
                result.append(email)
        return ";".join(result)

    def define_property(self, table, body):
        """Create a custom property from a Properties API ``PropertyCreate`` body."""
        if not isinstance(body, dict):
            raise validation_error("The property definition must be an object")
        missing = [
            f for f in ("name", "label", "type", "fieldType", "groupName") if not body.get(f)
        ]
        if missing:
            raise validation_error(f"Missing required fields: {', '.join(missing)}")
        name = body["name"]
        if name in table.properties:
            raise ApiError(409, "OBJECT_ALREADY_EXISTS", f"Property named '{name}' already exists.")
        if body["type"] not in PROPERTY_TYPES:
            raise validation_error(f"Invalid property type {body['type']}")
        if body["fieldType"] not in FIELD_TYPES:
            raise validation_error(f"Invalid property fieldType {body['fieldType']}")
        definition = defaults.property_definition(
            name,
            body["label"],
            body["type"],
            body["fieldType"],
            body["groupName"],
            options=[
                {
                    "label": o.get("label", o.get("value")),
                    "value": o["value"],
                    "displayOrder": o.get("displayOrder", i),
                    "hidden": bool(o.get("hidden", False)),
                    "description": o.get("description", ""),
                }
                for i, o in enumerate(body.get("options") or [])
            ],
            unique=bool(body.get("hasUniqueValue")),
            hubspot_defined=False,
            description=body.get("description") or "",
            created_at=iso(now_ms()),
        )
        table.properties[name] = definition
        if definition["hasUniqueValue"]:
            table.unique[name] = {
                unique_key(r.props[name]): r.id
                for r in table.records.values()
                if r.archived_at is None and r.props.get(name)
            }
        return definition

    def link_pair(self, from_type, to_type):
        """The two tables of a supported association pair (contacts <-> deals)."""
        from_table, to_table = self.table(from_type), self.table(to_type)
        if (from_table.name, to_table.name) not in self.links:
            raise validation_error(
                f"Associations from {from_table.name} to {to_table.name} are not supported"
            )
        return from_table, to_table

    def link(self, from_table, from_id, to_table, to_id, present=True):
        """Add (or with ``present=False`` remove) the association between two records."""
        for a, a_id, b, b_id in (
            (from_table, from_id, to_table, to_id),
            (to_table, to_id, from_table, from_id),
        ):
            links = self.links[(a.name, b.name)]
            if present:
                links.setdefault(a_id, set()).add(b_id)
            elif a_id in links:
                links[a_id].discard(b_id)

    def _move_links(self, table, old_id, new_id):
        """Re-point the associations of a record merged away to the survivor."""
        for (from_name, to_name), links in self.links.items():
            if from_name != table.name:
                continue
            to_table = self.tables[to_name]
            for target in links.pop(old_id, ()):
                self.links[(to_name, from_name)][target].discard(old_id)
                self.link(table, new_id, to_table, target)

    @staticmethod
    def _entries(table, record):
        """What the indexes hold for a live record: its sort keys and its unique values."""
        return table.index_keys(record), {n: record.props.get(n) for n in table.unique}

    @staticmethod
    def _move_entries(table, record, before, after):
        """Update the indexes from entries ``before`` to ``after`` (None: not indexed).

        Only what changed is touched: an update usually moves just the last-modified key.
        """
        no_entries = ((None,) * len(table.index_names), {})
        old_keys, old_unique = before or no_entries
        new_keys, new_unique = after or no_entries
        for name, old, new in zip(table.index_names, old_keys, new_keys, strict=True):
            if old == new:
                continue
            items = table.live[name]
            if old is not None:
                _sorted_remove(items, old)
            if new is not None and (not items or items[-1] < new):
                items.append(new)
            elif new is not None:
                insort(items, new)
        for name, owners in table.unique.items():
            old, new = old_unique.get(name), new_unique.get(name)
            if old and old != new and owners.get(unique_key(old)) == record.id:
                del owners[unique_key(old)]
            if new:
                owners[unique_key(new)] = record.id

    def _index(self, table, record):
        self._move_entries(table, record, None, self._entries(table, record))

    def _unindex(self, table, record):
        self._move_entries(table, record, self._entries(table, record), None)

    def _rebuild_indexes(self, table):
        """Rebuild every index from scratch: cheaper than insorting a bulk load one by one."""
        live = [r for r in table.records.values() if r.archived_at is None]
        keys = [table.index_keys(r) for r in live]
        for position, name in enumerate(table.index_names):
            table.live[name] = sorted(k[position] for k in keys)
        table.archived = sorted(
            (r.id, r.id) for r in table.records.values() if r.archived_at is not None
        )
        for name, owners in table.unique.items():
            owners.clear()
            for record in live:
                value = record.props.get(name)
                if value:
                    owners[unique_key(value)] = record.id

    def _new_id(self):
        self._last_id = next(self._ids)
        return self._last_id

    def _reserve_id(self, record_id):
        """Make sure generated ids never collide with an explicitly given one."""
        if record_id > self._last_id:
            self._ids = itertools.count(record_id + 1)
            self._last_id = record_id

    def _register_pipeline(self, pipeline):
        self.pipelines[pipeline["id"]] = pipeline
        for stage in pipeline["stages"]:
            self.stages[(pipeline["id"], stage["id"])] = stage

    def _put_owner(self, owner):
        owner_id = str(owner.get("id") or self._next_owner_id())
        user_id = int(owner.get("userId") or int(owner_id) + 1_000_000)
        now = iso(now_ms())
        self.owners[owner_id] = {
            "id": owner_id,
            "email": owner["email"],
            "firstName": owner.get("firstName", ""),
            "lastName": owner.get("lastName", ""),
            "userId": user_id,
            "userIdIncludingInactive": user_id,
            "type": "PERSON",
            "teams": [],
            "createdAt": owner.get("createdAt", now),
            "updatedAt": owner.get("updatedAt", now),
            "archived": False,
        }
        return self.owners[owner_id]

    def _next_owner_id(self):
        return max(int(i) for i in self.owners) + 1

    # ------------------------------------------------------------------ test helpers (lock taken)

    def _existing(self, table, object_id):
        record = self.find(table, object_id) or self.find(table, object_id, archived=True)
        if record is None:
            raise not_found(context={"id": [str(object_id)]})
        return record

    def create_object(self, object_type, properties, created_at=None, object_id=None):
        """Create a record directly (no HTTP, not counted); read-only properties allowed.

        ``created_at`` (datetime, epoch ms or ISO string) back-dates the record.
        """
        with self.lock:
            table = self.table(object_type)
            changes = self.prepare(table, None, dict(properties), trusted=True)
            record_id = parse_id(object_id) if object_id is not None else None
            record = self.insert(table, changes, created=to_ms(created_at), record_id=record_id)
            return self.render(table, record, full=True)

    def update_object(self, object_type, object_id, properties, modified_at=None):
        """Update a record directly; ``modified_at`` sets its last-modified date explicitly."""
        with self.lock:
            table = self.table(object_type)
            record = self._existing(table, object_id)
            changes = self.prepare(table, record, dict(properties), trusted=True)
            self.modify(table, record, changes, modified_at=to_ms(modified_at))
            return self.render(table, record, full=True)

    def get_object(self, object_type, object_id):
        """A record with all its values (archived ones too, merges followed), or None."""
        with self.lock:
            table = self.table(object_type)
            record = self.find(table, object_id) or self.find(table, object_id, archived=True)
            return self.render(table, record, full=True) if record else None

    def archive_object(self, object_type, object_id):
        """Archive a record directly."""
        with self.lock:
            table = self.table(object_type)
            self.archive(table, self._existing(table, object_id))

    def merge_objects(self, object_type, primary_id, merged_id):
        """Merge two live records directly; returns the survivor."""
        with self.lock:
            table = self.table(object_type)
            primary, other = (self.find(table, i) for i in (primary_id, merged_id))
            if primary is None or other is None:
                raise not_found(context={"id": [str(primary_id), str(merged_id)]})
            return self.render(table, self.merge(table, primary, other), full=True)

    def associate(self, from_type, from_id, to_type, to_id):
        """Associate two records directly (both directions, default type)."""
        with self.lock:
            from_table, to_table = self.link_pair(from_type, to_type)
            source = self._existing(from_table, from_id)
            target = self._existing(to_table, to_id)
            self.link(from_table, source.id, to_table, target.id)

    def add_owner(self, email, first_name="", last_name="", owner_id=None):
        """Add (or replace, by id) an owner; returns it in ``PublicOwner`` shape."""
        with self.lock:
            owner = {"id": owner_id, "email": email, "firstName": first_name}
            return dict(self._put_owner({**owner, "lastName": last_name}))

    def add_pipeline(self, label, stages, pipeline_id=None):
        """Add a deal pipeline; ``stages`` in HubSpot's stage shape, ids optional.

        Missing stage and pipeline ids get numeric strings, like HubSpot's custom ones.
        """
        with self.lock:
            now = iso(now_ms())
            built = []
            for order, given in enumerate(stages):
                metadata = given.get("metadata", {})
                built.append(
                    defaults.stage(
                        str(given.get("id") or self._new_id()),
                        given["label"],
                        given.get("displayOrder", order),
                        str(metadata.get("probability", "0.0")),
                        str(metadata.get("isClosed", "false")).lower() == "true",
                        created_at=now,
                    )
                )
            pipeline = {
                "id": str(pipeline_id or self._new_id()),
                "label": label,
                "displayOrder": len(self.pipelines),
                "stages": built,
                "createdAt": now,
                "updatedAt": now,
                "archived": False,
            }
            self._register_pipeline(pipeline)
            return pipeline

    def add_property_option(self, object_type, name, value, label):
        """Add an option to an enumeration property (e.g. a custom lead status)."""
        with self.lock:
            definition = self.table(object_type).properties[name]
            if definition["type"] != "enumeration":
                raise validation_error(f"{name} is not an enumeration property")
            options = definition["options"]
            options.append(
                {
                    "label": label,
                    "value": value,
                    "displayOrder": len(options),
                    "hidden": False,
                    "description": "",
                }
            )

    def count(self, object_type, archived=False):
        """How many live (or archived) records of a type there are."""
        with self.lock:
            table = self.table(object_type)
            return len(table.archived if archived else table.live["hs_object_id"])

    def seed(self, data):
        """Load a seed dict (see README): owners, pipelines, records, associations.

        Returns how many of each were loaded. Records are inserted with deferred indexing and
        the indexes rebuilt once, so 100,000 contacts load in seconds.
        """
        counts = {}
        with self.lock:
            self.home_currency = data.get("home_currency", self.home_currency)
            self.exchange_rates.update(data.get("exchange_rates", {}))
            for owner in data.get("owners", []):
                self._put_owner(owner)
            for pipeline in data.get("pipelines", []):
                self.add_pipeline(pipeline["label"], pipeline["stages"], pipeline.get("id"))
            for name in (CONTACTS.name, DEALS.name):
                table = self.tables[name]
                try:
                    for item in data.get(name, []):
                        self._seed_record(table, item)
                finally:
                    self._rebuild_indexes(table)
                counts[name] = len(data.get(name, []))
            for link in data.get("associations", []):
                self.associate(link["from_type"], link["from_id"], link["to_type"], link["to_id"])
            counts.update(
                owners=len(data.get("owners", [])),
                pipelines=len(data.get("pipelines", [])),
                associations=len(data.get("associations", [])),
            )
        return counts

    def _seed_record(self, table, item):
        changes = self.prepare(table, None, item.get("properties", {}), trusted=True)
        record = self.insert(
            table,
            changes,
            created=to_ms(item.get("createdAt")),
            updated=to_ms(item.get("updatedAt")),
            record_id=parse_id(item["id"]) if item.get("id") is not None else None,
            index=False,
        )
        if item.get("archived"):
            record.archived_at = record.updated
            return
        for name, owners in table.unique.items():  # indexing is deferred: keep ``prepare`` exact
            value = record.props.get(name)
            if value:
                owners[unique_key(value)] = record.id
